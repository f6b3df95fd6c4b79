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
//!
//! cubecl keeps its tunings on disk and, finding one there, tunes nothing and says nothing; so
//! each choice is also kept in a [`Memo`] of nlbench's beside cubecl's cache, and a later run
//! names its kernels from there, marked as kept rather than tuned.

use std::sync::{Mutex, OnceLock};

use burn::cubecl::{
    config::{CubeClRuntimeConfig, RuntimeConfig},
    tune::anchor,
};

use crate::{
    memo::Memo,
    precision::Precision,
    schema::{KernelChoice, Tuning},
};

/// What the autotuner has announced in this process, and what earlier runs kept.
#[derive(Default)]
struct Tunings {
    /// Keys whose tuning started, in order.
    started: Vec<String>,
    /// Keys with the kernel chosen: tuned in this process, or kept from an earlier one.
    chosen: Vec<Chosen>,
    /// Where each choice tuned here is kept for later runs.
    memo: Option<Box<dyn Memo>>,
}

struct Chosen {
    key: String,
    kernel: String,
    tuning: Tuning,
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
    if let Some((key, kernel)) = found {
        if let Some(memo) = &tunings.memo {
            memo.keep(&key, &kernel);
        }
        // A kept choice that cubecl tuned again (its own cache had lost it) is replaced.
        tunings.chosen.retain(|c| c.key != key);
        tunings.chosen.push(Chosen {
            key,
            kernel,
            tuning: Tuning::Fresh,
        });
    }
    true
}

/// Installs the listener (once per process; later calls do nothing) and tells cubecl to send
/// its autotune results to the `log` crate. Call it before burn first runs: cubecl reads its
/// configuration once.
///
/// Natively cubecl keeps tuning results on disk: `cache` points its cache at a folder of the
/// caller's, and `kept` holds the kernels its tunings chose, so that a run which reuses them
/// still names them. Both belong together: a cache folder without its memo leaves reused
/// kernels unnamed, so the caller starts an empty folder where it has no memo.
pub fn listen_to_autotune(
    forward: Option<Forward>,
    cache: Option<&std::path::Path>,
    kept: Option<Box<dyn Memo>>,
) {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        if let Some(memo) = kept {
            adopt(memo);
        }
        // The autotune logger's `log` sink, at info level (its default level, "minimal",
        // names the fastest kernel); the compiled kernels kept beside the tunings where
        // cubecl keeps them (its SPIR-V compiler's output: compiling a kernel through it
        // costs more than the WGSL it replaces, and a run with kept tunings would otherwise
        // compile every chosen kernel again); everything else stays cubecl's default.
        let folder = cache.map(|cache| format!("{{ file = {:?} }}", cache.display().to_string()));
        let mut text = String::from("[autotune]\n");
        if let Some(folder) = &folder {
            text.push_str(&format!("cache = {folder}\n"));
        }
        text.push_str("[autotune.logger]\nlog = \"info\"\n");
        if let Some(folder) = &folder {
            text.push_str(&format!("[compilation]\ncache = {folder}\n"));
        }
        let config: CubeClRuntimeConfig =
            toml::from_str(&text).expect("a valid cubecl configuration");
        // Setting it fails (panics) once something has read it: then cubecl logs as it was told.
        let _ = std::panic::catch_unwind(|| CubeClRuntimeConfig::set(config));
        if log::set_boxed_logger(Box::new(Listener { forward })).is_ok() {
            log::set_max_level(log::LevelFilter::Info);
        }
    });
}

/// Takes the choices `memo` kept from earlier runs, and keeps this run's there.
fn adopt(memo: Box<dyn Memo>) {
    let mut tunings = tunings();
    tunings.memo = Some(memo);
    take_kept(&mut tunings);
}

/// Adds the memo's choices for keys this process has none for (the latest entry of each):
/// at the start, and again before kernels are named, since another run sharing the folder
/// may have tuned a shape that cubecl then found in its cache without a word.
fn take_kept(tunings: &mut Tunings) {
    let Some(memo) = &tunings.memo else {
        return;
    };
    let mut kept: Vec<(String, String)> = Vec::new();
    for (key, kernel) in memo.entries() {
        if key.starts_with(ROW_PREFIX) {
            continue;
        }
        kept.retain(|(k, _)| *k != key);
        kept.push((key, kernel));
    }
    for (key, kernel) in kept {
        if !tunings.chosen.iter().any(|c| c.key == key) {
            tunings.chosen.push(Chosen {
                key,
                kernel,
                tuning: Tuning::Reused,
            });
        }
    }
}

/// True when no tuning is waiting for its result.
pub fn settled() -> bool {
    let t = tunings();
    t.started
        .iter()
        .all(|key| t.chosen.iter().any(|c| &c.key == key))
}

/// The kernels chosen for the matmuls of a forward pass at `batch`: one entry per layer
/// (`widths` in, out) and tuning that matches it. A backend with fusion runs a layer's fused
/// matmul where one was tuned for its shape, and the plain matmul where there is none or where
/// the fused tuning chose [`FUSED_FALLBACK`] (which runs the plain one); a backend without
/// fusion runs only plain ones, so fused tunings (left by a fused path with the same shapes)
/// are not its kernels. Empty where nothing was tuned.
pub fn chosen_for(
    widths: &[usize],
    batch: usize,
    precision: Precision,
    fusion: bool,
) -> Vec<KernelChoice> {
    let mut tunings = tunings();
    take_kept(&mut tunings);
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
        let matching: Vec<&Chosen> = tunings
            .chosen
            .iter()
            .filter(|c| c.key.contains(&dims) && c.key.contains(dtype))
            .collect();
        let fused: Vec<&Chosen> = matching
            .iter()
            .copied()
            .filter(|c| c.key.starts_with("Fused"))
            .collect();
        let plain_runs = !fusion || fused.iter().all(|c| c.kernel == FUSED_FALLBACK);
        let ran = matching.into_iter().filter(|c| {
            if c.key.starts_with("Fused") {
                fusion
            } else {
                plain_runs
            }
        });
        for Chosen {
            key,
            kernel,
            tuning,
        } in ran
        {
            let what = if key.starts_with("Fused") {
                "fused matmul"
            } else {
                "matmul"
            };
            let choice = KernelChoice {
                operation: format!("layer {index} {what} {batch}×{k} · {k}×{n}"),
                kernel: kernel.clone(),
                tuning: Some(*tuning),
            };
            if !found.contains(&choice) {
                found.push(choice);
            }
        }
    }
    found
}

/// Where the autotuner's announcements stand now: [`tuned_since`] names what it tunes after.
pub fn mark() -> usize {
    tunings().started.len()
}

/// Memo keys of a row's kernels start so, apart from cubecl's tuning keys.
const ROW_PREFIX: &str = "row ";

/// The kernels of the row `row` (a workload's configuration, as the caller names it) whose
/// untimed runs began at `mark`: the tunings that started since, one per key, each operation
/// named from its key; they are kept under the row's name, so that a later run, whose
/// tunings cubecl finds in its cache without a word, names the same kernels as reused.
/// Empty where nothing was tuned and nothing kept (the CPU backend tunes nothing).
pub fn for_row(row: &str, mark: usize) -> Vec<KernelChoice> {
    let tuned = tuned_since(mark);
    let key = format!("{ROW_PREFIX}{row}");
    let tunings = tunings();
    let Some(memo) = &tunings.memo else {
        return tuned;
    };
    if !tuned.is_empty() {
        let pairs: Vec<(&str, &str)> = tuned
            .iter()
            .map(|k| (k.operation.as_str(), k.kernel.as_str()))
            .collect();
        memo.keep(
            &key,
            &serde_json::to_string(&pairs).expect("strings serialise"),
        );
        return tuned;
    }
    let kept = memo
        .entries()
        .into_iter()
        .rfind(|(k, _)| *k == key)
        .and_then(|(_, value)| serde_json::from_str::<Vec<(String, String)>>(&value).ok());
    kept.unwrap_or_default()
        .into_iter()
        .map(|(operation, kernel)| KernelChoice {
            operation,
            kernel,
            tuning: Some(Tuning::Reused),
        })
        .collect()
}

/// The kernels chosen by the tunings that started after `mark`, one per key.
fn tuned_since(mark: usize) -> Vec<KernelChoice> {
    let tunings = tunings();
    let mut found: Vec<KernelChoice> = Vec::new();
    for key in tunings.started.iter().skip(mark) {
        let Some(chosen) = tunings.chosen.iter().find(|c| &c.key == key) else {
            continue;
        };
        let choice = KernelChoice {
            operation: operation_of(key),
            kernel: chosen.kernel.clone(),
            tuning: Some(chosen.tuning),
        };
        if !found.contains(&choice) {
            found.push(choice);
        }
    }
    found
}

/// "fused matmul m 64, n 512, k 1024", "attention", …: the kind of a tuning key and, for a
/// matmul, the sizes it prints (each rounded up to a power of two by cubecl).
fn operation_of(key: &str) -> String {
    let kind = if key.starts_with("Fused") && key.contains("Matmul") {
        "fused matmul"
    } else if key.contains("Matmul") {
        "matmul"
    } else if key.contains("Attention") {
        "attention"
    } else {
        key.split([' ', '{', '-']).next().unwrap_or("kernel")
    };
    let size = |name: &str| {
        let at = key.find(&format!(" {name}: "))? + name.len() + 3;
        let digits: String = key[at..].chars().take_while(char::is_ascii_digit).collect();
        (!digits.is_empty()).then(|| format!("{name} {digits}"))
    };
    let sizes: Vec<String> = ["m", "n", "k"].into_iter().filter_map(size).collect();
    if sizes.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} {}", sizes.join(", "))
    }
}

/// The fused matmul's candidate that runs the plain matmul instead (burn-cubecl-fusion's name).
const FUSED_FALLBACK: &str = "fused_matmul_fallback";

#[cfg(test)]
mod tests {
    use super::*;

    /// The tunings are one per process: tests that wait for them to settle take turns.
    static SERIAL: Mutex<()> = Mutex::new(());

    #[test]
    fn operations_are_named_from_their_keys() {
        assert_eq!(
            operation_of(
                "MatmulAutotuneKey - definition: MatmulProblemDefinition { m: 64, n: 512, k: 1024, elem_lhs: .. }"
            ),
            "matmul m 64, n 512, k 1024"
        );
        assert_eq!(
            operation_of("FusedMatmulAutotuneKey { m: 8, n: 8, k: 8 }"),
            "fused matmul m 8, n 8, k 8"
        );
        assert_eq!(
            operation_of("AttentionAutotuneKey { seq_q: 64 }"),
            "attention"
        );
        assert_eq!(
            operation_of("ReduceAutotuneKey { axis: 1 }"),
            "ReduceAutotuneKey"
        );
    }

    #[test]
    fn tunings_are_read_from_the_autotuner_lines() {
        let _turn = SERIAL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
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
        assert_eq!(chosen.len(), 1, "with fusion the fused one: {chosen:?}");
        assert_eq!(
            chosen[0].operation,
            "layer 0 fused matmul 50×1024 · 1024×512"
        );
        // A fused tuning that chose the fallback runs the plain matmul too.
        let fallback_key = fused_key.replace("n: 512", "n: 256");
        let plain_key = key.replace("n: 512", "n: 256");
        for (k, kernel) in [(&fallback_key, FUSED_FALLBACK), (&plain_key, "simple_unit")] {
            assert!(listen(&format!("Tuning {k}")));
            assert!(listen(&format!(
                "Fastest result {kernel}-{k}. \n Top 3 times: [(3, 1ms)], context: "
            )));
        }
        let chosen = chosen_for(&[1024, 256, 1024], 50, Precision::F32, true);
        let kernels: Vec<&str> = chosen.iter().map(|c| c.kernel.as_str()).collect();
        assert_eq!(kernels, [FUSED_FALLBACK, "simple_unit"], "{chosen:?}");
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

    /// A memo in memory, recording what is kept.
    #[derive(Default, Clone)]
    struct Recorded(std::sync::Arc<Mutex<Vec<(String, String)>>>);

    impl Memo for Recorded {
        fn entries(&self) -> Vec<(String, String)> {
            self.0.lock().unwrap().clone()
        }
        fn keep(&self, key: &str, value: &str) {
            self.0.lock().unwrap().push((key.into(), value.into()));
        }
    }

    #[test]
    fn kept_tunings_name_kernels_and_fresh_ones_are_kept() {
        let _turn = SERIAL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let kept_key = "MatmulAutotuneKey - definition: MatmulProblemDefinition { m: 8, n: 32, \
                        k: 16, elem_lhs: Scalar(Float(F32)) }, analysis: ..";
        let memo = Recorded::default();
        memo.keep(kept_key, "ordered_double_buffering");
        adopt(Box::new(memo.clone()));
        let chosen = chosen_for(&[16, 32], 8, Precision::F32, false);
        assert_eq!(chosen.len(), 1, "{chosen:?}");
        assert_eq!(chosen[0].kernel, "ordered_double_buffering");
        assert_eq!(chosen[0].tuning, Some(Tuning::Reused));
        assert!(settled(), "a kept tuning is not pending");

        // cubecl tunes it again (its own cache had lost it): this run's choice replaces the
        // kept one and is kept in turn.
        assert!(listen(&format!("Tuning {kept_key}")));
        assert!(listen(&format!(
            "Fastest result simple_vecmat-{kept_key}. \n Top 3 times: [(3, 1ms)], context: "
        )));
        let chosen = chosen_for(&[16, 32], 8, Precision::F32, false);
        assert_eq!(chosen.len(), 1, "{chosen:?}");
        assert_eq!(chosen[0].kernel, "simple_vecmat");
        assert_eq!(chosen[0].tuning, Some(Tuning::Fresh));
        assert_eq!(
            memo.entries().last(),
            Some(&(kept_key.to_owned(), "simple_vecmat".to_owned()))
        );
    }
}
