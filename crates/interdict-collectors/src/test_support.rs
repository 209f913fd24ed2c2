//! Helpers shared by the collector tests of this crate.

use std::path::Path;

/// The read-only test corpus beside the repository.
pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

/// A corpus file's bytes; a missing file fails the test.
pub fn corpus(rel: &str) -> Vec<u8> {
    let path = format!("{CORPUS}/{rel}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("corpus file {path} missing: {e}"))
}

/// Writes `data` at `rel` under `root`, creating parent folders.
pub fn write(root: &Path, rel: &str, data: &[u8]) {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, data).unwrap();
}
