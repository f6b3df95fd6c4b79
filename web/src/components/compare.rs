//! Several results side by side: from share links, `results.json` files (picked or dropped,
//! including those `nlbench-native` writes) or runs made here.

use leptos::{prelude::*, task::spawn_local};
use nlbench::schema::ResultSet;
use nlbench_report::{
    self as export, Format,
    chart::comparison_figures,
    report::{throughput_table, training_table},
    share,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, FileList, HtmlInputElement};

use super::{charts::ScreenCharts, table::DataTable};
use crate::browser;

/// Largest `results.json` accepted from a file, in bytes.
const MAX_FILE_BYTES: f64 = 16.0 * 1024.0 * 1024.0;

async fn read_file(file: File) -> Result<ResultSet, String> {
    let name = file.name();
    if file.size() > MAX_FILE_BYTES {
        return Err(format!("{name}: larger than 16 MiB"));
    }
    let text = JsFuture::from(file.text())
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| format!("{name}: could not be read"))?;
    ResultSet::from_json(&text).map_err(|e| format!("{name}: {e}"))
}

fn add_files(
    files: Option<FileList>,
    compared: RwSignal<Vec<ResultSet>>,
    message: RwSignal<Option<String>>,
) {
    let Some(files) = files else { return };
    let files: Vec<File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
    spawn_local(async move {
        let mut errors = Vec::new();
        for file in files {
            match read_file(file).await {
                Ok(result) => compared.update(|list| list.push(result)),
                Err(err) => errors.push(err),
            }
        }
        message.set((!errors.is_empty()).then(|| errors.join("; ")));
    });
}

#[component]
pub fn ComparePanel(compared: RwSignal<Vec<ResultSet>>) -> impl IntoView {
    let link = RwSignal::new(String::new());
    let message: RwSignal<Option<String>> = RwSignal::new(None);
    let add_link = move |_| {
        let text = link.get_untracked();
        let fragment = text.split_once('#').map(|(_, f)| f).unwrap_or(&text);
        match share::decode(fragment) {
            Ok(result) => {
                compared.update(|list| list.push(result));
                link.set(String::new());
                message.set(None);
            }
            Err(err) => message.set(Some(format!("Could not add that link: {err}."))),
        }
    };

    let comparison = move || {
        let list = compared.get();
        if list.is_empty() {
            return view! { <p>"Add results to compare them: share links, results.json files, or runs made here."</p> }.into_any();
        }
        let table = throughput_table(&list);
        let training = training_table(&list).map(|t| {
            view! {
                <h3>"Training steps"</h3>
                <DataTable test_id="compare-training" headers=t.headers rows=t.rows />
            }
        });
        // The same charts as COMPARISON.md: headline throughput and latency, memory, and
        // device time where a result has it.
        let charts = comparison_figures(&list);
        let downloads = export::comparison_artifacts(&list)
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.format == Format::Markdown)
            .map(|a| {
                view! {
                    <button data-testid="download-comparison" on:click=move |_| {
                        let _ = browser::download(&a.name, a.format.media_type(), &a.bytes);
                    }>{format!("Download {}", a.name)}</button>
                }
            })
            .collect_view();
        view! {
            <DataTable test_id="compare-table" headers=table.headers rows=table.rows />
            {training}
            <ScreenCharts figures=charts />
            {downloads}
            <button on:click=move |_| compared.set(Vec::new())>"Clear"</button>
        }
        .into_any()
    };

    view! {
        <section class="compare" data-testid="compare">
            <h2>"Compare"</h2>
            <div class="compare-inputs">
                <label>
                    "Share link"
                    <input
                        type="text"
                        data-testid="compare-link"
                        prop:value=move || link.get()
                        on:input=move |ev| link.set(event_target_value(&ev))
                    />
                </label>
                <button data-testid="compare-add-link" on:click=add_link>"Add link"</button>
                <label class="file">
                    "results.json files"
                    <input
                        type="file"
                        multiple
                        accept=".json,application/json"
                        data-testid="compare-files"
                        on:change=move |ev| {
                            let input: Option<HtmlInputElement> =
                                ev.target().and_then(|t| t.dyn_into().ok());
                            add_files(input.and_then(|i| i.files()), compared, message);
                        }
                    />
                </label>
                <div
                    class="drop"
                    on:dragover=move |ev| ev.prevent_default()
                    on:drop=move |ev| {
                        ev.prevent_default();
                        add_files(ev.data_transfer().and_then(|d| d.files()), compared, message);
                    }
                >
                    "…or drop results.json files here"
                </div>
            </div>
            <Show when=move || message.get().is_some()>
                <p class="message" data-testid="compare-message">{move || message.get()}</p>
            </Show>
            {comparison}
        </section>
    }
}
