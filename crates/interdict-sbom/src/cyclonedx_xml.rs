//! CycloneDX XML (namespaces `http://cyclonedx.org/schema/bom/1.0` to `1.7`) read as a
//! stream of events: only `bom/metadata/component` and `components/component` (nested to
//! any depth) are components; components inside `pedigree`, `tools` or anywhere else are
//! not. A component without a name is skipped with a warning (see
//! [`crate::component::flatten`]).

use crate::component::{Component, FlattenContext, MAX_DEPTH, clean, flatten};
use crate::cyclonedx_json::CYCLONEDX_COLLECTOR;
use crate::error::SbomError;
use crate::{SbomDocument, SbomFormat};
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

const NAMESPACE_PREFIX: &str = "http://cyclonedx.org/schema/bom/";
const SUPPORTED_XML_VERSIONS: &[&str] = &["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"];

/// A component being read: the element depth it opened at and what was read so far.
struct OpenComponent {
    depth: usize,
    component: Component,
    authors: Vec<String>,
}

struct XmlState<'f> {
    file: &'f str,
    /// The whole input, to turn byte offsets into line numbers when reporting.
    source: &'f [u8],
    /// Local names of the open elements, outermost first.
    stack: Vec<String>,
    open: Vec<OpenComponent>,
    text: String,
    metadata_component: Option<Component>,
    top_components: Vec<Component>,
    spec_version: Option<String>,
    serial_number: Option<String>,
}

/// Reads a CycloneDX XML document.
pub(crate) fn read(text: &str, file: &str) -> Result<SbomDocument, SbomError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut state = XmlState {
        file,
        source: text.as_bytes(),
        stack: Vec::new(),
        open: Vec::new(),
        text: String::new(),
        metadata_component: None,
        top_components: Vec::new(),
        spec_version: None,
        serial_number: None,
    };
    let xml_error = |reader: &Reader<&[u8]>, message: String| SbomError::InvalidXml {
        file: file.to_string(),
        line: line_of(
            text.as_bytes(),
            usize::try_from(reader.error_position()).unwrap_or(usize::MAX),
        ),
        message: message.to_lowercase(),
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| xml_error(&reader, e.to_string()))?;
        let position = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        match event {
            Event::Start(start) => state.start(&start, position)?,
            Event::Empty(start) => {
                state.start(&start, position)?;
                state.end()?;
            }
            Event::End(_) => state.end()?,
            Event::Text(t) => state.text.push_str(&t.xml10_content()),
            Event::CData(t) => state.text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => resolve_predefined_entity(&r)
                        .unwrap_or_default()
                        .to_string(),
                    Err(e) => return Err(xml_error(&reader, e.to_string())),
                };
                state.text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !state.stack.is_empty() {
        return Err(SbomError::InvalidXml {
            file: file.to_string(),
            line: line_of(text.as_bytes(), text.len()),
            message: format!("unexpected end of input inside <{}>", state.stack.join("/")),
        });
    }
    state.finish()
}

impl XmlState<'_> {
    fn start(&mut self, start: &BytesStart<'_>, position: usize) -> Result<(), SbomError> {
        let name = start.local_name().as_ref().to_string();
        if self.stack.is_empty() {
            self.read_root(start, &name, position)?;
        }
        self.text.clear();
        let depth = self.stack.len();
        let parent = self.stack.last().map(String::as_str);
        let is_component = name == "component"
            && match parent {
                Some("metadata") => depth == 2,
                Some("components") => {
                    depth == 2 || self.open.last().is_some_and(|o| o.depth + 2 == depth)
                }
                _ => false,
            };
        self.stack.push(name);
        if is_component {
            if self.open.len() >= MAX_DEPTH {
                return Err(SbomError::InvalidField {
                    file: self.file.to_string(),
                    field: "component".to_string(),
                    line: Some(line_of(self.source, position)),
                    message: format!("components nested deeper than {MAX_DEPTH} levels"),
                });
            }
            let mut component = Component {
                origin: format!("component at line {}", line_of(self.source, position)),
                ..Component::default()
            };
            for attr in start.attributes().flatten() {
                let value = attr
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok();
                match attr.key.local_name().as_ref() {
                    "type" => component.component_type = clean(value.as_deref()),
                    "bom-ref" => component.bom_ref = clean(value.as_deref()),
                    _ => {}
                }
            }
            self.open.push(OpenComponent {
                depth,
                component,
                authors: Vec::new(),
            });
        }
        Ok(())
    }

    fn read_root(
        &mut self,
        start: &BytesStart<'_>,
        name: &str,
        position: usize,
    ) -> Result<(), SbomError> {
        if name != "bom" {
            return Err(SbomError::UnknownFormat {
                file: self.file.to_string(),
                message: format!("root element is <{name}>, not a cyclonedx <bom>"),
            });
        }
        let mut namespace = None;
        for attr in start.attributes().flatten() {
            let key = attr.key.as_ref().to_string();
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok();
            if key == "serialNumber" {
                self.serial_number = clean(value.as_deref());
            } else if (key == "xmlns" || key.starts_with("xmlns:"))
                && value
                    .as_deref()
                    .is_some_and(|v| v.starts_with(NAMESPACE_PREFIX))
            {
                namespace = value.map(|v| v.into_owned());
            }
        }
        let namespace = namespace.ok_or_else(|| SbomError::MissingField {
            file: self.file.to_string(),
            field: "bom/@xmlns".to_string(),
            line: Some(line_of(self.source, position)),
        })?;
        let version = namespace[NAMESPACE_PREFIX.len()..].to_string();
        if !SUPPORTED_XML_VERSIONS.contains(&version.as_str()) {
            return Err(SbomError::UnsupportedVersion {
                file: self.file.to_string(),
                format: "cyclonedx",
                field: "bom/@xmlns".to_string(),
                version,
                supported: "1.0 to 1.7",
            });
        }
        self.spec_version = Some(version);
        Ok(())
    }

    fn end(&mut self) -> Result<(), SbomError> {
        let depth = self.stack.len().saturating_sub(1);
        let text = std::mem::take(&mut self.text);
        if let Some(open) = self.open.last_mut() {
            if open.depth == depth {
                return self.close_component();
            }
            let relative: Vec<&str> = self.stack[open.depth + 1..]
                .iter()
                .map(String::as_str)
                .collect();
            let value = clean(Some(&text));
            let target = &mut open.component;
            match relative.as_slice() {
                ["name"] => target.name = value.unwrap_or_default(),
                ["version"] => target.version = value,
                ["group"] => target.group = value,
                ["purl"] => target.purl = value,
                ["cpe"] => target.cpe = value,
                ["publisher"] => target.publisher = value,
                ["author"] => target.author = value,
                ["supplier", "name"] => target.supplier = value,
                ["manufacturer", "name"] => target.manufacturer = value,
                ["authors", "author", "name"] => open.authors.extend(value),
                _ => {}
            }
        }
        self.stack.pop();
        Ok(())
    }

    fn close_component(&mut self) -> Result<(), SbomError> {
        self.stack.pop();
        let Some(open) = self.open.pop() else {
            return Ok(());
        };
        let mut component = open.component;
        if component.author.is_none() && !open.authors.is_empty() {
            component.author = Some(open.authors.join(", "));
        }
        if let Some(parent) = self.open.last_mut() {
            parent.component.children.push(component);
        } else if self.stack.last().map(String::as_str) == Some("metadata") {
            self.metadata_component = Some(component);
        } else {
            self.top_components.push(component);
        }
        Ok(())
    }

    fn finish(self) -> Result<SbomDocument, SbomError> {
        let spec_version = self
            .spec_version
            .ok_or_else(|| SbomError::missing(self.file, "bom/@xmlns"))?;
        let (roots, name) = match self.metadata_component {
            Some(mut root) => {
                let name = clean(Some(&root.name));
                root.children.extend(self.top_components);
                (vec![root], name)
            }
            None => (self.top_components, None),
        };
        let context = FlattenContext {
            file: self.file,
            collector: CYCLONEDX_COLLECTOR,
            spec_version: &spec_version,
        };
        let mut warnings = Vec::new();
        let components = flatten(&roots, &context, &mut warnings);
        Ok(SbomDocument {
            format: SbomFormat::CycloneDxXml,
            components,
            spec_version,
            serial_number: self.serial_number,
            name,
            warnings,
        })
    }
}

/// The 1-based line of a byte offset.
pub(crate) fn line_of(bytes: &[u8], offset: usize) -> usize {
    let end = offset.min(bytes.len());
    bytes[..end].iter().filter(|&&b| b == b'\n').count() + 1
}
