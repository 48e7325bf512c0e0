//! YAML written the way `kubectl get -o yaml` writes it, byte for byte: kubectl turns the JSON
//! object into YAML with go-yaml v2, whose quoting differs from serde_yaml's (`""` not `''`,
//! `"0.5"` and timestamps double-quoted, multi-line strings as `|` blocks).
//!
//! Maps come out with keys in the order of the JSON object (sorted, as serde_json keeps them and
//! as kubectl's conversion through `map[string]interface{}` sorts them).

use serde_json::Value;

use super::yaml::resolves_to_string;

// K8S: sigs.k8s.io/yaml/goyaml.v2 encode.go (block style, indent 2, sequences not indented
// under their key) and emitterc.go (scalar style selection).
/// Renders a JSON value as a YAML document.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => block(value, 0, &mut out),
        Value::Array(a) if !a.is_empty() => block(value, 0, &mut out),
        _ => {
            out.push_str(&scalar(value, 0));
            out.push('\n');
        }
    }
    out
}

/// Writes a non-empty map or sequence whose first line starts at column `indent`.
fn block(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (i, (key, v)) in map.iter().enumerate() {
                // The first key of a map inside a sequence item follows "- " on the same line.
                if i > 0 || !out.ends_with("- ") {
                    out.push_str(&pad);
                }
                out.push_str(&string(key, true, indent));
                out.push(':');
                value_after_key(v, indent, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 || !out.ends_with("- ") {
                    out.push_str(&pad);
                }
                out.push_str("- ");
                if is_block(item) {
                    block(item, indent + 2, out);
                } else {
                    out.push_str(&scalar(item, indent + 2));
                    out.push('\n');
                }
            }
        }
        _ => unreachable!("block() is only called on non-empty maps and sequences"),
    }
}

fn value_after_key(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(_) if is_block(v) => {
            out.push('\n');
            block(v, indent + 2, out);
        }
        // Sequences sit at their key's indentation.
        Value::Array(_) if is_block(v) => {
            out.push('\n');
            block(v, indent, out);
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar(v, indent + 2));
            out.push('\n');
        }
    }
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

/// A scalar (or empty collection) as it appears after `key: ` or `- `; `indent` is where the
/// lines of a literal block go.
fn scalar(v: &Value, indent: usize) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s, false, indent),
        Value::Object(_) => "{}".to_string(),
        Value::Array(_) => "[]".to_string(),
    }
}

fn string(s: &str, is_key: bool, indent: usize) -> String {
    // go-yaml quotes whatever would read back as another type (`""`, `"true"`, `"0.5"`,
    // timestamps, YAML 1.1 booleans such as `"on"`, base-60 numbers such as `"1:30"`).
    if !resolves_to_string(s) || is_base60(s) {
        return double_quoted(s);
    }
    let special = s
        .chars()
        .any(|c| (c.is_control() && c != '\n') || c == '\u{feff}');
    if s.contains('\n') {
        let block_allowed = !special
            && !is_key
            && !s.starts_with(' ')
            && !s.lines().any(|l| l.ends_with(' ') || l.ends_with('\t'));
        return if block_allowed {
            literal(s, indent)
        } else {
            double_quoted(s)
        };
    }
    if special {
        double_quoted(s)
    } else if plain_allowed(s) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// libyaml's rule for a one-line plain scalar in block context: no leading indicator, no
/// `: ` or ` #` inside, no surrounding spaces.
fn plain_allowed(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    if s.starts_with(' ') || s.ends_with(' ') || s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    let blank_after = |i: usize| bytes.get(i + 1).is_none_or(|b| *b == b' ' || *b == b'\t');
    if b"#,[]{}&*!|>'\"%@`".contains(&first) || (b"?:-".contains(&first) && blank_after(0)) {
        return false;
    }
    !bytes.iter().enumerate().any(|(i, &b)| {
        (b == b':' && blank_after(i)) || (b == b'#' && i > 0 && bytes[i - 1] == b' ')
    })
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`: YAML 1.1 sexagesimal numbers.
fn is_base60(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int_part, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let mut groups = int_part.split(':');
    let head = groups.next().unwrap_or("");
    let head_ok = head.starts_with(|c: char| c.is_ascii_digit())
        && head.chars().all(|c| c.is_ascii_digit() || c == '_');
    let mut rest = groups.peekable();
    let has_groups = rest.peek().is_some();
    let groups_ok = rest.all(|g| {
        let b = g.as_bytes();
        match b {
            [d] => d.is_ascii_digit(),
            [a, d] => (b'0'..=b'5').contains(a) && d.is_ascii_digit(),
            _ => false,
        }
    });
    let frac_ok = frac.is_none_or(|f| f.chars().all(|c| c.is_ascii_digit() || c == '_'));
    head_ok && has_groups && groups_ok && frac_ok
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() || c == '\u{feff}' => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `|` block: `|-` when the text has no final newline, `|+` when it has more than one.
fn literal(s: &str, indent: usize) -> String {
    let chomp = if !s.ends_with('\n') {
        "-"
    } else if s.ends_with("\n\n") {
        "+"
    } else {
        ""
    };
    let pad = " ".repeat(indent);
    let mut out = format!("|{chomp}");
    for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_and_nesting_as_kubectl_prints_them() {
        let v = json!({
            "apiVersion": "v1",
            "items": [],
            "kind": "List",
            "metadata": {"resourceVersion": ""},
        });
        assert_eq!(
            to_yaml(&v),
            "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n"
        );
        let pod = json!({"spec": {"containers": [
            {"args": ["-c", "sleep 10"], "image": "busybox", "ports": [{"containerPort": 80}]},
        ], "nodeSelector": {}}});
        assert_eq!(
            to_yaml(&pod),
            "spec:\n  containers:\n  - args:\n    - -c\n    - sleep 10\n    image: busybox\n    ports:\n    - containerPort: 80\n  nodeSelector: {}\n"
        );
        assert_eq!(to_yaml(&json!([[1, 2], 3])), "- - 1\n  - 2\n- 3\n");
    }

    #[test]
    fn strings_are_quoted_only_when_go_yaml_would() {
        let cases = [
            ("nginx", "nginx"),
            ("100m", "100m"),
            ("", "\"\""),
            ("0.5", "\"0.5\""),
            ("1e3", "\"1e3\""),
            ("123", "\"123\""),
            ("true", "\"true\""),
            ("on", "\"on\""),
            ("null", "\"null\""),
            ("1:30", "\"1:30\""),
            ("2025-01-01T00:00:00Z", "\"2025-01-01T00:00:00Z\""),
            ("*", "'*'"),
            ("a: b", "'a: b'"),
            ("it's", "it's"),
            ("a#b", "a#b"),
            ("x #y", "'x #y'"),
            (" lead", "' lead'"),
            ("- item", "'- item'"),
            ("-c", "-c"),
            ("tab\there", "\"tab\\there\""),
        ];
        for (input, want) in cases {
            assert_eq!(string(input, false, 0), want, "for {input:?}");
        }
    }

    #[test]
    fn multi_line_strings_become_literal_blocks() {
        let v = json!({"args": ["echo hi\nsleep 5\n", "a\nb"]});
        assert_eq!(
            to_yaml(&v),
            "args:\n- |\n  echo hi\n  sleep 5\n- |-\n  a\n  b\n"
        );
        assert_eq!(
            string("trailing \nspace", false, 2),
            "\"trailing \\nspace\""
        );
    }
}
