//! `--set PATH=VALUES`: one axis of a sweep. PATH addresses a field of the scenario document
//! (`nodes[0].count`, `spec.seed`, `spec.manifests[1].inline.spec.replicas`); VALUES are an
//! inclusive integer range (`3..12`) or a comma-separated list (`a,b,c`).

use serde_json::Value;

/// One step of a path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A swept field and the values it takes, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The path as the user wrote it (the column name in the results).
    pub name: String,
    path: Vec<Step>,
    /// The values as written (`3`, `large`), in sweep order.
    pub values: Vec<String>,
}

/// The top-level keys of a scenario document; a path starting elsewhere is under `spec`.
const TOP_LEVEL: [&str; 4] = ["apiVersion", "kind", "metadata", "spec"];

impl Axis {
    /// Parses `PATH=VALUES`; the error says what is wrong and how to write it.
    pub fn parse(text: &str) -> Result<Axis, String> {
        let (name, values) = text.split_once('=').ok_or_else(|| {
            format!("--set \"{text}\": write PATH=VALUES, e.g. nodes[0].count=3..12")
        })?;
        let mut path = parse_path(name).map_err(|e| format!("--set \"{text}\": {e}"))?;
        if let Some(Step::Key(first)) = path.first() {
            if !TOP_LEVEL.contains(&first.as_str()) {
                path.insert(0, Step::Key("spec".into()));
            }
        }
        let values = parse_values(values).map_err(|e| format!("--set \"{text}\": {e}"))?;
        Ok(Axis {
            name: name.to_string(),
            path,
            values,
        })
    }

    /// Sets the field to `value` in `doc`, with the type of the value it replaces (a string
    /// stays a string: `cpu: "4"`); a new field takes a number when the value is one. Every
    /// step but the last must exist.
    pub fn apply(&self, doc: &mut Value, value: &str) -> Result<(), String> {
        let (last, parents) = self.path.split_last().expect("paths are never empty");
        let mut at = doc;
        for step in parents {
            at = match step {
                Step::Key(key) => at.get_mut(key.as_str()),
                Step::Index(i) => at.get_mut(*i),
            }
            .ok_or_else(|| {
                format!(
                    "--set {}: the scenario has no {}",
                    self.name,
                    describe(step)
                )
            })?;
        }
        let typed = |old: Option<&Value>| match old {
            Some(Value::String(_)) => Value::String(value.to_string()),
            _ => value
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| value.parse::<bool>().map(Value::from))
                .unwrap_or_else(|_| Value::String(value.to_string())),
        };
        match last {
            Step::Key(key) => {
                let map = at.as_object_mut().ok_or_else(|| {
                    format!(
                        "--set {}: the field holding \"{key}\" is not a mapping",
                        self.name
                    )
                })?;
                let new = typed(map.get(key));
                map.insert(key.clone(), new);
            }
            Step::Index(i) => {
                let slot = at.get_mut(*i).ok_or_else(|| {
                    format!(
                        "--set {}: the scenario has no {}",
                        self.name,
                        describe(last)
                    )
                })?;
                *slot = typed(Some(slot));
            }
        }
        Ok(())
    }
}

fn describe(step: &Step) -> String {
    match step {
        Step::Key(key) => format!("field \"{key}\""),
        Step::Index(i) => format!("item [{i}]"),
    }
}

/// `a.b[0].c` as steps.
fn parse_path(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in text.split('.') {
        let (key, indexes) = part
            .split_once('[')
            .map_or((part, ""), |(k, rest)| (k, rest));
        if key.is_empty() && indexes.is_empty() {
            return Err(format!("empty step in path \"{text}\""));
        }
        if !key.is_empty() {
            steps.push(Step::Key(key.to_string()));
        }
        if !indexes.is_empty() {
            for index in format!("[{indexes}").split('[').skip(1) {
                let number = index
                    .strip_suffix(']')
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| format!("bad index \"[{index}\" in path \"{text}\""))?;
                steps.push(Step::Index(number));
            }
        }
    }
    Ok(steps)
}

/// `3..12` (inclusive) or `a,b,c`.
fn parse_values(text: &str) -> Result<Vec<String>, String> {
    if let Some((from, to)) = text.split_once("..") {
        let bound = |s: &str| {
            s.trim()
                .parse::<i64>()
                .map_err(|_| format!("range bound \"{s}\" is not an integer"))
        };
        let (from, to) = (bound(from)?, bound(to)?);
        if to < from {
            return Err(format!(
                "empty range {from}..{to}: the end is below the start"
            ));
        }
        if to - from >= 100_000 {
            return Err(format!("range {from}..{to} has more than 100000 values"));
        }
        return Ok((from..=to).map(|v| v.to_string()).collect());
    }
    let values: Vec<String> = text.split(',').map(|v| v.trim().to_string()).collect();
    if values.iter().any(String::is_empty) {
        return Err("empty value in the list".to_string());
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_outside_the_top_level_are_under_spec() {
        let axis = Axis::parse("nodes[0].count=3..5").unwrap();
        assert_eq!(axis.values, ["3", "4", "5"]);
        let mut doc = json!({"spec": {"nodes": [{"name": "w", "count": 1}]}});
        axis.apply(&mut doc, "4").unwrap();
        assert_eq!(doc["spec"]["nodes"][0]["count"], json!(4));
        let seed = Axis::parse("spec.seed=1,2").unwrap();
        seed.apply(&mut doc, "2").unwrap();
        assert_eq!(doc["spec"]["seed"], json!(2));
    }

    #[test]
    fn a_string_field_stays_a_string() {
        let axis = Axis::parse("nodes[0].capacity.cpu=2,4").unwrap();
        let mut doc = json!({"spec": {"nodes": [{"capacity": {"cpu": "8"}}]}});
        axis.apply(&mut doc, "4").unwrap();
        assert_eq!(doc["spec"]["nodes"][0]["capacity"]["cpu"], json!("4"));
    }

    #[test]
    fn bad_sets_say_what_to_do() {
        assert_eq!(
            Axis::parse("nodes").unwrap_err(),
            "--set \"nodes\": write PATH=VALUES, e.g. nodes[0].count=3..12"
        );
        assert_eq!(
            Axis::parse("seed=5..3").unwrap_err(),
            "--set \"seed=5..3\": empty range 5..3: the end is below the start"
        );
        assert_eq!(
            Axis::parse("seed=a..3").unwrap_err(),
            "--set \"seed=a..3\": range bound \"a\" is not an integer"
        );
        let axis = Axis::parse("nodes[2].count=1..2").unwrap();
        let mut doc = json!({"spec": {"nodes": [{"count": 1}]}});
        assert_eq!(
            axis.apply(&mut doc, "1").unwrap_err(),
            "--set nodes[2].count: the scenario has no item [2]"
        );
    }
}
