//! Collectors: one per inventory source, each reading a [`Root`] and yielding normalized
//! [`interdict_inventory::Artifact`]s.
//!
//! The principal items are the [`Collector`] trait and [`Root`], the confined view of a live
//! host or an offline root. A collector reads only through its `Root`; it parses bytes with
//! the pure readers of `interdict-formats`; a source it cannot read becomes a
//! [`CollectError`] and the collector goes on with the rest.
//!
//! **Boundary:** collectors do not know what is banned. They never see the catalog; the
//! file sweep takes a plain [`sweep::SweepFilter`] built by the caller.
//! **Invariant:** nothing from a scanned root is executed, and nothing is written to it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod apk;
pub mod browser;
pub mod content;
pub mod dpkg;
pub mod flatpak;
pub mod identity;
pub mod kmod;
pub mod macos;
pub mod os;
pub mod pacman;
pub mod pe;
pub mod processes;
pub mod purl;
pub mod root;
pub mod rpm;
pub mod snap;
pub mod sweep;
pub mod systemd;
pub mod sysv;
#[cfg(test)]
mod test_support;
pub mod trust_store;
pub mod windows;

pub use root::Root;

use interdict_inventory::{CollectError, Inventory};

/// One inventory source.
pub trait Collector: Send + Sync {
    /// Stable kebab-case id stored in every artifact and error, e.g. `dpkg-status`.
    fn id(&self) -> &'static str;

    /// Reads the source from `root`. Unreadable parts become errors in the result.
    fn collect(&self, root: &Root) -> Inventory;
}

/// Builds a [`CollectError`] for a file, with the error's own message. [`Root`] errors
/// start with the path they concern; when that is `location`, the repeat is dropped from
/// the message (the location already names the file).
pub fn error_at(collector: &str, location: &str, err: impl std::fmt::Display) -> CollectError {
    let message = err.to_string();
    let message = match message
        .strip_prefix(location)
        .and_then(|m| m.strip_prefix(": "))
    {
        Some(rest) if !location.is_empty() => rest.to_string(),
        _ => message,
    };
    CollectError::new(collector, location, message)
}
