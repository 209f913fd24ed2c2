//! The one error type of this crate.

use thiserror::Error;

/// Why one SBOM or inventory export could not be read. Every variant names the file and,
/// where the input allows it, the line or the field at fault. Messages are lower case.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SbomError {
    /// The bytes are not well-formed JSON (or not the JSON shape the format requires).
    #[error("{file}: invalid json at line {line}, column {column}: {message}")]
    InvalidJson {
        /// The file name given by the caller.
        file: String,
        /// 1-based line of the fault.
        line: usize,
        /// 1-based column of the fault.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// The bytes are not well-formed XML.
    #[error("{file}: invalid xml at line {line}: {message}")]
    InvalidXml {
        /// The file name given by the caller.
        file: String,
        /// 1-based line of the fault.
        line: usize,
        /// What the parser said.
        message: String,
    },
    /// A document declares a specification version this crate does not read.
    #[error(
        "{file}: unsupported {format} version {version:?} in field `{field}` (supported: {supported})"
    )]
    UnsupportedVersion {
        /// The file name given by the caller.
        file: String,
        /// The format, e.g. `cyclonedx`.
        format: &'static str,
        /// The field that carries the version, e.g. `specVersion`.
        field: String,
        /// The version found.
        version: String,
        /// The versions that are read.
        supported: &'static str,
    },
    /// A field the format requires is absent or empty.
    #[error("{file}: missing required field `{field}`{}", line_suffix(*.line))]
    MissingField {
        /// The file name given by the caller.
        file: String,
        /// The field path, e.g. `components[3].name`.
        field: String,
        /// 1-based line, when known.
        line: Option<usize>,
    },
    /// A field holds a value that cannot be used.
    #[error("{file}: invalid value in field `{field}`{}: {message}", line_suffix(*.line))]
    InvalidField {
        /// The file name given by the caller.
        file: String,
        /// The field path.
        field: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The input is none of the formats this crate reads.
    #[error("{file}: unrecognized format: {message}")]
    UnknownFormat {
        /// The file name given by the caller.
        file: String,
        /// What was seen instead.
        message: String,
    },
    /// The bytes are not text in any encoding read here (UTF-8, or UTF-16 with a BOM).
    #[error("{file}: {message}")]
    InvalidEncoding {
        /// The file name given by the caller.
        file: String,
        /// What is wrong and where, e.g. `invalid utf-8 at byte 12`.
        message: String,
    },
    /// One component (or another element: a relationship, an SPDX 3 graph element) could
    /// not be used and was skipped; the rest of the document was read. A warning in
    /// [`SbomDocument::warnings`](crate::SbomDocument::warnings), never the error of a
    /// whole read.
    #[error("{file}: skipped `{component}`: {reason}")]
    SkippedComponent {
        /// The file name given by the caller.
        file: String,
        /// Where the component is: its field path (`components[2].components[0]`,
        /// `packages[3]`, `@graph[7]`) or line, and its parent's path when it has one.
        component: String,
        /// Why it was skipped.
        reason: String,
    },
    /// A CSV export lacks a column the mapping needs.
    #[error("{file}: missing column `{column}` (header found: {header})")]
    MissingColumn {
        /// The file name given by the caller.
        file: String,
        /// The logical column (`host`, `name`, …) and the headers accepted for it.
        column: String,
        /// The header row as found.
        header: String,
    },
    /// A CSV record could not be read or lacks a required value.
    #[error("{file}: line {line}: {message}")]
    InvalidRecord {
        /// The file name given by the caller.
        file: String,
        /// 1-based line of the record.
        line: u64,
        /// What is wrong.
        message: String,
    },
}

fn line_suffix(line: Option<usize>) -> String {
    line.map(|l| format!(" at line {l}")).unwrap_or_default()
}

impl SbomError {
    /// Wraps a `serde_json` error, keeping its line and column.
    pub(crate) fn json(file: &str, err: &serde_json::Error) -> Self {
        let full = err.to_string();
        // serde_json appends " at line L column C"; the variant carries those separately.
        let message = match full.rfind(" at line ") {
            Some(pos) => full[..pos].to_string(),
            None => full,
        };
        SbomError::InvalidJson {
            file: file.to_string(),
            line: err.line(),
            column: err.column(),
            message: message.to_lowercase(),
        }
    }

    /// A missing field without a line.
    pub(crate) fn missing(file: &str, field: impl Into<String>) -> Self {
        SbomError::MissingField {
            file: file.to_string(),
            field: field.into(),
            line: None,
        }
    }
}
