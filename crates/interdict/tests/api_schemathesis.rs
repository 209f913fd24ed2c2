//! The fleet API against its own OpenAPI document: `scripts/schemathesis.sh` runs
//! schemathesis (property-based requests; no 5xx, every status and body as documented)
//! on `interdict serve` built from this tree.

use std::path::Path;
use std::process::Command;

#[test]
fn api_conforms_to_its_openapi_document() {
    let installed = Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        installed,
        "schemathesis is not installed: .ci/run installs it (pip install schemathesis)"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(root.join("scripts/schemathesis.sh"))
        .env("INTERDICT_BIN", env!("CARGO_BIN_EXE_interdict"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run scripts/schemathesis.sh");
    assert!(
        out.status.success(),
        "schemathesis found problems (exit {:?}):\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
