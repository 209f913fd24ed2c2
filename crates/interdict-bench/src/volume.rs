//! A synthetic Windows volume for the whole-volume PE benchmark: `files` files of which
//! `pe` are PE images, spread over WinSxS-like component folders, System32, Temp folders,
//! install folders, user profiles and folders at the top of the drive, with arbitrary
//! names (a PE need not end in `.exe`). Deterministic: the same arguments give the same
//! tree. PE files are hard links to one copy of each source PE (no disk cost per PE).

use crate::Res;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// SplitMix64: a tiny deterministic mixer, so the tree needs no random-number crate.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Folders at the top of the drive besides `Windows`, `Program Files`, `ProgramData`, `Users`.
const TOP: &[&str] = &[
    "Intel",
    "PerfLogs",
    "Tools",
    "Drivers",
    "Temp",
    "$Recycle.Bin/S-1-5-21-3623811015-3361044348-30300820-1013",
    "inetpub/wwwroot",
    "Backup",
];

/// Name endings of PE files: mostly the usual ones, some that hide them.
const PE_EXT: &[&str] = &[
    ".exe", ".dll", ".dll", ".sys", ".exe", ".dll", ".tmp", ".bin", ".dat", "",
];

/// Name endings of the other files.
const OTHER_EXT: &[&str] = &[
    ".txt",
    ".log",
    ".mui",
    ".manifest",
    ".cat",
    ".xml",
    ".ini",
    ".dat",
    ".tmp",
    ".json",
];

/// The folder of the i-th file, relative to the root.
fn folder(r: u64) -> String {
    let n = (r >> 8) % 4000;
    let h = mix(n);
    match r % 10 {
        0..=3 => format!(
            "Windows/WinSxS/amd64_microsoft-windows-c{n:04}_31bf3856ad364e35_10.0.19041.{}_none_{:016x}",
            h % 5000,
            h
        ),
        4 => format!(
            "Windows/System32/DriverStore/FileRepository/oem{}.inf_amd64_{:016x}/{}",
            n % 600,
            h,
            ["", "x64", "x64/lang"][(h % 3) as usize]
        )
        .trim_end_matches('/')
        .to_string(),
        5 => format!("Windows/Temp/{:08x}", h as u32 % 400),
        6 => format!(
            "Program Files/Vendor{}/App{}/{}",
            n % 150,
            h % 4,
            ["bin", "lib", "plugins/codec"][(h % 3) as usize]
        ),
        7 => format!("ProgramData/Org{}/Cache/{:04x}", n % 120, h % 64),
        8 => format!(
            "Users/user{}/{}",
            n % 5,
            [
                "AppData/Local/Temp",
                "Downloads",
                "AppData/Roaming/Tool/updates"
            ][(h % 3) as usize]
        ),
        _ => format!("{}/sub{}", TOP[(n % TOP.len() as u64) as usize], h % 40),
    }
}

/// Creates the volume under `dir` from the PE files of `sources`; returns a summary.
pub fn make_volume_root(dir: &Path, files: usize, pe: usize, sources: &[PathBuf]) -> Res<String> {
    if sources.is_empty() {
        return Err("no source PE files".to_string());
    }
    if pe > files {
        return Err(format!("{pe} PE files asked of {files} files"));
    }
    // What makes it a Windows root for `interdict scan`.
    let config = dir.join("Windows/System32/config");
    std::fs::create_dir_all(&config).map_err(|e| format!("{}: {e}", config.display()))?;
    let filler: Vec<u8> = (0..8192u32)
        .map(|i| b' ' + (mix(i as u64) % 90) as u8)
        .collect();
    let mut first_copy: HashMap<usize, PathBuf> = HashMap::new();
    let mut made_dirs = std::collections::HashSet::new();
    // Every `files / pe`-th file is a PE (spread evenly over the tree).
    let every = files.checked_div(pe).unwrap_or(usize::MAX);
    let (mut pe_made, mut bytes) = (0usize, 0u64);
    for i in 0..files {
        let r = mix(i as u64);
        let is_pe = pe_made < pe && i % every == 0;
        let ext = if is_pe {
            PE_EXT[(r >> 40) as usize % PE_EXT.len()]
        } else {
            OTHER_EXT[(r >> 40) as usize % OTHER_EXT.len()]
        };
        let parent = dir.join(folder(r));
        if made_dirs.insert(parent.clone()) {
            std::fs::create_dir_all(&parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let path = parent.join(format!("f{i}{ext}"));
        let fail = |e: std::io::Error| format!("{}: {e}", path.display());
        if is_pe {
            let k = pe_made % sources.len();
            pe_made += 1;
            match first_copy.get(&k) {
                Some(first) => std::fs::hard_link(first, &path).map_err(fail)?,
                None => {
                    bytes += std::fs::copy(&sources[k], &path).map_err(fail)?;
                    first_copy.insert(k, path);
                }
            }
        } else {
            let len = 64 + (r >> 20) as usize % (filler.len() - 64);
            bytes += len as u64;
            std::fs::write(&path, &filler[..len]).map_err(fail)?;
        }
    }
    Ok(format!(
        "make-volume-root: {files} files ({pe_made} PE, hard links to {} sources), {} folders, \
         {} MB written in {}",
        first_copy.len(),
        made_dirs.len(),
        bytes / 1_000_000,
        dir.display()
    ))
}

/// The median, 90th percentile and largest of `v` (sorted in place).
pub fn percentiles(v: &mut [u64]) -> (u64, u64, u64) {
    if v.is_empty() {
        return (0, 0, 0);
    }
    v.sort_unstable();
    let at = |q: usize| v[(v.len() - 1) * q / 100];
    (at(50), at(90), v[v.len() - 1])
}

/// Opens every regular file the sweep walks past exactly as the PE inspector does
/// ([`interdict_collectors::Root::open_walked_os`]: `openat2`, `fstat`) and reads its first
/// [`interdict_formats::pe::HEAD_READ`] bytes, parsing nothing: the floor under any
/// identification of files by their header, to compare the whole scan against.
#[derive(Default, Clone)]
pub struct HeadFloor(pub std::sync::Arc<std::sync::atomic::AtomicU64>);

impl interdict_collectors::sweep::FileInspector for HeadFloor {
    fn inspect(&self, _: &interdict_collectors::Root, _: &str, _: &str, _: &mut Inventory) {}

    fn inspect_walked(
        &self,
        root: &interdict_collectors::Root,
        os_rel: &std::ffi::OsStr,
        rel: &str,
        _name: &str,
        out: &mut Inventory,
    ) {
        use std::os::unix::fs::FileExt;
        let mut head = vec![0u8; interdict_formats::pe::HEAD_READ];
        match root
            .open_walked_os(os_rel)
            .and_then(|(f, _)| f.read_at(&mut head, 0))
        {
            Ok(n) => {
                self.0
                    .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
            }
            Err(e) => out.errors.push(interdict_inventory::CollectError::new(
                "head-floor",
                rel,
                e.to_string(),
            )),
        }
    }
}

use interdict_inventory::Inventory;
