//! NDB rpmdb (`Packages.db`, SUSE 15.3+, rpm 4.15+ "ndb" backend).
//!
//! All integers little-endian. A 32-byte header (`RpmP`, version 0, generation,
//! `slot_npages`, reserved) is followed by `slot_npages` 4 KiB pages of 16-byte slots
//! (`Slot`, `pkg_index`, `blk_offset`, `blk_count`; the header takes the first two slot
//! positions). A used slot points at a blob at `blk_offset * 16`: a 16-byte blob header
//! (`BlbS`, `pkg_index`, checksum, `blob_len`) and `blob_len` bytes of header blob.

use super::{BlobResult, BlobScan};
use crate::FormatError;
use crate::bytes::{slice, u32_le};

/// `RpmP` as a little-endian u32.
const HEADER_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
/// `Slot` as a little-endian u32.
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
/// `BlbS` as a little-endian u32.
const BLOB_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");
/// Bytes per block (and per slot, and per blob header).
const BLOCK: usize = 16;
/// Slots per 4 KiB slot page.
const SLOTS_PER_PAGE: usize = 4096 / BLOCK;
/// Most slot pages accepted (go-rpmdb's sanity cap; 8 MiB of slots).
pub const MAX_SLOT_PAGES: u32 = 2048;

/// Yields the header blobs of an NDB `Packages.db` in slot order.
///
/// A bad file header is an `Err`; a bad slot or blob is counted in the scan's
/// [`Unreadable`](super::Unreadable) tally, and the other packages are still returned.
/// Unused slots (magic `Slot`, package 0) are not records.
pub fn parse_ndb(data: &[u8]) -> Result<BlobScan, FormatError> {
    if u32_le(data, 0, "ndb magic")? != HEADER_MAGIC {
        return Err(FormatError::BadMagic {
            offset: 0,
            what: "ndb header magic RpmP".into(),
        });
    }
    let version = u32_le(data, 4, "ndb version")?;
    if version != 0 {
        return Err(FormatError::Unsupported(format!("ndb version {version}")));
    }
    let npages = u32_le(data, 12, "ndb slot page count")?;
    if npages == 0 || npages > MAX_SLOT_PAGES {
        return Err(FormatError::malformed(
            12,
            format!("ndb slot page count {npages} out of range 1..=2048"),
        ));
    }
    let nslots = npages as usize * SLOTS_PER_PAGE;
    slice(data, 0, nslots * BLOCK, "ndb slot pages")?;
    let mut scan = BlobScan::default();
    // Blobs never share blocks, so together they are smaller than the file; slots that
    // point many times at one big blob must not multiply memory.
    let mut budget = data.len();
    // The first two slot positions hold the file header.
    for i in 2..nslots {
        let at = i * BLOCK;
        let magic = u32_le(data, at, "ndb slot")?;
        if magic != SLOT_MAGIC {
            scan.unreadable.note(|| FormatError::BadMagic {
                offset: at,
                what: format!("ndb slot {i} magic Slot"),
            });
            continue;
        }
        let pkg = u32_le(data, at + 4, "ndb slot")?;
        if pkg == 0 {
            continue;
        }
        let blk_offset = u32_le(data, at + 8, "ndb slot")?;
        let blk_count = u32_le(data, at + 12, "ndb slot")?;
        let blob = read_blob(data, pkg, blk_offset, blk_count).and_then(|b| {
            match budget.checked_sub(b.len()) {
                Some(left) => {
                    budget = left;
                    Ok(b)
                }
                None => Err(FormatError::malformed(
                    at,
                    format!("ndb slot {i}: blobs overlap (more blob bytes than file bytes)"),
                )),
            }
        });
        scan.push(blob);
    }
    Ok(scan)
}

fn read_blob(data: &[u8], pkg: u32, blk_offset: u32, blk_count: u32) -> BlobResult {
    let start = (blk_offset as usize)
        .checked_mul(BLOCK)
        .ok_or_else(|| FormatError::truncated(usize::MAX, "ndb blob"))?;
    let what = format!("ndb blob of package {pkg}");
    if u32_le(data, start, &what)? != BLOB_MAGIC {
        return Err(FormatError::BadMagic {
            offset: start,
            what: format!("{what}: magic BlbS"),
        });
    }
    let owner = u32_le(data, start.saturating_add(4), &what)?;
    if owner != pkg {
        return Err(FormatError::malformed(
            start,
            format!("{what} is owned by package {owner}"),
        ));
    }
    let len = u32_le(data, start.saturating_add(12), &what)? as usize;
    let room = (blk_count as usize).saturating_mul(BLOCK);
    if len.checked_add(BLOCK).is_none_or(|n| n > room) {
        return Err(FormatError::malformed(
            start,
            format!("{what}: length {len} exceeds its {blk_count} blocks"),
        ));
    }
    Ok(slice(data, start.saturating_add(BLOCK), len, &what)?.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page NDB with the given (pkg_index, blob) entries.
    pub(crate) fn build(blobs: &[(u32, &[u8])]) -> Vec<u8> {
        let mut d = vec![0u8; 4096];
        d[0..4].copy_from_slice(b"RpmP");
        d[12..16].copy_from_slice(&1u32.to_le_bytes());
        for i in 2..SLOTS_PER_PAGE {
            d[i * 16..i * 16 + 4].copy_from_slice(b"Slot");
        }
        for (n, (pkg, blob)) in blobs.iter().enumerate() {
            let blk = d.len() / 16;
            let count = (16 + blob.len() + 12).div_ceil(16);
            let s = (2 + n) * 16;
            d[s + 4..s + 8].copy_from_slice(&pkg.to_le_bytes());
            d[s + 8..s + 12].copy_from_slice(&(blk as u32).to_le_bytes());
            d[s + 12..s + 16].copy_from_slice(&(count as u32).to_le_bytes());
            let mut b = vec![0u8; count * 16];
            b[0..4].copy_from_slice(b"BlbS");
            b[4..8].copy_from_slice(&pkg.to_le_bytes());
            b[12..16].copy_from_slice(&(blob.len() as u32).to_le_bytes());
            b[16..16 + blob.len()].copy_from_slice(blob);
            d.extend(b);
        }
        d
    }

    #[test]
    fn reads_blobs_in_slot_order_and_keeps_going_after_a_bad_one() {
        let mut d = build(&[(7, b"first"), (3, b"second"), (9, b"third")]);
        let r = parse_ndb(&d).unwrap();
        assert_eq!(
            r.blobs,
            vec![b"first".to_vec(), b"second".to_vec(), b"third".to_vec()]
        );
        assert_eq!(r.unreadable, Default::default());
        // Corrupt the second blob's magic.
        let blk = u32::from_le_bytes(d[3 * 16 + 8..3 * 16 + 12].try_into().unwrap()) as usize;
        d[blk * 16] = b'X';
        let r = parse_ndb(&d).unwrap();
        assert_eq!(r.blobs, vec![b"first".to_vec(), b"third".to_vec()]);
        assert_eq!((r.unreadable.count, r.total()), (1, 3));
        let first = r.unreadable.first.unwrap();
        assert!(first.contains("ndb blob of package 3"), "{first}");
    }

    #[test]
    fn bad_headers_are_errors() {
        let d = build(&[]);
        assert_eq!(parse_ndb(&d).unwrap().total(), 0);
        assert!(parse_ndb(&d[..100]).is_err());
        let mut v = d.clone();
        v[4] = 1;
        assert!(parse_ndb(&v).is_err());
        let mut p = d.clone();
        p[12..16].copy_from_slice(&4096u32.to_le_bytes());
        assert!(parse_ndb(&p).is_err());
        assert!(parse_ndb(b"nope").is_err());
    }

    #[test]
    fn slots_sharing_one_blob_do_not_multiply_memory() {
        let big = vec![5u8; 3000];
        let mut d = build(&[(1, &big)]);
        let first = d[2 * 16..3 * 16].to_vec();
        for i in 3..SLOTS_PER_PAGE {
            d[i * 16..(i + 1) * 16].copy_from_slice(&first);
        }
        let r = parse_ndb(&d).unwrap();
        assert_eq!(r.total(), SLOTS_PER_PAGE - 2);
        assert!(r.blobs.len() < 3);
    }

    #[test]
    fn zeroed_slot_pages_are_one_tally_not_one_error_each() {
        // A valid header over 2048 zeroed slot pages (8 MiB): every slot is bad.
        let mut d = vec![0u8; MAX_SLOT_PAGES as usize * 4096];
        d[0..4].copy_from_slice(b"RpmP");
        d[12..16].copy_from_slice(&MAX_SLOT_PAGES.to_le_bytes());
        let r = parse_ndb(&d).unwrap();
        let slots = MAX_SLOT_PAGES as usize * SLOTS_PER_PAGE - 2;
        assert!(r.blobs.is_empty());
        assert_eq!((r.unreadable.count, r.total()), (slots, slots));
        assert_eq!(
            r.unreadable.first.as_deref(),
            Some("bad magic at offset 32: ndb slot 2 magic Slot")
        );
    }
}
