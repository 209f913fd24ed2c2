//! BerkeleyDB hash rpmdb (`Packages`, RHEL ≤ 8, CentOS, older SUSE).
//!
//! Page 0 is the hash metadata page (magic `0x00061561` at 12, page size at 20,
//! encryption at 24, last page number at 32). Hash pages (type 13, or 2 on RHEL 5) hold
//! `entries` u16 item offsets after the 26-byte page header, alternating key and value.
//! Package values are `H_OFFPAGE` items pointing at a chain of overflow pages (type 7)
//! holding `tlen` bytes. A file written on a big-endian host has every field swapped.

use super::{BlobResult, BlobScan};
use crate::FormatError;
use crate::bytes::{slice, u16_be, u16_le, u32_be, u32_le};
use std::collections::HashSet;

/// Hash database magic.
const HASH_MAGIC: u32 = 0x0006_1561;
/// Page header size.
const PAGE_HEADER: usize = 26;
/// Hash metadata page type.
const P_HASHMETA: u8 = 8;
/// Unsorted hash page (old BerkeleyDB, RHEL 5).
const P_HASH_UNSORTED: u8 = 2;
/// Hash page.
const P_HASH: u8 = 13;
/// Overflow page.
const P_OVERFLOW: u8 = 7;
/// Item type of a value stored on overflow pages.
const H_OFFPAGE: u8 = 3;
/// Largest value accepted (rpm's header size limit).
const MAX_VALUE: usize = super::header::MAX_HEADER_BYTES;

/// The file's byte order.
#[derive(Debug, Clone, Copy)]
struct Order {
    big: bool,
}

impl Order {
    fn u16(self, d: &[u8], at: usize, what: &str) -> Result<u16, FormatError> {
        if self.big {
            u16_be(d, at, what)
        } else {
            u16_le(d, at, what)
        }
    }
    fn u32(self, d: &[u8], at: usize, what: &str) -> Result<u32, FormatError> {
        if self.big {
            u32_be(d, at, what)
        } else {
            u32_le(d, at, what)
        }
    }
}

/// A page's header fields we use.
struct PageHeader {
    next: u32,
    entries: u16,
    hf_offset: u16,
    kind: u8,
}

fn page_header(page: &[u8], o: Order) -> Result<PageHeader, FormatError> {
    Ok(PageHeader {
        next: o.u32(page, 16, "page header")?,
        entries: o.u16(page, 20, "page header")?,
        hf_offset: o.u16(page, 22, "page header")?,
        kind: *page
            .get(25)
            .ok_or_else(|| FormatError::truncated(25, "page header"))?,
    })
}

/// The database geometry from the metadata page.
struct Db<'a> {
    data: &'a [u8],
    order: Order,
    page_size: usize,
    /// Overflow pages that may still be read. Each overflow page belongs to one value, so
    /// a sound file never reads more pages than it has; shared chains must not multiply work.
    budget: std::cell::Cell<usize>,
}

impl<'a> Db<'a> {
    fn page(&self, pgno: u32) -> Result<&'a [u8], FormatError> {
        let at = (pgno as usize)
            .checked_mul(self.page_size)
            .ok_or_else(|| FormatError::truncated(usize::MAX, "page"))?;
        slice(self.data, at, self.page_size, &format!("page {pgno}"))
    }

    /// The bytes of an overflow chain starting at `pgno`, truncated to `tlen`.
    fn overflow(&self, mut pgno: u32, tlen: usize) -> BlobResult {
        if tlen > MAX_VALUE {
            return Err(FormatError::malformed(
                0,
                format!("overflow value of {tlen} bytes is too large"),
            ));
        }
        let mut out = Vec::with_capacity(tlen.min(self.data.len()));
        let mut seen = HashSet::new();
        while out.len() < tlen {
            if pgno == 0 {
                return Err(FormatError::truncated(
                    0,
                    format!("overflow chain ends after {} of {tlen} bytes", out.len()),
                ));
            }
            if !seen.insert(pgno) {
                return Err(FormatError::malformed(
                    0,
                    format!("overflow chain loops at page {pgno}"),
                ));
            }
            let left = self.budget.get().checked_sub(1).ok_or_else(|| {
                FormatError::malformed(
                    0,
                    "overflow chains share pages (more overflow pages read than the file has)",
                )
            })?;
            self.budget.set(left);
            let page = self.page(pgno)?;
            let h = page_header(page, self.order)?;
            let base = (pgno as usize).saturating_mul(self.page_size);
            if h.kind != P_OVERFLOW {
                return Err(FormatError::malformed(
                    base,
                    format!("page {pgno} in an overflow chain has type {}", h.kind),
                ));
            }
            let end = if h.next == 0 {
                PAGE_HEADER.saturating_add(usize::from(h.hf_offset))
            } else {
                self.page_size
            };
            let chunk = page.get(PAGE_HEADER..end).ok_or_else(|| {
                FormatError::malformed(base, format!("overflow page {pgno} holds more than a page"))
            })?;
            out.extend_from_slice(chunk);
            pgno = h.next;
        }
        out.truncate(tlen);
        Ok(out)
    }

    /// The values of one hash page (odd item indexes) that live on overflow pages. A page
    /// whose item table is unusable counts as one unreadable record.
    fn hash_page(&self, pgno: u32, page: &[u8], h: &PageHeader, out: &mut BlobScan) {
        let base = (pgno as usize).saturating_mul(self.page_size);
        if !h.entries.is_multiple_of(2) {
            out.unreadable.note(|| {
                FormatError::malformed(
                    base,
                    format!("hash page {pgno} has an odd entry count {}", h.entries),
                )
            });
            return;
        }
        if PAGE_HEADER + 2 * usize::from(h.entries) > self.page_size {
            out.unreadable.note(|| {
                FormatError::malformed(
                    base,
                    format!("hash page {pgno} has {} entries, more than fit", h.entries),
                )
            });
            return;
        }
        for i in (1..usize::from(h.entries)).step_by(2) {
            match self.value(page, PAGE_HEADER + 2 * i) {
                Ok(Some(v)) => out.blobs.push(v),
                Ok(None) => {}
                Err(e) => out.unreadable.note(|| rebase(e, base)),
            }
        }
    }

    fn value(&self, page: &[u8], index_at: usize) -> Result<Option<Vec<u8>>, FormatError> {
        let at = usize::from(self.order.u16(page, index_at, "hash item index")?);
        let kind = *page
            .get(at)
            .ok_or_else(|| FormatError::truncated(at, "hash item"))?;
        if kind != H_OFFPAGE {
            return Ok(None);
        }
        let pgno = self
            .order
            .u32(page, at.saturating_add(4), "off-page item")?;
        let tlen = self
            .order
            .u32(page, at.saturating_add(8), "off-page item")? as usize;
        self.overflow(pgno, tlen).map(Some)
    }
}

/// Adds a page's base offset to an error offset (errors inside a page are page-relative).
fn rebase(e: FormatError, base: usize) -> FormatError {
    match e {
        FormatError::Truncated { offset, what } => FormatError::Truncated {
            offset: offset.saturating_add(base),
            what,
        },
        FormatError::Malformed { offset: 0, message } => FormatError::Malformed {
            offset: base,
            message,
        },
        other => other,
    }
}

/// Yields the header blobs of a BerkeleyDB hash `Packages` file in page order.
///
/// A bad metadata page is an `Err`; a bad hash page or overflow chain is counted in the
/// scan's [`Unreadable`](super::Unreadable) tally, and the other packages are still
/// returned.
pub fn parse_bdb(data: &[u8]) -> Result<BlobScan, FormatError> {
    let order = match u32_le(data, 12, "berkeleydb magic")? {
        HASH_MAGIC => Order { big: false },
        m if m.swap_bytes() == HASH_MAGIC => Order { big: true },
        _ => {
            return Err(FormatError::BadMagic {
                offset: 12,
                what: "berkeleydb hash magic 0x061561".into(),
            });
        }
    };
    let page_size = order.u32(data, 20, "berkeleydb page size")? as usize;
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(FormatError::malformed(
            20,
            format!("berkeleydb page size {page_size} is invalid"),
        ));
    }
    let encrypted = *data
        .get(24)
        .ok_or_else(|| FormatError::truncated(24, "berkeleydb metadata"))?;
    if encrypted != 0 {
        return Err(FormatError::Unsupported("encrypted berkeleydb".into()));
    }
    let kind = *data
        .get(25)
        .ok_or_else(|| FormatError::truncated(25, "berkeleydb metadata"))?;
    if kind != P_HASHMETA {
        return Err(FormatError::Unsupported(format!(
            "berkeleydb page 0 has type {kind}, not a hash database"
        )));
    }
    let last = order.u32(data, 32, "berkeleydb last page")?;
    slice(data, 0, page_size, "berkeleydb metadata page")?;
    let db = Db {
        data,
        order,
        page_size,
        budget: std::cell::Cell::new(data.len() / page_size),
    };
    let mut out = BlobScan::default();
    for pgno in 1..=last {
        let page = match db.page(pgno) {
            Ok(p) => p,
            Err(e) => {
                out.unreadable.note(|| e);
                break;
            }
        };
        let h = match page_header(page, order) {
            Ok(h) => h,
            Err(e) => {
                out.unreadable.note(|| e);
                continue;
            }
        };
        if h.kind == P_HASH || h.kind == P_HASH_UNSORTED {
            db.hash_page(pgno, page, &h, &mut out);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PS: usize = 512;

    fn put16(p: &mut [u8], at: usize, v: u16, big: bool) {
        p[at..at + 2].copy_from_slice(&if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        });
    }
    fn put32(p: &mut [u8], at: usize, v: u32, big: bool) {
        p[at..at + 4].copy_from_slice(&if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        });
    }

    /// Meta page, one hash page with one key/value pair, overflow pages holding `value`.
    fn build(value: &[u8], big: bool) -> Vec<u8> {
        let per = PS - PAGE_HEADER;
        let chunks: Vec<&[u8]> = value.chunks(per).collect();
        let last = 1 + chunks.len();
        let mut d = vec![0u8; PS * (last + 1)];
        put32(&mut d, 12, HASH_MAGIC, big);
        put32(&mut d, 20, PS as u32, big);
        d[25] = P_HASHMETA;
        put32(&mut d, 32, last as u32, big);
        let h = &mut d[PS..2 * PS];
        h[25] = P_HASH;
        put16(h, 20, 2, big);
        put16(h, PAGE_HEADER, 400, big);
        put16(h, PAGE_HEADER + 2, 300, big);
        h[400] = 1; // H_KEYDATA key
        h[300] = H_OFFPAGE;
        put32(h, 304, 2, big);
        put32(h, 308, value.len() as u32, big);
        for (i, c) in chunks.iter().enumerate() {
            let pg = 2 + i;
            let p = &mut d[pg * PS..(pg + 1) * PS];
            p[25] = P_OVERFLOW;
            let next = if pg == last { 0 } else { pg as u32 + 1 };
            put32(p, 16, next, big);
            put16(p, 22, c.len() as u16, big);
            p[PAGE_HEADER..PAGE_HEADER + c.len()].copy_from_slice(c);
        }
        d
    }

    #[test]
    fn reads_overflow_chains_in_both_byte_orders() {
        let value: Vec<u8> = (0..2000u32).map(|i| i as u8).collect();
        for big in [false, true] {
            let d = build(&value, big);
            let r = parse_bdb(&d).unwrap();
            assert_eq!(r.blobs, std::slice::from_ref(&value), "big-endian: {big}");
            assert_eq!(r.unreadable.count, 0);
        }
    }

    #[test]
    fn overflow_loops_and_bad_pages_are_errors() {
        let value = vec![7u8; 1500];
        let mut d = build(&value, false);
        // Make the second overflow page point back at the first.
        put32(&mut d[3 * PS..4 * PS], 16, 2, false);
        put16(&mut d[3 * PS..4 * PS], 22, 0, false);
        let r = parse_bdb(&d).unwrap();
        assert!(r.blobs.is_empty() && r.unreadable.count == 1);
        assert!(r.unreadable.first.unwrap().contains("loops at page 2"));
        let mut d = build(&value, false);
        d[3 * PS + 25] = P_HASH_UNSORTED + 100;
        assert_eq!(parse_bdb(&d).unwrap().unreadable.count, 1);
        assert!(parse_bdb(&d[..100]).is_err());
        let mut bad = build(&value, false);
        bad[20] = 3;
        assert!(parse_bdb(&bad).is_err());
    }

    #[test]
    fn values_sharing_one_chain_do_not_multiply_work() {
        let value = vec![1u8; 1200];
        let mut d = build(&value, false);
        // 50 values on the hash page, all pointing at the same chain.
        let h = &mut d[PS..2 * PS];
        put16(h, 20, 100, false);
        for i in 0..50 {
            put16(h, PAGE_HEADER + 4 * i, 400, false);
            put16(h, PAGE_HEADER + 4 * i + 2, 300, false);
        }
        let r = parse_bdb(&d).unwrap();
        assert_eq!(r.total(), 50);
        assert_eq!(r.blobs.first(), Some(&value));
        assert!(r.blobs.len() < 3);
    }
}
