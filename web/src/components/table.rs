//! A plain data table: every cell is text, escaped by leptos.

use leptos::prelude::*;
use nlbench::export::report::TextTable;

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

/// A heading over a [`DataTable`], or nothing where the table has no rows.
#[component]
pub fn TitledTable(
    title: &'static str,
    #[prop(into)] test_id: String,
    table: TextTable,
) -> impl IntoView {
    (!table.rows.is_empty()).then(|| {
        view! {
            <h3>{title}</h3>
            <DataTable test_id=test_id headers=table.headers rows=table.rows />
        }
    })
}
