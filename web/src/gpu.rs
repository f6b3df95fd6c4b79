//! What the browser says about its WebGPU adapter, read through the JavaScript API itself so
//! the dashboard can show it (and say plainly when there is none) before burn touches it.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// WebGPU's power preference: the only GPU choice a browser offers (on a laptop with an
/// integrated and a discrete GPU, it picks between them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    HighPerformance,
    LowPower,
}

impl Power {
    /// As WebGPU spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Power::HighPerformance => "high-performance",
            Power::LowPower => "low-power",
        }
    }

    pub fn parse(text: &str) -> Self {
        if text == "low-power" {
            Power::LowPower
        } else {
            Power::HighPerformance
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GpuInfo {
    /// The preference the adapter was requested with.
    pub power: Power,
    pub vendor: String,
    pub architecture: String,
    pub device: String,
    pub description: String,
    pub fallback: bool,
    pub features: Vec<String>,
    /// The limits that bound the suites: buffer sizes and workgroup sizes.
    pub limits: Vec<(&'static str, f64)>,
}

impl GpuInfo {
    /// A name for reports: the description, else vendor and architecture.
    pub fn name(&self) -> String {
        let name = if self.description.is_empty() {
            format!("{} {}", self.vendor, self.architecture)
        } else {
            self.description.clone()
        };
        let name = name.trim().to_owned();
        if name.is_empty() {
            "WebGPU adapter (name not exposed)".into()
        } else {
            name
        }
    }
}

const LIMITS: [&str; 6] = [
    "maxBufferSize",
    "maxStorageBufferBindingSize",
    "maxComputeWorkgroupStorageSize",
    "maxComputeInvocationsPerWorkgroup",
    "maxComputeWorkgroupSizeX",
    "maxComputeWorkgroupsPerDimension",
];

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(target: &JsValue, key: &str) -> String {
    get(target, key).as_string().unwrap_or_default()
}

/// The adapter `navigator.gpu.requestAdapter({ powerPreference })` returns, or why there is
/// none.
pub async fn detect(power: Power) -> Result<GpuInfo, String> {
    let navigator: JsValue = web_sys::window().ok_or("no window")?.navigator().into();
    let gpu = get(&navigator, "gpu");
    if gpu.is_undefined() || gpu.is_null() {
        return Err("this browser has no WebGPU (navigator.gpu is missing)".into());
    }
    let request: Function = get(&gpu, "requestAdapter")
        .dyn_into()
        .map_err(|_| "navigator.gpu.requestAdapter is not a function")?;
    let options = js_sys::Object::new();
    Reflect::set(
        &options,
        &JsValue::from_str("powerPreference"),
        &JsValue::from_str(power.as_str()),
    )
    .map_err(|_| "could not build the adapter request")?;
    let promise: Promise = request
        .call1(&gpu, &options)
        .and_then(|p| p.dyn_into())
        .map_err(|_| "navigator.gpu.requestAdapter() failed")?;
    let adapter = JsFuture::from(promise)
        .await
        .map_err(|_| "the WebGPU adapter request was rejected")?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("WebGPU is present but offers no adapter".into());
    }
    let info = get(&adapter, "info");
    let fallback = get(&adapter, "isFallbackAdapter")
        .as_bool()
        .unwrap_or(false)
        || get(&info, "isFallbackAdapter").as_bool().unwrap_or(false);
    let mut features: Vec<String> = Array::from(&get(&adapter, "features"))
        .iter()
        .filter_map(|f| f.as_string())
        .collect();
    features.sort();
    let limits_object = get(&adapter, "limits");
    let limits = LIMITS
        .iter()
        .filter_map(|&key| get(&limits_object, key).as_f64().map(|v| (key, v)))
        .collect();
    Ok(GpuInfo {
        power,
        vendor: text(&info, "vendor"),
        architecture: text(&info, "architecture"),
        device: text(&info, "device"),
        description: text(&info, "description"),
        fallback,
        features,
        limits,
    })
}
