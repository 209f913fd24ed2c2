//! Export tables of executables and libraries: the names an ELF's dynamic symbol table
//! defines, a PE's export directory names, and a Mach-O's exports (every slice of a fat
//! binary). Read with goblin; a parser failure on malformed input is an error, never a
//! panic.

use crate::FormatError;
use goblin::Object;
use goblin::elf::sym::{STB_GLOBAL, STB_WEAK};
use goblin::mach::Mach;

/// The binary format a file's first bytes announce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryFormat {
    /// ELF (`\x7fELF`).
    Elf,
    /// PE/COFF (`MZ`).
    Pe,
    /// Mach-O, thin or fat.
    MachO,
}

/// The format announced by a file's magic, from its first bytes (at least 4 are needed).
/// A fat Mach-O shares its magic with Java class files, so `0xcafebabe` counts only with
/// a plausible architecture count.
pub fn binary_format(head: &[u8]) -> Option<BinaryFormat> {
    let magic = head.get(..4)?;
    match magic {
        [0x7f, b'E', b'L', b'F'] => Some(BinaryFormat::Elf),
        [b'M', b'Z', ..] => Some(BinaryFormat::Pe),
        [0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe] => {
            Some(BinaryFormat::MachO)
        }
        [0xca, 0xfe, 0xba, 0xbe] => {
            let n = head
                .get(4..8)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            // Java class files put their version (≥ 45) where fat binaries count slices.
            n.filter(|&n| (1..45).contains(&n))
                .map(|_| BinaryFormat::MachO)
        }
        _ => None,
    }
}

/// The exported symbol names of an ELF, PE or Mach-O file (Mach-O names without the
/// leading `_` the C compiler adds), sorted and without repeats.
pub fn exported_symbols(bytes: &[u8]) -> Result<Vec<String>, FormatError> {
    let run = std::panic::AssertUnwindSafe(|| exports_inner(bytes));
    match std::panic::catch_unwind(run) {
        Ok(r) => r,
        Err(_) => Err(FormatError::malformed(
            0,
            "export table: parser failed on malformed input",
        )),
    }
}

fn goblin_err(e: goblin::error::Error) -> FormatError {
    FormatError::malformed(0, format!("export table: {}", e.to_string().to_lowercase()))
}

fn exports_inner(bytes: &[u8]) -> Result<Vec<String>, FormatError> {
    let mut out: Vec<String> = Vec::new();
    match Object::parse(bytes).map_err(goblin_err)? {
        Object::Elf(elf) => {
            for sym in elf.dynsyms.iter() {
                let global = matches!(sym.st_bind(), STB_GLOBAL | STB_WEAK);
                if global
                    && sym.st_shndx != 0
                    && let Some(name) = elf.dynstrtab.get_at(sym.st_name)
                    && !name.is_empty()
                {
                    out.push(name.to_string());
                }
            }
        }
        Object::PE(pe) => {
            out.extend(pe.exports.iter().filter_map(|e| e.name.map(str::to_string)));
        }
        Object::Mach(Mach::Binary(m)) => macho_exports(&m, &mut out)?,
        Object::Mach(Mach::Fat(fat)) => {
            for arch in fat.iter_arches() {
                let arch = arch.map_err(goblin_err)?;
                let Some(data) = bytes
                    .get(arch.offset as usize..)
                    .and_then(|d| d.get(..arch.size as usize))
                else {
                    return Err(FormatError::malformed(
                        arch.offset as usize,
                        "export table: fat slice outside the file",
                    ));
                };
                let m = goblin::mach::MachO::parse(data, 0).map_err(goblin_err)?;
                macho_exports(&m, &mut out)?;
            }
        }
        _ => {
            return Err(FormatError::BadMagic {
                offset: 0,
                what: "elf, pe or mach-o file".into(),
            });
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn macho_exports(m: &goblin::mach::MachO, out: &mut Vec<String>) -> Result<(), FormatError> {
    for e in m.exports().map_err(goblin_err)? {
        let name = e.name.strip_prefix('_').unwrap_or(&e.name);
        out.push(name.to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_names_the_format_and_java_classes_are_not_mach_o() {
        assert_eq!(binary_format(b"\x7fELF\x02\x01"), Some(BinaryFormat::Elf));
        assert_eq!(binary_format(b"MZ\x90\x00"), Some(BinaryFormat::Pe));
        assert_eq!(
            binary_format(&[0xcf, 0xfa, 0xed, 0xfe]),
            Some(BinaryFormat::MachO)
        );
        assert_eq!(
            binary_format(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]),
            Some(BinaryFormat::MachO)
        );
        assert_eq!(binary_format(&[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52]), None);
        assert_eq!(binary_format(b"#!/bin/sh"), None);
        assert_eq!(binary_format(b"MZ"), None);
    }

    #[test]
    fn garbage_behind_a_magic_is_an_error_not_a_panic() {
        for bytes in [
            &b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0"[..],
            &b"MZ\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"[..],
            &[0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1, 3, 0, 0, 0][..],
            &[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 1, 0, 0, 0, 7, 0xff, 0xff][..],
        ] {
            assert!(exported_symbols(bytes).is_err(), "{bytes:?}");
        }
    }
}
