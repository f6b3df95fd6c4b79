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
mod device_loss;
#[cfg(target_arch = "wasm32")]
mod gpu;

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    // Before burn runs: nlbench listens to cubecl's autotuner (to wait for its results and
    // name the kernels), and burn's and cubecl's other warnings and errors (a kernel the
    // device rejects, for one) go to the developer console.
    nlbench::kernels::listen_to_autotune(Some(browser::console), None, None);
    leptos::mount::mount_to_body(app::App);
}

/// Natively there is nothing to run: the dashboard is built for wasm32 by Trunk.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("nlbench-web is the browser dashboard: run `trunk serve` at the repository root");
    std::process::exit(2);
}
