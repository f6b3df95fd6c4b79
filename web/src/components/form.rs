//! The run configuration: what the command line offers (workloads and their presets, sizes,
//! custom width and layers, decoder lengths, batch sizes, precisions, iterations, warm-up,
//! sampling, clock, suites), parsed and
//! validated by the library, so a mistake gets the same message here as there.

use leptos::prelude::*;
use nlbench::{
    config::{BenchConfig, Request},
    plan::{ClockPolicy, Plan, Suites},
    precision::Precision,
};

use super::workloads::{Picks, WorkloadPicker};
use crate::{
    bench::{RunRequest, Target},
    gpu::{GpuInfo, Power},
};

/// Fields as typed (signals are handles, so the form's closures share one copy).
#[derive(Clone, Copy)]
struct Fields {
    workloads: Picks,
    prompt_len: RwSignal<String>,
    context_len: RwSignal<String>,
    gen_len: RwSignal<String>,
    sizes: RwSignal<String>,
    input_dim: RwSignal<String>,
    hidden_dim: RwSignal<String>,
    layers: RwSignal<String>,
    batch_sizes: RwSignal<String>,
    iterations: RwSignal<String>,
    warmup_ms: RwSignal<String>,
    target_ci: RwSignal<String>,
    max_time_ms: RwSignal<String>,
    repeat: RwSignal<String>,
    clock: RwSignal<String>,
}

impl Fields {
    /// Everything but the precisions, which are boxes rather than text.
    fn request(&self) -> Request {
        let text = |s: RwSignal<String>| Some(s.get_untracked());
        Request {
            sizes: text(self.sizes),
            input_dim: text(self.input_dim),
            hidden_dim: text(self.hidden_dim),
            layers: text(self.layers),
            batch_sizes: text(self.batch_sizes),
            precisions: None,
            iterations: text(self.iterations),
            warmup_ms: text(self.warmup_ms),
            seed: None,
            target_ci: text(self.target_ci),
            max_time_ms: text(self.max_time_ms),
            repeat: text(self.repeat),
            workloads: Some(self.workloads.text()),
            prompt_len: text(self.prompt_len),
            context_len: text(self.context_len),
            gen_len: text(self.gen_len),
            depth: None,
            tail: false,
            // A bare workload name takes its tiny preset in the browser: the realistic ones
            // are for a command-line run on a GPU, or asked for by name.
            hardware_gpu: false,
        }
    }
}

#[component]
pub fn ConfigForm(
    gpu: RwSignal<Option<Result<GpuInfo, String>>>,
    power: RwSignal<Power>,
    running: RwSignal<bool>,
    on_run: impl Fn(RunRequest) + 'static,
) -> impl IntoView {
    // The form starts at the library's quick plan, which its request resolves against, so
    // the two cannot drift apart.
    let quick = BenchConfig::quick();
    let listed = |items: Vec<String>| RwSignal::new(items.join(","));
    let fields = Fields {
        workloads: Picks::new(),
        prompt_len: RwSignal::new(String::new()),
        context_len: RwSignal::new(String::new()),
        gen_len: RwSignal::new(String::new()),
        sizes: listed(quick.models.iter().map(|m| m.name.clone()).collect()),
        input_dim: RwSignal::new(String::new()),
        hidden_dim: RwSignal::new(String::new()),
        layers: RwSignal::new(String::new()),
        batch_sizes: listed(quick.batch_sizes.iter().map(usize::to_string).collect()),
        iterations: RwSignal::new(quick.iterations.to_string()),
        warmup_ms: RwSignal::new(quick.warmup_ms.to_string()),
        // The form takes the interval target in percent, as --target-ci does.
        target_ci: RwSignal::new(
            quick
                .target_ci
                .map_or_else(|| "off".to_owned(), |share| (share * 100.0).to_string()),
        ),
        max_time_ms: RwSignal::new(
            quick
                .max_time_ms
                .map(|ms| ms.to_string())
                .unwrap_or_default(),
        ),
        repeat: RwSignal::new(quick.repeat.to_string()),
        clock: RwSignal::new("auto".to_owned()),
    };
    let precision_on = |precision| RwSignal::new(quick.precisions.contains(&precision));
    let f32_on = precision_on(Precision::F32);
    let f16_on = precision_on(Precision::F16);
    let bf16_on = precision_on(Precision::Bf16);
    let inference_on = RwSignal::new(true);
    let memory_on = RwSignal::new(false);
    let training_on = RwSignal::new(false);
    let use_cpu = RwSignal::new(false);
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let notes: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let has_webgpu = move || matches!(gpu.get(), Some(Ok(_)));

    let build = move || -> Result<(RunRequest, Vec<String>), String> {
        let precisions: Vec<Precision> = [
            (f32_on, Precision::F32),
            (f16_on, Precision::F16),
            (bf16_on, Precision::Bf16),
        ]
        .into_iter()
        .filter(|(on, _)| on.get_untracked())
        .map(|(_, p)| p)
        .collect();
        let mut resolved = fields
            .request()
            .resolve(BenchConfig::quick())
            .map_err(|e| e.0)?;
        // The boxes are the precisions, none ticked included: the library's validation says
        // what that leaves.
        resolved.config.precisions = precisions;
        resolved.config.validate().map_err(|e| e.0)?;
        let suites = Suites::chosen(
            inference_on.get_untracked(),
            memory_on.get_untracked(),
            training_on.get_untracked(),
        )
        .map_err(|e| e.0)?;
        let mut plan = Plan::new(resolved.config);
        plan.suites = suites;
        // burn's probes stay on the command line: autotuning their 1024³ matmul took minutes
        // on a software WebGPU device.
        plan.probes = false;
        plan.clock = fields
            .clock
            .get_untracked()
            .parse::<ClockPolicy>()
            .map_err(|e| e.0)?;
        // The CPU only when asked for: never in silence when WebGPU was meant and its adapter
        // did not come.
        let target = match gpu.get_untracked() {
            _ if use_cpu.get_untracked() => Target::Cpu,
            Some(Ok(_)) => Target::WebGpu,
            Some(Err(reason)) => {
                return Err(format!(
                    "WebGPU gave no adapter ({reason}); tick \"Use the CPU backend\" to run on \
                     the CPU instead"
                ));
            }
            None => return Err("the WebGPU adapter is still being asked for".into()),
        };
        Ok((RunRequest { target, plan }, resolved.notes))
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
    let clock = fields.clock;

    view! {
        <section class="config">
            <h2>"Configuration"</h2>
            <WorkloadPicker picks=fields.workloads />
            <div class="fields">
                {text_input("MLP sizes (small, medium, large, xl)", "sizes", fields.sizes)}
                {text_input("Input width (default 1024)", "input-dim", fields.input_dim)}
                {text_input("Custom hidden width (optional)", "hidden-dim", fields.hidden_dim)}
                {text_input("Custom model's layers (optional)", "layers", fields.layers)}
                {text_input("Decoder prompt lengths (optional; several sweep the prefill)", "prompt-len", fields.prompt_len)}
                {text_input("Decoder KV-cache length (optional)", "context-len", fields.context_len)}
                {text_input("Decoder generated tokens, tgN (optional)", "gen-len", fields.gen_len)}
                {text_input("Batch sizes", "batch-sizes", fields.batch_sizes)}
                {text_input("Iterations (at least)", "iterations", fields.iterations)}
                {text_input("Warm-up (ms)", "warmup-ms", fields.warmup_ms)}
                {text_input("Interval target (±%, or off)", "target-ci", fields.target_ci)}
                {text_input("Sampling time cap (ms)", "max-time-ms", fields.max_time_ms)}
                {text_input("Rounds (3 or more: intervals that hold from run to run)", "repeat", fields.repeat)}
                <label>
                    "GPU (power preference)"
                    <select
                        data-testid="power"
                        prop:disabled=move || running.get()
                        on:change=move |ev| power.set(Power::parse(&event_target_value(&ev)))
                    >
                        <option value="high-performance">"high-performance (a discrete GPU)"</option>
                        <option value="low-power">"low-power (an integrated GPU)"</option>
                    </select>
                </label>
                <label>
                    "Clock"
                    <select
                        data-testid="clock"
                        prop:value=move || clock.get()
                        on:change=move |ev| clock.set(event_target_value(&ev))
                    >
                        <option value="auto">"auto (headline, and GPU timestamps where available)"</option>
                        <option value="both">"both (headline and GPU timestamps)"</option>
                        <option value="host">"host (the headline alone: performance.now() to a read-back)"</option>
                    </select>
                </label>
            </div>
            <div class="checks">
                {check("FP32", "f32", f32_on)}
                {check("FP16", "f16", f16_on)}
                {check("BF16", "bf16", bf16_on)}
                {check("Inference suite", "suite-inference", inference_on)}
                {check("Memory suite", "suite-memory", memory_on)}
                {check("Training suite", "suite-training", training_on)}
                {check("Use the CPU backend (wasm)", "use-cpu", use_cpu)}
            </div>
            <Show when=move || !has_webgpu()>
                <p class="note">
                    "Without a WebGPU adapter, tick \"Use the CPU backend\" to run on the CPU."
                </p>
            </Show>
            <button
                data-testid="run"
                prop:disabled=move || running.get() || gpu.get().is_none()
                on:click=move |_| match build() {
                    Ok((request, found)) => {
                        error.set(None);
                        notes.set(found);
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
            <Show when=move || !notes.get().is_empty()>
                <p class="note" data-testid="form-notes">{move || notes.get().join("; ")}</p>
            </Show>
        </section>
    }
}
