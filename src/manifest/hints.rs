//! One-line advice for the mistakes learners make most in Kubernetes YAML: tabs, `-name:`
//! without a space, a container field indented at the pod level, a list written as a map.
//!
//! Hints only ever add to an error; they never change what is accepted.

use serde_json::Value;

use super::yaml::PathSeg;

const CONTAINER_FIELDS: &[&str] = &[
    "image",
    "imagePullPolicy",
    "command",
    "args",
    "ports",
    "env",
    "envFrom",
    "resources",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "volumeMounts",
    "workingDir",
    "lifecycle",
    "securityContext",
];
const PORT_FIELDS: &[&str] = &["containerPort", "protocol", "hostPort", "hostIP"];
const POD_SPEC_FIELDS: &[&str] = &[
    "containers",
    "initContainers",
    "restartPolicy",
    "nodeSelector",
    "nodeName",
    "tolerations",
    "affinity",
    "volumes",
    "terminationGracePeriodSeconds",
    "priorityClassName",
];
const PROBE_HANDLER_FIELDS: &[(&str, &str)] = &[
    ("command", "exec"),
    ("path", "httpGet"),
    ("httpHeaders", "httpGet"),
    ("scheme", "httpGet"),
];

/// Advice for a field the API does not know at `parent`.
pub fn for_unknown_field(field: &str, parent: &[PathSeg], _object: &Value) -> Option<String> {
    let parent_key = parent.iter().rev().find_map(|seg| match seg {
        PathSeg::Key(k) => Some(k.as_str()),
        PathSeg::Index(_) => None,
    });
    let in_list_item = matches!(parent.last(), Some(PathSeg::Index(_)));
    if let Some(rest) = field.strip_prefix('-') {
        if rest.chars().next().is_some_and(|c| !c.is_whitespace()) {
            return Some(format!(
                "put a space after the dash: `- {rest}:` starts a list item; `-{rest}:` is a key named \"-{rest}\""
            ));
        }
    }
    if field.contains('\t') || field.chars().any(char::is_whitespace) && field.contains(':') {
        return Some("a `key: value` pair needs a space after the colon".to_string());
    }
    if parent_key == Some("spec") && CONTAINER_FIELDS.contains(&field) {
        return Some(format!(
            "`{field}` is a container field: indent it to line up with `name:` under the container's `- ` item in `containers:`"
        ));
    }
    if in_list_item && PORT_FIELDS.contains(&field) && parent_key == Some("containers") {
        return Some(format!(
            "`{field}` is a port field: indent it under the `- containerPort:` item of `ports:`"
        ));
    }
    if in_list_item && POD_SPEC_FIELDS.contains(&field) {
        return Some(format!(
            "`{field}` is a pod field: move it out of the container, to the level of `containers:` under `spec:`"
        ));
    }
    if parent.is_empty() && POD_SPEC_FIELDS.contains(&field) {
        return Some(format!(
            "`{field}` belongs under `spec:`: indent it by two spaces below a `spec:` line"
        ));
    }
    if parent.is_empty() && matches!(field, "name" | "labels" | "annotations" | "namespace") {
        return Some(format!("`{field}` belongs under `metadata:`"));
    }
    if let Some((_, handler)) = PROBE_HANDLER_FIELDS.iter().find(|(f, _)| *f == field) {
        if parent_key.is_some_and(|k| k.ends_with("Probe")) {
            return Some(format!(
                "`{field}` belongs under the probe's `{handler}:` handler"
            ));
        }
    }
    let close = close_known_field(field);
    close.map(|known| format!("did you mean `{known}`?"))
}

/// Advice for a value of the wrong shape or type.
pub fn for_type_error(message: &str, path: &[PathSeg], _object: &Value) -> Option<String> {
    if message.contains("expected a sequence") {
        return Some(
            "this field takes a list: start each item on its own line with `- `".to_string(),
        );
    }
    if message.contains("invalid type: sequence") {
        return Some(
            "this field takes a mapping, not a list: remove the `- ` in front of its keys"
                .to_string(),
        );
    }
    if message.contains("expected a string")
        && (message.contains("integer") || message.contains("floating"))
    {
        return Some(
            "quote the value (for example \"10000\"): this field takes a string".to_string(),
        );
    }
    if message.contains("expected a string") && message.contains("boolean") {
        return Some("quote the value (for example \"yes\"): YAML reads yes/no/on/off/true/false as booleans".to_string());
    }
    if message.contains("missing field `containers`") {
        return Some("a pod needs `containers:` under `spec:` with at least one `- name: ... image: ...` item".to_string());
    }
    if message.contains("missing field `name`")
        && path.last().is_some_and(|s| matches!(s, PathSeg::Index(_)))
    {
        return Some(
            "each list item needs `name:`; check that it starts with `- name:` (dash, space)"
                .to_string(),
        );
    }
    None
}

/// Advice for a YAML syntax error, from the offending line's text and the line before it
/// (parsers often notice a mistake one line late).
pub fn for_syntax_error(
    message: &str,
    line_text: Option<&str>,
    previous: Option<&str>,
) -> Option<String> {
    let line = line_text?;
    let dash_typo = |l: &str| {
        let t = l.trim_start();
        t.starts_with('-') && t.chars().nth(1).is_some_and(|c| c.is_alphanumeric())
    };
    if let Some(prev) = previous.filter(|p| dash_typo(p) && !dash_typo(line)) {
        let item = prev.trim_start().trim_start_matches('-');
        return Some(format!(
            "the line above reads `{}`: put a space after the dash (`- {item}`) to start a list item",
            prev.trim_start()
        ));
    }
    let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
    if indent.contains('\t') || message.contains("tab") {
        return Some(
            "YAML does not allow tabs for indentation: indent with spaces (two per level)"
                .to_string(),
        );
    }
    let trimmed = line.trim_start();
    if trimmed.starts_with('-') && trimmed.chars().nth(1).is_some_and(|c| c.is_alphanumeric()) {
        return Some("put a space after the dash: `- name:` starts a list item".to_string());
    }
    if message.contains("mapping values are not allowed")
        || message.contains("did not find expected")
    {
        return Some(
            "check this line's indentation against the lines above: keys of one mapping line up exactly, and list items start with `- `"
                .to_string(),
        );
    }
    None
}

/// A well-known field within two edits of the given one (case-insensitive), for typos such as
/// `initialDelaySecond` or `containerport`.
fn close_known_field(field: &str) -> Option<&'static str> {
    const KNOWN: &[&str] = &[
        "apiVersion",
        "kind",
        "metadata",
        "spec",
        "containers",
        "initContainers",
        "image",
        "imagePullPolicy",
        "command",
        "args",
        "ports",
        "containerPort",
        "protocol",
        "resources",
        "requests",
        "limits",
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
        "initialDelaySeconds",
        "periodSeconds",
        "timeoutSeconds",
        "successThreshold",
        "failureThreshold",
        "httpGet",
        "tcpSocket",
        "exec",
        "restartPolicy",
        "nodeSelector",
        "tolerations",
        "labels",
        "annotations",
        "namespace",
        "replicas",
        "selector",
        "template",
        "matchLabels",
        "env",
        "volumeMounts",
        "volumes",
        "nodeName",
        "affinity",
    ];
    let lower = field.to_ascii_lowercase();
    KNOWN
        .iter()
        .copied()
        .filter(|known| *known != field)
        .find(|known| edit_distance(&lower, &known.to_ascii_lowercase()) <= 2)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_mistakes_get_advice() {
        let containers0 = [
            PathSeg::Key("spec".into()),
            PathSeg::Key("containers".into()),
            PathSeg::Index(0),
        ];
        assert!(for_unknown_field("-name", &containers0, &Value::Null)
            .unwrap()
            .contains("`- name:`"));
        assert!(
            for_unknown_field("image", &[PathSeg::Key("spec".into())], &Value::Null)
                .unwrap()
                .contains("container field")
        );
        assert_eq!(
            for_unknown_field("initialDelaySecond", &[], &Value::Null).unwrap(),
            "did you mean `initialDelaySeconds`?"
        );
        assert!(for_syntax_error(
            "found character that cannot start any token",
            Some("\tname: x"),
            None
        )
        .unwrap()
        .contains("tabs"));
    }
}
