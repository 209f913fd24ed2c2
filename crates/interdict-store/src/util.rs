//! Small conversions shared by the store's modules: timestamps, ids, hashes, compression,
//! cursors and JSON columns.

use crate::error::{Result, StoreError};
use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use jiff::Timestamp;
use jiff::civil::Date;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};

/// Unix milliseconds of a timestamp.
pub(crate) fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// The timestamp of Unix milliseconds stored by this crate (clamped to jiff's range).
pub(crate) fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// The last millisecond of `date` in UTC: a due date holds through its whole day.
pub(crate) fn end_of_day_ms(date: Date) -> i64 {
    date.tomorrow()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map_or(i64::MAX, |z| z.timestamp().as_millisecond() - 1)
}

/// A new random id.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Lower-case hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A random 256-bit secret as hex, with a prefix naming its kind (`idt_`, `ide_`, `idh_`).
pub(crate) fn random_secret(prefix: &str) -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Invalid(format!("no randomness available: {e}")))?;
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

/// zlib-compressed bytes.
pub(crate) fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut enc = ZlibEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// Inflates what [`compress`] wrote; `what` names it in errors.
pub(crate) fn decompress(bytes: &[u8], what: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    ZlibDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| StoreError::Corrupt {
            what: what.to_string(),
            message: e.to_string(),
        })?;
    Ok(out)
}

/// JSON text of a list of strings.
pub(crate) fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// A list of strings from a JSON column; `what` names it in errors.
pub(crate) fn parse_list(text: &str, what: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        what: what.to_string(),
        message: e.to_string(),
    })
}

/// An opaque cursor over a sort key.
pub(crate) fn encode_cursor(key: &str) -> String {
    hex::encode(key.as_bytes())
}

/// The sort key of a cursor given by a client.
pub(crate) fn decode_cursor(cursor: Option<&str>) -> Result<String> {
    let Some(c) = cursor else {
        return Ok(String::new());
    };
    hex::decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| StoreError::Invalid(format!("invalid cursor {c:?}")))
}

/// The page size asked for, bounded to 1..=1000.
pub(crate) fn page_limit(limit: u32) -> i64 {
    i64::from(limit.clamp(1, 1000))
}

/// Cuts a fetched `limit + 1` rows down to a page, with the cursor of its last item.
pub(crate) fn paginate<T>(
    mut items: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> String,
) -> crate::Page<T> {
    let more = items.len() as i64 > limit;
    items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next = if more {
        items.last().map(|i| encode_cursor(&key(i)))
    } else {
        None
    };
    crate::Page { items, next }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_round_trips_and_corruption_is_named() {
        let data = b"inventory ".repeat(100);
        assert_eq!(decompress(&compress(&data), "x").unwrap(), data);
        let err = decompress(b"not zlib", "report r1").unwrap_err();
        assert!(err.to_string().contains("report r1"), "{err}");
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode_cursor(Some(&encode_cursor("a|b"))).unwrap(), "a|b");
        assert!(decode_cursor(Some("zz")).is_err());
        assert_eq!(decode_cursor(None).unwrap(), "");
    }

    #[test]
    fn due_dates_hold_through_their_day() {
        let end = end_of_day_ms(jiff::civil::date(2017, 10, 13));
        assert_eq!(ts(end).to_string(), "2017-10-13T23:59:59.999Z");
    }

    #[test]
    fn coverage_cleanliness() {
        let c = crate::Coverage {
            ran: vec!["dpkg".into(), "files".into()],
            failed: vec!["files".into()],
        };
        assert!(c.clean("dpkg"));
        assert!(!c.clean("files"));
        assert!(!c.clean("rpm"));
        let import = crate::Coverage::default();
        assert!(import.clean("intune"));
    }
}
