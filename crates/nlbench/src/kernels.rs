//! Which kernels burn ran: cubecl's autotuner announces each tuning it starts ("Tuning …")
//! and, once its candidates are timed, the fastest ("Fastest result …"). nlbench installs a
//! `log` logger that keeps those lines, so that
//!
//! - the protocol can wait until no tuning is pending before it times anything (in the
//!   browser cubecl tunes in the background and meanwhile runs its first candidate, the naive
//!   matmul, which a warm-up would otherwise time), and
//! - every row can name the matmul kernel chosen for each of its layers.
//!
//! A tuning is found again by its key: cubecl's matmul keys print the problem's `m`, `n` and
//! `k`, each rounded up to a power of two (cubecl's `anchor`), and the element type.

use std::sync::{Mutex, OnceLock};

use burn::cubecl::{
    config::{CubeClRuntimeConfig, RuntimeConfig},
    tune::anchor,
};

use crate::{precision::Precision, schema::KernelChoice};

/// What the autotuner has announced in this process.
#[derive(Default)]
struct Tunings {
    /// Keys whose tuning started, in order.
    started: Vec<String>,
    /// Keys tuned, with the kernel chosen.
    chosen: Vec<(String, String)>,
}

/// The tunings so far. A panic while the lock was held (a backend panicking inside the
/// logger) leaves the lines recorded before it intact, so a poisoned lock is read as it is
/// rather than taken for "nothing pending".
fn tunings() -> std::sync::MutexGuard<'static, Tunings> {
    static TUNINGS: OnceLock<Mutex<Tunings>> = OnceLock::new();
    TUNINGS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Where log records that are not the autotuner's go (the browser's console, say).
pub type Forward = fn(&log::Record<'_>);

struct Listener {
    forward: Option<Forward>,
}

impl log::Log for Listener {
    fn enabled(&self, _metadata: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let message = record.args().to_string();
        if !listen(&message)
            && let Some(forward) = self.forward
            && record.level() <= log::Level::Warn
        {
            forward(record);
        }
    }

    fn flush(&self) {}
}

/// Keeps an autotuner line; false for any other message.
fn listen(message: &str) -> bool {
    let mut tunings = tunings();
    if let Some(key) = message.strip_prefix("Tuning ") {
        tunings.started.push(key.trim().to_owned());
        return true;
    }
    let Some(rest) = message.strip_prefix("Fastest result ") else {
        return false;
    };
    // "Fastest result {kernel}-{key}. …": the key is one whose tuning started.
    let found = tunings.started.iter().find_map(|key| {
        rest.find(&format!("-{key}"))
            .map(|at| (key.clone(), rest[..at].to_owned()))
    });
    if let Some(choice) = found {
        tunings.chosen.push(choice);
    }
    true
}

/// Installs the listener (once per process; later calls do nothing) and tells cubecl to send
/// its autotune results to the `log` crate. Call it before burn first runs: cubecl reads its
/// configuration once.
///
/// Natively cubecl keeps tuning results on disk and, finding one there, tunes nothing and
/// says nothing: `cache` points its cache at a folder of the caller's (an empty one tunes
/// afresh, so every kernel gets named).
pub fn listen_to_autotune(forward: Option<Forward>, cache: Option<&std::path::Path>) {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        // The autotune logger's `log` sink, at info level (its default level, "minimal",
        // names the fastest kernel); everything else stays cubecl's default.
        let mut text = String::from("[autotune]\n");
        if let Some(cache) = cache {
            text.push_str(&format!(
                "cache = {{ file = {:?} }}\n",
                cache.display().to_string()
            ));
        }
        text.push_str("[autotune.logger]\nlog = \"info\"\n");
        let config: CubeClRuntimeConfig =
            toml::from_str(&text).expect("a valid cubecl configuration");
        // Setting it fails (panics) once something has read it: then cubecl logs as it was told.
        let _ = std::panic::catch_unwind(|| CubeClRuntimeConfig::set(config));
        if log::set_boxed_logger(Box::new(Listener { forward })).is_ok() {
            log::set_max_level(log::LevelFilter::Info);
        }
    });
}

/// True when no tuning is waiting for its result.
pub fn settled() -> bool {
    let t = tunings();
    t.started
        .iter()
        .all(|key| t.chosen.iter().any(|(chosen, _)| chosen == key))
}

/// The kernels chosen for the matmuls of a forward pass at `batch`: one entry per layer
/// (`widths` in, out) and tuning that matches it. A backend with fusion can run fused and
/// plain matmuls; one without runs only plain ones, so fused tunings (left by a fused path
/// with the same shapes in the same run) are not its kernels. Empty where nothing was tuned.
pub fn chosen_for(
    widths: &[usize],
    batch: usize,
    precision: Precision,
    fusion: bool,
) -> Vec<KernelChoice> {
    let tunings = tunings();
    // cubecl's keys print the element type as `Float(F16)`: matched whole, so F16 does not
    // also match `Float(BF16)`.
    let dtype = match precision {
        Precision::F32 => "Float(F32)",
        Precision::F16 => "Float(F16)",
        Precision::Bf16 => "Float(BF16)",
    };
    let mut found = Vec::new();
    for (index, pair) in widths.windows(2).enumerate() {
        let (k, n) = (pair[0], pair[1]);
        let dims = format!(
            "m: {}, n: {}, k: {}",
            anchor(batch, None, None, None),
            anchor(n, None, None, None),
            anchor(k, None, None, None)
        );
        for (key, kernel) in &tunings.chosen {
            let fused = key.starts_with("Fused");
            if key.contains(&dims) && key.contains(dtype) && (fusion || !fused) {
                let what = if fused { "fused matmul" } else { "matmul" };
                let choice = KernelChoice {
                    operation: format!("layer {index} {what} {batch}×{k} · {k}×{n}"),
                    kernel: kernel.clone(),
                };
                if !found.contains(&choice) {
                    found.push(choice);
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tunings_are_read_from_the_autotuner_lines() {
        let key = "MatmulAutotuneKey - definition: MatmulProblemDefinition { m: 64, n: 512, \
                   k: 1024, elem_lhs: Scalar(Float(F32)) }, analysis: ..";
        assert!(listen(&format!("Tuning {key}")));
        assert!(!settled(), "a tuning is pending");
        assert!(listen(&format!(
            "Fastest result simple_unit-{key}. \n Top 3 times: [(3, 1ms)], context: "
        )));
        assert!(settled());
        assert!(!listen("something else"));
        let fused_key = format!("Fused{key}");
        assert!(listen(&format!("Tuning {fused_key}")));
        assert!(listen(&format!(
            "Fastest result fused_simple_unit-{fused_key}. \n Top 3 times: [(3, 1ms)], context: "
        )));
        let chosen = chosen_for(&[1024, 512, 1024], 50, Precision::F32, false);
        assert_eq!(
            chosen.len(),
            1,
            "without fusion only the plain matmul: {chosen:?}"
        );
        assert_eq!(chosen[0].kernel, "simple_unit");
        assert_eq!(chosen[0].operation, "layer 0 matmul 50×1024 · 1024×512");
        let chosen = chosen_for(&[1024, 512, 1024], 50, Precision::F32, true);
        assert_eq!(chosen.len(), 2, "with fusion both: {chosen:?}");
        assert_eq!(
            chosen[1].operation,
            "layer 0 fused matmul 50×1024 · 1024×512"
        );
        assert!(chosen_for(&[1024, 512, 1024], 50, Precision::F16, true).is_empty());
        // A BF16 tuning of the same shape is not an F16 one.
        let bf16 = key.replace("F32", "BF16");
        assert!(listen(&format!("Tuning {bf16}")));
        assert!(listen(&format!(
            "Fastest result double_unit-{bf16}. \n Top 3 times: [(3, 1ms)], context: "
        )));
        assert!(chosen_for(&[1024, 512, 1024], 50, Precision::F16, false).is_empty());
        assert_eq!(
            chosen_for(&[1024, 512, 1024], 50, Precision::Bf16, false)[0].kernel,
            "double_unit"
        );
    }
}
