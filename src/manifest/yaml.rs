//! YAML text to JSON values that remember where each key and item stood in the file.
//!
//! Kubernetes objects are JSON at heart: kubectl turns YAML into JSON before decoding, so we do
//! the same, and keep a parallel tree of positions so that any error found later while decoding
//! a field can name the file's line and column.

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use serde_json::{Map, Number, Value};

/// One step of a path into a document: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

impl PathSeg {
    /// A mapping-key step.
    pub fn key(k: &str) -> PathSeg {
        PathSeg::Key(k.to_string())
    }
}

/// Formats a path the way kubectl names fields: `spec.containers[0].name`.
pub fn display_path(path: &[PathSeg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            PathSeg::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            PathSeg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    fn of(span: &Span) -> Pos {
        Pos {
            line: span.start.line(),
            column: span.start.col() + 1,
        }
    }
}

/// Where a node of the document stands, with the positions of its children.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub pos: Pos,
    children: Children,
}

#[derive(Debug, Clone, PartialEq)]
enum Children {
    None,
    Seq(Vec<Located>),
    /// Key, the key's position, and the value's tree.
    Map(Vec<(String, Pos, Located)>),
}

impl Located {
    /// A tree with no positions, for objects that come from no file (a controller's pod
    /// template, an object a kubectl command built): errors then point at line 0.
    pub fn nowhere() -> Self {
        Located {
            pos: Pos { line: 0, column: 0 },
            children: Children::None,
        }
    }

    /// The position of the deepest node the path reaches: for a key, the key itself.
    pub fn locate(&self, path: &[PathSeg]) -> Pos {
        let mut node = self;
        let mut pos = self.pos;
        for seg in path {
            let next = match (seg, &node.children) {
                (PathSeg::Key(key), Children::Map(entries)) => entries
                    .iter()
                    .find(|(k, _, _)| k == key)
                    .map(|(_, key_pos, child)| (*key_pos, child)),
                (PathSeg::Index(i), Children::Seq(items)) => {
                    items.get(*i).map(|child| (child.pos, child))
                }
                _ => None,
            };
            match next {
                Some((p, child)) => {
                    pos = p;
                    node = child;
                }
                None => break,
            }
        }
        pos
    }
}

/// One YAML document: its JSON value and the positions of its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub value: Value,
    pub located: Located,
}

/// A YAML syntax error, positioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

impl From<ScanError> for SyntaxError {
    fn from(e: ScanError) -> Self {
        SyntaxError {
            pos: Pos {
                line: e.marker().line(),
                column: e.marker().col() + 1,
            },
            message: e.info().to_string(),
        }
    }
}

/// How deeply mappings and sequences may nest. saphyr's scanner stops flow collections at 255
/// levels (`recursion limit exceeded`); block collections get the same bound here, before the
/// recursive builder and decoders below could overflow the stack.
// DEVIATION: go-yaml (gopkg.in/yaml.v2 scannerc.go, max_flow_level and max_indents) allows 10000
// levels; manifests nest a few dozen at most, and 255 keeps every recursive step on a small stack.
pub const MAX_DEPTH: usize = 255;

/// Parses every document of a YAML stream. Empty documents (a stray `---`) are skipped, as
/// kubectl skips them.
pub fn parse_documents(text: &str) -> Result<Vec<Document>, SyntaxError> {
    let mut builder = Builder {
        parser: Parser::new_from_str(text),
        anchors: Vec::new(),
        depth: 0,
        aliasing: Aliasing::document(),
    };
    let mut docs = Vec::new();
    loop {
        let (event, span) = builder.next()?;
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                builder.aliasing = Aliasing::document();
                let (event, span) = builder.next()?;
                if matches!(event, Event::DocumentEnd) {
                    continue;
                }
                let (value, located) = builder.node(event, span)?;
                let (end, _) = builder.next()?;
                debug_assert!(matches!(end, Event::DocumentEnd));
                if !value.is_null() {
                    docs.push(Document { value, located });
                }
            }
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            other => {
                return Err(SyntaxError {
                    pos: Pos::of(&span),
                    message: format!("unexpected YAML event {other:?}"),
                })
            }
        }
    }
    Ok(docs)
}

struct Builder<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    /// Values of anchored nodes by anchor id, for aliases (`*name`), with the number of nodes
    /// each expands to.
    anchors: Vec<Option<Anchored>>,
    /// How many collections enclose the node being built.
    depth: usize,
    aliasing: Aliasing,
}

/// An anchored node's value and positions, and how many nodes it expands to.
#[derive(Clone)]
struct Anchored {
    value: Value,
    located: Located,
    nodes: usize,
}

/// go-yaml's billion-laughs guard: how many nodes a document has decoded, and how many of them
/// came from expanding aliases.
// K8S: gopkg.in/yaml.v2 decode.go (decoder.unmarshal: decodeCount, aliasCount, allowedAliasRatio),
// which sigs.k8s.io/yaml (kubectl, the API server) decodes YAML with
struct Aliasing {
    decoded: usize,
    from_aliases: usize,
}

impl Aliasing {
    /// The count at the start of a document, whose own node counts.
    // K8S: gopkg.in/yaml.v2 decode.go: one decoder per document, the document node decoded first
    fn document() -> Aliasing {
        Aliasing {
            decoded: 1,
            from_aliases: 0,
        }
    }

    /// Counts an alias that expands to `nodes` nodes (and the alias node itself), refusing the
    /// document as go-yaml does once aliases make up too much of it. Checked before the
    /// expansion is copied, so a bomb never allocates: go-yaml checks at every node, and the
    /// ratio only grows while an alias expands, so checking at its end refuses the same documents.
    fn expand(&mut self, nodes: usize) -> Result<(), &'static str> {
        self.decoded = self.decoded.saturating_add(nodes).saturating_add(1);
        self.from_aliases = self.from_aliases.saturating_add(nodes);
        if self.from_aliases > 100
            && self.decoded > 1000
            && self.from_aliases as f64 / self.decoded as f64 > allowed_alias_ratio(self.decoded)
        {
            return Err("document contains excessive aliasing");
        }
        Ok(())
    }
}

/// The share of a document's nodes that may come from aliases: 99% up to 400,000 nodes, then
/// falling linearly to 10% at 4,000,000 (so at most about 400,000 nodes ever come from aliases).
// K8S: gopkg.in/yaml.v2 decode.go (allowedAliasRatio, alias_ratio_range_low/high)
fn allowed_alias_ratio(decoded: usize) -> f64 {
    const LOW: usize = 400_000;
    const HIGH: usize = 4_000_000;
    match decoded {
        n if n <= LOW => 0.99,
        n if n >= HIGH => 0.10,
        n => 0.99 - 0.89 * ((n - LOW) as f64 / (HIGH - LOW) as f64),
    }
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span), SyntaxError> {
        match self.parser.next_event() {
            Some(Ok(pair)) => Ok(pair),
            Some(Err(e)) => Err(e.into()),
            None => Ok((Event::StreamEnd, Span::default())),
        }
    }

    /// Remembers an anchored node that began when `decoded_before` nodes had been decoded.
    fn remember(&mut self, anchor: usize, value: &Value, located: &Located, decoded_before: usize) {
        if anchor == 0 {
            return;
        }
        if self.anchors.len() <= anchor {
            self.anchors.resize(anchor + 1, None);
        }
        self.anchors[anchor] = Some(Anchored {
            value: value.clone(),
            located: located.clone(),
            nodes: self.aliasing.decoded - decoded_before,
        });
    }

    /// A node and what it holds, at most [`MAX_DEPTH`] collections deep.
    fn node(&mut self, event: Event<'a>, span: Span) -> Result<(Value, Located), SyntaxError> {
        let pos = Pos::of(&span);
        let collection = matches!(event, Event::SequenceStart(..) | Event::MappingStart(..));
        if collection && self.depth >= MAX_DEPTH {
            return Err(SyntaxError {
                pos,
                message: format!("exceeded max depth of {MAX_DEPTH}"),
            });
        }
        self.depth += usize::from(collection);
        let built = self.build(event, pos);
        self.depth -= usize::from(collection);
        built
    }

    fn build(&mut self, event: Event<'a>, pos: Pos) -> Result<(Value, Located), SyntaxError> {
        let decoded_before = self.aliasing.decoded;
        if !matches!(event, Event::Alias(_)) {
            self.aliasing.decoded += 1;
        }
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let value = resolve_scalar(&text, style, tag.is_some());
                let located = Located {
                    pos,
                    children: Children::None,
                };
                self.remember(anchor, &value, &located, decoded_before);
                Ok((value, located))
            }
            Event::Alias(anchor) => {
                let error = |message: &str| SyntaxError {
                    pos,
                    message: message.to_string(),
                };
                let nodes = match self.anchors.get(anchor) {
                    Some(Some(anchored)) => anchored.nodes,
                    _ => return Err(error("alias refers to an unknown anchor")),
                };
                self.aliasing.expand(nodes).map_err(error)?;
                let anchored = self.anchors[anchor].as_ref().expect("checked above");
                Ok((anchored.value.clone(), anchored.located.clone()))
            }
            Event::SequenceStart(anchor, _) => {
                let mut values = Vec::new();
                let mut items = Vec::new();
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    let (value, located) = self.node(event, span)?;
                    values.push(value);
                    items.push(located);
                }
                let (value, located) = (
                    Value::Array(values),
                    Located {
                        pos,
                        children: Children::Seq(items),
                    },
                );
                self.remember(anchor, &value, &located, decoded_before);
                Ok((value, located))
            }
            Event::MappingStart(anchor, _) => {
                let mut map = Map::new();
                let mut entries = Vec::new();
                loop {
                    let (event, key_span) = self.next()?;
                    if matches!(event, Event::MappingEnd) {
                        break;
                    }
                    let key_pos = Pos::of(&key_span);
                    let (key, _) = self.node(event, key_span)?;
                    let key = match key {
                        Value::String(s) => s,
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    let (event, span) = self.next()?;
                    let (value, located) = self.node(event, span)?;
                    if map.contains_key(&key) {
                        return Err(SyntaxError {
                            pos: key_pos,
                            message: format!("duplicate field \"{key}\""),
                        });
                    }
                    map.insert(key.clone(), value);
                    entries.push((key, key_pos, located));
                }
                let (value, located) = (
                    Value::Object(map),
                    Located {
                        pos,
                        children: Children::Map(entries),
                    },
                );
                self.remember(anchor, &value, &located, decoded_before);
                Ok((value, located))
            }
            other => Err(SyntaxError {
                pos,
                message: format!("unexpected YAML event {other:?}"),
            }),
        }
    }
}

/// Resolves a scalar to a JSON value as kubectl's YAML reader does: quoted or tagged scalars are
/// strings; plain ones may be null, booleans or numbers.
// K8S: sigs.k8s.io/yaml (go-yaml v2 resolution: YAML 1.1 booleans such as `yes`/`on` included)
fn resolve_scalar(text: &str, style: ScalarStyle, tagged: bool) -> Value {
    if style != ScalarStyle::Plain || tagged {
        return Value::String(text.to_string());
    }
    let s = text;
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" | "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
            return Value::Bool(true)
        }
        "false" | "False" | "FALSE" | "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            return Value::Bool(false)
        }
        _ => {}
    }
    if let Some(n) = parse_int(s) {
        return Value::Number(n.into());
    }
    if looks_like_float(s) {
        if let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(s.to_string())
}

/// Whether a plain scalar with this text reads back as a string (not null, bool or number).
pub fn resolves_to_string(text: &str) -> bool {
    resolve_scalar(text, ScalarStyle::Plain, false).is_string() && !looks_like_timestamp(text)
}

/// go-yaml's timestamp shapes (`2006-1-2`, then optionally `T`, `t` or a space and a time):
/// such plain strings would read back as timestamps, so writers quote them.
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    if b.len() < 8 || digits(0) != 4 || b[4] != b'-' {
        return false;
    }
    let month = digits(5);
    if !(1..=2).contains(&month) || b.get(5 + month) != Some(&b'-') {
        return false;
    }
    let day_at = 6 + month;
    let day = digits(day_at);
    (1..=2).contains(&day) && matches!(b.get(day_at + day), None | Some(b'T' | b't' | b' '))
}

fn parse_int(s: &str) -> Option<i64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if negative { -value } else { value })
}

fn looks_like_float(s: &str) -> bool {
    let body = s.trim_start_matches(['-', '+']);
    let mut chars = body.chars().peekable();
    let mut digits = 0;
    while chars.peek().is_some_and(char::is_ascii_digit) {
        chars.next();
        digits += 1;
    }
    if chars.peek() == Some(&'.') {
        chars.next();
        while chars.peek().is_some_and(char::is_ascii_digit) {
            chars.next();
            digits += 1;
        }
    }
    if digits == 0 {
        return false;
    }
    if matches!(chars.peek(), Some('e' | 'E')) {
        chars.next();
        if matches!(chars.peek(), Some('-' | '+')) {
            chars.next();
        }
        let mut exp = 0;
        while chars.peek().is_some_and(char::is_ascii_digit) {
            chars.next();
            exp += 1;
        }
        if exp == 0 {
            return false;
        }
    }
    chars.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_and_positions() {
        let text = "a: 1\nb:\n  - x\n  - 'y'\n  - c: yes\n---\n---\nz: \"10\"\n";
        let docs = parse_documents(text).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].value, json!({"a": 1, "b": ["x", "y", {"c": true}]}));
        assert_eq!(docs[1].value, json!({"z": "10"}));
        let path = [
            PathSeg::Key("b".into()),
            PathSeg::Index(2),
            PathSeg::Key("c".into()),
        ];
        assert_eq!(docs[0].located.locate(&path), Pos { line: 5, column: 5 });
        assert_eq!(display_path(&path), "b[2].c");
    }

    #[test]
    fn scalars_resolve_like_kubectl() {
        let docs = parse_documents("[10000, \"10000\", 0.5, 1e3, null, ~, 2k, 0x1F, .5]").unwrap();
        assert_eq!(
            docs[0].value,
            json!([10000, "10000", 0.5, 1000.0, null, null, "2k", 31, 0.5])
        );
    }

    #[test]
    fn syntax_errors_are_positioned() {
        let err = parse_documents("a:\n\tb: 1\n").unwrap_err();
        assert_eq!(err.pos.line, 2);
        let err = parse_documents("a: 1\na: 2\n").unwrap_err();
        assert_eq!(err.message, "duplicate field \"a\"");
        assert_eq!(err.pos, Pos { line: 2, column: 1 });
    }

    /// A billion laughs: ten levels of ten aliases each would expand to 10^9 strings.
    fn alias_bomb(levels: usize) -> String {
        let mut text = "l0: &l0 lol\n".to_string();
        for i in 1..=levels {
            let aliases = vec![format!("*l{}", i - 1); 10].join(", ");
            text.push_str(&format!("l{i}: &l{i} [{aliases}]\n"));
        }
        text
    }

    #[test]
    fn aliases_are_bounded_as_go_yaml_bounds_them() {
        // Three levels (1,111 nodes, 1,000 from aliases): within go-yaml's 99%.
        let docs = parse_documents(&alias_bomb(3)).unwrap();
        assert_eq!(docs[0].value["l3"][9][9][9], "lol");
        // Four levels: refused at the alias that tips the ratio, before it is copied.
        let err = parse_documents(&alias_bomb(9)).unwrap_err();
        assert_eq!(err.message, "document contains excessive aliasing");
        assert_eq!(err.pos.line, 5);
        // Each document counts afresh, as each gets its own go-yaml decoder.
        let two = format!("{}---\n{}", alias_bomb(3), alias_bomb(3));
        assert_eq!(parse_documents(&two).unwrap().len(), 2);
        assert_eq!(allowed_alias_ratio(400_000), 0.99);
        assert!((allowed_alias_ratio(2_200_000) - 0.545).abs() < 1e-12);
        assert_eq!(allowed_alias_ratio(4_000_000), 0.10);
    }

    #[test]
    fn nesting_is_bounded() {
        let nested = |levels: usize| {
            (0..levels)
                .map(|i| format!("{}a:\n", " ".repeat(i)))
                .collect::<String>()
        };
        assert!(parse_documents(&nested(MAX_DEPTH)).is_ok());
        let err = parse_documents(&nested(MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(err.message, "exceeded max depth of 255");
        assert_eq!(err.pos.line, MAX_DEPTH + 1);
    }
}
