//! The API server's refusal of an invalid object, located in the user's file: kubectl's lines
//! (`The Pod "x" is invalid: ...`), each problem at its own line and column.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::decode::Source;
use super::error::InputError;
use super::yaml::PathSeg;
use crate::apiserver::limits;
use crate::apiserver::validation::field::{Error, ErrorType, Path, Step};
use crate::apiserver::validation::kubectl_lines;

/// Refuses the object when validation found problems: one problem is located at its field,
/// several follow a first line located at the object.
pub fn check(
    kind: &str,
    meta: &ObjectMeta,
    errors: &[Error],
    src: Source<'_>,
) -> Result<(), InputError> {
    if errors.is_empty() {
        return Ok(());
    }
    let name = meta
        .name
        .as_deref()
        .or(meta.generate_name.as_deref())
        .unwrap_or_default();
    let (first, rest) = kubectl_lines(kind, name, errors);
    let mut refusal = if rest.is_empty() {
        src.error(&segments(&errors[0].field), first)
            .with_hint(hint(&errors[0]))
    } else {
        src.error(&[], first)
    };
    refusal.more = rest
        .into_iter()
        .map(|(e, line)| src.error(&segments(&e.field), line).with_hint(hint(e)))
        .collect::<Vec<_>>()
        .into_boxed_slice();
    refusal.invalid = true;
    Err(refusal)
}

/// The field's place in the document (a missing field points at its nearest given parent).
fn segments(path: &Path) -> Vec<PathSeg> {
    path.steps()
        .iter()
        .map(|step| match step {
            Step::Child(k) | Step::Key(k) => PathSeg::Key(k.clone()),
            Step::Index(i) => PathSeg::Index(*i),
        })
        .collect()
}

/// What to change, for the mistakes learners make most.
fn hint(e: &Error) -> Option<String> {
    let field = e.field.to_string();
    let hint = match e.type_ {
        ErrorType::Required if field.ends_with("containers") => "a pod needs at least one container under `containers:`",
        ErrorType::Required if field.ends_with(".image") => "add `image: <name>[:tag]` to the container",
        ErrorType::Required if field.ends_with(".name") => "add `name: <something>` (lower case letters, digits and '-')",
        ErrorType::Required if field == "spec.selector" => "add `selector: {matchLabels: {...}}` naming the template's labels",
        ErrorType::Invalid if e.detail == "`selector` does not match template `labels`" => {
            "the template's labels must carry every label the selector asks for (a typo on one side?)"
        }
        ErrorType::Required if e.detail == "when completion mode is Indexed" => {
            "an Indexed Job needs `completions:` (one pod succeeds per index 0..completions-1)"
        }
        ErrorType::Invalid if e.detail == limits::TOO_MANY_PODS => return Some(limits::hint()),
        _ => return None,
    };
    Some(hint.to_string())
}
