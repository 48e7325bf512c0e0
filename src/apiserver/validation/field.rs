//! Field-level validation errors as the API server builds and prints them: a path into the
//! object (`spec.containers[0].resources.limits[cpu]`), a type (`Required value`, `Invalid
//! value`...), the offending value and a detail.

use std::fmt;

/// A path to a field, built the way upstream's `field.Path` is: children join with `.`, list
/// indices and map keys print in brackets.
// K8S: staging/src/k8s.io/apimachinery/pkg/util/validation/field/path.go
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Path(Vec<Step>);

/// One step of a [`Path`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A field of an object.
    Child(String),
    /// An item of a list.
    Index(usize),
    /// An entry of a map, by key.
    Key(String),
}

impl Path {
    /// A path from its first fields: `Path::new(&["spec", "template"])`.
    pub fn new(fields: &[&str]) -> Path {
        Path(fields.iter().map(|f| Step::Child(f.to_string())).collect())
    }

    /// The path one field down.
    pub fn child(&self, field: &str) -> Path {
        self.with(Step::Child(field.to_string()))
    }

    /// The path to a list item.
    pub fn index(&self, i: usize) -> Path {
        self.with(Step::Index(i))
    }

    /// The path to a map entry (`limits[cpu]`).
    pub fn key(&self, key: &str) -> Path {
        self.with(Step::Key(key.to_string()))
    }

    fn with(&self, seg: Step) -> Path {
        let mut segs = self.0.clone();
        segs.push(seg);
        Path(segs)
    }

    /// The steps from the object's root, for finding the field in the user's file.
    pub fn steps(&self) -> &[Step] {
        &self.0
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Step::Child(name) if i == 0 => write!(f, "{name}")?,
                Step::Child(name) => write!(f, ".{name}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
                Step::Key(k) => write!(f, "[{k}]")?,
            }
        }
        Ok(())
    }
}

/// Why a field is refused; each prints as upstream's `ErrorType.String()`.
// K8S: staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go (ErrorType)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    NotFound,
    Required,
    Duplicate,
    Invalid,
    NotSupported,
    Forbidden,
    TooLong,
}

impl ErrorType {
    fn as_str(self) -> &'static str {
        match self {
            ErrorType::NotFound => "Not found",
            ErrorType::Required => "Required value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::Invalid => "Invalid value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::TooLong => "Too long",
        }
    }
}

/// The offending value, printed as Go's `fmt` prints the value upstream passes: numbers bare,
/// strings quoted (`%q`), anything else already in its printed form (`%#v` of a map, a
/// `String()` method).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadValue {
    Int(i64),
    Str(String),
    Printed(String),
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadValue::Int(n) => write!(f, "{n}"),
            BadValue::Str(s) => f.write_str(&go_quote(s)),
            BadValue::Printed(s) => f.write_str(s),
        }
    }
}

/// Go's `%q`: a double-quoted string with Go's escapes.
pub fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One refused field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub type_: ErrorType,
    pub field: Path,
    pub value: BadValue,
    pub detail: String,
}

impl Error {
    /// `Required value`, with an optional detail.
    pub fn required(field: Path, detail: &str) -> Error {
        Error::new(
            ErrorType::Required,
            field,
            BadValue::Str(String::new()),
            detail,
        )
    }

    /// `Invalid value: <value>: <detail>`.
    pub fn invalid(field: Path, value: BadValue, detail: &str) -> Error {
        Error::new(ErrorType::Invalid, field, value, detail)
    }

    /// `Duplicate value: <value>`.
    pub fn duplicate(field: Path, value: BadValue) -> Error {
        Error::new(ErrorType::Duplicate, field, value, "")
    }

    /// `Not found: <value>`.
    pub fn not_found(field: Path, value: BadValue) -> Error {
        Error::new(ErrorType::NotFound, field, value, "")
    }

    /// `Unsupported value: "x": supported values: "a", "b"` (the values in the order given).
    // K8S: field.NotSupported quotes each valid value with strconv.Quote
    pub fn not_supported(field: Path, value: BadValue, valid: &[&str]) -> Error {
        let quoted: Vec<String> = valid.iter().map(|v| go_quote(v)).collect();
        let detail = if quoted.is_empty() {
            String::new()
        } else {
            format!("supported values: {}", quoted.join(", "))
        };
        Error::new(ErrorType::NotSupported, field, value, &detail)
    }

    /// `Forbidden: <detail>`.
    pub fn forbidden(field: Path, detail: &str) -> Error {
        Error::new(
            ErrorType::Forbidden,
            field,
            BadValue::Str(String::new()),
            detail,
        )
    }

    /// `Too long: must have at most N bytes`.
    pub fn too_long(field: Path, max: usize) -> Error {
        let detail = format!("must have at most {max} bytes");
        Error::new(
            ErrorType::TooLong,
            field,
            BadValue::Str(String::new()),
            &detail,
        )
    }

    fn new(type_: ErrorType, field: Path, value: BadValue, detail: &str) -> Error {
        Error {
            type_,
            field,
            value,
            detail: detail.to_string(),
        }
    }

    /// The message without the field, as a status cause carries it.
    // K8S: field/errors.go (ErrorBody: no value for Required, Forbidden, TooLong)
    pub fn body(&self) -> String {
        let mut s = match self.type_ {
            ErrorType::Required | ErrorType::Forbidden | ErrorType::TooLong => {
                self.type_.as_str().to_string()
            }
            _ => format!("{}: {}", self.type_.as_str(), self.value),
        };
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// Every problem found in one object, in the order upstream's validation finds them.
pub type ErrorList = Vec<Error>;

/// The list without repeats, as kubectl prints it.
// K8S: field/errors.go (ToAggregate), staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go
// (statusCausesToAggrError: a cause whose `field: message` was seen is skipped)
pub fn deduplicated(errors: &[Error]) -> Vec<&Error> {
    let mut seen = std::collections::BTreeSet::new();
    errors
        .iter()
        .filter(|e| seen.insert(e.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_as_upstream() {
        let p = Path::new(&["spec"]).child("containers").index(0);
        assert_eq!(
            p.child("resources").child("limits").key("cpu").to_string(),
            "spec.containers[0].resources.limits[cpu]"
        );
        assert_eq!(
            p.key("cpu").steps()[2..],
            [Step::Index(0), Step::Key("cpu".into())]
        );
    }

    #[test]
    fn errors_print_as_upstream() {
        let name = Path::new(&["spec", "containers"]).index(1).child("name");
        assert_eq!(
            Error::required(name.clone(), "").to_string(),
            "spec.containers[1].name: Required value"
        );
        assert_eq!(
            Error::duplicate(name.clone(), BadValue::Str("a".into())).to_string(),
            "spec.containers[1].name: Duplicate value: \"a\""
        );
        assert_eq!(
            Error::not_supported(Path::new(&["p"]), BadValue::Str("Sometimes".into()), &["Always", "IfNotPresent", "Never"]).to_string(),
            "p: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\""
        );
        assert_eq!(
            Error::invalid(
                Path::new(&["port"]),
                BadValue::Int(70000),
                "must be between 1 and 65535, inclusive"
            )
            .to_string(),
            "port: Invalid value: 70000: must be between 1 and 65535, inclusive"
        );
        assert_eq!(
            Error::forbidden(Path::new(&["x"]), "not allowed").to_string(),
            "x: Forbidden: not allowed"
        );
        assert_eq!(go_quote("a\"b\\\n\u{1}é"), "\"a\\\"b\\\\\\n\\x01é\"");
    }

    #[test]
    fn repeats_are_dropped_as_kubectl_drops_them() {
        let a = Error::required(Path::new(&["a"]), "");
        let b = Error::required(Path::new(&["b"]), "");
        let kept: Vec<String> = deduplicated(&[a.clone(), b, a])
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(kept, ["a: Required value", "b: Required value"]);
    }
}
