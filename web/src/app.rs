//! The page: adapter, configuration, progress with Stop, the result (live as rows finish, or
//! opened from a link), and the comparison of several results.

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use leptos::{prelude::*, task::spawn_local};
use nlbench::{schema::ResultSet, session::Progress};
use nlbench_report::share::{self, FRAGMENT_KEY};

use crate::{
    bench::{self, RunRequest},
    browser,
    components::{
        adapter::AdapterPanel, compare::ComparePanel, form::ConfigForm, results::ResultView,
    },
    gpu::{self, GpuInfo, Power},
};

/// What a kept result says until its run ends: shown after a reload if the page died first.
const UNFINISHED: &str = "the run did not finish: the page was closed, reloaded or crashed while \
                          it ran; these are the configurations that had finished";

thread_local! {
    /// The running session's stop flag, which the Stop button sets; the session reads it
    /// between configurations.
    static STOP: RefCell<Option<Rc<Cell<bool>>>> = const { RefCell::new(None) };
}

fn request_stop() {
    STOP.with(|stop| {
        if let Some(flag) = stop.borrow().as_ref() {
            flag.set(true);
        }
    });
}

#[component]
pub fn App() -> impl IntoView {
    let gpu: RwSignal<Option<Result<GpuInfo, String>>> = RwSignal::new(None);
    let result: RwSignal<Option<ResultSet>> = RwSignal::new(None);
    let compared: RwSignal<Vec<ResultSet>> = RwSignal::new(Vec::new());
    let message: RwSignal<Option<String>> = RwSignal::new(None);
    let progress: RwSignal<Option<Progress>> = RwSignal::new(None);
    // When the progress came, and the time now, each second: the time left counts down
    // while a piece runs.
    let announced_s = RwSignal::new(0.0);
    let now_s = RwSignal::new(0.0);
    let _ = leptos::leptos_dom::helpers::set_interval_with_handle(
        move || now_s.set(browser::PerformanceClock::now_s()),
        std::time::Duration::from_secs(1),
    );
    let running = RwSignal::new(false);
    let first_result_s: RwSignal<Option<f64>> = RwSignal::new(None);

    let power = RwSignal::new(Power::HighPerformance);
    // The adapter for the chosen power preference, asked again when the choice changes.
    Effect::new(move |_| {
        let preference = power.get();
        gpu.set(None);
        spawn_local(async move {
            gpu.set(Some(gpu::detect(preference).await));
        });
    });

    // A share link opens its result (or, with several, their comparison) without running
    // anything; without one, the last result this browser kept comes back.
    let fragment = browser::fragment();
    if !fragment.starts_with(FRAGMENT_KEY)
        && let Some(kept) = browser::remembered().and_then(|json| ResultSet::from_json(&json).ok())
    {
        result.set(Some(kept));
    }
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
        let stop = Rc::new(Cell::new(false));
        STOP.with(|current| *current.borrow_mut() = Some(stop.clone()));
        spawn_local(async move {
            let gpu_info = gpu.get_untracked().and_then(Result::ok);
            let on_progress = |p: &Progress| {
                announced_s.set(browser::PerformanceClock::now_s());
                progress.set(Some(p.clone()));
            };
            let on_result = |so_far: &ResultSet| {
                let has_row = !so_far.inference.is_empty() || !so_far.memory.is_empty();
                if has_row && first_result_s.get_untracked().is_none() {
                    first_result_s.set(Some(browser::PerformanceClock::now_s()));
                }
                if has_row {
                    // Kept as it grows, marked unfinished: a reload after the tab crashed
                    // shows what finished. (Where storage refuses, the end of the run says so.)
                    let mut kept = share::compact(so_far);
                    kept.partial.get_or_insert_with(|| UNFINISHED.into());
                    let _ = browser::remember(&kept.to_json());
                    result.set(Some(so_far.clone()));
                }
            };
            let outcome = bench::run(
                request.target,
                gpu_info.as_ref(),
                request.plan,
                &stop,
                &on_progress,
                &on_result,
            )
            .await;
            match outcome {
                Ok(results) => {
                    browser::set_fragment(&share::encode_many(std::slice::from_ref(&results)));
                    // Kept whole (but for the raw samples), so a reload shows exactly the
                    // figures of the run, not a link's rounded ones.
                    if let Err(reason) = browser::remember(&share::compact(&results).to_json()) {
                        message.set(Some(format!(
                            "The result is not kept for your next visit: {reason}. Its share \
                             link and downloads below still hold it."
                        )));
                    }
                    result.set(Some(results));
                }
                Err(err) => message.set(Some(format!("The run could not start: {err}."))),
            }
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
            <ConfigForm gpu=gpu power=power running=running on_run=on_run />
            <Show when=move || progress.get().is_some()>
                <section class="progress" data-testid="progress">
                    {move || {
                        progress
                            .get()
                            .map(|p| {
                                let elapsed_ms = (now_s.get() - announced_s.get()) * 1000.0;
                                let left = p
                                    .left
                                    .map(|left| format!(", {}", left.after(elapsed_ms)))
                                    .unwrap_or_default();
                                view! {
                                    <progress max=p.total value=p.done></progress>
                                    <span>
                                        {format!(
                                            "step {} of {}: {}{left}",
                                            p.done + 1,
                                            p.total,
                                            p.label,
                                        )}
                                    </span>
                                    <button
                                        data-testid="stop"
                                        on:click=move |_| request_stop()
                                    >
                                        "Stop"
                                    </button>
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
