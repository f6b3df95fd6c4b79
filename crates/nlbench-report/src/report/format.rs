//! Number formatting shared by the reports and the terminal summary.

use num_format::{Locale, ToFormattedString};

/// Bytes in binary units: `512 B`, `1.50 KiB`, `3.25 MiB`, `1.07 GiB`.
pub fn fmt_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2} {}", UNITS[unit])
}

/// A count with thousands separators and no decimals below 1 000 000, three significant
/// decimals for small values: `18,456`, `12.3`, `0.0421`.
pub fn fmt_count(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".into();
    }
    if value.abs() < 100.0 {
        let decimals = if value.abs() < 1.0 { 4 } else { 2 };
        return format!("{value:.decimals$}");
    }
    (value.round() as i64).to_formatted_string(&Locale::en)
}

/// Milliseconds with enough decimals to show sub-microsecond differences at small values.
pub fn fmt_ms(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.1}")
    } else if ms >= 1.0 {
        format!("{ms:.3}")
    } else {
        format!("{ms:.4}")
    }
}

/// A ratio with two decimals, or three significant digits below 0.1 (a browser against a
/// CPU can be 0.0022×, which two decimals would show as zero).
pub fn fmt_ratio(ratio: f64) -> String {
    if ratio > 0.0 && ratio < 0.1 {
        format!("{:.1$}×", ratio, (2.0 - ratio.log10().floor()) as usize)
    } else {
        format!("{ratio:.2}×")
    }
}

/// "12,345 (12,100 – 12,600)": a figure with its interval where it has one, and the
/// interval's coverage where it is under 95 % ("… [93 %]").
pub fn fmt_with_interval(value: f64, interval: Option<nlbench_results::stats::Interval>) -> String {
    match interval {
        Some(ci) => {
            let coverage = if ci.is_confident() {
                String::new()
            } else {
                format!(" [{}]", ci.coverage_label())
            };
            format!(
                "{} ({} – {}){coverage}",
                fmt_count(value),
                fmt_count(ci.low),
                fmt_count(ci.high)
            )
        }
        None => fmt_count(value),
    }
}

/// A share as a percentage with one decimal, or `n/a`.
pub fn fmt_percent(share: Option<f64>) -> String {
    share.map_or_else(|| "n/a".into(), |s| format!("{s:.1} %"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(fmt_bytes(512), "512 B");
        assert_eq!(fmt_bytes(1536), "1.50 KiB");
        assert_eq!(fmt_bytes(4_200_448), "4.01 MiB");
        assert_eq!(fmt_count(18456.4), "18,456");
        assert_eq!(fmt_count(1_234_567.0), "1,234,567");
        assert_eq!(fmt_count(12.345), "12.35");
        assert_eq!(fmt_count(0.04213), "0.0421");
        assert_eq!(fmt_count(f64::NAN), "n/a");
        assert_eq!(fmt_ms(0.12345), "0.1235");
        assert_eq!(fmt_ms(250.04), "250.0");
        assert_eq!(fmt_ratio(0.002_212), "0.00221×");
        assert_eq!(fmt_ratio(0.0614), "0.0614×");
        assert_eq!(fmt_ratio(0.5), "0.50×");
        assert_eq!(fmt_percent(Some(12.345)), "12.3 %");
    }
}
