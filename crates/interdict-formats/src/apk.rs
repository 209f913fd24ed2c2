//! Alpine `apk` installed-package database (`lib/apk/db/installed`).
//!
//! The file is a list of records separated by blank lines. Every line of a record is
//! `X:value`, where the single letter `X` names the field: `P` name, `V` version, `A`
//! arch, `o` origin (source package), `m` maintainer, `L` license, `T` description, `U`
//! URL, `D` dependencies, `F` a directory owned by the package and `R` a file inside the
//! last `F` directory. Other letters (checksums, sizes, ACLs) are skipped. The last record
//! may or may not be followed by a blank line.

use crate::FormatError;

/// One installed package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApkPackage {
    /// Package name (`P`).
    pub name: String,
    /// Version with release, e.g. `1.2.3-r0` (`V`).
    pub version: String,
    /// Architecture (`A`).
    pub arch: String,
    /// Origin, the source package name (`o`).
    pub origin: String,
    /// Maintainer, usually `Name <mail>` (`m`).
    pub maintainer: String,
    /// License expression (`L`).
    pub license: String,
    /// One-line description (`T`).
    pub description: String,
    /// Project URL (`U`).
    pub url: String,
    /// Dependencies as listed (`D`, space-separated).
    pub depends: Vec<String>,
    /// Directories owned by the package (`F`), relative to the root.
    pub dirs: Vec<String>,
    /// Files owned by the package (`F` + `R`), relative to the root.
    pub files: Vec<String>,
}

/// Parses a whole `installed` database.
///
/// Fails on a line that is not `X:value` or on a record without a `P` (name) line. An
/// empty file is an empty database.
pub fn parse_apk_installed(data: &[u8]) -> Result<Vec<ApkPackage>, FormatError> {
    let mut out = Vec::new();
    let mut current: Option<(usize, ApkPackage)> = None;
    let mut dir = String::new();
    let mut offset = 0usize;
    for raw in data.split(|&b| b == b'\n') {
        let line_start = offset;
        offset = offset.saturating_add(raw.len() + 1);
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.iter().all(u8::is_ascii_whitespace) {
            if let Some((start, pkg)) = current.take() {
                out.push(finish(start, pkg)?);
            }
            dir.clear();
            continue;
        }
        let (key, value) = match line {
            [k, b':', rest @ ..] if k.is_ascii_alphanumeric() => {
                (*k, String::from_utf8_lossy(rest))
            }
            _ => {
                return Err(FormatError::malformed(
                    line_start,
                    "apk database line is not `X:value`",
                ));
            }
        };
        let (_, pkg) = current.get_or_insert_with(|| (line_start, ApkPackage::default()));
        let value = value.trim();
        match key {
            b'P' => pkg.name = value.to_string(),
            b'V' => pkg.version = value.to_string(),
            b'A' => pkg.arch = value.to_string(),
            b'o' => pkg.origin = value.to_string(),
            b'm' => pkg.maintainer = value.to_string(),
            b'L' => pkg.license = value.to_string(),
            b'T' => pkg.description = value.to_string(),
            b'U' => pkg.url = value.to_string(),
            b'D' => pkg
                .depends
                .extend(value.split_whitespace().map(str::to_string)),
            b'F' => {
                dir = value.trim_matches('/').to_string();
                if !dir.is_empty() {
                    pkg.dirs.push(dir.clone());
                }
            }
            b'R' => {
                let name = value.trim_start_matches('/');
                if !name.is_empty() {
                    pkg.files.push(if dir.is_empty() {
                        name.to_string()
                    } else {
                        format!("{dir}/{name}")
                    });
                }
            }
            _ => {}
        }
    }
    if let Some((start, pkg)) = current.take() {
        out.push(finish(start, pkg)?);
    }
    Ok(out)
}

fn finish(start: usize, pkg: ApkPackage) -> Result<ApkPackage, FormatError> {
    if pkg.name.is_empty() {
        return Err(FormatError::malformed(
            start,
            "apk record has no package name (`P:` line)",
        ));
    }
    Ok(pkg)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

    fn corpus(rel: &str) -> Vec<u8> {
        let path = format!("{CORPUS}/{rel}");
        std::fs::read(&path).unwrap_or_else(|e| panic!("corpus file {path} missing: {e}"))
    }

    fn summary(pkgs: &[ApkPackage]) -> Vec<(&str, &str, &str)> {
        pkgs.iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.origin.as_str()))
            .collect()
    }

    #[test]
    fn alpine_3_16_has_14_packages_with_origins() {
        let pkgs =
            parse_apk_installed(&corpus("apk/alpine-3.16-syft/lib/apk/db/installed")).unwrap();
        assert_eq!(
            summary(&pkgs),
            vec![
                ("alpine-baselayout-data", "3.2.0-r22", "alpine-baselayout"),
                ("musl", "1.2.3-r0", "musl"),
                ("busybox", "1.35.0-r17", "busybox"),
                ("alpine-baselayout", "3.2.0-r22", "alpine-baselayout"),
                ("alpine-keys", "2.4-r1", "alpine-keys"),
                ("ca-certificates-bundle", "20220614-r0", "ca-certificates"),
                ("libcrypto1.1", "1.1.1q-r0", "openssl"),
                ("libssl1.1", "1.1.1q-r0", "openssl"),
                ("ssl_client", "1.35.0-r17", "busybox"),
                ("zlib", "1.2.12-r3", "zlib"),
                ("apk-tools", "2.12.9-r3", "apk-tools"),
                ("scanelf", "1.3.4-r0", "pax-utils"),
                ("musl-utils", "1.2.3-r0", "musl"),
                ("libc-utils", "0.7.2-r3", "libc-dev"),
            ]
        );
        assert!(pkgs.iter().all(|p| p.arch == "x86_64"));
        assert_eq!(pkgs[0].maintainer, "Natanael Copa <ncopa@alpinelinux.org>");
        assert_eq!(pkgs[1].maintainer, "Timo Teräs <timo.teras@iki.fi>");
        assert_eq!(pkgs[6].maintainer, "Timo Teras <timo.teras@iki.fi>");
        let busybox = &pkgs[2];
        assert!(
            busybox.files.iter().any(|f| f == "bin/busybox"),
            "{:?}",
            busybox.files
        );
    }

    #[test]
    fn alpine_3_18_last_record_without_blank_line() {
        let data = corpus("apk/alpine-3.18-scalibr/lib/apk/db/installed");
        assert!(!data.ends_with(b"\n\n"));
        let pkgs = parse_apk_installed(&data).unwrap();
        assert_eq!(pkgs.len(), 15);
        let last = pkgs.last().unwrap();
        assert_eq!(
            (last.name.as_str(), last.version.as_str()),
            ("zlib", "1.2.13-r1")
        );
        assert_eq!(last.maintainer, "Natanael Copa <ncopa@alpinelinux.org>");
        let ssl = pkgs.iter().find(|p| p.name == "libssl3").unwrap();
        assert_eq!(ssl.version, "3.1.0-r4");
        assert_eq!(ssl.origin, "openssl");
        assert_eq!(ssl.maintainer, "Ariadne Conill <ariadne@dereferenced.org>");
        let crypto = pkgs.iter().find(|p| p.name == "libcrypto3").unwrap();
        assert_eq!(
            (crypto.version.as_str(), crypto.origin.as_str()),
            ("3.1.0-r4", "openssl")
        );
        let names: Vec<_> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert!(names.contains(&"busybox-binsh"));
        let musl = pkgs.iter().find(|p| p.name == "musl").unwrap();
        assert_eq!(musl.version, "1.2.4-r0");
        let apk = pkgs.iter().find(|p| p.name == "apk-tools").unwrap();
        assert_eq!(apk.version, "2.14.0-r0");
        assert!(apk.files.iter().any(|f| f == "sbin/apk"), "{:?}", apk.files);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_apk_installed(b"\x00\xff\xfe garbage").is_err());
        assert!(parse_apk_installed(b"V:1.0\nA:x86_64\n").is_err());
        assert!(parse_apk_installed(b"P:").is_err());
        assert_eq!(parse_apk_installed(b"").unwrap(), vec![]);
        assert_eq!(parse_apk_installed(b"\n\n").unwrap(), vec![]);
        let one = parse_apk_installed(b"P:x\r\nR:top\r\nF:usr/bin\r\nR:x").unwrap();
        assert_eq!(one[0].files, vec!["top", "usr/bin/x"]);
    }
}
