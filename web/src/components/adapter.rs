//! The WebGPU adapter the browser offers, or a plain sentence when it offers none.

use leptos::prelude::*;

use crate::{browser, gpu::GpuInfo};

#[component]
pub fn AdapterPanel(gpu: RwSignal<Option<Result<GpuInfo, String>>>) -> impl IntoView {
    view! {
        <section class="adapter" data-testid="adapter">
            <h2>"Device"</h2>
            {move || match gpu.get() {
                None => view! { <p>"Looking for a WebGPU adapter…"</p> }.into_any(),
                Some(Err(reason)) => {
                    view! {
                        <p class="warning" data-testid="no-webgpu">
                            {format!(
                                "No WebGPU here: {reason}. The CPU backend (wasm) still runs the suites."
                            )}
                        </p>
                    }
                        .into_any()
                }
                Some(Ok(info)) => {
                    let rows = vec![
                        ("Adapter", info.name()),
                        ("Requested as", info.power.as_str().to_owned()),
                        ("Vendor", info.vendor.clone()),
                        ("Architecture", info.architecture.clone()),
                        ("Device", info.device.clone()),
                        ("Description", info.description.clone()),
                        (
                            "Fallback (software) adapter",
                            if info.fallback { "yes" } else { "no" }.to_owned(),
                        ),
                        ("Features", info.features.join(", ")),
                        (
                            "Limits",
                            info.limits
                                .iter()
                                .map(|(k, v)| format!("{k} {v}"))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                        ("Browser", browser::user_agent()),
                        (
                            "Cross-origin isolated (fine timer)",
                            if browser::cross_origin_isolated() { "yes" } else { "no" }.to_owned(),
                        ),
                    ];
                    view! {
                        <table class="kv">
                            <tbody>
                                {rows
                                    .into_iter()
                                    .map(|(k, v)| {
                                        // What the browser leaves empty, it did not report.
                                        let v = if v.trim().is_empty() { "not reported".to_owned() } else { v };
                                        view! { <tr><th>{k}</th><td>{v}</td></tr> }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                        <p data-testid="adapter-name" class="adapter-name">{info.name()}</p>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}
