//! A seeded mutation set over the shipped scenarios and fixtures: each case mutates one file in
//! one named family and runs it through what a user's file goes through (read as UTF-8 text,
//! loaded as a scenario, simulated for a bounded time) under `catch_unwind`. Bad input must end
//! in an error, never a panic; a panic fails the test naming the family, the case and the input.
//! Deterministic: one ChaCha stream with a fixed seed, seeds read in path order.
//!
//! `KUBESIM_FUZZ_CASES=N` runs N cases per family instead of the default (for a longer search
//! by hand); the suite's default keeps the file well under 20 s in a debug build.
//! `KUBESIM_FUZZ_TRACE=FILE` names each case on stderr and writes its input to FILE before it
//! runs (to find and replay one that hangs).

use crate::common;

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;

use kubesim::engine::SimTime;
use kubesim::manifest::read;
use kubesim::scenario;
use kubesim::sim::Simulation;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use common::{kubesim, stderr};

thread_local! {
    /// While [`caught`] runs a case on this thread, the message and place of its panic as the
    /// panic hook saw it; `None` otherwise.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The fixed seed of the mutation stream.
const SEED: u64 = 17;

/// Cases per family in the suite.
const CASES: usize = 100;

/// The most simulated time a case plays: enough for t=0 objects, controllers and the first
/// timeline entries, short enough for hundreds of cases.
const PLAY_MS: u64 = 30_000;

/// A mutation family: its name and how it turns a seed file into a case.
struct Family {
    name: &'static str,
    mutate: fn(&[u8], &mut ChaCha8Rng) -> Vec<u8>,
}

const FAMILIES: &[Family] = &[
    Family {
        name: "alias bombs",
        mutate: alias_bomb,
    },
    Family {
        name: "huge counts",
        mutate: huge_count,
    },
    Family {
        name: "overflowing quantities",
        mutate: overflowing_quantity,
    },
    Family {
        name: "overflowing durations and sleeps",
        mutate: overflowing_duration,
    },
    Family {
        name: "binary and invalid UTF-8",
        mutate: binary,
    },
    Family {
        name: "deep nesting",
        mutate: deep_nesting,
    },
    Family {
        name: "truncated documents",
        mutate: truncated,
    },
    Family {
        name: "random byte flips",
        mutate: byte_flips,
    },
];

/// Every YAML file under `scenarios/` and `tests/fixtures/`, in path order.
fn seeds() -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    walk(&root.join("scenarios"), &mut paths);
    walk(&root.join("tests/fixtures"), &mut paths);
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// Replaces the value after `key:` on up to three lines that have one, with values drawn from
/// `values`; a file with no such line gets one appended under a new top-level key (which the
/// strict decoder refuses, also a case).
fn replace_values(text: &[u8], keys: &[&str], values: &[&str], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let text = String::from_utf8_lossy(text);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let hits: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            keys.iter().any(|k| {
                lines[i]
                    .trim_start()
                    .trim_start_matches("- ")
                    .starts_with(k)
            })
        })
        .collect();
    if hits.is_empty() {
        lines.push(format!("{} {}", pick(rng, keys), pick(rng, values)));
    }
    for _ in 0..3.min(hits.len()) {
        let i = *pick(rng, &hits);
        let line = &lines[i];
        let key = keys
            .iter()
            .find(|k| line.contains(*k))
            .expect("a hit has a key");
        let at = line.find(key).unwrap() + key.len();
        let value = pick(rng, values);
        // Keep a flow mapping's closing braces so the document stays well formed.
        let closing: String = line[at..]
            .chars()
            .rev()
            .take_while(|c| *c == '}' || *c == ']')
            .collect();
        lines[i] = format!("{} {value}{closing}", &line[..at]);
    }
    (lines.join("\n") + "\n").into_bytes()
}

fn alias_bomb(text: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let levels = rng.random_range(3..12);
    let width = rng.random_range(2..12);
    let mut bomb = String::from("x-bomb:\n  l0: &l0 [\"lol\"]\n");
    for l in 1..levels {
        let refs = vec![format!("*l{}", l - 1); width].join(", ");
        bomb.push_str(&format!("  l{l}: &l{l} [{refs}]\n"));
    }
    // Either its own document before the file, or a value inside the file's first mapping.
    let mut out = Vec::new();
    if rng.random_bool(0.5) {
        out.extend_from_slice(bomb.as_bytes());
        out.extend_from_slice(b"---\n");
        out.extend_from_slice(text);
    } else {
        out.extend_from_slice(text);
        out.extend_from_slice(b"\n");
        out.extend_from_slice(bomb.as_bytes());
        out.extend_from_slice(format!("x-use: *l{}\n", levels - 1).as_bytes());
    }
    out
}

fn huge_count(text: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    replace_values(
        text,
        &[
            "replicas:",
            "parallelism:",
            "completions:",
            "count:",
            "maxReplicas:",
            "minReplicas:",
            "min:",
            "max:",
            "backoffLimit:",
            "value:",
            "periodSeconds:",
            "containerPort:",
            "seed:",
        ],
        &[
            "2000000000",
            "2147483647",
            "2147483648",
            "4294967295",
            "4294967296",
            "9223372036854775807",
            "18446744073709551616",
            "150001",
            "5001",
            "-1",
            "-2147483648",
            "1e10",
        ],
        rng,
    )
}

fn overflowing_quantity(text: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    replace_values(
        text,
        &[
            "cpu:",
            "memory:",
            "pods:",
            "ephemeral-storage:",
            "cpuPerRequest:",
            "memoryPerPod:",
            "memoryPerRequest:",
            "averageValue:",
            "pullBandwidth:",
            "size:",
        ],
        &[
            "\"1e400\"",
            "99999999999999999999Ei",
            "\"-1\"",
            "9223372036854775807",
            "9223372036854775808Ki",
            "\"1e-400\"",
            "0.000000000000000000001",
            "8Ei",
            "1E18",
            "\"-9223372036854775808m\"",
            "123456789012345678901234567890n",
        ],
        rng,
    )
}

fn overflowing_duration(text: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let seconds = [
        "2147483647",
        "9223372036854775807",
        "-1",
        "-9223372036854775808",
    ];
    let durations = [
        "2562048h",
        "9999999999h",
        "1e400s",
        "-1s",
        "9223372036854775807ns",
        "9223372036854775808ns",
        "0.000000001ns",
        "1h1h1h1h",
    ];
    if rng.random_bool(0.5) {
        replace_values(
            text,
            &[
                "initialDelaySeconds:",
                "periodSeconds:",
                "timeoutSeconds:",
                "terminationGracePeriodSeconds:",
                "activeDeadlineSeconds:",
                "progressDeadlineSeconds:",
                "minReadySeconds:",
                "ttlSecondsAfterFinished:",
                "stabilizationWindowSeconds:",
                "tolerationSeconds:",
            ],
            &seconds,
            rng,
        )
    } else if rng.random_bool(0.5) {
        replace_values(
            text,
            &["duration:", "at:", "median:", "p95:", "pullOverhead:"],
            &durations,
            rng,
        )
    } else {
        // A sleep in a container's shell command.
        let text = String::from_utf8_lossy(text);
        let sleep = format!(
            "sleep {}",
            pick(
                rng,
                &[seconds[1], "1e400", "99999999999999999999", "-1", "inf"]
            )
        );
        let out = text.replacen("sleep ", &format!("{sleep} ; sleep "), 1);
        out.into_bytes()
    }
}

fn binary(text: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut out = text.to_vec();
    let bad: &[&[u8]] = &[
        b"\xff",
        b"\xc3",
        b"\xe2\x82",
        b"\x80",
        b"\0",
        b"\xf8\x88\x80\x80\x80",
        b"\xef\xbb\xbf",
    ];
    for _ in 0..rng.random_range(1..4) {
        let at = rng.random_range(0..=out.len());
        let insert = pick(rng, bad);
        out.splice(at..at, insert.iter().copied());
    }
    if rng.random_bool(0.2) {
        // Pure noise, as a binary file given by mistake.
        out = (0..rng.random_range(1..512))
            .map(|_| rng.random())
            .collect();
    }
    out
}

fn deep_nesting(text: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let depth = rng.random_range(100..3000);
    let nested = match rng.random_range(0..3) {
        0 => format!("{}1{}", "[".repeat(depth), "]".repeat(depth)),
        1 => format!("{}1{}", "{a: ".repeat(depth), "}".repeat(depth)),
        _ => {
            let mut block = String::from("\n");
            for level in 0..depth.min(400) {
                block.push_str(&format!("{}a:\n", " ".repeat(2 + level)));
            }
            block
        }
    };
    let mut out = text.to_vec();
    out.extend_from_slice(format!("\nx-deep: {nested}\n").as_bytes());
    out
}

fn truncated(text: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    text[..rng.random_range(0..=text.len())].to_vec()
}

fn byte_flips(text: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut out = text.to_vec();
    if out.is_empty() {
        return out;
    }
    for _ in 0..rng.random_range(1..8) {
        let i = rng.random_range(0..out.len());
        out[i] = match rng.random_range(0..3) {
            0 => out[i] ^ (1 << rng.random_range(0..8)),
            // A YAML-significant character: structure changes, text stays UTF-8 more often.
            1 => *pick(rng, b": -[]{}&*!|>'\"#%@`,?\n\t9"),
            _ => rng.random(),
        };
    }
    out
}

/// What a user's file goes through: its bytes as UTF-8 text (as `read::text` does), loaded as
/// a scenario (relative paths against the seed's directory), then simulated for a bounded
/// time. An error is a fine outcome; only a panic is not. Says whether the case was simulated
/// (its file loaded).
fn play(bytes: &[u8], file: &str, dir: &Path) -> bool {
    let Ok(text) = read::utf8(bytes.to_vec(), file) else {
        return false;
    };
    let Ok(scenario) = scenario::load_str(&text, file, dir) else {
        return false;
    };
    let until = SimTime::from_millis(PLAY_MS).min(SimTime::ZERO + scenario.duration);
    if let Ok(mut sim) = Simulation::new(scenario.setup(), scenario.seed, None) {
        let _ = sim.run_until(until);
    }
    true
}

/// Runs `case`, catching a panic: then its message and place, which the hook keeps instead of
/// printing.
fn caught<T>(case: impl FnOnce() -> T) -> Result<T, String> {
    keep_caught_panics();
    CAUGHT.set(Some(String::new()));
    let outcome = catch_unwind(AssertUnwindSafe(case));
    let why = CAUGHT.take().unwrap_or_default();
    outcome.map_err(|_| why)
}

/// Installs, once for the test binary, a panic hook that keeps the message of a panic inside
/// [`caught`] and passes every other panic on to the hook before it: the other tests of the
/// binary run on other threads at the same time, and their failures must still be printed.
fn keep_caught_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let kept = CAUGHT.with_borrow_mut(|why| match why {
                Some(why) => {
                    *why = info.to_string();
                    true
                }
                None => false,
            });
            if !kept {
                previous(info);
            }
        }));
    });
}

fn cases_per_family() -> usize {
    std::env::var("KUBESIM_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CASES)
}

/// The input of a failed case, shown whole when short and as its start otherwise.
fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(4000) {
        Some((cut, _)) => format!("{}\n... ({} bytes in all)", &text[..cut], bytes.len()),
        None => text.into_owned(),
    }
}

#[test]
fn mutated_inputs_never_panic() {
    let seeds = seeds();
    assert!(seeds.len() > 100, "found {} seed files", seeds.len());
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let cases = cases_per_family();
    let mut failures = Vec::new();
    let mut simulated = Vec::new();
    for family in FAMILIES {
        let mut played = 0;
        for case in 0..cases {
            let (path, bytes) = pick(&mut rng, &seeds);
            let mutated = (family.mutate)(bytes, &mut rng);
            let file = path.display().to_string();
            let dir = path.parent().unwrap();
            if let Some(trace) = std::env::var_os("KUBESIM_FUZZ_TRACE") {
                eprintln!("{} {case} {}", family.name, path.display());
                std::fs::write(trace, &mutated).unwrap();
            }
            // Panics are caught and reported below with their input.
            let outcome = caught(|| play(&mutated, &file, dir));
            played += usize::from(matches!(outcome, Ok(true)));
            if let Err(why) = outcome {
                failures.push(format!(
                    "family \"{}\", case {case} (mutating {file}): {why}\n--- input ---\n{}",
                    family.name,
                    shown(&mutated)
                ));
            }
        }
        simulated.push((family.name, played));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    eprintln!("cases simulated (the rest refused at load), by family: {simulated:?}");
}

// The harness itself: a case's panic comes back with its message and place instead of being
// printed, and a case that returns gives its value.
#[test]
fn a_caught_panic_comes_back_with_its_message_and_place() {
    let why = caught::<()>(|| panic!("case {}", 7)).unwrap_err();
    assert!(why.starts_with("panicked at tests/suite/fuzz.rs:"), "{why}");
    assert!(why.ends_with(":\ncase 7"), "{why}");
    assert_eq!(caught(|| 3), Ok(3));
}

/// The built binary on a hostile file: exit 2, no panic, and stderr as given.
fn refused(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let o = kubesim(&["run", path.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(2), "{err}");
    err.replace(&dir.path().display().to_string(), "DIR")
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: REPLICAS\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: nginx}]}\n";

#[test]
fn a_deployment_of_two_billion_replicas_is_refused_at_its_field() {
    // It panicked with an i32 overflow in the rollout arithmetic before.
    let err = refused("web.yaml", &DEPLOYMENT.replace("REPLICAS", "2000000000"));
    assert_eq!(
        err,
        "DIR/web.yaml:5:3: The Deployment \"web\" is invalid: spec.replicas: Invalid value: 2000000000: must be less than or equal to 150000\n  \
         hint: kubesim creates every pod it simulates, so it takes at most 150000 per object (Kubernetes' published limit for a whole cluster); lower the count\n"
    );
}

#[test]
fn a_job_of_two_billion_pods_is_refused_before_it_grows() {
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  parallelism: 2000000000\n  completions: 2000000000\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox}]\n";
    let err = refused("job.yaml", job);
    assert_eq!(
        err.lines().take(3).collect::<Vec<_>>(),
        [
            "DIR/job.yaml:1:1: The Job \"j\" is invalid: ",
            "DIR/job.yaml:5:3: * spec.parallelism: Invalid value: 2000000000: must be less than or equal to 150000",
            "  hint: kubesim creates every pod it simulates, so it takes at most 150000 per object (Kubernetes' published limit for a whole cluster); lower the count",
        ]
    );
    assert!(err.contains("DIR/job.yaml:6:3: * spec.completions: Invalid value: 2000000000: must be less than or equal to 150000"), "{err}");
}

#[test]
fn counts_set_later_are_refused_too() {
    let scenario = |entries: &str| {
        format!(
            "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: s}}\nspec:\n  manifests:\n  - inline: {{apiVersion: apps/v1, kind: Deployment, metadata: {{name: web}}, spec: {{replicas: 1, selector: {{matchLabels: {{app: web}}}}, template: {{metadata: {{labels: {{app: web}}}}, spec: {{containers: [{{name: c, image: nginx}}]}}}}}}}}\n  timeline:\n{entries}"
        )
    };
    let err = refused(
        "scale.yaml",
        &scenario("  - {at: 10s, kubectl: scale deploy web --replicas=2000000000}\n"),
    );
    assert_eq!(
        err,
        "DIR/scale.yaml:8:15: error: --replicas=2000000000 is more than 150000, the most pods kubesim simulates for one object\n  \
         hint: kubesim creates every pod it simulates, so it takes at most 150000 per object (Kubernetes' published limit for a whole cluster); lower the count\n"
    );
    // A patch is refused when it runs, as the API server refuses an invalid update.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("patch.yaml");
    std::fs::write(
        &path,
        scenario("  - {at: 10s, kubectl: \"patch deploy web -p '{\\\"spec\\\":{\\\"replicas\\\":2000000000}}'\"}\n"),
    )
    .unwrap();
    let outputs = common::command_outputs(path.to_str().unwrap());
    assert_eq!(
        outputs[0].1,
        "The Deployment \"web\" is invalid: spec.replicas: Invalid value: 2000000000: must be less than or equal to 150000"
    );
}

#[test]
fn a_cluster_past_5000_nodes_is_refused_at_the_group_that_crosses_it() {
    let scenario = "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n  nodes:\n  - name: a\n    count: 3000\n  - name: b\n    count: 1000\n    autoscaling: {min: 1, max: 2001}\n";
    assert_eq!(
        refused("nodes.yaml", scenario),
        "DIR/nodes.yaml:10:27: the cluster would have 5001 nodes, more than 5000, the most kubesim simulates (Kubernetes' published limit)\n  \
         hint: kubesim builds every node it simulates; keep spec.nodes' counts (autoscaled groups at their max) within 5000 in all\n"
    );
}

// Found by the mutation set (huge counts): a Deployment of more pods than one burst (500) under
// a quota that refuses them retried the refused creations forever at one instant. Only the
// rate-limited requeue brings it back now.
#[test]
fn a_refused_burst_waits_for_its_requeue_instead_of_retrying_at_once() {
    let text = std::fs::read_to_string("scenarios/manifests/pod-count-quota.yaml").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quota.yaml");
    std::fs::write(&path, text.replace("replicas: 5\n", "replicas: 5001\n")).unwrap();
    let started = std::time::Instant::now();
    let o = kubesim(&["get", "pods", "-f", path.to_str().unwrap(), "--at", "1m"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        common::stdout(&o).lines().count(),
        1 + 3,
        "{}",
        common::stdout(&o)
    );
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

// Found by the mutation set (huge counts): an HPA whose minReplicas (150001) is above its
// maxReplicas scaled its Deployment to 150001 pods. The API server refuses it.
#[test]
fn an_hpa_whose_min_is_above_its_max_is_refused_as_the_api_server_refuses_it() {
    let text = std::fs::read_to_string("scenarios/autoscaling/hpa-load-step.yaml").unwrap();
    let err = refused(
        "hpa.yaml",
        &text.replace("minReplicas: 2", "minReplicas: 150001"),
    );
    assert_eq!(
        err,
        "DIR/hpa.yaml:36:9: The HorizontalPodAutoscaler \"web\" is invalid: spec.maxReplicas: Invalid value: 8: must be greater than or equal to `minReplicas`\n"
    );
}

// The limits sit above everything shipped: the largest bench has 5,000 nodes and 150,000 pods.
#[test]
fn the_limits_refuse_no_shipped_scenario_or_bench() {
    let benches = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/scenarios");
    let mut files: Vec<PathBuf> = seeds().into_iter().map(|(p, _)| p).collect();
    files.extend(
        std::fs::read_dir(benches)
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    assert!(files.iter().any(|f| f.ends_with("report-5000x150k.yaml")));
    for file in files {
        if let Err(e) = scenario::load(&file) {
            let e = e.to_string();
            assert!(
                !e.contains("150000") && !e.contains("more than 5000"),
                "{}: {e}",
                file.display()
            );
        }
    }
}

// Nodes that join while the simulation runs are held to the same 5,000.
#[test]
fn no_node_joins_a_cluster_of_5000() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("extra.yaml"),
        "apiVersion: v1\nkind: Node\nmetadata: {name: extra}\n",
    )
    .unwrap();
    let scenario = dir.path().join("full.yaml");
    std::fs::write(
        &scenario,
        "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: full}\nspec:\n  duration: 10s\n  nodes: [{name: node, count: 5000}]\n  timeline:\n  - {at: 1s, simulate: node-add added --cpu=1 --memory=1Gi}\n  - {at: 2s, kubectl: apply -f extra.yaml}\n",
    )
    .unwrap();
    let s = scenario.to_str().unwrap();
    let outputs = common::command_outputs(s);
    assert_eq!(
        outputs.last().unwrap().1,
        "Error from server (Forbidden): nodes \"extra\" is forbidden: kubesim simulates at most 5000 nodes"
    );
    let o = kubesim(&["get", "nodes", "-f", s, "--at", "3s"]);
    assert_eq!(common::stdout(&o).lines().count(), 1 + 5000);
}
