//! The CKA exercise library and `kubesim exercise`, through the built binary: every solution
//! passes, every broken starting point fails with the plain-words `why:` of a failing entry,
//! and `list`, `show` and `check` print exactly what a learner reads.

use crate::common;

use std::path::{Path, PathBuf};

use common::{kubesim, stderr, stdout};

/// Every exercise directory of the library, sorted.
fn exercises() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/cka");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("exercise.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn name(dir: &Path) -> String {
    format!("cka/{}", dir.file_name().unwrap().to_string_lossy())
}

#[test]
fn the_library_has_at_least_30_exercises_each_with_its_three_files() {
    let dirs = exercises();
    assert!(dirs.len() >= 30, "{} exercises", dirs.len());
    for dir in dirs {
        for file in ["exercise.yaml", "broken.yaml", "solution.yaml"] {
            assert!(dir.join(file).is_file(), "{}/{file}", dir.display());
        }
    }
}

#[test]
fn every_solution_passes_and_every_broken_variant_fails_saying_why() {
    for dir in exercises() {
        let name = name(&dir);
        let solution = dir.join("solution.yaml");
        let o = kubesim(&["exercise", "check", &name, solution.to_str().unwrap()]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name}:\n{}{}",
            stdout(&o),
            stderr(&o)
        );
        assert!(
            stdout(&o).ends_with(" passed, 0 failed\n"),
            "{}",
            stdout(&o)
        );
        assert!(!stdout(&o).contains("FAIL"), "{}", stdout(&o));

        let broken = dir.join("broken.yaml");
        let o = kubesim(&["exercise", "check", &name, broken.to_str().unwrap()]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{name}:\n{out}{}", stderr(&o));
        let exercise = std::fs::read_to_string(dir.join("exercise.yaml")).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        let whys: Vec<&str> = lines
            .windows(2)
            .filter(|w| w[0].starts_with("FAIL "))
            .filter_map(|w| w[1].strip_prefix("  why: "))
            .collect();
        assert!(!whys.is_empty(), "{name}: no why under a failure:\n{out}");
        for why in whys {
            assert!(exercise.contains(why), "{name}: {why}");
        }
    }
}

#[test]
fn list_prints_name_topic_and_title() {
    let o = kubesim(&["exercise", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), exercises().len() + 1);
    assert_eq!(
        lines[0],
        "NAME                       TOPIC             TITLE"
    );
    assert!(lines.contains(
        &"cka/oomkilled              troubleshooting   A container OOMKilled by its memory limit, and the limit that fits."
    ));
    assert!(lines.contains(
        &"cka/static-pod             cluster           A static pod in the kubelet's manifest directory, and its mirror pod's name."
    ));
}

#[test]
fn show_prints_the_task_and_the_file_to_start_from() {
    for name in ["cka/oomkilled", "oomkilled"] {
        let o = kubesim(&["exercise", "show", name]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(
            stdout(&o),
            "cka/oomkilled (troubleshooting): A container OOMKilled by its memory limit, and the limit that fits.\n\
             \n\
             limits-pod runs `stress --vm 1 --vm-bytes 500M --vm-hang 1`: it allocates 500M and holds it.\n\
             It keeps restarting with OOMKilled. Give it a memory limit it fits in (and keep the CPU\n\
             limit of 90m) so that it stays Running.\n\
             \n\
             Start from: scenarios/cka/oomkilled/broken.yaml\n\
             Check yours: kubesim exercise check cka/oomkilled YOUR-FILE.yaml\n"
        );
    }
}

#[test]
fn check_prints_each_expectation_and_the_why_of_a_failure() {
    let o = kubesim(&[
        "exercise",
        "check",
        "oomkilled",
        "scenarios/cka/oomkilled/broken.yaml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "exercise cka/oomkilled with scenarios/cka/oomkilled/broken.yaml\n\
         FAIL scenarios/cka/oomkilled/exercise.yaml:18 at 1m0s: pod default/limits-pod: status: expected Running, saw CrashLoopBackOff; restarts: expected 0, saw 3\n  \
         why: the container's memory limit (300Mi) is below what stress allocates (500M): the kernel OOM-kills it (OOMKilled, exit 137) and it restarts in CrashLoopBackOff\n\
         0 passed, 1 failed\n"
    );
    let o = kubesim(&[
        "exercise",
        "check",
        "cka/liveness-exam",
        "scenarios/cka/liveness-exam/solution.yaml",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        "exercise cka/liveness-exam with scenarios/cka/liveness-exam/solution.yaml\n\
         PASS scenarios/cka/liveness-exam/exercise.yaml:18 at 39s: pod default/liveness-exam\n\
         PASS scenarios/cka/liveness-exam/exercise.yaml:19 at 1m20s: pod default/liveness-exam\n\
         2 passed, 0 failed\n"
    );
}

#[test]
fn a_bad_name_lists_the_exercises_and_exits_2() {
    let o = kubesim(&["exercise", "show", "oom"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with(
            "error: unknown exercise \"oom\"; the exercises are:\n  cka/adapter\n  cka/ambassador\n"
        ),
        "{err}"
    );
    assert_eq!(err.lines().count(), exercises().len() + 1);
    let o = kubesim(&["exercise", "check", "nope", "x.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("  cka/oomkilled\n"));
}

#[test]
fn a_bad_learner_file_is_an_input_error_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: limits-pod\nspec:\n  containers:\n  -name: main\n",
    )
    .unwrap();
    let o = kubesim(&["exercise", "check", "oomkilled", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).lines().next().unwrap(),
        format!("{}:7:3: unknown field \"-name\" in Pod spec", bad.display())
    );
    let o = kubesim(&["exercise", "check", "oomkilled", "missing.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: cannot read missing.yaml: no such file\n"
    );
}

#[test]
fn learner_entries_and_why_in_a_library_of_ones_own() {
    let dir = tempfile::tempdir().unwrap();
    let ex = dir.path().join("mine/first");
    std::fs::create_dir_all(&ex).unwrap();
    std::fs::write(
        ex.join("exercise.yaml"),
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata:\n  name: first\nspec:\n  duration: 1m\n  manifests:\n  - learner: true\n  expect:\n  - {at: 30s, pod: web, status: Running, why: the pod must be called web}\n",
    )
    .unwrap();
    let scenario = ex.join("exercise.yaml");
    // No solution.yaml yet: the learner entry names the file it could not read.
    let o = kubesim(&["check", scenario.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with(&format!(
            "{}:8:5: cannot read manifest {}: no such file",
            scenario.display(),
            ex.join("solution.yaml").display()
        )),
        "{}",
        stderr(&o)
    );
    std::fs::write(
        ex.join("solution.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: webb}\nspec: {containers: [{name: c, image: nginx}]}\n",
    )
    .unwrap();
    // `kubesim check` prints the why under the failure.
    let o = kubesim(&["check", scenario.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        format!(
            "FAIL {}:10 at 30s: pod default/web: expected the pod to exist, but there is no such pod\n  why: the pod must be called web\n0 passed, 1 failed\n",
            scenario.display()
        )
    );
    let lib = dir.path().to_str().unwrap();
    let o = kubesim(&["exercise", "list", "--dir", lib]);
    assert_eq!(
        stdout(&o),
        "NAME         TOPIC    TITLE\nmine/first   <none>   \n"
    );
    // A scenario without a learner entry is no exercise.
    std::fs::write(
        ex.join("exercise.yaml"),
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata:\n  name: first\nspec:\n  duration: 1m\n",
    )
    .unwrap();
    let o = kubesim(&["exercise", "show", "first", "--dir", lib]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {} has no `learner: true` manifests entry, so it cannot check a learner's file\n",
            scenario.display()
        )
    );
}
