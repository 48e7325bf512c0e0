//! The shapes of the API's protobuf messages, read once from `schema.txt` (written by
//! `tools/protobuf-schema.py` from the Go types of the API version kubesim serves).

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// What a field holds on the wire, and so how it becomes JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Str,
    /// Bytes, base64 in JSON (`Secret.data`).
    Bytes,
    Bool,
    Int,
    /// `metav1.Time`: `{seconds, nanos}`, RFC 3339 to the second in JSON.
    Time,
    /// `metav1.MicroTime`: RFC 3339 to the microsecond.
    MicroTime,
    /// `resource.Quantity`: `{string}`.
    Quantity,
    /// `intstr.IntOrString`: `{type, intVal, strVal}`.
    IntOrString,
    /// `runtime.RawExtension` and `metav1.FieldsV1`: `{raw}` holding JSON.
    Raw,
    Message(&'static str),
}

/// One field of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The JSON name (`-` for an inlined message).
    pub json: &'static str,
    pub shape: Shape,
    /// A Go pointer: its zero value was set on purpose and is kept (`replicas: 0`).
    pub pointer: bool,
    pub list: bool,
    /// A map: repeated entries `{key = 1, value = 2}`.
    pub map: bool,
    /// A message whose fields are the parent's own in JSON (`Volume`'s `VolumeSource`).
    pub inline: bool,
}

/// A message: its fields by number.
pub type Message = BTreeMap<u32, Field>;

static SCHEMA: &str = include_str!("schema.txt");

/// The message called `name` (`apps/v1.Deployment`) with its name as the schema holds it,
/// if kubesim decodes it.
pub fn message(name: &str) -> Option<(&'static str, &'static Message)> {
    static MESSAGES: OnceLock<BTreeMap<&'static str, Message>> = OnceLock::new();
    let (name, message) = MESSAGES.get_or_init(parse).get_key_value(name)?;
    Some((*name, message))
}

/// Reads `schema.txt`; the file ships with kubesim, so a malformed line is a bug there.
fn parse() -> BTreeMap<&'static str, Message> {
    let mut messages = BTreeMap::new();
    let mut current: Option<(&str, Message)> = None;
    for line in SCHEMA.lines().filter(|l| !l.starts_with('#')) {
        if let Some(name) = line.strip_prefix("message ") {
            messages.extend(current.replace((name, Message::new())));
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(number), Some(json), Some(shape)) = (words.next(), words.next(), words.next())
        else {
            panic!("schema.txt: malformed field line {line:?}");
        };
        let flags: Vec<&str> = words.collect();
        let field = Field {
            json,
            shape: shape_of(shape),
            pointer: flags.contains(&"ptr"),
            list: flags.contains(&"list"),
            map: flags.contains(&"map"),
            inline: flags.contains(&"inline"),
        };
        let number = number
            .parse()
            .expect("schema.txt: field numbers are numbers");
        let (_, fields) = current
            .as_mut()
            .expect("schema.txt: a field before any message");
        fields.insert(number, field);
    }
    messages.extend(current);
    messages
}

fn shape_of(word: &'static str) -> Shape {
    match word {
        "str" => Shape::Str,
        "bytes" => Shape::Bytes,
        "bool" => Shape::Bool,
        "int" => Shape::Int,
        "time" => Shape::Time,
        "microtime" => Shape::MicroTime,
        "quantity" => Shape::Quantity,
        "intorstr" => Shape::IntOrString,
        "raw" => Shape::Raw,
        message => Shape::Message(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_a_field_names_is_in_the_schema() {
        let messages = parse();
        for (name, fields) in &messages {
            for field in fields.values() {
                if let Shape::Message(inner) = field.shape {
                    assert!(messages.contains_key(inner), "{name} names {inner}");
                }
            }
        }
    }

    #[test]
    fn reads_numbers_names_and_flags() {
        let (_, spec) = message("apps/v1.DeploymentSpec").unwrap();
        let replicas = &spec[&1];
        assert_eq!((replicas.json, replicas.shape), ("replicas", Shape::Int));
        assert!(replicas.pointer && !replicas.list);
        let template = &spec[&3];
        assert_eq!(template.shape, Shape::Message("core/v1.PodTemplateSpec"));
        let (_, volume) = message("core/v1.Volume").unwrap();
        assert!(volume[&2].inline);
        let (name, meta) = message("meta/v1.ObjectMeta").unwrap();
        assert_eq!(name, "meta/v1.ObjectMeta");
        assert!(meta[&11].map && meta[&13].list);
        assert_eq!(meta[&8].shape, Shape::Time);
        assert!(message("core/v1.NoSuchThing").is_none());
    }
}
