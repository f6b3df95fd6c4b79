//! A plain data table: every cell is text, escaped by leptos. It scrolls inside its own box
//! (never the page), a row with fewer cells than headers (a failure's message in place of
//! its figures) spans its last cell over the columns left, so the cells keep their columns,
//! and a click on a header sorts by that column (numbers by value, again to reverse).

use std::cmp::Ordering;

use leptos::prelude::*;
use nlbench_report::report::TextTable;

/// A cell's leading number, `12.3k` as 12,300, for sorting; `None` for text.
fn leading_number(cell: &str) -> Option<f64> {
    let text = cell.trim().replace(',', "");
    let end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (c == '-' && i == 0)))
        .map_or(text.len(), |(i, _)| i);
    let value: f64 = text[..end].parse().ok()?;
    let scale = match text[end..].chars().next() {
        Some('k') => 1e3,
        Some('M') => 1e6,
        Some('G') => 1e9,
        _ => 1.0,
    };
    Some(value * scale)
}

fn compare_cells(a: &str, b: &str) -> Ordering {
    match (leading_number(a), leading_number(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[component]
pub fn DataTable(
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    #[prop(into)] test_id: String,
) -> impl IntoView {
    let columns = headers.len();
    // The column sorted by, and whether descending; `None` keeps the run's order.
    let sort: RwSignal<Option<(usize, bool)>> = RwSignal::new(None);
    let sorted = move || {
        let mut rows = rows.clone();
        if let Some((column, descending)) = sort.get() {
            rows.sort_by(|a, b| {
                let cell = |r: &Vec<String>| r.get(column).cloned().unwrap_or_default();
                let order = compare_cells(&cell(a), &cell(b));
                if descending { order.reverse() } else { order }
            });
        }
        rows
    };
    let header_cells = headers
        .into_iter()
        .enumerate()
        .map(|(index, h)| {
            let marker = move || match sort.get() {
                Some((column, descending)) if column == index => {
                    if descending {
                        " ▼"
                    } else {
                        " ▲"
                    }
                }
                _ => "",
            };
            view! {
                <th
                    class="sortable"
                    title="Sort by this column"
                    on:click=move |_| {
                        sort.update(|s| {
                            *s = match *s {
                                Some((column, descending)) if column == index => {
                                    Some((index, !descending))
                                }
                                _ => Some((index, false)),
                            }
                        })
                    }
                >
                    {h}
                    {marker}
                </th>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="data" data-testid=test_id>
                <thead>
                    <tr>{header_cells}</tr>
                </thead>
                <tbody>
                    {move || {
                        sorted()
                            .into_iter()
                            .map(|row| {
                                let last = row.len().saturating_sub(1);
                                let span = (columns + 1).saturating_sub(row.len()).max(1);
                                view! {
                                    <tr>
                                        {row
                                            .into_iter()
                                            .enumerate()
                                            .map(|(i, c)| {
                                                let span = if i == last { span } else { 1 };
                                                view! { <td colspan=span>{c}</td> }
                                            })
                                            .collect_view()}
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
        </div>
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
