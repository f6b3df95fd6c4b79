//! The nlbench dashboard: runs the suites in the browser on WebGPU (or the CPU backend),
//! draws the charts, downloads the reports, shares results as links and compares them.
//! Built for wasm32 by Trunk (`trunk serve` at the repository root).

mod app;
mod bench;
mod browser;
mod components;
mod gpu;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
