//! The chart font, bundled so charts render the same on a machine without system fonts.
//! In the browser plotters lays text out with the page's own fonts instead.

/// Registers DejaVu Sans as plotters' "sans-serif" once per process.
#[cfg(not(target_arch = "wasm32"))]
pub fn register() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(
            "sans-serif",
            plotters::style::FontStyle::Normal,
            include_bytes!("../assets/DejaVuSans.ttf"),
        )
        .unwrap_or_else(|_| panic!("the bundled font is a valid TrueType file"));
    });
}

#[cfg(target_arch = "wasm32")]
pub fn register() {}
