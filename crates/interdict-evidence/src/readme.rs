//! `README.html`: what a pack holds and how to check it by hand, with `sha256sum` and
//! OpenSSL, for an auditor who does not have interdict.

use std::fmt::Write;

/// What the README says about its pack.
#[derive(Debug, Clone, Default)]
pub struct ReadmeInfo {
    /// The directive id and title.
    pub directive: String,
    /// The directive's title.
    pub directive_title: String,
    /// The as-of date of the deliverables.
    pub as_of: String,
    /// When the pack was made.
    pub generated: String,
    /// The archive's top folder.
    pub top: String,
    /// The signer's key fingerprint.
    pub signer: String,
    /// The countersigner's key fingerprint, if any.
    pub countersigner: Option<String>,
    /// The catalog version and digest the deliverables were computed with.
    pub catalog: String,
    /// Each file (or folder, ending in `/`) with what it is.
    pub contents: Vec<(String, String)>,
}

/// Renders the README as one self-contained HTML page (no outside references).
pub fn render(info: &ReadmeInfo) -> String {
    let e = interdict_report::html_text;
    let mut rows = String::new();
    for (path, what) in &info.contents {
        let _ = writeln!(
            rows,
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            e(path),
            e(what)
        );
    }
    let counter = match &info.countersigner {
        Some(fp) => format!(
            "<p>The manifest is also countersigned (two-person rule) by the key with \
             fingerprint <code>{}</code>; check <code>SHA256SUMS.countersig</code> the same \
             way with <code>keys/countersigner.pub</code>.</p>",
            e(fp)
        ),
        None => String::new(),
    };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Evidence pack: {directive} as of {as_of}</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
code,pre{{font-family:ui-monospace,monospace}}pre{{background:#f4f4f4;padding:.75rem;overflow-x:auto}}
table{{border-collapse:collapse}}td{{border-top:1px solid #ddd;padding:.25rem .75rem .25rem 0;vertical-align:top}}</style>
</head><body>
<h1>Evidence pack: {directive}</h1>
<p>{title}. Deliverables as of <strong>{as_of}</strong>, made {generated} with catalog {catalog}.</p>
<h2>What is in it</h2>
<table>{rows}</table>
<h2>Checking it by hand</h2>
<p>Every file but the manifest and its signatures is listed in <code>SHA256SUMS</code> with its
SHA-256. The manifest is signed with Ed25519 by the key with fingerprint
<code>{signer}</code> (SHA-256 of the 32 raw public-key bytes). Obtain the public key or its
fingerprint from its owner through another channel: the copy in <code>keys/</code> proves
nothing by itself.</p>
<pre>tar -xzf PACK.tar.gz
cd {top}
sha256sum -c --strict SHA256SUMS            # every file, unchanged
openssl pkey -pubin -in keys/signer.pub -outform DER | tail -c 32 | sha256sum
                                            # compare with the published fingerprint
openssl pkeyutl -verify -pubin -inkey keys/signer.pub -rawin \
    -in SHA256SUMS -sigfile SHA256SUMS.sig  # "Signature Verified Successfully"
find . -type f | sed 's|^\./||' | sort      # no file beyond SHA256SUMS, its signatures
                                            # and the files it lists</pre>
{counter}
<p>With interdict: <code>interdict evidence verify PACK.tar.gz --key signer.pub</code> also
re-checks the audit chain segment and re-computes the reports from the included report
documents.</p>
</body></html>
"#,
        directive = e(&info.directive),
        title = e(&info.directive_title),
        as_of = e(&info.as_of),
        generated = e(&info.generated),
        catalog = e(&info.catalog),
        signer = e(&info.signer),
        top = e(&info.top),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_escaped_and_nothing_is_fetched() {
        let html = render(&ReadmeInfo {
            directive: "bod-17-01".into(),
            directive_title: "<script>x</script>".into(),
            contents: vec![("reports/".into(), "the report documents".into())],
            ..ReadmeInfo::default()
        });
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("sha256sum -c"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
