//! Small browser services: the clock, downloads, the address bar and the clipboard.

use js_sys::{Array, Uint8Array};
use nlbench::measure::Clock;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

/// `performance.now()`: monotonic, with fine resolution on a cross-origin-isolated page.
pub struct PerformanceClock(web_sys::Performance);

impl PerformanceClock {
    pub fn new() -> Self {
        Self(
            web_sys::window()
                .and_then(|w| w.performance())
                .expect("the page has a Performance object"),
        )
    }

    /// Seconds since the page started loading.
    pub fn now_s() -> f64 {
        Self::new().now_ms() / 1000.0
    }
}

impl Clock for PerformanceClock {
    fn now_ms(&self) -> f64 {
        self.0.now()
    }

    fn name(&self) -> &str {
        "performance.now() (browser monotonic clock)"
    }

    /// The High Resolution Time spec coarsens the clock to 5 µs on a cross-origin-isolated
    /// page and to 100 µs elsewhere.
    fn resolution_ms(&self) -> f64 {
        if cross_origin_isolated() { 0.005 } else { 0.1 }
    }
}

pub fn user_agent() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().user_agent().ok())
        .unwrap_or_default()
}

pub fn cross_origin_isolated() -> bool {
    web_sys::window()
        .map(|w| js_sys::Reflect::get(&w, &"crossOriginIsolated".into()))
        .and_then(Result::ok)
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// A log record on the developer console, as a warning or an error.
pub fn console(record: &log::Record<'_>) {
    let text = JsValue::from_str(&format!("{}: {}", record.target(), record.args()));
    if record.level() <= log::Level::Error {
        web_sys::console::error_1(&text);
    } else {
        web_sys::console::warn_1(&text);
    }
}

/// Saves `contents` as a file through a temporary link.
pub fn download(file_name: &str, mime: &str, contents: &[u8]) -> Result<(), JsValue> {
    let bytes = Uint8Array::from(contents);
    let parts = Array::of1(&bytes);
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window()
        .ok_or("no window")?
        .document()
        .ok_or("no document")?;
    let link: HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(file_name);
    link.click();
    Url::revoke_object_url(&url)
}

/// The page's address with `fragment` as its hash.
pub fn link_with_fragment(fragment: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let base = location
        .and_then(|l| Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?)))
        .unwrap_or_default();
    format!("{base}#{fragment}")
}

/// Key of the last result in the browser's local storage.
const LAST_RESULT: &str = "nlbench.last-result";

/// Keeps `payload` (a share-link payload) as the last result, for the next visit.
/// `Err` with the reason where the browser keeps nothing (storage off, full, private mode).
pub fn remember(payload: &str) -> Result<(), String> {
    let storage = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or("this browser gives the page no local storage")?;
    storage
        .set_item(LAST_RESULT, payload)
        .map_err(|err| format!("the browser refused to store it ({})", js_error(&err)))
}

/// A JavaScript exception's message, or its text.
fn js_error(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| "no reason given".into())
}

/// What one device keeps across visits, in the page's local storage under a key naming it,
/// the device and this build's versions: the reference's tile-shape choices, so a later visit
/// skips the search, and each piece's time, from which a later run's time left starts.
/// (cubecl's own tunings cannot be kept in the browser: its tuning cache has no storage
/// outside a native file system, so it tunes again on every visit.)
pub struct StorageMemo {
    item: String,
    /// What it keeps, for the warning where storage refuses.
    what: &'static str,
}

impl StorageMemo {
    /// The reference's tile shapes on the adapter `identity` describes.
    pub fn searches(identity: &str) -> Self {
        Self::new("reference-search", "the reference's tile shapes", identity)
    }

    /// The pieces' times of runs on the device `identity` describes.
    pub fn costs(identity: &str) -> Self {
        Self::new("piece-times", "the pieces' times", identity)
    }

    fn new(name: &str, what: &'static str, identity: &str) -> Self {
        Self {
            item: format!(
                "nlbench.{name} {} burn {} {identity}",
                env!("CARGO_PKG_VERSION"),
                nlbench::BURN_VERSION
            ),
            what,
        }
    }

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window().and_then(|w| w.local_storage().ok().flatten())
    }
}

impl nlbench::memo::Memo for StorageMemo {
    fn entries(&self) -> Vec<(String, String)> {
        Self::storage()
            .and_then(|s| s.get_item(&self.item).ok().flatten())
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    fn keep(&self, key: &str, value: &str) {
        let mut entries = self.entries();
        entries.retain(|(k, _)| k != key);
        entries.push((key.to_owned(), value.to_owned()));
        let stored = Self::storage().and_then(|s| {
            let text = serde_json::to_string(&entries).ok()?;
            s.set_item(&self.item, &text).ok()
        });
        if stored.is_none() {
            log::warn!("{} could not be kept in the page's storage", self.what);
        }
    }
}

/// The last result's share-link payload, if one was kept.
pub fn remembered() -> Option<String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(LAST_RESULT).ok().flatten())
}

/// The current hash, without `#`.
pub fn fragment() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .map(|h| h.trim_start_matches('#').to_owned())
        .unwrap_or_default()
}

/// Puts `fragment` in the address bar without reloading.
pub fn set_fragment(fragment: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("#{fragment}")));
    }
}

pub async fn copy(text: &str) -> Result<(), String> {
    let clipboard = web_sys::window()
        .ok_or("no window")?
        .navigator()
        .clipboard();
    JsFuture::from(clipboard.write_text(text))
        .await
        .map(|_| ())
        .map_err(|_| "the browser refused the clipboard".to_owned())
}
