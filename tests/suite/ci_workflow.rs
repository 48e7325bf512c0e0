//! The GitHub Actions example (docs/ci/kubesim-regression.yml) does what README says: its
//! `run:` scripts, run here with the built binary on docs/ci/example/, pass on the committed
//! golden trace and fail, with a Markdown comparison in the job summary, once a change moves
//! the timings.

use std::path::Path;
use std::process::Command;

/// The `run:` script of the workflow step named `name`.
fn step(name: &str) -> String {
    let text = std::fs::read_to_string("docs/ci/kubesim-regression.yml").unwrap();
    let docs = kubesim::manifest::yaml::parse_documents(&text).unwrap();
    let steps = docs[0].value["jobs"]["simulate"]["steps"]
        .as_array()
        .unwrap();
    steps
        .iter()
        .find(|s| s["name"] == name)
        .and_then(|s| s["run"].as_str())
        .unwrap_or_else(|| panic!("no step {name}"))
        .to_string()
}

/// Runs `script` with bash in `dir`, kubesim on the PATH; its exit code and the job summary.
fn run(script: &str, dir: &Path) -> (i32, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_kubesim")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let summary = dir.join("summary.md");
    let out = Command::new("bash")
        .args(["-e", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&summary).unwrap_or_default();
    let _ = std::fs::remove_file(&summary);
    (out.status.code().unwrap_or(-1), text)
}

/// A copy of docs/ci/example/ to work in.
fn example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["scenarios", "golden"] {
        let from = Path::new("docs/ci/example").join(sub);
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(sub).join(entry.file_name())).unwrap();
        }
    }
    dir
}

#[test]
fn the_workflow_passes_on_the_golden_trace_and_fails_when_timings_move() {
    let dir = example();
    let (code, _) = run(&step("expectations"), dir.path());
    assert_eq!(code, 0);
    let traces = step("traces against the golden ones");
    let (code, summary) = run(&traces, dir.path());
    assert_eq!(code, 0, "{summary}");
    assert!(summary.starts_with("### web\n"), "{summary}");
    assert!(
        summary.contains("- verdict: within tolerance (500ms)\n"),
        "{summary}"
    );

    // A slower readiness probe is another pod template (another pod-template-hash, other pod
    // names): the step fails and the summary names the records that are gone.
    let scenario = dir.path().join("scenarios/web.yaml");
    let text = std::fs::read_to_string(&scenario).unwrap();
    std::fs::write(
        &scenario,
        text.replace("periodSeconds: 5", "periodSeconds: 20"),
    )
    .unwrap();
    let (code, summary) = run(&traces, dir.path());
    assert_eq!(code, 1, "{summary}");
    assert!(
        summary.contains("| RECORD | # | A | B | ERROR | RELATIVE |\n"),
        "{summary}"
    );
    assert!(
        summary.contains(
            "- only in golden/web.jsonl: Pod/default/web-7f87b594f7-x5kq9 created #1 at 0s\n"
        ),
        "{summary}"
    );
}
