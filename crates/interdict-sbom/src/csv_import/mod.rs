//! CSV inventory exports (SCCM/MECM, Intune, Tanium, asset tools): a header row, one
//! installed item per record — or, in an aggregated export, one item per record with the
//! number of devices that have it. Columns are found by header name through a
//! [`CsvMapping`]; the defaults recognise the known exports without flags.
//!
//! Input as tools write it: UTF-8 with or without a BOM, UTF-16 (PowerShell's `>`),
//! LF, CRLF or CR line ends, a PowerShell `Export-Csv` `#TYPE` line or an Excel `sep=`
//! line before the header, and `,`, `;` or tab between fields (sniffed from the header).

mod mapping;

pub use mapping::CsvMapping;

use crate::InventoryImport;
use crate::error::SbomError;
use crate::osquery::{decode_lines, file_stem};
use interdict_inventory::{Artifact, ArtifactKind, ArtifactState};
use mapping::{export_name, find_column, find_columns, parse_kind};

/// The collector id of artifacts imported from CSV.
pub const CSV_COLLECTOR: &str = "csv-import";

/// The key under which [`InventoryImport::skipped`] counts aggregated rows whose device
/// count is zero (an item no device has any more).
pub const ZERO_DEVICE_ROWS: &str = "rows with a device count of 0";

/// Splits off the lines before the header (`#TYPE …`, `sep=…`): returns the header and
/// records, how many lines were skipped, and the delimiter a `sep=` line names.
fn preamble(text: &str) -> (&str, u64, Option<u8>) {
    let mut rest = text;
    let mut skipped = 0;
    let mut delimiter = None;
    loop {
        let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
        if line.starts_with("#TYPE") {
            // PowerShell's Export-Csv without -NoTypeInformation (Windows PowerShell 5.1).
        } else if let Some(sep) = line.strip_prefix("sep=").filter(|s| s.len() == 1) {
            delimiter = Some(sep.as_bytes()[0]);
        } else {
            return (rest, skipped, delimiter);
        }
        rest = after;
        skipped += 1;
    }
}

/// The delimiter of a header line: whichever of `,`, `;` and tab occurs most often
/// outside quotes (`,` on a tie or when there is none).
fn sniff_delimiter(header_line: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in header_line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let candidates = [b',', b';', b'\t'];
    let best = (0..3).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
    candidates[best]
}

/// Reads a CSV export. `default_host` names the host of records without one; without a
/// host column and without a default, records belong to the file stem. A missing name
/// column fails the file; a record that cannot be used becomes an error in the result
/// and reading goes on. Unknown columns are ignored.
pub fn import_csv(
    bytes: &[u8],
    file: &str,
    mapping: &CsvMapping,
    default_host: Option<&str>,
) -> Result<InventoryImport, SbomError> {
    let content = decode_lines(bytes, file)?;
    let (body, skipped_lines, declared) = preamble(&content);
    let delimiter =
        declared.unwrap_or_else(|| sniff_delimiter(body.split('\n').next().unwrap_or("")));
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| SbomError::InvalidRecord {
            file: file.to_string(),
            line: skipped_lines + 1,
            message: format!("unreadable header: {}", e.to_string().to_lowercase()),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let names = find_columns(&header, &mapping.name, &[]);
    if names.is_empty() {
        return Err(SbomError::MissingColumn {
            file: file.to_string(),
            column: format!("name (one of: {})", mapping.name.join(", ")),
            header: header.join(&char::from(delimiter).to_string()),
        });
    }
    let columns = Columns::find(&header, mapping, names);
    let export = export_name(&header);
    let default_host = default_host
        .map(str::to_string)
        .unwrap_or_else(|| file_stem(file));
    let mut import = InventoryImport::default();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() + skipped_lines);
                import.errors.push(SbomError::InvalidRecord {
                    file: file.to_string(),
                    line,
                    message: e.to_string().to_lowercase(),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() + skipped_lines);
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let row = Row {
            record: &record,
            header: &header,
            file,
            line,
        };
        match row.artifact(&columns, &default_host, export) {
            Ok(Some(item)) => import.artifacts.push(item),
            Ok(None) => *import.skipped.entry(ZERO_DEVICE_ROWS.into()).or_default() += 1,
            Err(e) => import.errors.push(e),
        }
    }
    Ok(import)
}

/// The columns found in a header. Where several headers hold one fact (SCCM's
/// `ARPDisplayName0` and `ProductName0`), the first with a value in a record is used.
struct Columns {
    name: Vec<usize>,
    host: Option<usize>,
    version: Vec<usize>,
    publisher: Vec<usize>,
    kind: Option<usize>,
    /// Only for an aggregated export: without a host column.
    device_count: Option<usize>,
    path: Option<usize>,
    platform: Option<usize>,
}

impl Columns {
    fn find(header: &[String], mapping: &CsvMapping, name: Vec<usize>) -> Self {
        let host = find_column(header, &mapping.host, &name);
        let mut taken = name.clone();
        taken.extend(host);
        let find = |candidates: &[String]| find_column(header, candidates, &taken);
        let all = |candidates: &[String]| find_columns(header, candidates, &taken);
        Columns {
            name,
            host,
            version: all(&mapping.version),
            publisher: all(&mapping.publisher),
            kind: find(&mapping.kind),
            device_count: host.map_or_else(|| find(&mapping.device_count), |_| None),
            path: find(&mapping.path),
            platform: find(&mapping.platform),
        }
    }
}

/// One record being read.
struct Row<'r> {
    record: &'r csv::StringRecord,
    header: &'r [String],
    file: &'r str,
    line: u64,
}

impl Row<'_> {
    /// A value; empty cells and SQL exports' `NULL` are absent.
    fn value(&self, index: Option<usize>) -> Option<&str> {
        index
            .and_then(|i| self.record.get(i))
            .map(str::trim)
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("null"))
    }

    /// The first value among several columns.
    fn first(&self, indices: &[usize]) -> Option<&str> {
        indices.iter().find_map(|i| self.value(Some(*i)))
    }

    fn error(&self, message: String) -> SbomError {
        SbomError::InvalidRecord {
            file: self.file.to_string(),
            line: self.line,
            message,
        }
    }

    fn missing(&self, index: usize) -> SbomError {
        self.error(format!("missing value in column `{}`", self.header[index]))
    }

    /// The record as a host's artifact; `None` for an aggregated row no device has.
    fn artifact(
        &self,
        columns: &Columns,
        default_host: &str,
        export: Option<&str>,
    ) -> Result<Option<(String, Artifact)>, SbomError> {
        let name = self
            .first(&columns.name)
            .ok_or_else(|| self.missing(columns.name[0]))?;
        let host = match (self.value(columns.host), columns.host) {
            (Some(host), _) => host.to_string(),
            (None, None) => default_host.to_string(),
            (None, Some(index)) => return Err(self.missing(index)),
        };
        let devices = match self.value(columns.device_count) {
            None => None,
            Some(count) => Some(
                count
                    .replace([',', ' ', '\u{a0}'], "")
                    .parse::<u64>()
                    .map_err(|_| {
                        self.error(format!("device count {count:?} is not a whole number"))
                    })?,
            ),
        };
        if devices == Some(0) {
            return Ok(None);
        }
        let type_value = self.value(columns.kind);
        let kind = type_value.map_or(ArtifactKind::Package, parse_kind);
        let mut artifact = Artifact::new(
            kind,
            name,
            format!("{}:{}", self.file, self.line),
            CSV_COLLECTOR,
        )
        .with_version(self.first(&columns.version).unwrap_or_default())
        .with_publisher(self.first(&columns.publisher).unwrap_or_default())
        .with_path(self.value(columns.path).unwrap_or_default())
        .with_state(ArtifactState::Active)
        .with_attr("type", type_value.unwrap_or_default())
        .with_attr("platform", self.value(columns.platform).unwrap_or_default())
        .with_attr("csv-export", export.unwrap_or_default());
        if let Some(devices) = devices {
            artifact = artifact.with_attr(
                interdict_inventory::attr::ENDPOINT_COUNT,
                devices.to_string(),
            );
        }
        Ok(Some((host, artifact)))
    }
}
