//! Linux kernel modules: the ELF `.modinfo` section of a `.ko` file and `/proc/modules`.
//!
//! `.modinfo` is a run of NUL-separated `key=value` strings (`name`, `version`, `author`,
//! `description`, `license`, `vermagic`, `srcversion`, `depends`, repeated `alias`…).
//! [`read_modinfo_section`] finds it through a caller-supplied reader so that a collector
//! can fetch only the ELF header, the section header table, the section-name table and
//! the section itself instead of the whole module.

use crate::FormatError;
use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header::{self, Header};
use goblin::elf::section_header::SectionHeader;

/// Largest section-header table, section-name table or `.modinfo` section read.
pub const MAX_TABLE: usize = 4 * 1024 * 1024;

/// The facts of one module's `.modinfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModInfo {
    /// `name=` (set by modpost on kernels since 5.2 or so).
    pub name: String,
    /// `version=`.
    pub version: String,
    /// `author=` lines, joined with `, ` when repeated.
    pub author: String,
    /// `description=`.
    pub description: String,
    /// `license=`.
    pub license: String,
    /// `vermagic=`: the kernel release and options the module was built for.
    pub vermagic: String,
    /// `srcversion=`.
    pub srcversion: String,
    /// `depends=`, split on commas.
    pub depends: Vec<String>,
    /// Every `key=value` pair in order, including the ones above.
    pub fields: Vec<(String, String)>,
}

/// Parses the raw bytes of a `.modinfo` section. Never fails: unknown or malformed
/// strings (no `=`) are skipped.
pub fn parse_modinfo_section(section: &[u8]) -> ModInfo {
    let mut m = ModInfo::default();
    for raw in section.split(|&b| b == 0) {
        let text = String::from_utf8_lossy(raw);
        let Some((key, value)) = text.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim().to_string(), value.trim().to_string());
        match key.as_str() {
            "name" => m.name = value.clone(),
            "version" => m.version = value.clone(),
            "author" if m.author.is_empty() => m.author = value.clone(),
            "author" => m.author = format!("{}, {value}", m.author),
            "description" => m.description = value.clone(),
            "license" => m.license = value.clone(),
            "vermagic" => m.vermagic = value.clone(),
            "srcversion" => m.srcversion = value.clone(),
            "depends" => {
                m.depends = value
                    .split(',')
                    .filter(|d| !d.is_empty())
                    .map(str::to_string)
                    .collect()
            }
            _ => {}
        }
        m.fields.push((key, value));
    }
    m
}

/// Parses the `.modinfo` section of a whole ELF module held in memory.
pub fn parse_modinfo(elf: &[u8]) -> Result<ModInfo, FormatError> {
    let section = read_modinfo_section(|offset, len| {
        let start = usize::try_from(offset)
            .map_err(|_| FormatError::truncated(usize::MAX, "elf offset"))?;
        crate::bytes::slice(elf, start, len, "elf data").map(<[u8]>::to_vec)
    })?;
    Ok(parse_modinfo_section(&section))
}

/// Finds and returns the `.modinfo` section of an ELF module, reading through
/// `read_at(offset, len)`, which must return exactly `len` bytes at `offset` or an error.
/// Fails on a non-ELF header, oversized tables and a module without `.modinfo`.
pub fn read_modinfo_section<F>(mut read_at: F) -> Result<Vec<u8>, FormatError>
where
    F: FnMut(u64, usize) -> Result<Vec<u8>, FormatError>,
{
    // One read for the identification and the header (the ELF64 size covers ELF32 too).
    let ehdr = read_at(0, header::header64::SIZEOF_EHDR)?;
    if ehdr.get(..4) != Some(header::ELFMAG.as_slice()) {
        return Err(FormatError::BadMagic {
            offset: 0,
            what: "elf magic".into(),
        });
    }
    let container = match ehdr.get(header::EI_CLASS) {
        Some(&header::ELFCLASS32) => Container::Little,
        Some(&header::ELFCLASS64) => Container::Big,
        _ => {
            return Err(FormatError::malformed(
                header::EI_CLASS,
                "unknown elf class",
            ));
        }
    };
    let le = match ehdr.get(header::EI_DATA) {
        Some(&header::ELFDATA2LSB) => Endian::Little,
        Some(&header::ELFDATA2MSB) => Endian::Big,
        _ => {
            return Err(FormatError::malformed(
                header::EI_DATA,
                "unknown elf byte order",
            ));
        }
    };
    let ctx = Ctx::new(container, le);
    let parsed = match container {
        Container::Little => header::header32::Header::parse(&ehdr).map(Header::from),
        Container::Big => header::header64::Header::parse(&ehdr).map(Header::from),
    };
    let h = parsed.map_err(|e| FormatError::malformed(0, format!("elf header: {e}")))?;
    let entsize = SectionHeader::size(ctx);
    if usize::from(h.e_shentsize) != entsize || h.e_shoff == 0 {
        return Err(FormatError::malformed(
            0,
            "elf module has no usable section header table",
        ));
    }
    let count = usize::from(h.e_shnum);
    let table_len = count
        .checked_mul(entsize)
        .filter(|&n| n > 0 && n <= MAX_TABLE);
    let table_len = table_len
        .ok_or_else(|| FormatError::malformed(0, "elf section header count out of range"))?;
    let table = read_at(h.e_shoff, table_len)?;
    let shdrs = SectionHeader::parse_from(&table, 0, count, ctx)
        .map_err(|e| FormatError::malformed(0, format!("elf section headers: {e}")))?;
    let strtab_hdr = shdrs
        .get(usize::from(h.e_shstrndx))
        .ok_or_else(|| FormatError::malformed(0, "elf section name table index out of range"))?;
    let strtab = read_section(&mut read_at, strtab_hdr, "elf section name table")?;
    for sh in &shdrs {
        let name_off = sh.sh_name;
        let name = strtab
            .get(name_off..)
            .and_then(|s| s.split(|&b| b == 0).next())
            .unwrap_or_default();
        if name == b".modinfo" {
            return read_section(&mut read_at, sh, ".modinfo section");
        }
    }
    Err(FormatError::malformed(
        0,
        "elf module has no .modinfo section",
    ))
}

fn read_section<F>(read_at: &mut F, sh: &SectionHeader, what: &str) -> Result<Vec<u8>, FormatError>
where
    F: FnMut(u64, usize) -> Result<Vec<u8>, FormatError>,
{
    let len = usize::try_from(sh.sh_size).ok().filter(|&n| n <= MAX_TABLE);
    let len = len.ok_or_else(|| FormatError::malformed(0, format!("{what} is too large")))?;
    if len == 0 {
        return Ok(Vec::new());
    }
    read_at(sh.sh_offset, len)
}

/// One line of `/proc/modules`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcModule {
    /// Module name (with `_`, as the kernel spells it).
    pub name: String,
    /// Size in bytes of the loaded module.
    pub size: u64,
    /// Reference count, as written (`-` when unknown).
    pub refcount: String,
    /// Modules that use this one.
    pub used_by: Vec<String>,
    /// `Live`, `Loading` or `Unloading`.
    pub state: String,
    /// Load address, as written (zeros without privilege).
    pub address: String,
    /// Taint flags such as `(OE)`, when present.
    pub taint: String,
}

/// Parses `/proc/modules`. Fails on a non-empty line with fewer than 6 columns or a
/// non-numeric size.
pub fn parse_proc_modules(data: &[u8]) -> Result<Vec<ProcModule>, FormatError> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut offset = 0usize;
    for line in text.split('\n') {
        let line_start = offset;
        offset = offset.saturating_add(line.len() + 1);
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() {
            continue;
        }
        let [name, size, refcount, deps, state, address, rest @ ..] = cols.as_slice() else {
            return Err(FormatError::malformed(
                line_start,
                "/proc/modules line has fewer than 6 columns",
            ));
        };
        let size = size.parse::<u64>().map_err(|_| {
            FormatError::malformed(line_start, "/proc/modules size is not a number")
        })?;
        out.push(ProcModule {
            name: (*name).to_string(),
            size,
            refcount: (*refcount).to_string(),
            used_by: deps
                .split(',')
                .filter(|d| !d.is_empty() && *d != "-")
                .map(str::to_string)
                .collect(),
            state: (*state).to_string(),
            address: (*address).to_string(),
            taint: rest.join(" "),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;

/// Builds a minimal relocatable ELF64 (little-endian, x86-64) whose only section besides
/// the section-name table is `.modinfo` with `modinfo` as its contents. For fixtures and
/// tests: it is the smallest file [`parse_modinfo`] accepts. Test support only (the
/// `test-support` feature), not part of the reader API.
#[cfg(any(test, feature = "test-support"))]
pub fn minimal_elf_module(modinfo: &[u8]) -> Vec<u8> {
    const EHDR: usize = 64;
    let names: &[u8] = b"\0.modinfo\0.shstrtab\0";
    let info_off = EHDR;
    let names_off = info_off + modinfo.len();
    let shoff = (names_off + names.len()).div_ceil(8) * 8;
    let mut out = Vec::with_capacity(shoff + 3 * 64);
    out.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&1u16.to_le_bytes()); // e_type: ET_REL
    out.extend_from_slice(&62u16.to_le_bytes()); // e_machine: x86-64
    out.extend_from_slice(&1u32.to_le_bytes()); // e_version
    out.extend_from_slice(&0u64.to_le_bytes()); // e_entry
    out.extend_from_slice(&0u64.to_le_bytes()); // e_phoff
    out.extend_from_slice(&(shoff as u64).to_le_bytes()); // e_shoff
    out.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    for v in [EHDR as u16, 0, 0, 64, 3, 2] {
        // e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(modinfo);
    out.extend_from_slice(names);
    out.resize(shoff, 0);
    let mut shdr = |name: u32, kind: u32, flags: u64, offset: usize, size: usize| {
        out.extend_from_slice(&name.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&0u64.to_le_bytes()); // sh_addr
        out.extend_from_slice(&(offset as u64).to_le_bytes());
        out.extend_from_slice(&(size as u64).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes()); // sh_link
        out.extend_from_slice(&0u32.to_le_bytes()); // sh_info
        out.extend_from_slice(&1u64.to_le_bytes()); // sh_addralign
        out.extend_from_slice(&0u64.to_le_bytes()); // sh_entsize
    };
    shdr(0, 0, 0, 0, 0);
    shdr(1, 1, 2, info_off, modinfo.len());
    shdr(10, 3, 0, names_off, names.len());
    out
}
