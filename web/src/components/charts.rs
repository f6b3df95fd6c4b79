//! Charts drawn for the screen: each figure as inline SVG at the width the page gives it
//! (redrawn when the window's width changes), and a tooltip with what a point shows when it
//! is hovered or tapped. plotters escapes every text it writes and the point targets are
//! escaped too, so nothing from a shared result becomes markup.

use leptos::{ev, prelude::*};
use nlbench_report::chart::{Figure, Plotter, ScreenPlotter};
use wasm_bindgen::JsCast;

/// The page's content width: `main` is at most 1200 px wide inside 2 rem of padding, a
/// section's content 1.5 rem less on each side (on a phone, 0.5 and 0.75 rem).
fn chart_width() -> u32 {
    // The root element's width leaves out a scroll bar, which the window's includes.
    let viewport = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .map_or(1200.0, |root| f64::from(root.client_width()));
    let (main, section) = if viewport <= 600.0 {
        (16.0, 24.0)
    } else {
        (64.0, 48.0)
    };
    ((viewport - main).min(1200.0) - section).max(240.0) as u32
}

#[component]
pub fn ScreenCharts(figures: Vec<(&'static str, Figure)>) -> impl IntoView {
    let width = RwSignal::new(chart_width());
    let listener = window_event_listener(ev::resize, move |_| {
        let now = chart_width();
        if now != width.get_untracked() {
            width.set(now);
        }
    });
    on_cleanup(move || listener.remove());
    let tip: RwSignal<Option<(String, i32, i32)>> = RwSignal::new(None);
    let show = move |event: ev::MouseEvent| {
        let text = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.get_attribute("data-tip"));
        tip.set(text.map(|text| (text, event.client_x(), event.client_y())));
    };
    let charts = move || {
        let plotter = ScreenPlotter {
            width_px: width.get(),
        };
        figures
            .iter()
            .map(|(stem, figure)| match plotter.plot(figure) {
                Ok(svg) => view! {
                    <figure class="screen-chart" data-testid=format!("chart-{stem}")>
                        <figcaption>{figure.title.clone()}</figcaption>
                        <div inner_html=svg></div>
                    </figure>
                }
                .into_any(),
                Err(err) => view! { <p class="message">{err.to_string()}</p> }.into_any(),
            })
            .collect_view()
    };
    view! {
        <div class="charts" on:mouseover=show on:click=show on:mouseleave=move |_| tip.set(None)>
            {charts}
            {move || tip.get().map(|(text, x, y)| view! {
                <div class="tooltip" data-testid="chart-tooltip" role="tooltip"
                    style=format!("left: {}px; top: {}px", x + 14, y + 14)>
                    {text}
                </div>
            })}
        </div>
    }
}
