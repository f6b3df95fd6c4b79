//! The workload picker: a tick per workload and, beside the ones with presets, a choice of
//! the library's presets, so a run asks for nothing the command line would refuse. The MLP's
//! sizes stay in their own field (it takes several at once).

use leptos::prelude::*;
use nlbench::workload::WorkloadKind;

/// Which workloads are ticked, and each one's preset (signals are handles: the form's
/// closures share one copy).
#[derive(Clone, Copy)]
pub struct Picks {
    chosen: [(WorkloadKind, RwSignal<bool>, RwSignal<String>); WorkloadKind::ALL.len()],
}

impl Picks {
    /// The MLP alone, every other workload at its tiny preset once ticked: the realistic
    /// presets are for GPUs with the memory, and asked for by name.
    pub fn new() -> Self {
        Self {
            chosen: WorkloadKind::ALL.map(|kind| {
                (
                    kind,
                    RwSignal::new(kind.is_mlp()),
                    RwSignal::new("tiny".to_owned()),
                )
            }),
        }
    }

    /// `mlp,encoder:tiny`, as `--workloads` takes it (empty where nothing is ticked, which
    /// the library refuses with its message).
    pub fn text(&self) -> String {
        self.chosen
            .iter()
            .filter(|(_, on, _)| on.get_untracked())
            .map(|(kind, _, preset)| match kind {
                WorkloadKind::Mlp => kind.name().to_owned(),
                _ => format!("{kind}:{}", preset.get_untracked()),
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[component]
pub fn WorkloadPicker(picks: Picks) -> impl IntoView {
    let rows = picks
        .chosen
        .into_iter()
        .map(|(kind, on, preset)| {
            let presets = (!kind.is_mlp()).then(|| {
                view! {
                    <select
                        data-testid=format!("preset-{kind}")
                        aria-label=format!("{} preset", kind.title())
                        prop:value=move || preset.get()
                        prop:disabled=move || !on.get()
                        on:change=move |ev| preset.set(event_target_value(&ev))
                    >
                        {kind
                            .presets()
                            .into_iter()
                            .map(|name| view! { <option value=name>{name}</option> })
                            .collect_view()}
                    </select>
                }
            });
            view! {
                <div class="workload">
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid=format!("workload-{kind}")
                            prop:checked=move || on.get()
                            on:change=move |ev| on.set(event_target_checked(&ev))
                        />
                        {format!("{} ({kind})", kind.title())}
                    </label>
                    {presets}
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class="workloads" data-testid="workload-picker">
            <legend>"Workloads"</legend>
            {rows}
        </fieldset>
    }
}
