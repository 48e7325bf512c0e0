//! Strict decoding of one object into its typed Kubernetes API struct, like
//! `kubectl apply --validate=strict`: unknown fields and wrong types are errors that name the
//! file, line and field path.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::InputError;
use super::hints;
use super::yaml::{display_path, Located, PathSeg};

/// Where an object came from: the file and the positions of its parts.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub file: &'a str,
    pub located: &'a Located,
    /// The object's own path inside the document (`items[2]` for a `List` item).
    pub prefix: &'a [PathSeg],
}

impl Source<'_> {
    /// An error about the field at `path` (relative to the object).
    pub fn error(&self, path: &[PathSeg], message: impl Into<String>) -> InputError {
        let full: Vec<PathSeg> = self.prefix.iter().chain(path).cloned().collect();
        let pos = self.located.locate(&full);
        InputError::at(self.file, pos.line, pos.column, message)
    }
}

/// Decodes `value` as a `T`, rejecting unknown fields.
// K8S: staging/src/k8s.io/apimachinery/pkg/runtime/serializer/json (strict decoding errors)
pub fn strict<T: DeserializeOwned>(
    value: &Value,
    kind: &str,
    src: Source<'_>,
) -> Result<T, InputError> {
    let mut unknown: Vec<Vec<PathSeg>> = Vec::new();
    let result: Result<T, _> = {
        let mut note_unknown = |path: serde_ignored::Path<'_>| unknown.push(ignored_path(&path));
        let ignoring = serde_ignored::Deserializer::new(value, &mut note_unknown);
        serde_path_to_error::deserialize(ignoring)
    };
    // An unknown field explains a "missing field" error better than the error itself (a `-name`
    // typo makes `name` missing), so unknown fields are reported first, every one at once.
    // DEVIATION: each is named in kubesim's words, at its line, with a hint, rather than in one
    // `strict decoding error: unknown field "spec.x", unknown field "spec.y"` line.
    let mut refusals = unknown.iter().map(|path| {
        let (field, parent) = path.split_last().expect("ignored paths are never empty");
        let field = match field {
            PathSeg::Key(key) => key.clone(),
            PathSeg::Index(i) => i.to_string(),
        };
        let message = format!(
            "unknown field \"{field}\" in {}",
            describe_location(kind, parent)
        );
        let hint = hints::for_unknown_field(&field, parent, value);
        src.error(path, message).with_hint(hint)
    });
    if let Some(mut first) = refusals.next() {
        first.more = refusals.collect();
        return Err(first);
    }
    result.map_err(|e| {
        let path = error_path(e.path());
        let inner = e.into_inner().to_string();
        let message = format!("{} {}: {}", kind, field_or_object(&path), inner);
        let hint = hints::for_type_error(&inner, &path, value);
        src.error(&path, message).with_hint(hint)
    })
}

/// `Pod spec.containers[0]`, or just `Pod` at the top level.
pub fn describe_location(kind: &str, path: &[PathSeg]) -> String {
    if path.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} {}", display_path(path))
    }
}

fn field_or_object(path: &[PathSeg]) -> String {
    if path.is_empty() {
        "object".to_string()
    } else {
        display_path(path)
    }
}

fn ignored_path(path: &serde_ignored::Path<'_>) -> Vec<PathSeg> {
    use serde_ignored::Path;
    let mut segs = match path {
        Path::Root => return Vec::new(),
        Path::Seq { parent, .. }
        | Path::Map { parent, .. }
        | Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    };
    match path {
        Path::Seq { index, .. } => segs.push(PathSeg::Index(*index)),
        Path::Map { key, .. } => segs.push(PathSeg::Key(key.clone())),
        _ => {}
    }
    segs
}

fn error_path(path: &serde_path_to_error::Path) -> Vec<PathSeg> {
    path.iter()
        .filter_map(|seg| match seg {
            serde_path_to_error::Segment::Seq { index } => Some(PathSeg::Index(*index)),
            serde_path_to_error::Segment::Map { key } => Some(PathSeg::Key(key.clone())),
            _ => None,
        })
        .collect()
}
