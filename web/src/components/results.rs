//! One result: figures, charts, every file it produces for download, and its share link.

use std::rc::Rc;

use leptos::{prelude::*, task::spawn_local};
use nlbench::schema::ResultSet;
use nlbench_report::{
    self as export, Options, chart,
    report::{
        ceilings_summary, glance_summary, kernels_summary, memory_summary, supported_summary,
        training_summary, unsupported_notes,
    },
    share::{self, FRAGMENT_KEY},
};

use super::{charts::ScreenCharts, table::TitledTable};
use crate::browser;

#[component]
pub fn ResultView(result: ResultSet, on_compare: impl Fn(ResultSet) + 'static) -> impl IntoView {
    let link = browser::link_with_fragment(&format!("{FRAGMENT_KEY}{}", share::encode(&result)));
    let copied: RwSignal<Option<String>> = RwSignal::new(None);
    let figures = chart::result_figures(&result);
    // A file is rendered when it is asked for: the page shows the result without drawing
    // every print chart and report first, on every row of a live run.
    let export_error: RwSignal<Option<String>> = RwSignal::new(None);
    let shared = Rc::new(result.clone());
    let downloads = export::plan(&result, Options::default())
        .into_iter()
        .map(|planned| {
            let (name, title) = (planned.name, planned.title);
            let result = Rc::clone(&shared);
            let label = format!("Download {name}");
            let id = format!("download-{name}");
            view! {
                <button data-testid=id title=title on:click=move |_| {
                    let file = export::plan(&result, Options::default())
                        .into_iter()
                        .find(|p| p.name == name)
                        .map(export::Planned::render);
                    match file {
                        Some(Ok(a)) => {
                            let _ = browser::download(&a.name, a.format.media_type(), &a.bytes);
                        }
                        Some(Err(err)) => export_error.set(Some(err.message)),
                        None => {}
                    }
                }>{label}</button>
            }
        })
        .collect_view();

    let for_compare = result.clone();
    let link_for_copy = link.clone();
    let glance = glance_summary(&result);
    // Configurations a device cannot run are said once each, not in a row each.
    let unsupported = unsupported_notes(&result);
    let throughput = supported_summary(&result);
    let memory = memory_summary(&result);
    let training = (!result.training.is_empty()).then(|| training_summary(&result));
    let ceilings = ceilings_summary(&result);
    let kernels = kernels_summary(&result);
    let heading = result.device.label();
    let meta = format!(
        "{} · {} · {} · timed with {}",
        result.device.backend_label(),
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
            {training.map(|table| view! {
                <TitledTable title="Training step (FP32)" test_id="training-table" table=table />
            })}
            <ScreenCharts figures=figures />
            {move || export_error.get().map(|e| view! { <p class="message">{e}</p> })}
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
