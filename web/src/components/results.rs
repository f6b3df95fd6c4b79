//! One result: figures, charts, report downloads and its share link.

use leptos::{prelude::*, task::spawn_local};
use nlbench::{
    chart::{Plotter, SvgPlotter, inference_figures, memory_figures},
    report::{
        benchmark_report, ceilings_summary, inference_summary, memory_report, memory_summary,
    },
    schema::ResultSet,
    share::{self, FRAGMENT_KEY},
};

use super::table::DataTable;
use crate::browser;

#[component]
pub fn ResultView(result: ResultSet, on_compare: impl Fn(ResultSet) + 'static) -> impl IntoView {
    let link = browser::link_with_fragment(&format!("{FRAGMENT_KEY}{}", share::encode(&result)));
    let copied: RwSignal<Option<String>> = RwSignal::new(None);
    let mut figures = Vec::new();
    if !result.inference.is_empty() {
        figures.extend(inference_figures(&result));
    }
    if !result.memory.is_empty() {
        figures.extend(memory_figures(&result));
    }
    let charts = figures
        .into_iter()
        .map(|(stem, figure)| match SvgPlotter.plot(&figure) {
            Ok(svg) => view! {
                <img class="chart" data-testid=format!("chart-{stem}") alt=figure.title
                    src=browser::svg_data_url(&svg) />
            }
            .into_any(),
            Err(err) => view! { <p class="message">{err.to_string()}</p> }.into_any(),
        })
        .collect_view();

    let for_report = result.clone();
    let for_memory = result.clone();
    let for_json = result.clone();
    let for_compare = result.clone();
    let has_memory = !result.memory.is_empty();
    let has_inference = !result.inference.is_empty();
    let link_for_copy = link.clone();
    let throughput = inference_summary(&result);
    let memory = memory_summary(&result);
    let ceilings = ceilings_summary(&result);
    let heading = result.device.label();
    let meta = format!(
        "{} · {} · {} · timed with {}",
        result.device.backend,
        result.device.device_type.label(),
        result.created,
        result.timing.clock
    );
    view! {
        <section class="result" data-testid="result">
            <h2>"Result: " {heading}</h2>
            <p class="meta">{meta}</p>
            <Show when=move || has_inference>
                <h3>"Throughput and latency"</h3>
                <DataTable
                    test_id="throughput-table"
                    headers=throughput.headers.clone()
                    rows=throughput.rows.clone()
                />
            </Show>
            {ceilings.map(|table| view! {
                <h3>"Device ceilings"</h3>
                <DataTable test_id="ceilings-table" headers=table.headers rows=table.rows />
            })}
            <Show when=move || has_memory>
                <h3>"Memory (FP32, above baseline)"</h3>
                <DataTable
                    test_id="memory-table"
                    headers=memory.headers.clone()
                    rows=memory.rows.clone()
                />
            </Show>
            <div class="charts">{charts}</div>
            <div class="actions">
                <Show when=move || has_inference>
                    <button data-testid="download-report" on:click={
                        let r = for_report.clone();
                        move |_| {
                            let _ = browser::download("BENCHMARK_REPORT.md", "text/markdown",
                                benchmark_report(&r, None).as_bytes());
                        }
                    }>"Download BENCHMARK_REPORT.md"</button>
                </Show>
                <Show when=move || has_memory>
                    <button data-testid="download-memory-report" on:click={
                        let r = for_memory.clone();
                        move |_| {
                            let _ = browser::download("MEMORY_REPORT.md", "text/markdown",
                                memory_report(&r).as_bytes());
                        }
                    }>"Download MEMORY_REPORT.md"</button>
                </Show>
                <button data-testid="download-json" on:click=move |_| {
                    let _ = browser::download("results.json", "application/json",
                        for_json.to_json().as_bytes());
                }>"Download results.json"</button>
                <button data-testid="add-to-compare" on:click=move |_| on_compare(for_compare.clone())>
                    "Add to comparison"
                </button>
            </div>
            <div class="share">
                <label>
                    {format!("Share link ({} characters)", link.len())}
                    <input type="text" readonly data-testid="share-link" prop:value=link.clone() />
                </label>
                <button data-testid="copy-link" on:click=move |_| {
                    let text = link_for_copy.clone();
                    spawn_local(async move {
                        copied.set(Some(match browser::copy(&text).await {
                            Ok(()) => "Copied.".into(),
                            Err(err) => err,
                        }));
                    });
                }>"Copy link"</button>
                <span>{move || copied.get()}</span>
            </div>
        </section>
    }
}
