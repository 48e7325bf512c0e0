//! `kubesim sweep --emit-job`: a ConfigMap holding the scenario and an Indexed Job whose pod `i`
//! runs shard `i` of the sweep, so a real cluster runs a sweep too large for one machine;
//! `kubesim sweep merge` then combines the shards' outputs.

use serde_json::Value;

/// What the Job needs to know.
pub struct JobSpec<'a> {
    /// The Job's and ConfigMap's name.
    pub name: &'a str,
    /// The image with the `kubesim` binary.
    pub image: &'a str,
    /// The scenario file's text (mounted at `/sweep/scenario.yaml`).
    pub scenario_text: &'a str,
    /// The `--set` arguments as given.
    pub sets: &'a [String],
    pub shards: usize,
    /// The PersistentVolumeClaim the shards write their outputs to.
    pub results_claim: &'a str,
}

/// The two manifests as YAML (`---` between them). Refuses a scenario that reads manifest
/// files (`path:` entries), which the ConfigMap would not carry.
// K8S: https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode (Indexed
// Jobs set JOB_COMPLETION_INDEX in each pod's environment; $(VAR) expands in command)
pub fn manifests(spec: &JobSpec<'_>, doc: &Value) -> Result<String, String> {
    let reads_files = doc["spec"]["manifests"]
        .as_array()
        .is_some_and(|entries| entries.iter().any(|e| e.get("path").is_some()));
    if reads_files {
        return Err(
            "--emit-job needs a self-contained scenario: its manifests are read from files (path:); write them inline (inline:) instead"
                .into(),
        );
    }
    let quote = |s: &str| serde_json::to_string(s).expect("strings serialise");
    let mut args = vec![quote("sweep"), quote("/sweep/scenario.yaml")];
    for set in spec.sets {
        args.push(quote("--set"));
        args.push(quote(set));
    }
    let n = spec.shards;
    args.extend([
        quote("--shard"),
        quote(&format!("$(JOB_COMPLETION_INDEX)/{n}")),
        quote("--out"),
        quote("/results/shard-$(JOB_COMPLETION_INDEX)"),
    ]);
    let scenario: String = spec
        .scenario_text
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect();
    Ok(format!(
        "# Written by `kubesim sweep --emit-job`: shard i of {n} runs in pod i of the Job and writes
# /results/shard-i on the claim {claim}. Then: kubesim sweep merge shard-* --out results
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
data:
  scenario.yaml: |
{scenario}---
apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
spec:
  completionMode: Indexed
  completions: {n}
  parallelism: {n}
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: sweep
        image: {image}
        command: [\"kubesim\"]
        args: [{args}]
        resources:
          requests: {{cpu: \"1\", memory: 1Gi}}
        volumeMounts:
        - {{name: scenario, mountPath: /sweep}}
        - {{name: results, mountPath: /results}}
      volumes:
      - name: scenario
        configMap: {{name: {name}}}
      - name: results
        persistentVolumeClaim: {{claimName: {claim}}}
",
        name = spec.name,
        claim = spec.results_claim,
        image = spec.image,
        args = args.join(", "),
    ))
}
