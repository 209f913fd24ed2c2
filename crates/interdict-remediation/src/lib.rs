//! Removal plans and prevention policies: what to do about the findings.
//!
//! [`plan::build_all`] turns a report document (one scanned host, or an import of
//! several) and the catalog into one [`HostPlan`] per host: for every product found, the
//! catalog's removal actions for the host's platform that the evidence supports — the
//! Windows Installer product code from the uninstall key found, the packages the dpkg or
//! rpm database listed, the launchd jobs and pkg receipts found — ordered by the products'
//! `removal_order` (the endpoint product before the management agent that could
//! reinstall it). [`render`] prints a plan as text, JSON, a POSIX `sh` script or a
//! PowerShell script. Scripts are idempotent (each step checks first), log every step,
//! and stop at the first error; every value taken from evidence is quoted for the shell
//! (evidence is untrusted input). interdict never runs them.
//!
//! [`policy::export`] writes the prevention policy of a directive in one of nine
//! formats (AppLocker, WDAC, apt preferences, dnf excludes, hosts, RPZ, an osquery pack,
//! YARA rules, Santa rules), each naming the directive, the catalog version and the
//! generation date.
//!
//! ```
//! let catalog = interdict_catalog::Catalog::bundled().unwrap();
//! let now = "2026-12-08T00:00:00Z".parse().unwrap();
//! let hosts = interdict_remediation::policy::export(
//!     &catalog, "bod-17-01", interdict_remediation::policy::PolicyFormat::Hosts, now,
//! ).unwrap();
//! assert!(hosts.lines().any(|l| l == "0.0.0.0 kaspersky.com"));
//! ```
//!
//! **Boundary:** pure (catalog × report → text); no file I/O, nothing executed. Depends
//! on the catalog and the vocabulary crates only, so the CLI, the server and the tests
//! render the same plans.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod plan;
pub mod policy;
pub mod render;

pub use plan::{HostPlan, PackageManager, ProductPlan, Step, StepDetail, build, build_all};
pub use render::{PlanFormat, RenderError, render};
