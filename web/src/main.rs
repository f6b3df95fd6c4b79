//! The nlbench dashboard: runs the suites in the browser on WebGPU (or the CPU backend),
//! draws the charts, downloads the reports, shares results as links and compares them.
//! Built for wasm32 by Trunk (`trunk serve` at the repository root).

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod bench;
#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod gpu;

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    // burn and cubecl report what the browser cannot block on (a kernel the device rejects,
    // for one) through `log`; send warnings and errors to the developer console.
    let _ = console_log::init_with_level(log::Level::Warn);
    leptos::mount::mount_to_body(app::App);
}

/// Natively there is nothing to run: the dashboard is built for wasm32 by Trunk.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("nlbench-web is the browser dashboard: run `trunk serve` at the repository root");
    std::process::exit(2);
}
