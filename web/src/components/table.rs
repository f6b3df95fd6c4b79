//! A plain data table: every cell is text, escaped by leptos.

use leptos::prelude::*;

#[component]
pub fn DataTable(
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    #[prop(into)] test_id: String,
) -> impl IntoView {
    view! {
        <table class="data" data-testid=test_id>
            <thead>
                <tr>{headers.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr>
            </thead>
            <tbody>
                {rows
                    .into_iter()
                    .map(|row| {
                        view! { <tr>{row.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr> }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
