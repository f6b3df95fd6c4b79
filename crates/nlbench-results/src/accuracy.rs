//! Correctness before speed: an output held against what it must equal (burn's output for
//! the WGSL reference, a full pass for KV-cache decoding, the explicit attention for burn's
//! fused one). A row whose check fails reports no speed.

use serde::{Deserialize, Serialize};

use crate::{
    error::{ErrorKind, RunError},
    precision::Precision,
};

/// How far an output is from burn's on the same weights and input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    /// What the output was checked against (schema version 8; before, burn's output of the
    /// same weights and input, the reference path's check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against: Option<String>,
    pub max_abs_error: f64,
    pub max_rel_error: f64,
    /// The largest absolute error accepted; a larger one fails the row.
    pub tolerance: f64,
}

/// The largest absolute and relative differences between `got` and `expected`; relative to
/// the largest expected magnitude, so outputs near zero do not dominate.
pub fn errors(got: &[f32], expected: &[f32]) -> (f64, f64) {
    let scale = expected
        .iter()
        .fold(0.0f64, |m, &v| m.max(f64::from(v).abs()))
        .max(f64::MIN_POSITIVE);
    let max_abs = got
        .iter()
        .zip(expected)
        .map(|(&g, &e)| (f64::from(g) - f64::from(e)).abs())
        .fold(0.0, f64::max);
    let max_abs = if got.len() == expected.len() && got.iter().all(|g| g.is_finite()) {
        max_abs
    } else {
        f64::INFINITY
    };
    (max_abs, max_abs / scale)
}

/// The largest error accepted, absolute: a share of the output's largest magnitude (plus
/// one, so tiny outputs are not held to impossible precision). FP32 sums of a thousand
/// products stay within 10⁻³ of that; FP16 keeps three decimal digits per operation.
pub fn tolerance(precision: Precision, expected: &[f32]) -> f64 {
    let scale = 1.0
        + expected
            .iter()
            .fold(0.0f64, |m, &v| m.max(f64::from(v).abs()));
    match precision {
        Precision::F16 => 5e-2 * scale,
        _ => 1e-3 * scale,
    }
}

/// `got` held against `expected` at `precision`'s tolerance: the figures, or a wrong-result
/// error saying `what` differs (\"the output differs from burn's\").
pub fn hold(
    got: &[f32],
    expected: &[f32],
    precision: Precision,
    what: &str,
    against: Option<&str>,
) -> Result<Accuracy, RunError> {
    let (max_abs_error, max_rel_error) = errors(got, expected);
    let tolerance = tolerance(precision, expected);
    if max_abs_error <= tolerance {
        Ok(Accuracy {
            against: against.map(str::to_owned),
            max_abs_error,
            max_rel_error,
            tolerance,
        })
    } else {
        Err(RunError::new(
            ErrorKind::WrongResult,
            format!(
                "{what} by up to {max_abs_error:.3e} (tolerance {tolerance:.1e}); no speed is \
                 reported for a wrong result"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_absolute_and_relative_to_the_scale() {
        assert_eq!(errors(&[1.0, 2.0], &[1.0, 2.5]), (0.5, 0.2));
        assert!(errors(&[f32::NAN], &[1.0]).0.is_infinite());
        assert!(errors(&[1.0], &[1.0, 2.0]).0.is_infinite());
    }

    #[test]
    fn tolerances_scale_and_a_miss_is_a_wrong_result() {
        assert!((tolerance(Precision::F32, &[-4.0, 2.0]) - 5e-3).abs() < 1e-12);
        assert!(tolerance(Precision::F16, &[1.0]) > tolerance(Precision::F32, &[1.0]));
        let ok = hold(&[1.0], &[1.0005], Precision::F32, "x", Some("y")).unwrap();
        assert_eq!(ok.against.as_deref(), Some("y"));
        let err = hold(&[1.0], &[2.0], Precision::F32, "the output differs", None).unwrap_err();
        assert_eq!(err.kind, ErrorKind::WrongResult);
        assert!(
            err.message
                .starts_with("the output differs by up to 1.000e0"),
            "{}",
            err.message
        );
    }
}
