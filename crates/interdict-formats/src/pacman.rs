//! Arch Linux pacman local database (`var/lib/pacman/local/<name>-<version>/{desc,files}`).
//!
//! Both files are sections: a `%NAME%` header line followed by one value per line, ended
//! by a blank line (or the next header, or the end of the file). `desc` holds the package
//! facts, `files` the owned paths under `%FILES%` and the tracked configuration files
//! under `%BACKUP%` (`path<TAB>md5`).

use crate::FormatError;

/// The facts of one `desc` file. Multi-value sections keep every line in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PacmanDesc {
    /// `%NAME%`.
    pub name: String,
    /// `%VERSION%`, e.g. `6.0.1-5`.
    pub version: String,
    /// `%BASE%`, the source package.
    pub base: String,
    /// `%DESC%`.
    pub description: String,
    /// `%URL%`.
    pub url: String,
    /// `%ARCH%`.
    pub arch: String,
    /// `%BUILDDATE%` (Unix seconds, as written).
    pub build_date: String,
    /// `%INSTALLDATE%` (Unix seconds, as written).
    pub install_date: String,
    /// `%PACKAGER%`, usually `Name <mail>`.
    pub packager: String,
    /// `%SIZE%` in bytes, as written.
    pub size: String,
    /// `%REASON%`: `1` for a dependency, absent or `0` for an explicit install.
    pub reason: String,
    /// `%GROUPS%`.
    pub groups: Vec<String>,
    /// `%LICENSE%`.
    pub licenses: Vec<String>,
    /// `%VALIDATION%`.
    pub validation: Vec<String>,
    /// `%DEPENDS%`.
    pub depends: Vec<String>,
    /// `%OPTDEPENDS%`.
    pub optdepends: Vec<String>,
    /// `%PROVIDES%`.
    pub provides: Vec<String>,
    /// `%CONFLICTS%`.
    pub conflicts: Vec<String>,
    /// `%REPLACES%`.
    pub replaces: Vec<String>,
}

/// One `%BACKUP%` entry: a configuration file and the MD5 it was installed with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PacmanBackup {
    /// Path relative to the root.
    pub path: String,
    /// MD5 hex digest as written (may be empty).
    pub md5: String,
}

/// The contents of one `files` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PacmanFiles {
    /// `%FILES%`: owned paths relative to the root; directories end with `/`.
    pub files: Vec<String>,
    /// `%BACKUP%`.
    pub backup: Vec<PacmanBackup>,
}

/// One `%HEADER%` section with its value lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The header without `%`, e.g. `NAME`.
    pub name: String,
    /// The value lines, in order.
    pub values: Vec<String>,
}

/// Splits a `desc`/`files` file into sections. Fails on a value line outside a section.
pub fn parse_sections(data: &[u8]) -> Result<Vec<Section>, FormatError> {
    let mut out: Vec<Section> = Vec::new();
    let mut open = false;
    let mut offset = 0usize;
    for raw in data.split(|&b| b == b'\n') {
        let line_start = offset;
        offset = offset.saturating_add(raw.len() + 1);
        let line = String::from_utf8_lossy(raw.strip_suffix(b"\r").unwrap_or(raw)).into_owned();
        if line.trim().is_empty() {
            open = false;
            continue;
        }
        if let Some(name) = header(&line) {
            out.push(Section {
                name: name.to_string(),
                values: Vec::new(),
            });
            open = true;
            continue;
        }
        match out.last_mut() {
            Some(section) if open => section.values.push(line),
            _ => {
                return Err(FormatError::malformed(
                    line_start,
                    "pacman value line outside a %SECTION%",
                ));
            }
        }
    }
    Ok(out)
}

fn header(line: &str) -> Option<&str> {
    let name = line.strip_prefix('%')?.strip_suffix('%')?;
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    ok.then_some(name)
}

/// Parses a `desc` file. Fails when it is not sections or has no `%NAME%`.
pub fn parse_pacman_desc(data: &[u8]) -> Result<PacmanDesc, FormatError> {
    let mut d = PacmanDesc::default();
    for s in parse_sections(data)? {
        let first = s.values.first().cloned().unwrap_or_default();
        match s.name.as_str() {
            "NAME" => d.name = first,
            "VERSION" => d.version = first,
            "BASE" => d.base = first,
            "DESC" => d.description = first,
            "URL" => d.url = first,
            "ARCH" => d.arch = first,
            "BUILDDATE" => d.build_date = first,
            "INSTALLDATE" => d.install_date = first,
            "PACKAGER" => d.packager = first,
            "SIZE" => d.size = first,
            "REASON" => d.reason = first,
            "GROUPS" => d.groups = s.values,
            "LICENSE" => d.licenses = s.values,
            "VALIDATION" => d.validation = s.values,
            "DEPENDS" => d.depends = s.values,
            "OPTDEPENDS" => d.optdepends = s.values,
            "PROVIDES" => d.provides = s.values,
            "CONFLICTS" => d.conflicts = s.values,
            "REPLACES" => d.replaces = s.values,
            _ => {}
        }
    }
    if d.name.trim().is_empty() {
        return Err(FormatError::malformed(0, "pacman desc has no %NAME%"));
    }
    Ok(d)
}

/// Parses a `files` file (`%FILES%` and `%BACKUP%`; other sections are ignored).
pub fn parse_pacman_files(data: &[u8]) -> Result<PacmanFiles, FormatError> {
    let mut f = PacmanFiles::default();
    for s in parse_sections(data)? {
        match s.name.as_str() {
            "FILES" => f.files.extend(s.values),
            "BACKUP" => f.backup.extend(s.values.into_iter().map(|v| {
                let (path, md5) = v.split_once('\t').unwrap_or((v.as_str(), ""));
                PacmanBackup {
                    path: path.to_string(),
                    md5: md5.trim().to_string(),
                }
            })),
            _ => {}
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

    fn corpus(rel: &str) -> Vec<u8> {
        let path = format!("{CORPUS}/pacman/{rel}");
        std::fs::read(&path).unwrap_or_else(|e| panic!("corpus file {path} missing: {e}"))
    }

    #[test]
    fn pacman_desc_has_every_listed_field() {
        let d = parse_pacman_desc(&corpus(
            "syft-integration/var/lib/pacman/local/pacman-6.0.1-5/desc",
        ))
        .unwrap();
        assert_eq!(d.name, "pacman");
        assert_eq!(d.version, "6.0.1-5");
        assert_eq!(d.base, "pacman");
        assert_eq!(d.arch, "x86_64");
        assert_eq!(d.packager, "Morten Linderud <foxboron@archlinux.org>");
        assert_eq!(d.licenses, vec!["GPL"]);
        assert_eq!(d.groups, vec!["base-devel"]);
        assert_eq!(d.validation, vec!["pgp"]);
        assert_eq!(d.reason, "1");
        assert_eq!(d.build_date, "1652116331");
        assert_eq!(d.install_date, "1654074247");
        assert_eq!(d.size, "4925474");
        assert_eq!(d.url, "https://www.archlinux.org/pacman/");
        assert_eq!(
            d.depends,
            vec![
                "bash",
                "glibc",
                "libarchive",
                "curl",
                "gpgme",
                "pacman-mirrorlist",
                "archlinux-keyring"
            ]
        );
        assert_eq!(d.provides, vec!["libalpm.so=13-64"]);
        assert_eq!(d.optdepends.len(), 1);
    }

    #[test]
    fn pacman_files_has_25_paths_and_2_backups() {
        let f = parse_pacman_files(&corpus(
            "syft-integration/var/lib/pacman/local/pacman-6.0.1-5/files",
        ))
        .unwrap();
        assert_eq!(f.files.len(), 25);
        assert_eq!(f.files.first().map(String::as_str), Some("etc/"));
        assert!(f.files.iter().any(|p| p == "usr/bin/pacman"));
        assert_eq!(
            f.backup,
            vec![
                PacmanBackup {
                    path: "etc/pacman.conf".into(),
                    md5: "de541390e52468165b96511c4665bff4".into()
                },
                PacmanBackup {
                    path: "etc/makepkg.conf".into(),
                    md5: "79fce043df7dfc676ae5ecb903762d8b".into()
                },
            ]
        );
    }

    #[test]
    fn gmp_has_a_two_line_license() {
        let d =
            parse_pacman_desc(&corpus("syft-arch/var/lib/pacman/local/gmp-6.2.1-2/desc")).unwrap();
        assert_eq!((d.name.as_str(), d.version.as_str()), ("gmp", "6.2.1-2"));
        assert_eq!(d.licenses, vec!["LGPL3", "GPL"]);
        assert_eq!(d.depends, vec!["gcc-libs", "sh", "libtree-sitter.so=1-64"]);
        let f = parse_pacman_files(&corpus("syft-arch/var/lib/pacman/local/gmp-6.2.1-2/files"))
            .unwrap();
        assert!(f.files.iter().any(|p| p == "usr/include/gmp.h"));
    }

    #[test]
    fn emacs_and_tree_sitter() {
        let e =
            parse_pacman_desc(&corpus("syft-arch/var/lib/pacman/local/emacs-29.3-3/desc")).unwrap();
        assert_eq!((e.name.as_str(), e.version.as_str()), ("emacs", "29.3-3"));
        assert_eq!(e.licenses, vec!["GPL3"]);
        assert_eq!(e.packager, "Frederik Schwan <freswa@archlinux.org>");
        assert_eq!(e.depends, vec!["libtree-sitter.so=0-64"]);
        let t = parse_pacman_desc(&corpus(
            "syft-arch/var/lib/pacman/local/tree-sitter-0.22.6-1/desc",
        ))
        .unwrap();
        assert_eq!(
            (t.name.as_str(), t.version.as_str()),
            ("tree-sitter", "0.22.6-1")
        );
        assert_eq!(t.licenses, vec!["MIT"]);
        assert_eq!(t.provides, vec!["libtree-sitter.so=0-64"]);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_pacman_desc(b"\x00\xff garbage\n").is_err());
        assert!(parse_pacman_desc(b"%VERSION%\n1.0\n").is_err());
        assert!(parse_pacman_desc(b"%NAME%\n").is_err());
        assert!(parse_pacman_desc(b"%NAME%\nx\n\nstray\n").is_err());
        assert!(parse_pacman_files(b"%FILES%\na\n\nstray").is_err());
        assert_eq!(parse_pacman_desc(b"%NAME%\nx").unwrap().name, "x");
    }
}
