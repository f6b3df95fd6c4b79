//! Tuning kept across runs. Choosing a kernel is slow (cubecl times every candidate matmul; the
//! WGSL reference times every tile shape), and on the same device, driver and versions the
//! answer does not change, so the front ends keep each choice where the next run finds it: a
//! file in a per-user cache folder on the command line, the page's storage in the browser.

/// Choices kept under a key: a cubecl tuning key and the kernel it chose, or a reference layer
/// shape and its tile shape.
pub trait Memo: Send + Sync {
    /// What earlier runs kept, oldest first; a later entry for a key replaces an earlier one.
    fn entries(&self) -> Vec<(String, String)>;
    /// Keeps `value` for `key`. A store that cannot be written says so itself, once, and the
    /// run goes on: a lost entry costs only a tuning next time.
    fn keep(&self, key: &str, value: &str);
}

/// A [`Memo`] in memory: what a front end's file or page storage keeps.
#[cfg(test)]
#[derive(Default)]
pub struct KeptInMemory(std::sync::Mutex<Vec<(String, String)>>);

#[cfg(test)]
impl Memo for KeptInMemory {
    fn entries(&self) -> Vec<(String, String)> {
        self.0.lock().unwrap().clone()
    }
    fn keep(&self, key: &str, value: &str) {
        self.0.lock().unwrap().push((key.into(), value.into()));
    }
}
