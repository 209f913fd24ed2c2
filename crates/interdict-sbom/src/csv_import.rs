//! CSV inventory exports (SCCM/MECM, Intune, asset tools): a header row, one installed
//! item per record. Columns are found by header name, case-insensitively, through a
//! [`CsvMapping`].

use crate::InventoryImport;
use crate::cyclonedx_xml::line_of;
use crate::error::SbomError;
use crate::osquery::file_stem;
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState};

/// The collector id of artifacts imported from CSV.
pub const CSV_COLLECTOR: &str = "csv-import";

/// Which header names hold which fact. Each list is tried in order; the first header
/// present (compared case-insensitively, surrounding spaces ignored) wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvMapping {
    /// Headers naming the host. Required unless the caller gives a default host.
    pub host: Vec<String>,
    /// Headers naming the item. Required.
    pub name: Vec<String>,
    /// Headers holding the version. Optional.
    pub version: Vec<String>,
    /// Headers holding the publisher, vendor or manufacturer. Optional.
    pub publisher: Vec<String>,
    /// Headers holding the artifact kind (`package`, `service`, `driver`, …). Optional;
    /// without it every record is a package.
    pub kind: Vec<String>,
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_string()).collect()
}

impl Default for CsvMapping {
    fn default() -> Self {
        CsvMapping {
            host: owned(&[
                "host",
                "hostname",
                "computer",
                "computer name",
                "device name",
                "machine",
                "netbios_name0",
                "name0",
            ]),
            name: owned(&[
                "name",
                "displayname",
                "display name",
                "application",
                "software",
                "product",
                "productname0",
                "displayname0",
            ]),
            version: owned(&[
                "version",
                "displayversion",
                "display version",
                "productversion0",
                "version0",
            ]),
            publisher: owned(&[
                "publisher",
                "vendor",
                "manufacturer",
                "publisher0",
                "company",
            ]),
            kind: owned(&["kind", "type"]),
        }
    }
}

/// Finds the first candidate header; returns its index.
fn find_column(header: &[String], candidates: &[String], taken: &[usize]) -> Option<usize> {
    candidates.iter().find_map(|candidate| {
        header
            .iter()
            .enumerate()
            .find(|(index, h)| {
                !taken.contains(index) && h.trim().eq_ignore_ascii_case(candidate.trim())
            })
            .map(|(index, _)| index)
    })
}

fn parse_kind(value: &str) -> Option<ArtifactKind> {
    let kinds = [
        ArtifactKind::Package,
        ArtifactKind::Service,
        ArtifactKind::Driver,
        ArtifactKind::KernelModule,
        ArtifactKind::Process,
        ArtifactKind::File,
        ArtifactKind::Certificate,
        ArtifactKind::Extension,
        ArtifactKind::Registry,
        ArtifactKind::Bundle,
        ArtifactKind::SbomComponent,
    ];
    let wanted = value.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    kinds.into_iter().find(|k| k.as_str() == wanted)
}

/// The 1-based line where a record starts. After `\r\n` line ends the reader reports the
/// `\n` before a record as its start, so line-end bytes there are skipped first.
fn line_at(bytes: &[u8], position: &csv::Position) -> u64 {
    let mut offset = usize::try_from(position.byte())
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    while offset < bytes.len() && matches!(bytes[offset], b'\r' | b'\n') {
        offset += 1;
    }
    line_of(bytes, offset) as u64
}

/// Reads a CSV export. `default_host` names the host of records without one (and makes
/// the host column optional). A missing required column fails the file; a record that
/// cannot be used becomes an error in the result and reading goes on.
pub fn import_csv(
    bytes: &[u8],
    file: &str,
    mapping: &CsvMapping,
    default_host: Option<&str>,
) -> Result<InventoryImport, SbomError> {
    let bytes = bytes
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| SbomError::InvalidRecord {
            file: file.to_string(),
            line: 1,
            message: format!("unreadable header: {}", e.to_string().to_lowercase()),
        })?
        .iter()
        .map(str::to_string)
        .collect();
    let missing = |column: &str, candidates: &[String]| SbomError::MissingColumn {
        file: file.to_string(),
        column: format!("{column} (one of: {})", candidates.join(", ")),
        header: header.join(","),
    };
    let name_index =
        find_column(&header, &mapping.name, &[]).ok_or_else(|| missing("name", &mapping.name))?;
    let host_index = find_column(&header, &mapping.host, &[name_index]);
    if host_index.is_none() && default_host.is_none() {
        return Err(missing("host", &mapping.host));
    }
    let taken: Vec<usize> = [Some(name_index), host_index]
        .into_iter()
        .flatten()
        .collect();
    let version_index = find_column(&header, &mapping.version, &taken);
    let publisher_index = find_column(&header, &mapping.publisher, &taken);
    let kind_index = find_column(&header, &mapping.kind, &taken);
    let default_host = default_host
        .map(str::to_string)
        .unwrap_or_else(|| file_stem(file));
    let mut import = InventoryImport::default();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(bytes, p));
                import.errors.push(SbomError::InvalidRecord {
                    file: file.to_string(),
                    line,
                    message: e.to_string().to_lowercase(),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_at(bytes, p));
        let value = |index: Option<usize>| {
            index
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let row_error = |message: String| SbomError::InvalidRecord {
            file: file.to_string(),
            line,
            message,
        };
        let Some(name) = value(Some(name_index)) else {
            import.push(Err(row_error(format!(
                "missing value in column `{}`",
                header[name_index]
            ))));
            continue;
        };
        let host = match (value(host_index), host_index) {
            (Some(host), _) => host.to_string(),
            (None, None) => default_host.clone(),
            (None, Some(index)) => {
                import.push(Err(row_error(format!(
                    "missing value in column `{}`",
                    header[index]
                ))));
                continue;
            }
        };
        let kind = match value(kind_index) {
            None => ArtifactKind::Package,
            Some(kind) => match parse_kind(kind) {
                Some(kind) => kind,
                None => {
                    import.push(Err(row_error(format!("unknown kind {kind:?}"))));
                    continue;
                }
            },
        };
        let artifact = Artifact::new(kind, name, format!("{file}:{line}"), CSV_COLLECTOR)
            .with_version(value(version_index).unwrap_or_default())
            .with_publisher(value(publisher_index).unwrap_or_default())
            .with_state(ArtifactState::Active);
        import.push(Ok((host, artifact)));
    }
    Ok(import)
}
