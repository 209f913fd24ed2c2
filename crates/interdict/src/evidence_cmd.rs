//! `interdict evidence keygen|export|verify`: signing keys, evidence packs
//! ([`crate::evidence_export`], laid out as [`crate::evidence_pack`] says) and their
//! offline check: the seal (the `interdict-evidence` crate), then the deliverables
//! re-computed from the pack's own report documents and catalog.

use crate::evidence_pack::Recomputed;
use crate::server_cmd::{DatabaseArgs, SigningKeyCommand};
use crate::write_stdout;
use anyhow::{Context, Result, bail};
use interdict_evidence::{Pack, PublicKey, SigningKey, Verified, verify};
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `interdict evidence …`.
#[derive(clap::Subcommand, Debug)]
pub enum EvidenceCommand {
    /// Create an Ed25519 signing key: PREFIX.key (mode 0600) and PREFIX.pub; prints the
    /// public key's fingerprint.
    Keygen {
        /// Where to write the two files (PREFIX.key, PREFIX.pub); existing files are
        /// never overwritten.
        #[arg(long, value_name = "PREFIX")]
        out: PathBuf,
    },
    /// Write the evidence pack of a directive as of a date: deliverables, the report
    /// documents, catalog, directive, audit segment, README.html, a signed manifest.
    Export(crate::evidence_export::ExportArgs),
    /// Verify an evidence pack offline: the signature(s), every file against the
    /// manifest, no added file, the audit chain segment, and the deliverables
    /// re-computed from the included report documents. Exit 0 verified, 1 failed
    /// (naming the first failure), 2 unreadable input.
    Verify {
        /// The pack (.tar.gz).
        file: PathBuf,
        /// The signer's public key (PEM); a second --key checks the countersignature.
        /// Without one, the key inside the pack is used and its fingerprint printed.
        #[arg(long, value_name = "PUBKEY")]
        key: Vec<PathBuf>,
    },
}

/// Runs an `evidence` subcommand.
pub fn run(cmd: EvidenceCommand) -> Result<ExitCode> {
    match cmd {
        EvidenceCommand::Keygen { out } => keygen(&out),
        EvidenceCommand::Export(args) => crate::evidence_export::run_export(args),
        EvidenceCommand::Verify { file, key } => run_verify(&file, &key),
    }
}

/// Writes PREFIX.key (0600) and PREFIX.pub; returns the public key.
pub fn write_key_pair(prefix: &Path) -> Result<PublicKey> {
    let key = SigningKey::generate()?;
    let secret = with_suffix(prefix, "key");
    let public = with_suffix(prefix, "pub");
    for p in [&secret, &public] {
        if p.exists() {
            bail!("{} exists: a signing key is never overwritten", p.display());
        }
    }
    write_new(&secret, key.to_pem().as_bytes(), 0o600)?;
    write_new(&public, key.public_key().to_pem().as_bytes(), 0o644)?;
    Ok(key.public_key())
}

/// `admin signing-key create|show`: the data directory's signing key.
pub fn signing_key(db: &DatabaseArgs, cmd: &SigningKeyCommand) -> Result<ExitCode> {
    let key = crate::evidence_export::data_dir_key(db);
    let prefix = key.with_extension("");
    match cmd {
        SigningKeyCommand::Create => {
            let dir = key.parent().unwrap_or(Path::new("."));
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("{}", dir.display()))?;
            let public = write_key_pair(&prefix)?;
            write_stdout(&format!(
                "created the evidence signing key {} (mode 0600)\npublic key {}\n\
                 fingerprint {}\n",
                key.display(),
                with_suffix(&prefix, "pub").display(),
                public.fingerprint()
            ))?;
        }
        SigningKeyCommand::Show => {
            let pem = std::fs::read(&key).with_context(|| {
                format!(
                    "{}: no signing key (create one with `interdict admin signing-key create`)",
                    key.display()
                )
            })?;
            let public = SigningKey::from_pem(&pem)
                .with_context(|| format!("{}", key.display()))?
                .public_key();
            write_stdout(&format!(
                "{}fingerprint {}\n",
                public.to_pem(),
                public.fingerprint()
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn keygen(prefix: &Path) -> Result<ExitCode> {
    let public = write_key_pair(prefix)?;
    write_stdout(&format!(
        "wrote {} (secret, mode 0600) and {}\nfingerprint {}\n",
        with_suffix(prefix, "key").display(),
        with_suffix(prefix, "pub").display(),
        public.fingerprint()
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn run_verify(file: &Path, keys: &[PathBuf]) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("{}", file.display()))?;
    let keys = keys
        .iter()
        .map(|k| {
            let pem = std::fs::read(k).with_context(|| format!("{}", k.display()))?;
            PublicKey::from_pem(&pem).with_context(|| format!("{}", k.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    let pack = match Pack::from_archive(&bytes) {
        Ok(p) => p,
        Err(e) => return failed(file, &e.to_string()),
    };
    let sealed = match verify(&pack, &keys) {
        Ok(v) => v,
        Err(e) => return failed(file, &e.to_string()),
    };
    match crate::evidence_pack::recompute(&pack) {
        Ok(r) => {
            write_stdout(&summary(file, &sealed, &r))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => failed(file, &format!("{e:#}")),
    }
}

fn summary(file: &Path, v: &Verified, r: &Recomputed) -> String {
    let mut out = format!("{}: verified\n", file.display());
    let whose = if v.signer_key_from_pack {
        "the key inside the pack: compare this fingerprint with the published one"
    } else {
        "the key given"
    };
    out += &format!(
        "  signature of SHA256SUMS: good, key {} ({whose})\n",
        v.signer
    );
    if let Some(c) = &v.countersigner {
        out += &format!("  countersignature: good, key {c}\n");
    }
    out += &format!(
        "  files: {} match SHA256SUMS, none missing, none added\n",
        v.files
    );
    let entries = if v.audit_entries == 1 {
        "entry"
    } else {
        "entries"
    };
    out += &format!(
        "  audit chain segment: {} {entries}, intact and anchored\n",
        v.audit_entries
    );
    out += &format!(
        "  re-computation: {} report documents and {} lifecycle actions replayed; {} equal \
         to the pack's ({})\n",
        r.reports,
        r.actions,
        r.files.len(),
        r.files.join(", ")
    );
    out
}

fn failed(file: &Path, cause: &str) -> Result<ExitCode> {
    crate::eprint_line(&format!(
        "interdict: evidence verify {}: FAILED: {cause}",
        file.display()
    ));
    Ok(ExitCode::from(1))
}

fn with_suffix(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Creates `path` (never replacing a file) with `mode`, writes and fsyncs it.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("{}", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("{}", path.display()))
}
