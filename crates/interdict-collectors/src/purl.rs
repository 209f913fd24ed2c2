//! Package URLs of installed packages, built in one place with the `packageurl` crate so
//! every package collector encodes them the same way (the purl spec's percent-encoding,
//! qualifiers sorted by key).

use packageurl::PackageUrl;

/// The purl `pkg:<ty>/<namespace>/<name>@<version>?<qualifiers>`; empty parts are left out
/// (an empty qualifier value too). `None` when `ty` or `name` is not usable.
pub fn package_url(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> Option<String> {
    let mut purl = PackageUrl::new(ty, name).ok()?;
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        purl.with_namespace(ns).ok()?;
    }
    if !version.is_empty() {
        purl.with_version(version).ok()?;
    }
    for (key, value) in qualifiers.iter().filter(|(_, v)| !v.is_empty()) {
        purl.add_qualifier(*key, *value).ok()?;
    }
    Some(purl.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_package_type_is_encoded_alike() {
        assert_eq!(
            package_url(
                "deb",
                Some("debian"),
                "kesl",
                "12.0.0.6672",
                &[("arch", "amd64")]
            )
            .as_deref(),
            Some("pkg:deb/debian/kesl@12.0.0.6672?arch=amd64")
        );
        assert_eq!(
            package_url(
                "deb",
                Some("ubuntu"),
                "libc6",
                "2.35-0ubuntu3:1",
                &[("arch", "")]
            )
            .as_deref(),
            // The purl spec: a colon is never percent-encoded.
            Some("pkg:deb/ubuntu/libc6@2.35-0ubuntu3:1")
        );
        assert_eq!(
            package_url(
                "rpm",
                None,
                "libstdc++6",
                "11.2.1+git610-1.3.9",
                &[("arch", "x86_64"), ("epoch", "1")]
            )
            .as_deref(),
            Some("pkg:rpm/libstdc%2B%2B6@11.2.1%2Bgit610-1.3.9?arch=x86_64&epoch=1")
        );
        assert_eq!(package_url("apk", Some("alpine"), "", "1", &[]), None);
    }
}
