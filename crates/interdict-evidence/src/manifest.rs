//! `SHA256SUMS`: one line per file, `<64 hex>  <path>`, sorted by path — the format GNU
//! `sha256sum` writes and `sha256sum -c` checks.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Renders the manifest of `files` (path → SHA-256 hex).
pub fn render(files: &BTreeMap<String, String>) -> String {
    files
        .iter()
        .map(|(path, hash)| format!("{hash}  {path}\n"))
        .collect()
}

/// A manifest line that is not `<64 hex>  <path>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SHA256SUMS line {line}: {problem}")]
pub struct ManifestError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

/// Parses a manifest into path → SHA-256 hex. Lines in binary mode (`<hash> *<path>`)
/// are accepted; a duplicate path, a bad hash or a missing path is an error.
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, ManifestError> {
    let mut files = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let err = |problem: &str| ManifestError {
            line: i + 1,
            problem: problem.to_string(),
        };
        if line.trim().is_empty() {
            continue;
        }
        let (hash, rest) = line.split_at_checked(64).ok_or_else(|| err("too short"))?;
        if !hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return Err(err("the hash is not 64 lowercase hex digits"));
        }
        let path = rest
            .strip_prefix("  ")
            .or_else(|| rest.strip_prefix(" *"))
            .filter(|p| !p.is_empty())
            .ok_or_else(|| err("no path after the hash"))?;
        if files.insert(path.to_string(), hash.to_string()).is_some() {
            return Err(err(&format!("{path} is listed twice")));
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_what_it_parses() {
        let mut files = BTreeMap::new();
        files.insert("b/x.json".to_string(), sha256_hex(b"x"));
        files.insert("a.html".to_string(), sha256_hex(b""));
        let text = render(&files);
        assert!(text.starts_with(&format!("{}  a.html\n", sha256_hex(b""))));
        assert_eq!(parse(&text).unwrap(), files);
    }

    #[test]
    fn bad_lines_are_named() {
        assert_eq!(parse("abc  x\n").unwrap_err().line, 1);
        let h = sha256_hex(b"");
        let twice = format!("{h}  a\n{h}  a\n");
        assert!(parse(&twice).unwrap_err().problem.contains("twice"));
        assert!(parse(&format!("{h}\n")).is_err());
        assert_eq!(parse(&format!("{h} *a\n")).unwrap()["a"], h);
    }
}
