//! The VERSIONINFO resource, read only when goblin's descent to it is short.
//!
//! goblin finds RT_VERSION and RT_MANIFEST by following the first entry of each resource
//! directory while it names another directory, reading every entry of each directory on
//! the way. Its cycle check forbids revisiting an offset but not a long chain of distinct,
//! overlapping directories: a 1 MiB resource section of 16-byte steps, each claiming
//! thousands of entries, took 6.6 s (release build) and the cost grows with the square of
//! the section size. Windows resource trees have three levels (type, name, language), so
//! the descent is replayed here with goblin's own steps, stopping after
//! [`MAX_RESOURCE_LEVELS`]; only a tree that passes is handed to goblin.

use crate::bytes;
use goblin::pe::PE;
use goblin::pe::options::ParseOptions;
use goblin::pe::resource::{
    ImageResourceDirectory, RT_MANIFEST, RT_VERSION, ResourceData, VersionInfo,
};

/// Most directory levels followed below a resource type (real files use two).
pub const MAX_RESOURCE_LEVELS: usize = 8;

/// The VERSIONINFO resource of a PE parsed without resources, or `None` when it has none,
/// it cannot be read, or its resource tree is deeper than [`MAX_RESOURCE_LEVELS`].
///
/// Bound: at most `2 × (MAX_RESOURCE_LEVELS + 1)` directories of at most 65,535 entries
/// are read before goblin is trusted with the tree.
pub fn version_info<'a>(
    bytes: &'a [u8],
    pe: &PE<'a>,
    opts: &ParseOptions,
) -> Option<VersionInfo<'a>> {
    let oh = pe.header.optional_header.as_ref()?;
    let table = *oh.data_directories.get_resource_table()?;
    let file_alignment = oh.windows_fields.file_alignment;
    let at = goblin::pe::utils::find_offset(
        table.virtual_address as usize,
        &pe.sections,
        file_alignment,
        opts,
    )?;
    let data = bytes.get(at..at.checked_add(table.size as usize)?)?;
    if !descent_is_short(data) {
        return None;
    }
    let run = std::panic::AssertUnwindSafe(|| {
        ResourceData::parse_with_opts(bytes, table, &pe.sections, file_alignment, opts)
    });
    std::panic::catch_unwind(run).ok()?.ok()?.version_info
}

/// Replays goblin's search for RT_VERSION and RT_MANIFEST in the resource section `data`:
/// false when either descends more than [`MAX_RESOURCE_LEVELS`] directories.
fn descent_is_short(data: &[u8]) -> bool {
    let header = |what| -> Option<ImageResourceDirectory> {
        Some(ImageResourceDirectory {
            characteristics: bytes::u32_le(data, 0, what).ok()?,
            time_date_stamp: bytes::u32_le(data, 4, what).ok()?,
            major_version: bytes::u16_le(data, 8, what).ok()?,
            minor_version: bytes::u16_le(data, 10, what).ok()?,
            number_of_named_entries: bytes::u16_le(data, 12, what).ok()?,
            number_of_id_entries: bytes::u16_le(data, 14, what).ok()?,
        })
    };
    let Some(root) = header("resource directory") else {
        return true; // goblin fails on it just the same, at once
    };
    let Ok(entries) = root.next_iter(16, data) else {
        return true;
    };
    [RT_VERSION, RT_MANIFEST].into_iter().all(|id| {
        let Ok(Some(mut entry)) = entries.find_by_id(id) else {
            return true;
        };
        for _ in 0..MAX_RESOURCE_LEVELS {
            match entry.next_depth(data) {
                Ok(Some(next)) if next.data_is_directory() => entry = next,
                _ => return true,
            }
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resource directory header with `ids` id entries, then `entries` as (id, target).
    fn dir(ids: u16, entries: &[(u32, u32)]) -> Vec<u8> {
        let mut d = vec![0u8; 14];
        d.extend_from_slice(&ids.to_le_bytes());
        for (id, to) in entries {
            d.extend_from_slice(&id.to_le_bytes());
            d.extend_from_slice(&to.to_le_bytes());
        }
        d
    }

    #[test]
    fn a_three_level_tree_passes_and_a_chain_does_not() {
        const DIR: u32 = 0x8000_0000;
        // type RT_VERSION -> name dir at 24 -> language dir at 48 -> data entry at 72
        let mut tree = dir(1, &[(16, DIR | 24)]);
        tree.extend(dir(1, &[(1, DIR | 48)]));
        tree.extend(dir(1, &[(1033, 72)]));
        tree.extend([0u8; 16]);
        assert!(descent_is_short(&tree));

        let mut chain = vec![0u8; 4096];
        for p in (0..4096 - 15).step_by(16) {
            chain[p..p + 4].copy_from_slice(&16u32.to_le_bytes());
            chain[p + 4..p + 8].copy_from_slice(&(DIR | p as u32).to_le_bytes());
            chain[p + 14..p + 16].copy_from_slice(&8u16.to_le_bytes());
        }
        assert!(!descent_is_short(&chain));
    }
}
