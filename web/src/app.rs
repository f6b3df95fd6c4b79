//! The page: adapter, configuration, progress, the result (run here or opened from a link),
//! and the comparison of several results.

use leptos::{prelude::*, task::spawn_local};
use nlbench::{
    config::BenchConfig,
    schema::ResultSet,
    share::{self, FRAGMENT_KEY},
    suite::Progress,
};

use crate::{
    bench::{self, Suites, Target},
    browser,
    components::{
        adapter::AdapterPanel, compare::ComparePanel, form::ConfigForm, results::ResultView,
    },
    gpu::{self, GpuInfo},
};

/// What the form asks the runner for.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRequest {
    pub target: Target,
    pub suites: Suites,
    pub config: BenchConfig,
}

#[component]
pub fn App() -> impl IntoView {
    let gpu: RwSignal<Option<Result<GpuInfo, String>>> = RwSignal::new(None);
    let result: RwSignal<Option<ResultSet>> = RwSignal::new(None);
    let compared: RwSignal<Vec<ResultSet>> = RwSignal::new(Vec::new());
    let message: RwSignal<Option<String>> = RwSignal::new(None);
    let progress: RwSignal<Option<Progress>> = RwSignal::new(None);
    let running = RwSignal::new(false);
    let first_result_s: RwSignal<Option<f64>> = RwSignal::new(None);

    spawn_local(async move {
        gpu.set(Some(gpu::detect().await));
    });

    // A share link opens its result (or, with several, their comparison) without running
    // anything.
    let fragment = browser::fragment();
    if fragment.starts_with(FRAGMENT_KEY) {
        let (shared, errors): (Vec<_>, Vec<_>) = share::decode_fragment(&fragment)
            .into_iter()
            .partition(Result::is_ok);
        let mut shared: Vec<ResultSet> = shared.into_iter().filter_map(Result::ok).collect();
        if let Some(err) = errors.into_iter().find_map(Result::err) {
            message.set(Some(format!("Could not open the shared result: {err}.")));
        }
        if shared.len() == 1 {
            result.set(shared.pop());
        } else {
            compared.set(shared);
        }
    }

    let on_run = move |request: RunRequest| {
        if running.get_untracked() {
            return;
        }
        running.set(true);
        message.set(None);
        spawn_local(async move {
            let gpu_info = gpu.get_untracked().and_then(Result::ok);
            let results = bench::run(
                request.target,
                gpu_info.as_ref(),
                request.suites,
                request.config,
                &mut |p: &Progress| progress.set(Some(p.clone())),
            )
            .await;
            if first_result_s.get_untracked().is_none() {
                first_result_s.set(Some(browser::PerformanceClock::now_s()));
            }
            browser::set_fragment(&format!("{FRAGMENT_KEY}{}", share::encode(&results)));
            result.set(Some(results));
            progress.set(None);
            running.set(false);
        });
    };

    view! {
        <header>
            <h1>"nlbench"</h1>
            <p class="subtitle">
                "Neural-network inference and memory benchmarks on your GPU, in the browser."
            </p>
        </header>
        <main>
            <Show when=move || message.get().is_some()>
                <p class="message" data-testid="message">{move || message.get()}</p>
            </Show>
            <AdapterPanel gpu=gpu />
            <ConfigForm gpu=gpu running=running on_run=on_run />
            <Show when=move || progress.get().is_some()>
                <section class="progress" data-testid="progress">
                    {move || {
                        progress
                            .get()
                            .map(|p| {
                                view! {
                                    <progress max=p.total value=p.done></progress>
                                    <span>
                                        {format!("step {} of {}: {}", p.done + 1, p.total, p.label)}
                                    </span>
                                }
                            })
                    }}
                </section>
            </Show>
            <Show when=move || first_result_s.get().is_some()>
                <p class="timing-note" data-testid="time-to-result">
                    {move || {
                        first_result_s
                            .get()
                            .map(|s| format!("First result {s:.1} s after the page loaded."))
                    }}
                </p>
            </Show>
            {move || {
                result
                    .get()
                    .map(|r| {
                        view! {
                            <ResultView
                                result=r.clone()
                                on_compare=move |r: ResultSet| compared.update(|list| list.push(r))
                            />
                        }
                    })
            }}
            <ComparePanel compared=compared />
        </main>
    }
}
