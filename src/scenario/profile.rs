//! Latency profiles: a host's measured runtime timings (`kubesim calibrate` writes them), which
//! replace the built-in defaults on every node whose scenario gives no `latency:` of its own,
//! so that the simulator predicts what that host does. `kubesim validate` uses the profile
//! committed at `profiles/host.yaml` unless told otherwise.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::cluster::{timings, LatencySpec};
use super::{Scenario, API_VERSION};
use crate::manifest::decode::{strict, Source};
use crate::manifest::yaml::{self, PathSeg};
use crate::manifest::InputError;
use crate::model::node::RuntimeTimings;

/// The profile measured on this project's host, built into the binary.
const EMBEDDED: &str = include_str!("../../profiles/host.yaml");
/// How the embedded profile is named in messages and summaries.
pub const EMBEDDED_NAME: &str = "profiles/host.yaml (built in)";

/// A host's runtime timings, as a profile file gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyProfile {
    /// `metadata.name`.
    pub name: String,
    pub timings: RuntimeTimings,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileFile {
    #[allow(dead_code)] // checked before decoding
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    metadata: Metadata,
    spec: ProfileSpec,
    /// How the profile was measured: for people; the simulator does not read it.
    #[allow(dead_code)]
    #[serde(default)]
    status: Option<Value>,
}

#[derive(Deserialize)]
struct Metadata {
    name: String,
}

#[derive(Deserialize)]
struct ProfileSpec {
    latency: LatencySpec,
}

impl LatencyProfile {
    /// The profile measured on this project's host (`profiles/host.yaml`).
    pub fn embedded() -> LatencyProfile {
        parse(EMBEDDED, EMBEDDED_NAME).expect("the built-in profile is valid (tested)")
    }

    /// Reads the profile at `path`.
    pub fn load(path: &Path) -> Result<LatencyProfile, InputError> {
        let file = path.display().to_string();
        let text = crate::manifest::read::text(path, crate::manifest::read::YAML).map_err(|e| {
            e.into_input(|why| {
                InputError::file(&file, format!("cannot read latency profile: {why}"))
            })
        })?;
        parse(&text, &file)
    }

    /// Gives every node of `scenario` without a `latency:` of its own this profile's timings.
    pub fn apply(&self, scenario: &mut Scenario) {
        for node in scenario.nodes.iter_mut().filter(|n| !n.timings_declared) {
            node.timings = self.timings;
        }
    }
}

/// Parses a profile document; errors name `file`, the line and the field.
pub fn parse(text: &str, file: &str) -> Result<LatencyProfile, InputError> {
    let docs = yaml::parse_documents(text).map_err(|e| {
        InputError::at(
            file,
            e.pos.line,
            e.pos.column,
            format!("invalid YAML: {}", e.message),
        )
    })?;
    let [doc] = docs.as_slice() else {
        return Err(InputError::file(
            file,
            format!(
                "a latency profile is one YAML document, found {}",
                docs.len()
            ),
        ));
    };
    let src = Source {
        file,
        located: &doc.located,
        prefix: &[],
    };
    for (field, want) in [("apiVersion", API_VERSION), ("kind", "LatencyProfile")] {
        let given = doc.value.get(field).and_then(Value::as_str).unwrap_or("");
        if given != want {
            return Err(src
                .error(
                    &[PathSeg::key(field)],
                    format!("a latency profile needs {field} {want}, not \"{given}\""),
                )
                .with_hint(Some(
                    "write one with `kubesim calibrate --out FILE`".to_string(),
                )));
        }
    }
    let raw: ProfileFile = strict(&doc.value, "LatencyProfile", src)?;
    let path = [PathSeg::key("spec"), PathSeg::key("latency")];
    Ok(LatencyProfile {
        name: raw.metadata.name,
        timings: timings(&raw.spec.latency, src, &path)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    const PROFILE: &str = "\
apiVersion: kubesim.io/v1alpha1
kind: LatencyProfile
metadata: {name: test-host}
spec:
  latency:
    sandbox: {median: 30ms, p95: 45ms}
    containerStart: {median: 20ms}
    pullOverhead: 0ms
    pullBandwidth: 1G
status:
  runs: 3
";

    #[test]
    fn a_profile_gives_its_timings_to_nodes_without_their_own() {
        let profile = parse(PROFILE, "p.yaml").unwrap();
        assert_eq!(profile.name, "test-host");
        assert_eq!(profile.timings.sandbox.median, SimDuration::from_millis(30));
        assert_eq!(profile.timings.sandbox.p95, SimDuration::from_millis(45));
        assert_eq!(
            profile.timings.container_start.p95,
            SimDuration::from_millis(20)
        );
        assert_eq!(profile.timings.pull_overhead, SimDuration::ZERO);
        let scenario = "\
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: two}
spec:
  nodes:
  - name: plain
  - name: declared
    latency: {sandbox: {median: 2s}}
";
        let mut s = super::super::load_str(scenario, "s.yaml", Path::new(".")).unwrap();
        profile.apply(&mut s);
        assert_eq!(s.nodes[0].timings, profile.timings);
        assert_eq!(s.nodes[1].timings.sandbox.median, SimDuration::from_secs(2));
    }

    #[test]
    fn the_built_in_profile_is_valid() {
        let profile = LatencyProfile::embedded();
        assert_eq!(profile.timings.pull_overhead, SimDuration::ZERO);
        assert!(profile.timings.sandbox.median < SimDuration::from_millis(200));
    }

    #[test]
    fn errors_name_the_line_and_field() {
        let bad = PROFILE.replace("median: 20ms", "median: 20 ms");
        let err = parse(&bad, "p.yaml").unwrap_err().to_string();
        assert!(err.starts_with("p.yaml:7:22: "), "{err}");
        assert!(
            err.contains("unknown unit \" ms\" in duration \"20 ms\""),
            "{err}"
        );
        let err = parse(&PROFILE.replace("LatencyProfile", "Scenario"), "p.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("p.yaml:2:"), "{err}");
        assert!(err.contains("kubesim calibrate --out FILE"), "{err}");
        let err = parse(&PROFILE.replace("sandbox:", "sandbx:"), "p.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field \"sandbx\""), "{err}");
    }
}
