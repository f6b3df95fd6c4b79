//! The configuration's parsing, bounds and files, as the front ends use them.

use super::*;
use crate::workload::{Phase, WorkloadKind, mlp::ModelConfig};

fn request(fields: &[(&str, &str)]) -> Request {
    let mut r = Request::default();
    for &(key, value) in fields {
        let slot = match key {
            "sizes" => &mut r.sizes,
            "input_dim" => &mut r.input_dim,
            "hidden_dim" => &mut r.hidden_dim,
            "layers" => &mut r.layers,
            "batch_sizes" => &mut r.batch_sizes,
            "precisions" => &mut r.precisions,
            "iterations" => &mut r.iterations,
            "warmup_ms" => &mut r.warmup_ms,
            "target_ci" => &mut r.target_ci,
            "max_time_ms" => &mut r.max_time_ms,
            "repeat" => &mut r.repeat,
            "workloads" => &mut r.workloads,
            "gen_len" => &mut r.gen_len,
            "depth" => &mut r.depth,
            _ => unreachable!(),
        };
        *slot = Some(value.to_owned());
    }
    r
}

#[test]
fn requests_override_the_base() {
    let resolved = request(&[
        ("batch_sizes", "2, 4"),
        ("sizes", "small,xl"),
        ("precisions", "f32"),
        ("target_ci", "off"),
    ])
    .resolve(BenchConfig::default())
    .unwrap();
    let config = resolved.config;
    assert_eq!(config.batch_sizes, vec![2, 4]);
    assert_eq!(config.models.len(), 2);
    assert_eq!(config.models[1].hidden_dim, 2048);
    assert_eq!(config.precisions, vec![Precision::F32]);
    assert_eq!(config.target_ci, None);

    let custom = request(&[("input_dim", "64"), ("hidden_dim", "32"), ("layers", "3")])
        .resolve(BenchConfig::default())
        .unwrap()
        .config;
    assert_eq!(custom.models.len(), 1);
    assert_eq!(custom.models[0].widths(), vec![64, 32, 32, 64]);
}

#[test]
fn empty_fields_keep_the_base() {
    let empty = request(&[("input_dim", " "), ("hidden_dim", ""), ("batch_sizes", "")]);
    let resolved = empty.resolve(BenchConfig::quick()).unwrap();
    assert_eq!(resolved.config, BenchConfig::quick());
}

#[test]
fn duplicates_are_measured_once_with_a_note() {
    let resolved = request(&[("batch_sizes", "16,16,1"), ("precisions", "f32,F32")])
        .resolve(BenchConfig::quick())
        .unwrap();
    assert_eq!(resolved.config.batch_sizes, vec![16, 1]);
    assert_eq!(resolved.config.precisions, vec![Precision::F32]);
    assert_eq!(resolved.notes.len(), 2);
    assert!(resolved.notes[0].contains("batch size 16 was given twice"));
}

#[test]
fn every_bound_names_its_limit() {
    let cases: [(&[(&str, &str)], &str); 11] = [
        (&[("batch_sizes", "0")], "between 1 and 1048576, got 0"),
        (&[("batch_sizes", "2000000")], "got 2000000"),
        (&[("batch_sizes", "x")], "batch sizes: 'x' is not valid"),
        (&[("sizes", "huge")], "unknown model size 'huge'"),
        (&[("precisions", "f64")], "unknown precision 'f64'"),
        (
            &[("iterations", "0")],
            "iterations must be between 1 and 100000",
        ),
        (
            &[("iterations", "-3")],
            "iterations: '-3' is not a valid number",
        ),
        (
            &[("warmup_ms", "inf")],
            "warm-up must be between 0 and 600000 ms",
        ),
        (
            &[("hidden_dim", "100000")],
            "hidden width must be between 1 and 65536",
        ),
        (&[("layers", "1")], "layers must be between 2 and 64, got 1"),
        (&[("repeat", "1000")], "repeat must be between 1 and 100"),
    ];
    for (fields, needle) in cases {
        let err = request(fields).resolve(BenchConfig::quick()).unwrap_err().0;
        assert!(err.contains(needle), "{fields:?}: {err}");
    }
    let many = vec!["1"; 40].join(",");
    let err = request(&[("batch_sizes", many.as_str())])
        .resolve(BenchConfig::quick())
        .unwrap_err();
    assert!(err.0.contains("at most 32 entries"), "{err}");
}

#[test]
fn toml_files_name_models_and_settings() {
    let config = from_toml(
        "batch_sizes = [1, 8]\nrepeat = 2\ntail = true\n\
         [[models]]\nname = \"narrow\"\ninput_dim = 64\nhidden_dim = 16\n\
         [[models]]\nname = \"wide\"\ninput_dim = 64\nhidden_dim = 128\nlayers = 3\n",
        BenchConfig::default(),
        false,
    )
    .unwrap();
    assert_eq!(config.batch_sizes, vec![1, 8]);
    assert_eq!(config.repeat, 2);
    assert!(config.tail);
    assert_eq!(config.models[1].widths(), vec![64, 128, 128, 64]);
    assert!(config.validate().is_ok());
    let err = from_toml("bogus = 1\n", BenchConfig::default(), false).unwrap_err();
    assert!(err.0.contains("unknown field"), "{err}");
    let err = from_toml("[[models]]\nname = \"m\"\n", BenchConfig::default(), false).unwrap_err();
    assert!(err.0.contains("missing field"), "{err}");
}

#[test]
fn generation_lengths_and_their_bounds() {
    let config = request(&[
        ("workloads", "decoder:tiny"),
        ("gen_len", "16"),
        ("depth", "100"),
    ])
    .resolve(BenchConfig::default())
    .unwrap()
    .config;
    let Workload::Decoder(decoder) = &config.workloads[0] else {
        panic!()
    };
    assert_eq!((decoder.generate, decoder.depth), (16, 100));
    assert_eq!(
        config.workloads[0].test_name(Phase::Generate).as_deref(),
        Some("tg16 @ d100")
    );
    let file = "workloads = [\"decoder:tiny\"]\ngen_len = 8\n";
    let config = from_toml(file, BenchConfig::default(), false).unwrap();
    assert_eq!(
        config.workloads[0].test_name(Phase::Generate).as_deref(),
        Some("tg8")
    );
    for (fields, message) in [
        (
            &[("workloads", "decoder:tiny"), ("gen_len", "0")][..],
            "generated tokens (--gen-len) must be at least 1",
        ),
        (
            &[
                ("workloads", "decoder:tiny"),
                ("gen_len", "200"),
                ("depth", "100"),
            ][..],
            "must fit the context, 256, got 200 + 100",
        ),
        (
            &[("workloads", "cnn"), ("depth", "8")][..],
            "the run has no decoder",
        ),
        (
            &[("workloads", "decoder:tiny"), ("gen_len", "many")][..],
            "generated tokens (--gen-len): 'many' is not a valid number",
        ),
    ] {
        let err = request(fields)
            .resolve(BenchConfig::default())
            .unwrap_err()
            .0;
        assert!(err.contains(message), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn several_prompt_lengths_sweep_the_prefill() {
    let mut r = request(&[]);
    r.workloads = Some("decoder:tiny,cnn".into());
    r.prompt_len = Some("16,64".into());
    let config = r.resolve(BenchConfig::default()).unwrap().config;
    let labels: Vec<String> = config.workloads.iter().map(Workload::label).collect();
    assert_eq!(labels, ["decoder:tiny-p16", "decoder:tiny-p64", "cnn:tiny"]);
    let phases: Vec<&[Phase]> = config.workloads.iter().map(Workload::phases).collect();
    assert_eq!(phases[0], [Phase::Prefill, Phase::Decode, Phase::Generate]);
    assert_eq!(phases[1], [Phase::Prefill], "the decode step runs once");
    let Workload::Decoder(second) = &config.workloads[1] else {
        panic!()
    };
    assert_eq!(second.prompt, 64);
    let file = "workloads = [\"decoder:tiny\"]\nprompt_len = [8, 32]\n";
    let config = from_toml(file, BenchConfig::default(), false).unwrap();
    assert_eq!(config.workloads[1].name(), "tiny-p32");
    // The sweep reads back from results.json as it was run.
    let text = serde_json::to_string(&config).unwrap();
    let back: BenchConfig = serde_json::from_str(&text).unwrap();
    assert_eq!(back, config);
    r.prompt_len = Some("16,300".into());
    let err = r.resolve(BenchConfig::default()).unwrap_err().0;
    assert!(err.contains("between 1 and 256, got 300"), "{err}");
}

#[test]
fn workloads_are_chosen_by_name_and_preset() {
    let default = BenchConfig::default();
    // Every registered workload beside the MLP (which runs as the run's models).
    assert_eq!(default.workloads.len(), WorkloadKind::ALL.len() - 1);
    assert!(default.workloads.iter().all(|w| !w.kind().is_mlp()));
    assert_eq!(default.batch_sizes_of(&default.workloads[0]), SMALL_BATCHES);
    assert_eq!(BenchConfig::default_for(true).workloads[1].name(), "gpt2");
    let mut r = request(&[]);
    r.workloads = Some("mlp:large, decoder, cnn:resnet50".into());
    r.prompt_len = Some("32".into());
    let config = r.resolve(BenchConfig::default()).unwrap().config;
    assert_eq!(config.models.len(), 1);
    assert_eq!(config.models[0].hidden_dim, 1024);
    let labels: Vec<String> = config.workloads.iter().map(Workload::label).collect();
    assert_eq!(labels, ["decoder:tiny", "cnn:resnet50"]);
    let Workload::Decoder(decoder) = &config.workloads[0] else {
        panic!()
    };
    assert_eq!(decoder.prompt, 32);
    r.hardware_gpu = true;
    let config = r.resolve(BenchConfig::default()).unwrap().config;
    assert_eq!(config.workloads[0].name(), "gpt2");
    // Naming the MLP's sizes without workloads asks for the MLP alone.
    let mlp = request(&[("sizes", "small")]).resolve(BenchConfig::default());
    assert!(mlp.unwrap().config.workloads.is_empty());
    let file = "workloads = [\"encoder:bert-base\"]\ncontext_len = 9\n";
    let config = from_toml(file, BenchConfig::default(), false).unwrap();
    assert!(config.models.is_empty() && config.workloads[0].name() == "bert-base");
    let mut r = request(&[]);
    r.workloads = Some("decoder".into());
    r.context_len = Some("999".into());
    let err = r.resolve(BenchConfig::default()).unwrap_err().0;
    assert!(
        err.contains("between 2 and the context, 256, got 999"),
        "{err}"
    );
}

#[test]
fn presets_and_names() {
    assert_eq!(ModelConfig::preset("Large", 1024).unwrap().hidden_dim, 1024);
    assert!(BenchConfig::default().validate().is_ok());
    let mut config = BenchConfig::quick();
    config.models[1].name = "small".into();
    assert!(config.validate().unwrap_err().0.contains("twice"));
    config.models[1].name = "x".repeat(100);
    assert!(config.validate().unwrap_err().0.contains("longer than 64"));
}
