//! XML as the providers speak it, read with quick-xml and hardened against hostile input.
//!
//! WeChat Pay v2 bodies are one flat `<xml>` element whose children hold text or CDATA;
//! Alipay MAPI replies nest a little (`<alipay><response><trade>…`). Both are read by one
//! walker that enforces, for every body:
//!
//! * at most [`MAX_BYTES`] bytes of UTF-8;
//! * no DOCTYPE and no processing instruction (the 2018 WeChat XXE guide: reject, never resolve);
//! * only the five predefined entities and numeric character references;
//! * text and CDATA alike (empty CDATA is `""`), whitespace between elements ignored,
//!   no mixed content, one root, nothing but whitespace and comments after it;
//! * duplicate field names rejected (a signature over an ambiguous map means nothing);
//! * element names of ASCII letters, digits and `_` only, and well-formed attributes. The
//!   one attribute read is `name`, which Alipay puts on each echoed `<param name="…">`.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::Fields;

/// The largest XML body accepted (WeChat replies and notifies are a few KB).
pub const MAX_BYTES: usize = 64 * 1024;

/// Why an XML body was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Larger than [`MAX_BYTES`].
    #[error("XML body exceeds {MAX_BYTES} bytes")]
    TooLarge,
    /// Not valid UTF-8.
    #[error("XML body is not UTF-8")]
    NotUtf8,
    /// A `<!DOCTYPE …>` declaration (the XXE vector): always refused.
    #[error("DOCTYPE is not allowed")]
    Doctype,
    /// A processing instruction other than the XML declaration.
    #[error("processing instructions are not allowed")]
    ProcessingInstruction,
    /// An entity other than `&lt; &gt; &amp; &apos; &quot;` or a character reference.
    #[error("entity `&{0};` is not allowed")]
    Entity(String),
    /// The document ended before its root element closed.
    #[error("XML is truncated")]
    Truncated,
    /// The root element is not the expected one.
    #[error("root element must be <{expected}>")]
    WrongRoot {
        /// The root this reader expects.
        expected: &'static str,
    },
    /// Elements nest deeper than the format allows.
    #[error("XML nests too deep")]
    TooDeep,
    /// Text and child elements mixed in one element, or text outside the root.
    #[error("unexpected text in XML")]
    StrayText,
    /// A second root element, or markup after the root.
    #[error("content after the root element")]
    TrailingContent,
    /// The same field appears twice.
    #[error("field `{0}` appears twice")]
    Duplicate(String),
    /// Too many fields.
    #[error("XML has too many fields")]
    TooManyFields,
    /// An element or attribute name, or a `name="…"` value, that is not ASCII letters,
    /// digits and `_` (at most 64, not starting with a digit).
    #[error("name `{0}` is not allowed")]
    BadName(String),
    /// The parser found the XML malformed.
    #[error("malformed XML: {0}")]
    Syntax(String),
}

/// Most leaf fields accepted in one body.
const MAX_FIELDS: usize = 512;

/// Longest element name accepted (the longest WeChat or Alipay field is under 40).
const MAX_NAME: usize = 64;

struct Frame {
    name: String,
    /// The element's `name="…"` attribute, if it has one (Alipay's `<param name="service">`).
    key: Option<String>,
    text: String,
    has_children: bool,
}

/// A name the reader accepts for elements and attributes, and for Alipay's `<param name>`:
/// ASCII letters, digits and `_`, not starting with a digit, at most [`MAX_NAME`] bytes.
fn is_plain_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_NAME
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn bad_name(s: &str) -> XmlError {
    XmlError::BadName(s.chars().take(MAX_NAME).collect())
}

/// Reads the attributes after an element's name (`attr="v" other='w'`): each a plain name,
/// `=`, a quoted value without `<`, separated by whitespace, no name twice. Returns the
/// value of `name`, the only attribute the providers' XML carries (Alipay's echoed
/// `<param name="…">`); it must be a plain name too, so it never holds an entity.
fn name_attribute(raw: &str) -> Result<Option<String>, XmlError> {
    let malformed = || XmlError::Syntax("malformed attribute".into());
    let mut rest = raw;
    let mut seen: Vec<&str> = Vec::new();
    let mut key = None;
    loop {
        let trimmed = rest.trim_start_matches(is_xml_space);
        if trimmed.is_empty() {
            return Ok(key);
        }
        if trimmed.len() == rest.len() {
            return Err(malformed()); // no whitespace before this attribute
        }
        let (attr, after) = trimmed.split_once('=').ok_or_else(malformed)?;
        let attr = attr.trim_end_matches(is_xml_space);
        if !is_plain_name(attr) {
            return Err(bad_name(attr));
        }
        if seen.contains(&attr) {
            return Err(malformed());
        }
        seen.push(attr);
        let after = after.trim_start_matches(is_xml_space);
        let quote = after.chars().next().filter(|&q| q == '"' || q == '\'').ok_or_else(malformed)?;
        let (value, tail) = after[1..].split_once(quote).ok_or_else(malformed)?;
        if value.contains('<') {
            return Err(malformed());
        }
        if attr == "name" {
            if !is_plain_name(value) {
                return Err(bad_name(value));
            }
            key = Some(value.to_owned());
        }
        rest = tail;
    }
}

impl Frame {
    /// Reads an opening tag: its name must be plain, its attributes well formed.
    fn open(start: &quick_xml::events::BytesStart<'_>) -> Result<Frame, XmlError> {
        let name = start.name().into_inner();
        if !is_plain_name(name) {
            return Err(bad_name(name));
        }
        let key = name_attribute(start.attributes_raw())?;
        Ok(Frame { name: name.to_owned(), key, text: String::new(), has_children: false })
    }

    /// This element's segment in a [`parse_paths`] key: `name`, or `name[key]`.
    fn segment(&self) -> String {
        match &self.key {
            Some(key) => format!("{}[{key}]", self.name),
            None => self.name.clone(),
        }
    }
}

/// Walks `body` and calls `leaf(path, text)` for every element without child elements;
/// `path` holds the element names from the root down. Returns the root's name.
fn walk(
    body: &[u8],
    max_depth: usize,
    mut leaf: impl FnMut(&[Frame], String) -> Result<(), XmlError>,
) -> Result<String, XmlError> {
    if body.len() > MAX_BYTES {
        return Err(XmlError::TooLarge);
    }
    let text = std::str::from_utf8(body).map_err(|_| XmlError::NotUtf8)?;
    let mut reader = Reader::from_str(text);
    let syntax = |e: quick_xml::Error| XmlError::Syntax(e.to_string());
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<String> = None;
    let mut fields = 0usize;
    loop {
        let event = reader.read_event().map_err(syntax)?;
        match event {
            Event::Decl(_) | Event::Comment(_) => {}
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::PI(_) => return Err(XmlError::ProcessingInstruction),
            Event::Start(start) | Event::Empty(start) if root.is_some() && stack.is_empty() => {
                let _ = start;
                return Err(XmlError::TrailingContent);
            }
            Event::Start(start) => {
                let frame = Frame::open(&start)?;
                open_child(&mut stack, max_depth)?;
                stack.push(frame);
            }
            Event::Empty(start) => {
                let frame = Frame::open(&start)?;
                if stack.is_empty() {
                    root = Some(frame.name);
                    continue;
                }
                open_child(&mut stack, max_depth)?;
                fields += 1;
                if fields > MAX_FIELDS {
                    return Err(XmlError::TooManyFields);
                }
                stack.push(frame);
                leaf(&stack, String::new())?;
                stack.pop();
            }
            Event::Text(t) => match stack.last_mut() {
                Some(frame) => frame.text.push_str(&t.xml10_content()),
                None if t.trim_matches(is_xml_space).is_empty() => {}
                None => return Err(XmlError::StrayText),
            },
            Event::CData(c) => match stack.last_mut() {
                Some(frame) if !frame.has_children => frame.text.push_str(&c.xml10_content()),
                _ => return Err(XmlError::StrayText),
            },
            Event::GeneralRef(r) => {
                let frame = stack.last_mut().ok_or(XmlError::StrayText)?;
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => match r.as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => return Err(XmlError::Entity(other.chars().take(32).collect())),
                    },
                    Err(_) => return Err(XmlError::Entity(r.as_ref().chars().take(32).collect())),
                };
                frame.text.push(resolved);
            }
            Event::End(_) => {
                let frame_is_leaf = stack.last().map(|f| !f.has_children).unwrap_or(false);
                if frame_is_leaf && stack.len() > 1 {
                    fields += 1;
                    if fields > MAX_FIELDS {
                        return Err(XmlError::TooManyFields);
                    }
                    let text = std::mem::take(&mut stack.last_mut().expect("non-empty").text);
                    leaf(&stack, text)?;
                } else if let Some(frame) = stack.last()
                    && frame.has_children
                    && !frame.text.trim_matches(is_xml_space).is_empty()
                {
                    return Err(XmlError::StrayText);
                }
                let frame = stack.pop().ok_or_else(|| XmlError::Syntax("unmatched end tag".into()))?;
                if stack.is_empty() {
                    root = Some(frame.name);
                }
            }
            Event::Eof => {
                return match (stack.is_empty(), root) {
                    (true, Some(root)) => Ok(root),
                    _ => Err(XmlError::Truncated),
                };
            }
        }
    }
}

/// Checks that a child element may open below the current top of `stack`, and marks the
/// parent as having children (its whitespace-only text is dropped).
fn open_child(stack: &mut [Frame], max_depth: usize) -> Result<(), XmlError> {
    if stack.len() == max_depth {
        return Err(XmlError::TooDeep);
    }
    if let Some(parent) = stack.last_mut() {
        if !parent.text.trim_matches(is_xml_space).is_empty() {
            return Err(XmlError::StrayText);
        }
        parent.text.clear();
        parent.has_children = true;
    }
    Ok(())
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Reads a WeChat Pay v2 body: root `<xml>`, one level of fields.
pub fn parse_wechat(body: &[u8]) -> Result<Fields, XmlError> {
    let mut fields = Fields::new();
    let root = walk(body, 2, |path, text| {
        let name = &path[path.len() - 1].name;
        if fields.insert_new(name.clone(), text) { Ok(()) } else { Err(XmlError::Duplicate(name.clone())) }
    })?;
    if root != "xml" {
        return Err(XmlError::WrongRoot { expected: "xml" });
    }
    Ok(fields)
}

/// Reads a nested reply (Alipay MAPI) into `a/b/c → text` paths below the root, which must
/// be `expected_root`. An element with a `name` attribute contributes `element[name]`, so
/// Alipay's echoed request reads as `request/param[service]`, `request/param[partner]`, ….
/// Repeated paths are rejected like duplicate fields.
pub fn parse_paths(body: &[u8], expected_root: &'static str, max_depth: usize) -> Result<Fields, XmlError> {
    let mut fields = Fields::new();
    let root = walk(body, max_depth, |path, text| {
        let joined = path[1..].iter().map(Frame::segment).collect::<Vec<_>>().join("/");
        if fields.insert_new(joined.clone(), text) { Ok(()) } else { Err(XmlError::Duplicate(joined)) }
    })?;
    if root != expected_root {
        return Err(XmlError::WrongRoot { expected: expected_root });
    }
    Ok(fields)
}

/// Writes fields as a WeChat `<xml>` body, every value in CDATA. A `]]>` inside a value is
/// split across two CDATA sections so the text survives unchanged.
pub fn write_wechat(fields: &Fields) -> String {
    let mut out = String::from("<xml>");
    for (name, value) in fields.iter() {
        debug_assert!(is_plain_name(name), "field name `{name}` cannot be an element name");
        out.push('<');
        out.push_str(name);
        out.push_str("><![CDATA[");
        out.push_str(&value.replace("]]>", "]]]]><![CDATA[>"));
        out.push_str("]]></");
        out.push_str(name);
        out.push('>');
    }
    out.push_str("</xml>");
    out
}

#[cfg(test)]
#[path = "xml_tests.rs"]
mod tests;
