//! Tests on hives built cell by cell, covering the list kinds, big data and corruption.

use super::*;

/// Builds a hive: one hbin holding the cells in the order they are added.
struct Builder {
    bin: Vec<u8>,
}

impl Builder {
    fn new() -> Builder {
        Builder { bin: vec![0; 32] }
    }

    /// The offset the next cell will get.
    fn next(&self) -> u32 {
        self.bin.len() as u32
    }

    fn cell(&mut self, data: &[u8]) -> u32 {
        let off = self.next();
        let total = (data.len() + 4).div_ceil(8) * 8;
        self.bin.extend_from_slice(&(-(total as i32)).to_le_bytes());
        self.bin.extend_from_slice(data);
        self.bin.resize(off as usize + total, 0);
        off
    }

    fn patch(&mut self, cell: u32, field: usize, value: u32) {
        let at = cell as usize + 4 + field;
        self.bin[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }

    fn nk(&mut self, name: &str, subkeys: &[u32], values: &[u32]) -> u32 {
        let list = if subkeys.is_empty() {
            u32::MAX
        } else {
            self.list(b"lh", subkeys)
        };
        let vlist = if values.is_empty() {
            u32::MAX
        } else {
            self.cell(
                &values
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect::<Vec<_>>(),
            )
        };
        self.nk_raw(name, subkeys.len() as u32, list, values.len() as u32, vlist)
    }

    fn nk_raw(&mut self, name: &str, nsub: u32, list: u32, nval: u32, vlist: u32) -> u32 {
        let (raw, flags): (Vec<u8>, u16) = if name.is_ascii() {
            (name.as_bytes().to_vec(), 0x20)
        } else {
            (name.encode_utf16().flat_map(u16::to_le_bytes).collect(), 0)
        };
        let mut c = vec![0u8; 76];
        c[..2].copy_from_slice(b"nk");
        c[2..4].copy_from_slice(&flags.to_le_bytes());
        // 2020-03-17 14:03:01 UTC
        c[4..12].copy_from_slice(&132289273810000000u64.to_le_bytes());
        c[20..24].copy_from_slice(&nsub.to_le_bytes());
        c[28..32].copy_from_slice(&list.to_le_bytes());
        c[36..40].copy_from_slice(&nval.to_le_bytes());
        c[40..44].copy_from_slice(&vlist.to_le_bytes());
        c[72..74].copy_from_slice(&(raw.len() as u16).to_le_bytes());
        c.extend_from_slice(&raw);
        self.cell(&c)
    }

    fn list(&mut self, sig: &[u8; 2], offsets: &[u32]) -> u32 {
        let mut c = sig.to_vec();
        c.extend_from_slice(&(offsets.len() as u16).to_le_bytes());
        for o in offsets {
            c.extend_from_slice(&o.to_le_bytes());
            if sig == b"lf" || sig == b"lh" {
                c.extend_from_slice(&[0; 4]);
            }
        }
        self.cell(&c)
    }

    fn vk(&mut self, name: &str, ty: u32, data: &[u8]) -> u32 {
        let (size, off) = if data.len() <= 4 {
            let mut inline = [0u8; 4];
            inline[..data.len()].copy_from_slice(data);
            (data.len() as u32 | 0x8000_0000, u32::from_le_bytes(inline))
        } else if data.len() > 16344 {
            let segments: Vec<u32> = data.chunks(16344).map(|c| self.cell(c)).collect();
            let list = self.cell(
                &segments
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect::<Vec<_>>(),
            );
            let mut db = b"db".to_vec();
            db.extend_from_slice(&(segments.len() as u16).to_le_bytes());
            db.extend_from_slice(&list.to_le_bytes());
            (data.len() as u32, self.cell(&db))
        } else {
            (data.len() as u32, self.cell(data))
        };
        let mut c = vec![0u8; 20];
        c[..2].copy_from_slice(b"vk");
        c[2..4].copy_from_slice(&(name.len() as u16).to_le_bytes());
        c[4..8].copy_from_slice(&size.to_le_bytes());
        c[8..12].copy_from_slice(&off.to_le_bytes());
        c[12..16].copy_from_slice(&ty.to_le_bytes());
        c[16..18].copy_from_slice(&1u16.to_le_bytes());
        c.extend_from_slice(name.as_bytes());
        self.cell(&c)
    }

    fn finish(mut self, root: u32, seq: (u32, u32)) -> Vec<u8> {
        let len = self.bin.len().div_ceil(4096) * 4096;
        self.bin.resize(len, 0);
        self.bin[..4].copy_from_slice(b"hbin");
        self.bin[8..12].copy_from_slice(&(len as u32).to_le_bytes());
        let mut base = vec![0u8; 4096];
        base[..4].copy_from_slice(b"regf");
        base[4..8].copy_from_slice(&seq.0.to_le_bytes());
        base[8..12].copy_from_slice(&seq.1.to_le_bytes());
        base[20..24].copy_from_slice(&1u32.to_le_bytes());
        base[24..28].copy_from_slice(&5u32.to_le_bytes());
        base[36..40].copy_from_slice(&root.to_le_bytes());
        base[40..44].copy_from_slice(&(len as u32).to_le_bytes());
        let sum = base[..508].chunks(4).fold(0u32, |a, c| {
            a ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]])
        });
        base[508..512].copy_from_slice(&sum.to_le_bytes());
        base.extend_from_slice(&self.bin);
        base
    }
}

fn utf16z(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// A small hive: `Root\{Alpha (values), Beta\Gamma, Ünï}` with every list kind.
fn sample() -> Vec<u8> {
    let mut b = Builder::new();
    let big: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
    let values = [
        b.vk(
            "DisplayName",
            1,
            &utf16z("Kaspersky Endpoint Security for Windows"),
        ),
        b.vk("Start", 4, &4u32.to_le_bytes()),
        b.vk("Big", 11, &0x0102_0304_0506_0708u64.to_le_bytes()),
        b.vk(
            "Paths",
            7,
            &[utf16z("a"), utf16z("bc"), vec![0, 0]].concat(),
        ),
        b.vk("Blob", 3, &big),
        b.vk("", 2, &utf16z("%SystemRoot%")),
    ];
    let alpha = b.nk("Alpha", &[], &values);
    let gamma = b.nk("Gamma", &[], &[]);
    let li = b.list(b"li", &[gamma]);
    let ri = b.list(b"ri", &[li]);
    let beta = b.nk_raw("Beta", 1, ri, 0, u32::MAX);
    let uni = b.nk("Ünï", &[], &[]);
    let lf = b.list(b"lf", &[alpha, beta, uni]);
    let root = b.nk_raw("ROOT", 3, lf, 0, u32::MAX);
    b.finish(root, (7, 7))
}

#[test]
fn reads_keys_values_and_every_list_kind() {
    let data = sample();
    let hive = Hive::parse(&data).unwrap();
    assert!(!hive.is_dirty());
    assert!(hive.checksum_ok());
    let root = hive.root().unwrap();
    assert_eq!(root.name(), "ROOT");
    let names: Vec<String> = root
        .subkeys()
        .unwrap()
        .iter()
        .map(|k| k.name().to_string())
        .collect();
    assert_eq!(names, ["Alpha", "Beta", "Ünï"]);
    assert_eq!(
        hive.open_path_ci(r"beta\GAMMA").unwrap().unwrap().name(),
        "Gamma"
    );
    assert_eq!(hive.open_path_ci("üNÏ").unwrap().unwrap().name(), "Ünï");
    assert!(hive.open_path_ci(r"Beta\Delta").unwrap().is_none());
    let alpha = root.subkey_ci("alpha").unwrap().unwrap();
    assert_eq!(alpha.last_written().to_string(), "2020-03-17T14:03:01Z");
    assert_eq!(
        alpha
            .value_ci("displayname")
            .unwrap()
            .as_string()
            .as_deref(),
        Some("Kaspersky Endpoint Security for Windows")
    );
    assert_eq!(alpha.value_ci("Start").unwrap().as_u32(), Some(4));
    assert_eq!(alpha.value_ci("Start").unwrap().as_string(), None);
    assert_eq!(
        alpha.value_ci("Big").unwrap().as_u64(),
        Some(0x0102_0304_0506_0708)
    );
    assert_eq!(
        alpha.value_ci("Paths").unwrap().as_multi_string().unwrap(),
        ["a", "bc"]
    );
    let blob = alpha.value_ci("Blob").unwrap();
    assert_eq!(blob.value_type(), ValueType::Binary);
    let data = blob.data().unwrap();
    assert_eq!(data.len(), 40_000);
    assert!(data.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
    let default = alpha.value_ci("").unwrap();
    assert_eq!(
        (default.value_type(), default.as_string().unwrap()),
        (ValueType::ExpandSz, "%SystemRoot%".into())
    );
    let mut paths = Vec::new();
    hive.walk(&mut |p, _| paths.push(p.to_string())).unwrap();
    assert_eq!(paths, ["", "Alpha", "Beta", r"Beta\Gamma", "Ünï"]);
}

#[test]
fn unequal_sequence_numbers_mean_dirty() {
    let mut b = Builder::new();
    let root = b.nk("R", &[], &[]);
    let hive_bytes = b.finish(root, (8, 7));
    assert!(Hive::parse(&hive_bytes).unwrap().is_dirty());
}

#[test]
fn a_cycle_in_index_lists_is_an_error_not_a_hang() {
    let mut b = Builder::new();
    let me = b.next();
    let ri = b.list(b"ri", &[me]);
    assert_eq!(ri, me);
    let root = b.nk_raw("R", 1, ri, 0, u32::MAX);
    let data = b.finish(root, (1, 1));
    let hive = Hive::parse(&data).unwrap();
    let err = hive.root().unwrap().subkeys().unwrap_err();
    assert!(err.to_string().contains("cycle"), "{err}");
    assert!(
        err.to_string().contains(&format!("offset {}", 4096 + ri)),
        "{err}"
    );
}

#[test]
fn a_cycle_in_the_key_tree_ends_the_walk_with_an_error() {
    let mut b = Builder::new();
    let child = b.nk_raw("Child", 1, 0, 0, u32::MAX);
    let list = b.list(b"lf", &[child]);
    b.patch(child, 28, list);
    let root = b.nk_raw("R", 1, list, 0, u32::MAX);
    let data = b.finish(root, (1, 1));
    let hive = Hive::parse(&data).unwrap();
    let mut n = 0;
    let err = hive.walk(&mut |_, _| n += 1).unwrap_err();
    assert!(err.to_string().contains("cycle"), "{err}");
    assert_eq!(n, 2);
    // A path lookup is bounded by the path, whatever the tree holds.
    assert!(
        hive.open_path_ci(r"Child\Child\Child\Child")
            .unwrap()
            .is_some()
    );
}

#[test]
fn a_key_listed_many_times_fails_when_queued_not_after_queueing_every_copy() {
    let mut b = Builder::new();
    let leaf = b.nk("Leaf", &[], &[]);
    let list = b.list(b"li", &[leaf; 60_000]);
    let root = b.nk_raw("R", 60_000, list, 0, u32::MAX);
    let data = b.finish(root, (1, 1));
    let hive = Hive::parse(&data).unwrap();
    let mut visited = Vec::new();
    let err = hive
        .walk(&mut |p, _| visited.push(p.to_string()))
        .unwrap_err();
    assert!(err.to_string().contains("reached twice"), "{err}");
    assert_eq!(visited, [""], "only the root was visited");
}

#[test]
fn bad_headers_and_offsets_are_named() {
    assert!(matches!(
        Hive::parse(b"regX"),
        Err(FormatError::BadMagic { offset: 0, .. })
    ));
    assert!(matches!(
        Hive::parse(b"regf\0\0"),
        Err(FormatError::Truncated { .. })
    ));
    let mut data = sample();
    data[36..40].copy_from_slice(&0x21u32.to_le_bytes());
    let err = Hive::parse(&data).unwrap_err();
    assert!(err.to_string().contains("not 8-aligned"), "{err}");
    data[36..40].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
    let err = Hive::parse(&data).unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("offset {}", 4096 + 0x7fff_0000u32 as usize)),
        "{err}"
    );
}

/// Parses and walks everything; must return, whatever the bytes.
fn exercise(data: &[u8]) {
    if let Ok(hive) = Hive::parse(data) {
        let _ = hive.walk(&mut |_, key| {
            for v in key.values().unwrap_or_default() {
                let _ = (
                    v.data(),
                    v.as_string(),
                    v.as_u32(),
                    v.as_u64(),
                    v.as_multi_string(),
                );
            }
        });
    }
}

#[test]
fn truncated_and_flipped_hives_never_panic() {
    let data = sample();
    for len in (0..data.len()).step_by(7) {
        exercise(&data[..len]);
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..3000 {
        let mut d = data.clone();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = 4096 + (seed as usize) % (d.len() - 4096);
            d[i] ^= (seed >> 32) as u8 | 1;
        }
        exercise(&d);
    }
}

#[test]
fn filetime_formats_as_utc() {
    assert_eq!(
        Filetime(116_444_736_000_000_000).to_string(),
        "1970-01-01T00:00:00Z"
    );
    assert_eq!(Filetime(0).to_string(), "1601-01-01T00:00:00Z");
    assert_eq!(Filetime(116_444_736_000_000_000).unix_seconds(), 0);
}

#[test]
fn a_truncated_copy_is_flagged_and_slack_is_not() {
    let data = sample();
    let full = Hive::parse(&data).unwrap();
    assert!(!full.is_truncated());
    assert_eq!(full.lengths(), (data.len(), data.len()));
    let mut slack = data.clone();
    slack.extend_from_slice(&[0; 4096]);
    assert!(!Hive::parse(&slack).unwrap().is_truncated());
    // Cut inside the hive bins but after the root key: still parses, flagged truncated.
    let cut = &data[..data.len() - 1000];
    let hive = Hive::parse(cut).unwrap();
    assert!(hive.is_truncated());
    assert_eq!(hive.lengths(), (cut.len(), data.len()));
}
