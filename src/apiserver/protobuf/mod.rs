//! Protobuf request bodies: client-go's typed clients (so `kubectl create deployment`,
//! `create namespace`, `create configmap`, `expose`, `drain`'s evictions) send objects as
//! `application/vnd.kubernetes.protobuf`. The body becomes the same JSON object a JSON client
//! would have sent, so the rest of the API server sees one format.
//!
//! Decoding follows the message shapes in `schema.txt` (field numbers, JSON names, which
//! fields are Go pointers). A Go struct cannot tell an empty string or a zero from an absent
//! field, so neither does the decoded object: zero scalars are left out unless the field is
//! a pointer (`replicas: 0`, `terminationGracePeriodSeconds: 0` are kept), as Go's JSON
//! encoder would leave them out of the same object.

mod schema;

use base64::Engine;
use k8s_openapi::jiff;
use quick_protobuf::BytesReader;
use serde_json::{Map, Value};

use super::Status;
use schema::{Field, Shape};

/// The media type of protobuf bodies.
// K8S: staging/src/k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The four bytes every protobuf-encoded object starts with.
// K8S: protobuf.go (protoEncodingPrefix)
const MAGIC: &[u8] = b"k8s\0";

/// The protobuf wire types the API's messages use.
const VARINT: u32 = 0;
const LENGTH_DELIMITED: u32 = 2;

/// Why a body could not be decoded.
enum Failure {
    /// Not protobuf, or not the message it says it is.
    Malformed(String),
    /// A field kubesim's schema does not have (a newer API's).
    Unknown { message: &'static str, number: u32 },
}

impl From<quick_protobuf::Error> for Failure {
    fn from(e: quick_protobuf::Error) -> Self {
        Failure::Malformed(e.to_string())
    }
}

type Decoded<T> = Result<T, Failure>;

/// The JSON object a protobuf body holds, with its `apiVersion` and `kind`; or the Status
/// kube-apiserver answers a body it cannot decode with.
pub fn decode(body: &[u8]) -> Result<Value, Status> {
    let Some(envelope) = body.strip_prefix(MAGIC) else {
        // K8S: protobuf.go (Serializer.Decode: the prefix check)
        return Err(Status::bad_request(format!(
            "the object provided is unrecognized: provided data does not appear to be a protobuf message, expected prefix {:?}",
            MAGIC
        )));
    };
    let unknown = envelope_of(envelope).map_err(|f| failure(f, "runtime.Unknown"))?;
    let package = match unknown.api_version.split_once('/') {
        Some(_) => unknown.api_version.clone(),
        None => format!("core/{}", unknown.api_version),
    };
    // Options (`DeleteOptions`) are metav1's, registered in every group version.
    let message = schema::message(&format!("{package}.{}", unknown.kind))
        .or_else(|| schema::message(&format!("meta/v1.{}", unknown.kind)));
    let Some((name, message)) = message else {
        return Err(unsupported(format!(
            "kubesim does not read {} {} as protobuf",
            unknown.api_version, unknown.kind
        )));
    };
    let mut object = fields(&unknown.raw, message, name).map_err(|f| failure(f, &unknown.kind))?;
    object.insert("apiVersion".into(), unknown.api_version.into());
    object.insert("kind".into(), unknown.kind.into());
    Ok(Value::Object(object))
}

fn failure(failure: Failure, what: &str) -> Status {
    match failure {
        Failure::Malformed(why) => Status::bad_request(format!(
            "the object provided is unrecognized (must be of type {what}): {why}"
        )),
        Failure::Unknown { message, number } => unsupported(format!(
            "kubesim cannot decode field {number} of {message} (it reads the fields of the Kubernetes 1.34 API)"
        )),
    }
}

/// A body kubesim cannot read: upstream's 415, saying what kubesim lacks and what to send.
// DEVIATION: kube-apiserver reads every protobuf message it serves (and drops fields it does
// not know); kubesim refuses rather than lose part of the object.
fn unsupported(why: String) -> Status {
    Status {
        code: 415,
        reason: "UnsupportedMediaType",
        message: format!("{why}; send the object as application/json"),
        details: None,
    }
}

/// `runtime.Unknown`: the object's type and its encoded fields.
// K8S: staging/src/k8s.io/apimachinery/pkg/runtime/generated.proto (Unknown, TypeMeta)
struct Envelope {
    api_version: String,
    kind: String,
    raw: Vec<u8>,
}

fn envelope_of(bytes: &[u8]) -> Decoded<Envelope> {
    let mut envelope = Envelope {
        api_version: String::new(),
        kind: String::new(),
        raw: Vec::new(),
    };
    for (number, value) in entries(bytes)? {
        match (number, value) {
            (1, Wire::Bytes(type_meta)) => {
                for (number, value) in entries(type_meta)? {
                    match (number, value) {
                        (1, Wire::Bytes(v)) => envelope.api_version = text(v)?,
                        (2, Wire::Bytes(k)) => envelope.kind = text(k)?,
                        _ => {}
                    }
                }
            }
            (2, Wire::Bytes(raw)) => envelope.raw = raw.to_vec(),
            (3, Wire::Bytes(encoding)) if !encoding.is_empty() => {
                return Err(Failure::Malformed(format!(
                    "content encoding {:?} is not supported",
                    text(encoding)?
                )))
            }
            _ => {}
        }
    }
    Ok(envelope)
}

/// One field's value as it is on the wire.
enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

/// The fields of an encoded message, in order, as (number, value).
fn entries(bytes: &[u8]) -> Decoded<Vec<(u32, Wire<'_>)>> {
    let mut reader = BytesReader::from_bytes(bytes);
    let mut out = Vec::new();
    while !reader.is_eof() {
        let tag = reader.next_tag(bytes)?;
        let value = match tag & 7 {
            VARINT => Wire::Varint(reader.read_varint64(bytes)?),
            LENGTH_DELIMITED => Wire::Bytes(reader.read_bytes(bytes)?),
            other => {
                return Err(Failure::Malformed(format!(
                    "field {} has wire type {other}, which no API message uses",
                    tag >> 3
                )))
            }
        };
        out.push((tag >> 3, value));
    }
    Ok(out)
}

/// A message's fields as a JSON object.
fn fields(
    bytes: &[u8],
    message: &schema::Message,
    name: &'static str,
) -> Decoded<Map<String, Value>> {
    let mut object = Map::new();
    for (number, wire) in entries(bytes)? {
        let Some(field) = message.get(&number) else {
            return Err(Failure::Unknown {
                message: name,
                number,
            });
        };
        let mistyped =
            || Failure::Malformed(format!("field {number} of {name} has the wrong wire type"));
        if field.map {
            let Wire::Bytes(entry) = wire else {
                return Err(mistyped());
            };
            let (key, value) = map_entry(entry, field)?;
            let map = object
                .entry(field.json)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = map {
                map.insert(key, value);
            }
        } else if field.list {
            let items = object
                .entry(field.json)
                .or_insert_with(|| Value::Array(Vec::new()));
            let Value::Array(items) = items else {
                unreachable!("lists are arrays")
            };
            match wire {
                // Packed numbers (proto3 style) arrive as one run of varints.
                Wire::Bytes(packed) if field.shape == Shape::Int => {
                    let mut reader = BytesReader::from_bytes(packed);
                    while !reader.is_eof() {
                        items.push((reader.read_varint64(packed)? as i64).into());
                    }
                }
                wire => items.push(value(wire, field)?.unwrap_or_else(|| zero(field.shape))),
            }
        } else if field.inline {
            let Value::Object(inner) = value(wire, field)?.unwrap_or_default() else {
                return Err(mistyped());
            };
            object.extend(inner);
        } else {
            match value(wire, field)? {
                Some(value) => object.insert(field.json.into(), value),
                None if field.pointer => object.insert(field.json.into(), zero(field.shape)),
                None => object.remove(field.json),
            };
        }
    }
    Ok(object)
}

/// A map entry: `{key = 1, value = 2}`; a missing value is the zero of its shape.
fn map_entry(bytes: &[u8], field: &Field) -> Decoded<(String, Value)> {
    let mut key = String::new();
    let mut found = None;
    for (number, wire) in entries(bytes)? {
        match (number, wire) {
            (1, Wire::Bytes(k)) => key = text(k)?,
            (2, wire) => found = value(wire, field)?,
            _ => {}
        }
    }
    Ok((key, found.unwrap_or_else(|| zero(field.shape))))
}

/// One value as JSON; `None` for a scalar's zero (which Go cannot tell from an absent field).
fn value(wire: Wire<'_>, field: &Field) -> Decoded<Option<Value>> {
    let wrong = || Failure::Malformed(format!("{:?} has the wrong wire type", field.json));
    Ok(match (field.shape, wire) {
        (Shape::Int, Wire::Varint(n)) => Some(n as i64).filter(|n| *n != 0).map(Value::from),
        (Shape::Bool, Wire::Varint(n)) => (n != 0).then_some(Value::Bool(true)),
        (Shape::Str, Wire::Bytes(b)) => Some(text(b)?).filter(|s| !s.is_empty()).map(Value::from),
        (Shape::Bytes, Wire::Bytes(b)) => {
            (!b.is_empty()).then(|| base64::engine::general_purpose::STANDARD.encode(b).into())
        }
        (Shape::Time, Wire::Bytes(b)) => time(b, false)?,
        (Shape::MicroTime, Wire::Bytes(b)) => time(b, true)?,
        (Shape::Quantity, Wire::Bytes(b)) => {
            let mut quantity = None;
            for (number, wire) in entries(b)? {
                if let (1, Wire::Bytes(s)) = (number, wire) {
                    quantity = Some(text(s)?).filter(|s| !s.is_empty()).map(Value::from);
                }
            }
            quantity
        }
        (Shape::IntOrString, Wire::Bytes(b)) => int_or_string(b)?,
        (Shape::Raw, Wire::Bytes(b)) => {
            let mut raw = None;
            for (number, wire) in entries(b)? {
                if let (1, Wire::Bytes(json)) = (number, wire) {
                    let parsed = serde_json::from_slice(json).map_err(|e| {
                        Failure::Malformed(format!("{:?} is not JSON: {e}", field.json))
                    })?;
                    raw = Some(parsed);
                }
            }
            raw
        }
        (Shape::Message(name), Wire::Bytes(b)) => {
            let (name, message) = schema::message(name).ok_or_else(wrong)?;
            Some(Value::Object(fields(b, message, name)?))
        }
        _ => return Err(wrong()),
    })
}

/// The JSON zero of a shape: what a pointer set to its zero, a list item or a map value
/// holds when the wire leaves it out.
fn zero(shape: Shape) -> Value {
    match shape {
        Shape::Str | Shape::Bytes => "".into(),
        Shape::Bool => false.into(),
        Shape::Int | Shape::IntOrString => 0.into(),
        Shape::Quantity => "0".into(),
        Shape::Time | Shape::MicroTime | Shape::Raw => Value::Null,
        Shape::Message(_) => Value::Object(Map::new()),
    }
}

/// `metav1.Time` / `MicroTime` (`{seconds = 1, nanos = 2}`) as RFC 3339; the zero time as
/// `None` (Go's JSON writes it as null).
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/time_proto.go, micro_time_proto.go
fn time(bytes: &[u8], micro: bool) -> Decoded<Option<Value>> {
    let (mut seconds, mut nanos) = (0i64, 0i64);
    for (number, wire) in entries(bytes)? {
        match (number, wire) {
            (1, Wire::Varint(s)) => seconds = s as i64,
            (2, Wire::Varint(n)) => nanos = n as i64,
            _ => {}
        }
    }
    if seconds == 0 && nanos == 0 {
        return Ok(None);
    }
    let at = jiff::Timestamp::new(seconds, nanos as i32)
        .map_err(|e| Failure::Malformed(format!("a time out of range: {e}")))?;
    let format = match micro {
        true => "%Y-%m-%dT%H:%M:%S%.6fZ",
        false => "%Y-%m-%dT%H:%M:%SZ",
    };
    Ok(Some(at.strftime(format).to_string().into()))
}

/// `intstr.IntOrString` (`{type = 1, intVal = 2, strVal = 3}`): a number or a string; the
/// zero number as `None`.
// K8S: staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go (Type: Int = 0, String = 1)
fn int_or_string(bytes: &[u8]) -> Decoded<Option<Value>> {
    let (mut is_string, mut int, mut string) = (false, 0i64, String::new());
    for (number, wire) in entries(bytes)? {
        match (number, wire) {
            (1, Wire::Varint(t)) => is_string = t == 1,
            (2, Wire::Varint(n)) => int = n as i32 as i64,
            (3, Wire::Bytes(s)) => string = text(s)?,
            _ => {}
        }
    }
    Ok(match is_string {
        true => Some(string.into()),
        false => Some(int).filter(|n| *n != 0).map(Value::from),
    })
}

fn text(bytes: &[u8]) -> Decoded<String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| Failure::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests;
