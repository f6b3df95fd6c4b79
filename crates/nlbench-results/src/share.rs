//! Share links: a result set in a URL fragment, compact (no raw samples), deflated and
//! base64url-encoded, behind a format prefix so a future layout is recognised as such.
//!
//! A link is untrusted input: its length is capped before decoding, the inflated size is
//! capped while inflating, and what comes out must parse as a result set this build reads.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::schema::{DeviceTime, Outcome, ResultSet, SchemaError};

/// Prefix of this build's payloads: format 1 is deflated, base64url JSON.
const PREFIX: &str = "1.";
/// Key of the payload in the URL fragment: `#r=<payload>`.
pub const FRAGMENT_KEY: &str = "r=";
/// Longest payload accepted, in characters (browsers and chat apps truncate longer URLs).
pub const MAX_PAYLOAD_CHARS: usize = 64 * 1024;
/// Largest inflated JSON accepted, in bytes.
pub const MAX_JSON_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ShareError {
    #[error("the link holds no nlbench result")]
    Missing,
    #[error("the link is too long ({0} characters; at most {MAX_PAYLOAD_CHARS})")]
    TooLong(usize),
    #[error("the link was made by a newer nlbench (format {0}); update to open it")]
    FutureFormat(String),
    #[error("the link is damaged: {0}")]
    Damaged(String),
    #[error("the link's result is too large once unpacked (over {MAX_JSON_BYTES} bytes)")]
    TooLarge,
    #[error("the link's result is not readable: {0}")]
    Schema(String),
}

impl From<SchemaError> for ShareError {
    fn from(err: SchemaError) -> Self {
        match err {
            SchemaError::Future { .. } => ShareError::FutureFormat(err.to_string()),
            other => ShareError::Schema(other.to_string()),
        }
    }
}

/// The result without its raw per-iteration samples: summaries carry what the dashboard
/// shows, and the samples are most of the size.
pub fn compact(results: &ResultSet) -> ResultSet {
    let mut compact = results.clone();
    for record in &mut compact.inference {
        if let Outcome::Measured(m) = &mut record.outcome {
            m.timed.raw_batch_ms.clear();
            if let Some(DeviceTime::Measured(device)) = &mut m.device_time {
                device.timed.raw_batch_ms.clear();
            }
        }
    }
    compact
}

/// Significant digits a link keeps of every non-integer figure: more than any table or chart
/// shows, against the 17 a float needs to round-trip exactly, which would double the link.
const LINK_DIGITS: usize = 7;

/// `value` with every non-integer number rounded to [`LINK_DIGITS`] significant digits.
fn round_floats(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(number) if number.is_f64() => {
            let rounded = number
                .as_f64()
                .filter(|x| x.is_finite())
                .and_then(|x| format!("{x:.*e}", LINK_DIGITS - 1).parse().ok())
                .and_then(serde_json::Number::from_f64);
            if let Some(rounded) = rounded {
                *number = rounded;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(round_floats),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(round_floats),
        _ => {}
    }
}

/// The fragment payload of a result set (without the `#r=`).
pub fn encode(results: &ResultSet) -> String {
    let mut value = serde_json::to_value(compact(results)).expect("a result set always serialises");
    round_floats(&mut value);
    let json = serde_json::to_vec(&value).expect("a JSON value always serialises");
    let deflated = miniz_oxide::deflate::compress_to_vec(&json, 9);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(deflated))
}

/// A result set from a fragment payload (with or without a leading `#r=`).
pub fn decode(payload: &str) -> Result<ResultSet, ShareError> {
    let payload = payload.trim();
    let payload = payload.strip_prefix('#').unwrap_or(payload);
    let payload = payload.strip_prefix(FRAGMENT_KEY).unwrap_or(payload);
    if payload.is_empty() {
        return Err(ShareError::Missing);
    }
    if payload.len() > MAX_PAYLOAD_CHARS {
        return Err(ShareError::TooLong(payload.len()));
    }
    let Some(body) = payload.strip_prefix(PREFIX) else {
        return match payload.split_once('.') {
            Some((format, _))
                if !format.is_empty() && format.chars().all(|c| c.is_ascii_digit()) =>
            {
                Err(ShareError::FutureFormat(format.to_owned()))
            }
            _ => Err(ShareError::Damaged("unknown format".into())),
        };
    };
    let deflated = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|e| ShareError::Damaged(e.to_string()))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&deflated, MAX_JSON_BYTES)
        .map_err(|e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => ShareError::TooLarge,
            _ => ShareError::Damaged("not deflate data".into()),
        })?;
    let text = std::str::from_utf8(&json).map_err(|e| ShareError::Damaged(e.to_string()))?;
    Ok(ResultSet::from_json(text)?)
}

/// A fragment holding several results: `r=<payload>&r=<payload>…`.
pub fn encode_many(results: &[ResultSet]) -> String {
    results
        .iter()
        .map(|r| format!("{FRAGMENT_KEY}{}", encode(r)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Every result of a fragment (one or several `r=` parts), each decoded on its own.
pub fn decode_fragment(fragment: &str) -> Vec<Result<ResultSet, ShareError>> {
    let fragment = fragment.trim().trim_start_matches('#');
    fragment
        .split('&')
        .filter(|part| part.starts_with(FRAGMENT_KEY))
        .map(decode)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn round_trip_drops_only_raw_samples() {
        let results = fixtures::results();
        let payload = encode(&results);
        assert!(payload.starts_with("1."));
        assert!(
            payload
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        );
        let back = decode(&format!("#r={payload}")).unwrap();
        assert_eq!(back.inference.len(), results.inference.len());
        assert_eq!(back.config, results.config);
        // Every figure survives to seven significant digits.
        let (sent, got) = (compact(&results), back);
        let near = |a: f64, b: f64| (a - b).abs() <= a.abs() * 1e-6;
        for (a, b) in sent.inference.iter().zip(&got.inference) {
            match (&a.outcome, &b.outcome) {
                (Outcome::Measured(a), Outcome::Measured(b)) => {
                    assert!(near(a.timed.throughput, b.timed.throughput));
                    assert!(near(
                        a.timed.batch_latency_ms.p99,
                        b.timed.batch_latency_ms.p99
                    ));
                    assert_eq!(a.memory, b.memory);
                    assert!(b.timed.raw_batch_ms.is_empty());
                }
                (a, b) => assert_eq!(a, b),
            }
        }
        assert_eq!(sent.ceilings.is_some(), got.ceilings.is_some());
    }

    #[test]
    fn several_results_in_one_fragment() {
        let results = [fixtures::results(), fixtures::results()];
        let fragment = encode_many(&results);
        let decoded = decode_fragment(&format!("#{fragment}"));
        assert_eq!(decoded.len(), 2);
        assert!(decoded.iter().all(Result::is_ok));
        let mixed = decode_fragment(&format!("{fragment}&r=1.AAAA&other=1"));
        assert_eq!(mixed.len(), 3);
        assert!(mixed[2].is_err());
    }

    #[test]
    fn rejects_hostile_and_broken_links() {
        assert_eq!(decode(""), Err(ShareError::Missing));
        assert_eq!(decode("#r="), Err(ShareError::Missing));
        assert!(matches!(
            decode(&"1.".repeat(40_000)),
            Err(ShareError::TooLong(_))
        ));
        assert!(matches!(decode("7.AAAA"), Err(ShareError::FutureFormat(f)) if f == "7"));
        assert!(matches!(decode("hello"), Err(ShareError::Damaged(_))));
        assert!(matches!(decode("1.!!!"), Err(ShareError::Damaged(_))));
        assert!(matches!(decode("1.AAAA"), Err(ShareError::Damaged(_))));
        // Valid deflate of something that is not a result.
        let foreign = miniz_oxide::deflate::compress_to_vec(b"{\"hello\": 1}", 9);
        let link = format!("1.{}", URL_SAFE_NO_PAD.encode(foreign));
        assert!(matches!(decode(&link), Err(ShareError::Schema(_))));
    }

    #[test]
    fn caps_inflated_size() {
        // 16 MiB of spaces deflates to about 16 KB: a decompression bomb.
        let bomb = vec![b' '; 16 * 1024 * 1024];
        let link = format!(
            "1.{}",
            URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&bomb, 9))
        );
        assert!(link.len() < MAX_PAYLOAD_CHARS);
        assert_eq!(decode(&link), Err(ShareError::TooLarge));
    }

    #[test]
    fn future_schema_in_a_link() {
        let mut value: serde_json::Value =
            serde_json::from_str(&fixtures::results().to_json()).unwrap();
        value["schema_version"] = serde_json::json!(99);
        let deflated = miniz_oxide::deflate::compress_to_vec(value.to_string().as_bytes(), 9);
        let link = format!("1.{}", URL_SAFE_NO_PAD.encode(deflated));
        assert!(matches!(decode(&link), Err(ShareError::FutureFormat(_))));
    }
}
