//! `make-policy-catalog DIR N`: a catalog file with N indicators for
//! `benches/policy-export.sh` — one vendor (with domains and a Team ID), N/100 products
//! of 100 indicators each (Linux packages, Windows folders, macOS bundle ids and launchd
//! labels, Windows services, domains) and a directive covering the vendor.

use std::fmt::Write;
use std::path::Path;

/// Writes `DIR/bench-policy.toml`; answers a one-line summary.
pub fn make_policy_catalog(dir: &Path, indicators: usize) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut s = String::from(
        "[[vendor]]\nid = \"benchvendor\"\nname = \"Bench Vendor\"\nlegal_names = [\"Bench Vendor Ltd\"]\n\
         signer_subjects = [\"O=Bench Vendor Ltd\"]\nteam_ids = [\"BENCH12345\"]\nsources = [\"generated\"]\n\n\
         [[vendor.domain]]\nname = \"benchvendor.example\"\nsubdomains = true\nsource = \"generated\"\n\n\
         [[directive]]\nid = \"bench-ban\"\ntitle = \"Benchmark ban\"\nissuer = \"bench\"\nlegal_basis = \"bench\"\n\
         issued = 2026-01-01\nvendors = [\"benchvendor\"]\ndistributions = [\"branded\"]\n\n",
    );
    let products = indicators.div_ceil(100).max(1);
    let mut written = 0;
    for p in 0..products {
        let _ = write!(
            s,
            "[[product]]\nid = \"bench-product-{p}\"\nvendor = \"benchvendor\"\nname = \"Bench Product {p}\"\n\
             family = \"endpoint-security\"\nplatforms = [\"linux\", \"windows\", \"macos\"]\ndistribution = \"branded\"\n\n"
        );
        let kinds: [(&str, &str, &str, &str); 5] = [
            ("package", "exact", "linux", "bench-pkg-{p}-{i}"),
            (
                "path",
                "prefix",
                "windows",
                "Program Files/Bench Vendor/Product {p}/Module {i}/",
            ),
            ("bundle-id", "prefix", "macos", "com.benchvendor.p{p}.m{i}."),
            ("service", "exact", "windows", "benchsvc{p}x{i}"),
            ("domain", "exact", "any", "m{i}.p{p}.benchvendor.example"),
        ];
        for i in 0..100 {
            if written == indicators {
                break;
            }
            let (kind, mode, platform, pattern) = kinds[i % kinds.len()];
            let pattern = pattern
                .replace("{p}", &p.to_string())
                .replace("{i}", &i.to_string());
            let _ = write!(
                s,
                "[[product.indicator]]\nkind = \"{kind}\"\npattern = \"{pattern}\"\nmatch = \"{mode}\"\n\
                 strength = \"strong\"\nplatforms = [\"{platform}\"]\nsource = \"generated\"\nconfidence = \"high\"\n\n"
            );
            written += 1;
        }
    }
    let file = dir.join("bench-policy.toml");
    std::fs::write(&file, s).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(format!(
        "{}: {written} indicators in {products} products",
        file.display()
    ))
}
