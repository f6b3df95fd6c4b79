//! A decoder-only language model, GPT-2's architecture: token and learned position
//! embeddings, pre-norm blocks of causal self-attention (burn's fused attention op) and a
//! GELU MLP, a final layer norm and an output head tied to the token embedding. Its two
//! phases: the prefill of a prompt (ending with the logits of the first generated token) and
//! a decode step, one token per sequence attending to a KV cache.
//!
//! This module is its configuration, shapes and figures; its network on burn is the module of
//! the same name in the `nlbench` crate.

use serde::{Deserialize, Serialize};

use super::{Definition, Figures, Phase, Shapes, Unit, bounded, check_stack, encoder::MAX_SEQUENCE, matmul_flops};
use crate::error::ConfigError;

/// Largest vocabulary.
pub const MAX_VOCABULARY: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecoderConfig {
    pub name: String,
    pub width: usize,
    pub layers: usize,
    pub heads: usize,
    pub vocabulary: usize,
    /// The longest context the model has positions for.
    pub context: usize,
    /// Tokens of the prompt the prefill phase runs.
    pub prompt: usize,
    /// Positions a decode step attends to: the KV cache's length with the new token.
    pub decode_at: usize,
    /// Whether the decode phase runs: not for the further prompt lengths of a prefill sweep,
    /// whose decode step would repeat the first one's (schema version 9; absent: it does).
    #[serde(default = "runs_decode", skip_serializing_if = "is_runs_decode")]
    pub decodes: bool,
    /// Tokens the generation test (`tgN`) generates one after another (schema version 11;
    /// absent or 0: no generation test, as in older results).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub generate: usize,
    /// Tokens of context the generation starts after (`tgN @ dM`; schema version 11).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub depth: usize,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

fn runs_decode() -> bool {
    true
}

fn is_runs_decode(decodes: &bool) -> bool {
    *decodes
}

impl DecoderConfig {
    /// The name without a prefill sweep's `-pLENGTH` suffix: what the sweep's decoders share.
    pub fn swept_name(&self) -> &str {
        self.name
            .strip_suffix(&format!("-p{}", self.prompt))
            .unwrap_or(&self.name)
    }

    /// Token and position tables, per block two layer norms `4d`, QKV and projection
    /// `4d² + 4d`, the MLP `8d² + 5d`; the final norm `2d`; the head shares the token table.
    pub fn parameter_count(&self) -> u64 {
        let (d, v, c) = (
            self.width as u64,
            self.vocabulary as u64,
            self.context as u64,
        );
        v * d + c * d + self.layers as u64 * self.block_parameters() + 2 * d
    }

    fn block_parameters(&self) -> u64 {
        let d = self.width as u64;
        12 * d * d + 13 * d
    }

    /// A generation's figures per sequence: its steps' decode figures summed, each step
    /// attending to one position more than the one before (the first to `depth + 1`), and
    /// the memory of its last, longest step.
    fn generation_figures(&self) -> Figures {
        let step = |keys: usize| {
            DecoderConfig {
                decode_at: keys,
                ..self.clone()
            }
            .figures(Phase::Decode)
        };
        // A step's FLOPs grow linearly with the positions it attends to.
        let per_key = step(2).flops_per_sample - step(1).flops_per_sample;
        let without_keys = step(1).flops_per_sample - per_key;
        let (steps, first) = (self.generate as u64, self.depth as u64 + 1);
        let keys = steps * first + steps * steps.saturating_sub(1) / 2;
        let last = step(self.depth + self.generate);
        Figures {
            flops_per_sample: steps * without_keys + per_key * keys,
            weights_read: steps * last.weights_read,
            input_elements: steps * last.input_elements,
            output_elements: steps * last.output_elements,
            ..last
        }
    }
}

impl Shapes for DecoderConfig {
    fn preset_name(&self) -> &str {
        &self.name
    }

    fn phases(&self) -> &'static [Phase] {
        match (self.decodes, self.generate > 0) {
            (true, true) => &[Phase::Prefill, Phase::Decode, Phase::Generate],
            (true, false) => &[Phase::Prefill, Phase::Decode],
            (false, _) => &[Phase::Prefill],
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let name = format!("decoder '{}'", self.name);
        check_stack(&name, self.width, self.layers, self.heads)?;
        bounded(&name, "vocabulary", self.vocabulary, MAX_VOCABULARY)?;
        bounded(&name, "context", self.context, MAX_SEQUENCE)?;
        bounded(
            &name,
            "the prompt length (at most the context)",
            self.prompt,
            self.context,
        )?;
        if !(2..=self.context).contains(&self.decode_at) {
            return Err(ConfigError(format!(
                "{name}: the decode context length must be between 2 and the context, {}, got {}",
                self.context, self.decode_at
            )));
        }
        if self.depth + self.generate > self.context {
            return Err(ConfigError(format!(
                "{name}: the generated tokens (--gen-len) after the depth (--depth) must fit \
                 the context, {}, got {} + {}",
                self.context, self.generate, self.depth
            )));
        }
        Ok(())
    }

    /// One prompt (prefill) or one sequence's token (decode). Attention counts the causal
    /// pairs a prompt's tokens attend to (each token the ones before it and itself), or the
    /// `decode_at` positions a decode step attends to; the head runs at the last position.
    fn figures(&self, phase: Phase) -> Figures {
        if phase == Phase::Generate {
            return self.generation_figures();
        }
        let (d, v, l, h) = (
            self.width as u64,
            self.vocabulary as u64,
            self.layers as u64,
            self.heads as u64,
        );
        let tokens = match phase {
            Phase::Decode => 1,
            _ => self.prompt as u64,
        };
        let projections = matmul_flops(tokens, 3 * d, d)
            + matmul_flops(tokens, d, d)
            + matmul_flops(tokens, 4 * d, d)
            + matmul_flops(tokens, d, 4 * d);
        let (pairs, keys) = match phase {
            Phase::Decode => (self.decode_at as u64, self.decode_at as u64),
            _ => (tokens * (tokens + 1) / 2, tokens),
        };
        let attention = 2 * 2 * pairs * d;
        let weights = l * self.block_parameters() + 2 * d + v * d;
        let (cache, per_layer_activations, largest) = match phase {
            // The step's inputs are the cache of `decode_at - 1` positions; it writes the
            // grown cache (burn concatenates) and the step's own tensors.
            Phase::Decode => (
                2 * l * keys * d,
                2 * keys * d + 22 * d + 2 * h * keys,
                (keys * d).max(v),
            ),
            _ => (
                2 * l * tokens * d,
                22 * tokens * d + 2 * h * tokens * tokens,
                (4 * tokens * d).max(h * tokens * tokens).max(v),
            ),
        };
        Figures {
            parameters: self.parameter_count(),
            flops_per_sample: l * (projections + attention) + matmul_flops(1, v, d),
            weights_read: weights,
            input_elements: 2 * tokens * d,
            output_elements: v,
            activation_elements: l * per_layer_activations + 3 * tokens * d + v,
            largest_elements: largest,
            largest_weight: (v * d).max(4 * d * d),
            cache_elements: cache,
        }
    }

    fn unit(&self, phase: Phase) -> Unit {
        match phase {
            Phase::Decode => Unit {
                samples: "tokens",
                tokens: Some(1),
            },
            Phase::Generate => Unit {
                samples: "sequences",
                tokens: Some(self.generate as u64),
            },
            _ => Unit {
                samples: "prompts",
                tokens: Some(self.prompt as u64),
            },
        }
    }

    fn describe(&self) -> String {
        let parameters = super::thousands(self.parameter_count());
        format!(
            "Width {}, {} layers, {} heads, vocabulary {}, context {}; {parameters} parameters. \
             **Prefill**: a {}-token prompt to the logits of the first generated token (time \
             to first token), {:.2} GFLOP per prompt. **Decode**: one token per sequence \
             attending to a KV cache of {} positions, {:.3} GFLOP per token; each decode row \
             is checked against a full pass over the same tokens without the cache.",
            self.width,
            self.layers,
            self.heads,
            self.vocabulary,
            self.context,
            self.prompt,
            super::gflop(self, Phase::Prefill),
            self.decode_at,
            super::gflop(self, Phase::Decode)
        ) + &self.describe_generation()
    }

    fn test_name(&self, phase: Phase) -> Option<String> {
        match phase {
            Phase::Prefill => Some(format!("pp{}", self.prompt)),
            Phase::Generate if self.depth > 0 => {
                Some(format!("tg{} @ d{}", self.generate, self.depth))
            }
            Phase::Generate => Some(format!("tg{}", self.generate)),
            _ => None,
        }
    }

    fn measured_pass(&self) -> String {
        format!(
            "a prefill of {} tokens, to the next token's logits, its KV cache alive for inference",
            self.prompt
        )
    }
}

impl DecoderConfig {
    fn describe_generation(&self) -> String {
        if self.generate == 0 {
            return String::new();
        }
        let after = if self.depth > 0 {
            format!("after a {}-token context", self.depth)
        } else {
            "from an empty cache".to_owned()
        };
        format!(
            " **Generation** ({}): {} tokens per sequence one after another {after}, each \
             step feeding its most likely token back and reading it on the host; tokens/s is \
             {} × batch ÷ the run's time, and the time per output token is each step's own.",
            self.test_name(Phase::Generate).unwrap_or_default(),
            self.generate,
            self.generate
        )
    }
}

impl Definition for DecoderConfig {
    const NAME: &'static str = "decoder";
    const TITLE: &'static str = "Decoder language model";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpt2_has_gpt2_figures() {
        let gpt2 = DecoderConfig::preset("gpt2").unwrap();
        // GPT-2 small with its head tied to the token embedding.
        assert_eq!(gpt2.parameter_count(), 124_439_808);
        let one = DecoderConfig::preset("1b").unwrap().parameter_count() as f64;
        assert!((0.8e9..1.2e9).contains(&one), "{one}");
        // A decode step by hand: two FLOPs per weight of the blocks' 12·768² matrices and of
        // the head, and 4·768 per layer for each of the 512 positions attended to.
        let by_hand = 2 * (12 * 12 * 768 * 768 + 50_257 * 768) + 12 * 4 * 512 * 768;
        assert_eq!(gpt2.figures(Phase::Decode).flops_per_sample, by_hand);
    }

    #[test]
    fn generation_sums_its_steps() {
        let mut tiny = DecoderConfig::preset("tiny").unwrap();
        assert_eq!((tiny.prompt, tiny.generate, tiny.depth), (64, 32, 0));
        assert_eq!(tiny.test_name(Phase::Prefill).as_deref(), Some("pp64"));
        assert_eq!(tiny.test_name(Phase::Generate).as_deref(), Some("tg32"));
        tiny.generate = 3;
        tiny.depth = 5;
        assert_eq!(tiny.test_name(Phase::Generate).as_deref(), Some("tg3 @ d5"));
        // Three steps attending to 6, 7 and 8 positions, each a decode step at that length.
        let step = |keys| {
            DecoderConfig {
                decode_at: keys,
                ..tiny.clone()
            }
            .figures(Phase::Decode)
        };
        let generation = tiny.figures(Phase::Generate);
        assert_eq!(
            generation.flops_per_sample,
            step(6).flops_per_sample + step(7).flops_per_sample + step(8).flops_per_sample
        );
        assert_eq!(generation.weights_read, 3 * step(8).weights_read);
        assert_eq!(generation.cache_elements, step(8).cache_elements);
        assert_eq!(tiny.unit(Phase::Generate).tokens, Some(3));
        let gpt2 = DecoderConfig::preset("gpt2").unwrap();
        assert_eq!(gpt2.test_name(Phase::Prefill).as_deref(), Some("pp512"));
        assert_eq!(gpt2.test_name(Phase::Generate).as_deref(), Some("tg128"));
        tiny.depth = 253;
        assert!(tiny.validate().is_ok(), "3 + 253 tokens fill the context");
        tiny.depth = 254;
        let err = tiny.validate().unwrap_err().0;
        assert!(err.contains("must fit the context, 256, got 3 + 254"), "{err}");
    }

    #[test]
    fn bounds_name_the_context() {
        let mut tiny = DecoderConfig::preset("tiny").unwrap();
        tiny.prompt = 300;
        let err = tiny.validate().unwrap_err().0;
        assert!(
            err.contains("prompt length (at most the context) must be between 1 and 256, got 300"),
            "{err}"
        );
    }
}
