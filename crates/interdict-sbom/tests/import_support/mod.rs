//! Helpers shared by the import tests: fixtures, re-encodings and a short summary of an
//! import's items.

#![allow(dead_code)]

use interdict_inventory::{ArtifactKind, ArtifactState};
use interdict_sbom::InventoryImport;

/// The fixture directory of this crate.
pub const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");

/// A fixture's bytes.
pub fn bytes(relative: &str) -> Vec<u8> {
    let path = format!("{TESTDATA}/{relative}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path} missing: {e}"))
}

/// A fixture's text (without a UTF-8 byte-order mark).
pub fn text(relative: &str) -> String {
    let bytes = bytes(relative);
    let body = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(&bytes);
    String::from_utf8(body.to_vec()).expect("utf-8 fixture")
}

/// `text` as PowerShell's `>` writes it: UTF-16 LE with a byte-order mark.
pub fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

/// (host, kind, name, version, publisher, state) of one imported item.
pub type Item<'a> = (
    &'a str,
    ArtifactKind,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    ArtifactState,
);

/// An active package of `host` as an [`Item`].
pub fn package<'a>(host: &'a str, name: &'a str, version: &'a str, publisher: &'a str) -> Item<'a> {
    (
        host,
        ArtifactKind::Package,
        name,
        Some(version),
        Some(publisher),
        ArtifactState::Active,
    )
}

/// Every imported item as an [`Item`], in order.
pub fn items(import: &InventoryImport) -> Vec<Item<'_>> {
    import
        .artifacts
        .iter()
        .map(|(host, a)| {
            (
                host.as_str(),
                a.kind,
                a.name.as_str(),
                a.version.as_deref(),
                a.publisher.as_deref(),
                a.state,
            )
        })
        .collect()
}

/// (host, name) of every imported item, in order.
pub fn names(import: &InventoryImport) -> Vec<(&str, &str)> {
    import
        .artifacts
        .iter()
        .map(|(host, a)| (host.as_str(), a.name.as_str()))
        .collect()
}

/// The locations of every imported item, in order.
pub fn locations(import: &InventoryImport) -> Vec<&str> {
    import
        .artifacts
        .iter()
        .map(|(_, a)| a.location.as_str())
        .collect()
}
