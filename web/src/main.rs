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
    // burn and cubecl report what the browser cannot block on (a kernel the device rejects,
    // for one) through `log`; send warnings and errors to the developer console.
    let _ = console_log::init_with_level(log::Level::Warn);
    leptos::mount::mount_to_body(app::App);
}
