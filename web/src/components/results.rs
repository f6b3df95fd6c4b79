//! One result: figures, charts, every file it produces for download, and its share link.

use leptos::{prelude::*, task::spawn_local};
use nlbench::{
    export::{
        self, Options, chart,
        report::{
            ceilings_summary, glance_summary, inference_summary, kernels_summary, memory_summary,
            supported_rows, unsupported_notes,
        },
        share::{self, FRAGMENT_KEY},
    },
    schema::ResultSet,
};

use super::{charts::ScreenCharts, table::TitledTable};
use crate::browser;

#[component]
pub fn ResultView(result: ResultSet, on_compare: impl Fn(ResultSet) + 'static) -> impl IntoView {
    let link = browser::link_with_fragment(&format!("{FRAGMENT_KEY}{}", share::encode(&result)));
    let copied: RwSignal<Option<String>> = RwSignal::new(None);
    let (artifacts, export_error) = match export::artifacts(&result, Options::default()) {
        Ok(list) => (list, None),
        Err(err) => (Vec::new(), Some(err.message)),
    };
    let figures = chart::result_figures(&result);
    let downloads = artifacts
        .into_iter()
        .map(|a| {
            let label = format!("Download {}", a.name);
            let id = format!("download-{}", a.name);
            view! {
                <button data-testid=id title=a.title.clone() on:click=move |_| {
                    let _ = browser::download(&a.name, a.format.media_type(), &a.bytes);
                }>{label}</button>
            }
        })
        .collect_view();

    let for_compare = result.clone();
    let link_for_copy = link.clone();
    let glance = glance_summary(&result);
    // Configurations a device cannot run are said once each, not in a row each.
    let unsupported = unsupported_notes(&result);
    let throughput = inference_summary(&supported_rows(&result));
    let memory = memory_summary(&result);
    let ceilings = ceilings_summary(&result);
    let kernels = kernels_summary(&result);
    let heading = result.device.label();
    let meta = format!(
        "{} · {} · {} · timed with {}",
        result.device.backend,
        result.device.device_type.label(),
        result.created,
        result.timing.clock
    );
    let partial = result.partial.clone();
    let notes = result.notes.clone();
    view! {
        <section class="result" data-testid="result">
            <h2>"Result: " {heading}</h2>
            <p class="meta">{meta}</p>
            {partial.map(|reason| view! {
                <p class="warning" data-testid="partial">
                    {format!("Partial result: {reason}. Only the rows below finished.")}
                </p>
            })}
            {(!notes.is_empty()).then(|| view! {
                <ul class="notes" data-testid="notes">
                    {notes.into_iter().map(|note| view! { <li>{note}</li> }).collect_view()}
                </ul>
            })}
            <TitledTable title="At a glance" test_id="glance-table" table=glance />
            {(!unsupported.is_empty()).then(|| view! {
                <ul class="notes" data-testid="unsupported">
                    {unsupported.into_iter().map(|note| view! { <li>{note}</li> }).collect_view()}
                </ul>
            })}
            <TitledTable title="Throughput and latency" test_id="throughput-table" table=throughput />
            <TitledTable title="Kernels" test_id="kernels-table" table=kernels />
            {ceilings.map(|table| view! {
                <TitledTable title="Device ceilings" test_id="ceilings-table" table=table />
            })}
            <TitledTable title="Memory (FP32, above baseline)" test_id="memory-table" table=memory />
            <ScreenCharts figures=figures />
            {export_error.map(|e| view! { <p class="message">{e}</p> })}
            <div class="actions">
                {downloads}
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
