//! Tuning kept across runs on this machine. Choosing kernels (cubecl's autotuner, the WGSL
//! reference's tile search) is most of a run on a slow device, and on the same devices, drivers
//! and versions its answer does not change; so each run tunes into a folder under the user's
//! cache folder named after exactly those, and the next run with the same ones starts from it.
//! A new driver, device or nlbench or burn version, or a build with other kernel compilers
//! (SPIR-V beside WGSL), gets a folder of its own, so nothing tuned for another is used.
//!
//! The folder holds cubecl's own cache (`autotune/`), the kernels its tunings chose
//! (`kernels.jsonl`, since cubecl names nothing it finds in its cache) and each device's
//! reference search (`reference-<device>.jsonl`).

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
    sync::atomic::{AtomicBool, Ordering},
};

use nlbench::{device::DeviceInfo, memo::Memo};
use sha2::{Digest, Sha256};

/// Where the folders live: `NLBENCH_CACHE_DIR`, else `nlbench` in the user's cache folder
/// (`~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows).
pub fn root() -> Option<PathBuf> {
    std::env::var_os("NLBENCH_CACHE_DIR")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|dir| dir.join("nlbench")))
}

/// The tuning a run starts from.
pub enum Tuning {
    /// The kept folder for this machine's devices.
    Kept(TuningCache),
    /// No folder could be kept: cubecl tunes into a temporary one, removed at the end, so
    /// every kernel is tuned (and named); `None` where not even that could be made.
    Temporary(Option<tempfile::TempDir>),
}

impl Tuning {
    /// The kept folder for `devices` (emptied with `retune`), or a temporary one, warning on
    /// the terminal why. What the run cannot do as it should goes into `notes`.
    pub fn start(retune: bool, devices: &[DeviceInfo], notes: &mut Vec<String>) -> Self {
        let opened = root()
            .ok_or_else(|| "this user has no cache folder (set NLBENCH_CACHE_DIR)".to_owned())
            .and_then(|root| {
                TuningCache::open(&root, devices, retune)
                    .map_err(|err| format!("{} could not be used: {err}", root.display()))
            });
        match opened {
            Ok(cache) => {
                for warning in &cache.warnings {
                    eprintln!("warning: {warning}");
                }
                Self::Kept(cache)
            }
            Err(why) => {
                eprintln!("warning: tunings are not kept for later runs: {why}");
                let temporary = tempfile::tempdir()
                    .map_err(|err| {
                        notes.push(format!(
                            "kernels may go unnamed: no folder could be made for cubecl's \
                             tuning cache ({err}), so tunings it kept elsewhere are reused \
                             without a word"
                        ))
                    })
                    .ok();
                Self::Temporary(temporary)
            }
        }
    }

    /// The terminal's line on it: what was kept, and where.
    pub fn summary(&self) -> String {
        match self {
            Self::Kept(cache) => match cache.kept {
                0 => format!(
                    "tuning: nothing kept yet for these devices; this run's choices are kept in {}",
                    cache.dir.display()
                ),
                n => format!(
                    "tuning: {n} choices kept from earlier runs are reused, from {} \
                     (--retune tunes afresh)",
                    cache.dir.display()
                ),
            },
            Self::Temporary(_) => "tuning: every kernel is tuned afresh (none are kept)".into(),
        }
    }

    /// Where cubecl keeps its autotune results in this run.
    pub fn cubecl(&self) -> Option<&Path> {
        match self {
            Self::Kept(cache) => Some(&cache.dir),
            Self::Temporary(dir) => dir.as_ref().map(tempfile::TempDir::path),
        }
    }

    /// The kernels cubecl's tunings chose, where they are kept.
    pub fn kernels(&self) -> Option<Box<dyn Memo>> {
        match self {
            Self::Kept(cache) => Some(Box::new(cache.kernels())),
            Self::Temporary(_) => None,
        }
    }

    /// The reference's tile shapes on `device`, where they are kept.
    pub fn reference(&self, device: &DeviceInfo) -> Option<Box<dyn Memo>> {
        match self {
            Self::Kept(cache) => Some(Box::new(cache.reference(device))),
            Self::Temporary(_) => None,
        }
    }

    /// The times of the pieces of earlier runs on `device` (a run's time left starts from
    /// them), where they are kept.
    pub fn costs(&self, device: &DeviceInfo) -> Option<Box<dyn Memo>> {
        match self {
            Self::Kept(cache) => Some(Box::new(cache.costs(device))),
            Self::Temporary(_) => None,
        }
    }
}

/// One folder of kept tunings.
pub struct TuningCache {
    dir: PathBuf,
    /// How many choices earlier runs left in it (0: this run tunes everything).
    kept: usize,
    /// What was wrong with the files found and set aside, one line each.
    warnings: Vec<String>,
}

impl TuningCache {
    /// The folder under `root` for `devices` at this build's versions, made if missing and
    /// emptied first with `retune`. Files that cannot be read are removed with a warning,
    /// so that their tunings are done again rather than trusted or crashed on.
    fn open(root: &Path, devices: &[DeviceInfo], retune: bool) -> io::Result<Self> {
        let identity = identity(devices);
        let dir = root.join(folder_name(devices, &identity));
        if retune && dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir_all(&dir)?;
        fs::write(dir.join("identity.txt"), &identity)?;
        let mut warnings = Vec::new();
        set_aside_unreadable(&dir.join("autotune"), &mut warnings);
        // Kept choices, not kept times: those say how long pieces took, and choose nothing.
        let kept = memo_files(&dir)
            .iter()
            .filter(|path| {
                !path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(COSTS))
            })
            .map(|path| FileMemo::open(path.clone(), &mut warnings).entries().len())
            .sum();
        Ok(Self {
            dir,
            kept,
            warnings,
        })
    }

    /// The kernels cubecl's tunings chose.
    fn kernels(&self) -> FileMemo {
        FileMemo::open(self.dir.join("kernels.jsonl"), &mut Vec::new())
    }

    /// The reference's tile shapes on `device`.
    fn reference(&self, device: &DeviceInfo) -> FileMemo {
        let name = format!("reference-{}.jsonl", slug(&device.label()));
        FileMemo::open(self.dir.join(name), &mut Vec::new())
    }

    /// How long each piece of a run took on `device`, for the next run's time left.
    fn costs(&self, device: &DeviceInfo) -> FileMemo {
        let name = format!("{COSTS}{}.jsonl", slug(&device.label()));
        FileMemo::open(self.dir.join(name), &mut Vec::new())
    }
}

/// The start of the name of a file of pieces' times.
const COSTS: &str = "costs-";

/// What a folder is for, in words: the versions and every field of every device. It is
/// written into the folder, and its hash names the folder.
fn identity(devices: &[DeviceInfo]) -> String {
    let mut text = format!(
        "nlbench {}\nburn {}\ncompilers {}\n",
        env!("CARGO_PKG_VERSION"),
        nlbench::BURN_VERSION,
        nlbench::compiler::built()
    );
    for device in devices {
        let fields = serde_json::to_string(device).expect("device info serialises");
        text.push_str(&format!("device {fields}\n"));
    }
    text
}

/// The first device's name for people, then a hash of the whole identity for uniqueness.
fn folder_name(devices: &[DeviceInfo], identity: &str) -> String {
    let hash = Sha256::digest(identity.as_bytes());
    let hex: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
    let name = devices
        .first()
        .map_or_else(String::new, |d| slug(&d.label()));
    format!("{name}-{hex}")
}

/// Letters and digits of `text`, the rest runs of '-', at most 40 characters.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').chars().take(40).collect()
}

fn memo_files(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "jsonl"))
        .collect()
}

/// Removes each of cubecl's cache files under `dir` that has a line which is not one of its
/// entries (a JSON object with a key and a value): cubecl would skip the line, but a file
/// damaged once is not trusted with the rest.
fn set_aside_unreadable(dir: &Path, warnings: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            set_aside_unreadable(&path, warnings);
            continue;
        }
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) => {
                warnings.push(format!(
                    "tuning cache file {} unreadable: {err}",
                    path.display()
                ));
                continue;
            }
        };
        let bad = bytes
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, line)| !line.is_empty())
            .find(|(_, line)| !is_cubecl_entry(line));
        if let Some((line, _)) = bad {
            let removed = fs::remove_file(&path);
            warnings.push(format!(
                "tuning cache file {} is damaged (line {}); {}",
                path.display(),
                line + 1,
                match removed {
                    Ok(()) => "removed, its kernels are tuned again".to_owned(),
                    Err(err) => format!("could not remove it ({err})"),
                }
            ));
        }
    }
}

fn is_cubecl_entry(line: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(line)
        .ok()
        .and_then(|v| {
            v.as_object()
                .map(|o| o.contains_key("key") && o.contains_key("value"))
        })
        .unwrap_or(false)
}

/// A [`Memo`] in a file of JSON lines, each `[key, value]`, appended to as choices are made
/// and read afresh each time (runs sharing the folder add to it). Lines that cannot be read
/// are dropped when it is opened (the file is rewritten without them).
pub struct FileMemo {
    path: PathBuf,
    /// Whether a failed write has been reported (once is enough).
    warned: AtomicBool,
}

/// The readable entries of a memo file, and how many lines were not.
fn read_entries(path: &Path) -> (Vec<(String, String)>, usize) {
    let bytes = fs::read(path).unwrap_or_default();
    let mut entries = Vec::new();
    let mut unreadable = 0;
    for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        match serde_json::from_slice::<(String, String)>(line) {
            Ok(entry) => entries.push(entry),
            Err(_) => unreadable += 1,
        }
    }
    (entries, unreadable)
}

impl FileMemo {
    fn open(path: PathBuf, warnings: &mut Vec<String>) -> Self {
        let (entries, unreadable) = read_entries(&path);
        if unreadable > 0 {
            let rewritten = fs::write(&path, lines(&entries));
            warnings.push(format!(
                "tuning cache file {}: {unreadable} damaged line(s) {}",
                path.display(),
                match rewritten {
                    Ok(()) => "dropped".to_owned(),
                    Err(err) => format!("ignored (the file could not be rewritten: {err})"),
                }
            ));
        }
        Self {
            path,
            warned: AtomicBool::new(false),
        }
    }
}

fn lines(entries: &[(String, String)]) -> String {
    entries
        .iter()
        .map(|entry| serde_json::to_string(entry).expect("strings serialise") + "\n")
        .collect()
}

impl Memo for FileMemo {
    fn entries(&self) -> Vec<(String, String)> {
        read_entries(&self.path).0
    }

    fn keep(&self, key: &str, value: &str) {
        let line = lines(&[(key.to_owned(), value.to_owned())]);
        // One write of one line in append mode: runs sharing the folder do not interleave.
        let written = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut file| file.write_all(line.as_bytes()));
        if let Err(err) = written
            && !self.warned.swap(true, Ordering::Relaxed)
        {
            eprintln!(
                "warning: tunings are not kept for later runs: {} could not be written ({err})",
                self.path.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(driver: &str) -> DeviceInfo {
        let mut info = DeviceInfo::cpu("test device", "test CPU".into(), "test".into());
        info.driver = driver.into();
        info
    }

    #[test]
    fn another_driver_or_version_gets_another_folder() {
        let root = tempfile::tempdir().unwrap();
        let one = TuningCache::open(root.path(), &[device("1.0")], false).unwrap();
        let again = TuningCache::open(root.path(), &[device("1.0")], false).unwrap();
        let other = TuningCache::open(root.path(), &[device("2.0")], false).unwrap();
        assert_eq!(one.dir, again.dir);
        assert_ne!(one.dir, other.dir);
        // The versions and the kernel compilers are part of what names the folder: another
        // build gets another one (this one compiles SPIR-V beside WGSL on Linux).
        let written = fs::read_to_string(one.dir.join("identity.txt")).unwrap();
        assert!(written.contains(&format!("nlbench {}\n", env!("CARGO_PKG_VERSION"))));
        assert!(written.contains(&format!("burn {}\n", nlbench::BURN_VERSION)));
        assert!(written.contains(&format!("compilers {}\n", nlbench::compiler::built())));
        #[cfg(all(target_os = "linux", feature = "spirv"))]
        assert!(written.contains("compilers wgsl spirv\n"), "{written}");
        assert_eq!(written, identity(&[device("1.0")]));
    }

    #[test]
    fn kept_entries_survive_and_retune_forgets_them() {
        let root = tempfile::tempdir().unwrap();
        let devices = [device("1.0")];
        let cache = TuningCache::open(root.path(), &devices, false).unwrap();
        assert_eq!(cache.kept, 0);
        cache.kernels().keep("matmul key", "simple_unit");
        cache
            .reference(&devices[0])
            .keep("8×32×16 FP32", "tile 4×4");
        let cache = TuningCache::open(root.path(), &devices, false).unwrap();
        assert_eq!(cache.kept, 2);
        assert_eq!(
            cache.kernels().entries(),
            vec![("matmul key".to_owned(), "simple_unit".to_owned())]
        );
        let cache = TuningCache::open(root.path(), &devices, true).unwrap();
        assert_eq!(cache.kept, 0);
        assert!(cache.kernels().entries().is_empty());
    }

    #[test]
    fn damaged_files_are_dropped_with_a_warning() {
        let root = tempfile::tempdir().unwrap();
        let devices = [device("1.0")];
        let cache = TuningCache::open(root.path(), &devices, false).unwrap();
        cache.kernels().keep("good", "kernel");
        let kernels = cache.dir.join("kernels.jsonl");
        let mut text = fs::read(&kernels).unwrap();
        text.extend_from_slice(b"[\"half a line\n\xff\xfe\n");
        fs::write(&kernels, text).unwrap();
        let cubecl = cache.dir.join("autotune/0.10.0/DiscreteGpu(0)");
        fs::create_dir_all(&cubecl).unwrap();
        fs::write(
            cubecl.join("matmul.json.log"),
            "{\"key\": 1, \"value\": 2}\nnot json\n",
        )
        .unwrap();

        let cache = TuningCache::open(root.path(), &devices, false).unwrap();
        assert_eq!(cache.warnings.len(), 2, "{:?}", cache.warnings);
        assert!(
            cache
                .warnings
                .iter()
                .any(|w| w.contains("2 damaged line(s) dropped"))
        );
        assert!(
            cache
                .warnings
                .iter()
                .any(|w| w.contains("matmul.json.log is damaged (line 2)"))
        );
        assert!(!cubecl.join("matmul.json.log").exists());
        assert_eq!(cache.kept, 1);
        assert_eq!(cache.kernels().entries().len(), 1, "the good line stays");
        let again = TuningCache::open(root.path(), &devices, false).unwrap();
        assert!(again.warnings.is_empty(), "{:?}", again.warnings);
    }
}
