//! The run configuration: model size or custom widths, batch sizes, iterations, precisions,
//! suites and device.

use leptos::prelude::*;
use nlbench::{
    config::{BenchConfig, DEFAULT_INPUT_DIM, ModelConfig},
    precision::Precision,
};

use crate::{
    app::RunRequest,
    bench::{Suites, Target},
    gpu::GpuInfo,
};

/// Reads a comma-separated list of positive numbers.
fn numbers(text: &str, what: &str) -> Result<Vec<usize>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| format!("{what}: '{s}' is not a whole number"))
        })
        .collect()
}

#[component]
pub fn ConfigForm(
    gpu: RwSignal<Option<Result<GpuInfo, String>>>,
    running: RwSignal<bool>,
    on_run: impl Fn(RunRequest) + 'static,
) -> impl IntoView {
    let sizes = RwSignal::new("small,medium".to_owned());
    let input_dim = RwSignal::new(DEFAULT_INPUT_DIM.to_string());
    let hidden_dim = RwSignal::new(String::new());
    let batch_sizes = RwSignal::new("1,16,64".to_owned());
    let iterations = RwSignal::new("10".to_owned());
    let warmup_ms = RwSignal::new("100".to_owned());
    let f32_on = RwSignal::new(true);
    let f16_on = RwSignal::new(true);
    let bf16_on = RwSignal::new(false);
    let inference_on = RwSignal::new(true);
    let memory_on = RwSignal::new(false);
    let use_cpu = RwSignal::new(false);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let has_webgpu = move || matches!(gpu.get(), Some(Ok(_)));

    let build = move || -> Result<RunRequest, String> {
        let input = input_dim
            .get_untracked()
            .trim()
            .parse::<usize>()
            .map_err(|_| "input width must be a whole number".to_owned())?;
        let mut models = Vec::new();
        for size in sizes
            .get_untracked()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            models.push(ModelConfig::preset(size, input).map_err(|e| e.0)?);
        }
        let hidden = hidden_dim.get_untracked();
        if !hidden.trim().is_empty() {
            let hidden = hidden
                .trim()
                .parse::<usize>()
                .map_err(|_| "hidden width must be a whole number".to_owned())?;
            models.push(ModelConfig::new("custom", input, hidden));
        }
        let precisions: Vec<Precision> = [
            (f32_on, Precision::F32),
            (f16_on, Precision::F16),
            (bf16_on, Precision::Bf16),
        ]
        .into_iter()
        .filter(|(on, _)| on.get_untracked())
        .map(|(_, p)| p)
        .collect();
        let config = BenchConfig {
            models,
            batch_sizes: numbers(&batch_sizes.get_untracked(), "batch sizes")?,
            precisions,
            iterations: iterations
                .get_untracked()
                .trim()
                .parse()
                .map_err(|_| "iterations must be a whole number".to_owned())?,
            warmup_ms: warmup_ms
                .get_untracked()
                .trim()
                .parse()
                .map_err(|_| "warm-up must be a number of milliseconds".to_owned())?,
            ..BenchConfig::quick()
        };
        config.validate().map_err(|e| e.0)?;
        let suites = Suites {
            inference: inference_on.get_untracked(),
            memory: memory_on.get_untracked(),
        };
        if !suites.inference && !suites.memory {
            return Err("choose at least one suite".into());
        }
        let target = if use_cpu.get_untracked() || !matches!(gpu.get_untracked(), Some(Ok(_))) {
            Target::Cpu
        } else {
            Target::WebGpu
        };
        Ok(RunRequest {
            target,
            suites,
            config,
        })
    };

    let text_input = |label: &'static str, id: &'static str, value: RwSignal<String>| {
        view! {
            <label>
                {label}
                <input
                    type="text"
                    data-testid=id
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </label>
        }
    };
    let check = |label: &'static str, id: &'static str, value: RwSignal<bool>| {
        view! {
            <label class="check">
                <input
                    type="checkbox"
                    data-testid=id
                    prop:checked=move || value.get()
                    on:change=move |ev| value.set(event_target_checked(&ev))
                />
                {label}
            </label>
        }
    };

    view! {
        <section class="config">
            <h2>"Configuration"</h2>
            <div class="fields">
                {text_input("Model sizes (small, medium, large, xl)", "sizes", sizes)}
                {text_input("Input width", "input-dim", input_dim)}
                {text_input("Custom hidden width (optional)", "hidden-dim", hidden_dim)}
                {text_input("Batch sizes", "batch-sizes", batch_sizes)}
                {text_input("Iterations", "iterations", iterations)}
                {text_input("Warm-up (ms)", "warmup-ms", warmup_ms)}
            </div>
            <div class="checks">
                {check("FP32", "f32", f32_on)}
                {check("FP16", "f16", f16_on)}
                {check("BF16", "bf16", bf16_on)}
                {check("Inference suite", "suite-inference", inference_on)}
                {check("Memory suite", "suite-memory", memory_on)}
                {check("Use the CPU backend (wasm)", "use-cpu", use_cpu)}
            </div>
            <Show when=move || !has_webgpu()>
                <p class="note">"Without WebGPU the run uses the CPU backend."</p>
            </Show>
            <button
                data-testid="run"
                prop:disabled=move || running.get() || gpu.get().is_none()
                on:click=move |_| match build() {
                    Ok(request) => {
                        error.set(None);
                        on_run(request);
                    }
                    Err(reason) => error.set(Some(reason)),
                }
            >
                {move || if running.get() { "Running…" } else { "Run benchmark" }}
            </button>
            <Show when=move || error.get().is_some()>
                <p class="message" data-testid="form-error">{move || error.get()}</p>
            </Show>
        </section>
    }
}
