//! Simulator-only timeline actions (`simulate:` entries): faults and capacity changes that no
//! kubectl command can cause. They are written like kubectl commands and parsed with the same
//! splitter and flag parser, so `-n`, `--flag=value`, `-c NAME` and quoting behave identically.
//! Quantities are parsed here, so that a bad one is an error when the scenario loads.

use thiserror::Error;

use crate::model::Quantity;

use super::kubectl::{
    cmd, go_quote, parse_taints, run_labels, split_line, take_subcommand, Cmd, KubectlError,
    Parsed, Taint,
};

/// The actions, for load-time hints.
pub fn supported() -> &'static str {
    "node-down NODE, node-up NODE, node-add NODE --cpu=Q --memory=Q [--pods=N] [--labels=k=v,...] \
     [--taints=k=v:Effect,...], node-remove NODE, crash POD [-c C] [--exit-code=N] [-n NS], \
     leak POD [-c C] --rate=Q/s [-n NS], sandbox-kill POD [-n NS], static-pod-remove NODE NAME"
}

/// One simulator action; quantities stay strings for the caller to parse with its own rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimulateCommand {
    /// The node stops reporting (kubelet and runtime gone); the node lifecycle takes over.
    NodeDown { node: String },
    /// A downed node comes back.
    NodeUp { node: String },
    /// A new node joins with this capacity.
    NodeAdd {
        node: String,
        cpu: Quantity,
        memory: Quantity,
        pods: Option<Quantity>,
        labels: Vec<(String, String)>,
        taints: Vec<Taint>,
    },
    /// The node object is deleted.
    NodeRemove { node: String },
    /// A container's process exits with `exit_code` (default 1); no container: the pod's first.
    Crash {
        namespace: Option<String>,
        pod: String,
        container: Option<String>,
        exit_code: i32,
    },
    /// A container's memory use grows by `per_second` (such as `50Mi`) each second.
    Leak {
        namespace: Option<String>,
        pod: String,
        container: Option<String>,
        per_second: Quantity,
    },
    /// The pod's sandbox dies (its pause process exits); its containers run on.
    SandboxKill {
        namespace: Option<String>,
        pod: String,
    },
    /// The manifest of the static pod `name` (its `metadata.name`) leaves the node's static pod
    /// directory.
    StaticPodRemove { node: String, name: String },
}

/// Why a `simulate:` entry was refused; flag errors read exactly as kubectl's.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SimulateError {
    /// A flag or value error from the shared kubectl parser.
    #[error(transparent)]
    Kubectl(#[from] KubectlError),
    /// The first word names no action.
    #[error("error: unknown simulate action {}; supported: {}", go_quote(.0), supported())]
    UnknownAction(String),
    /// Nothing but flags, or nothing at all.
    #[error("error: no simulate action given; supported: {}", supported())]
    Empty,
    /// Each action takes exactly one NODE or POD.
    #[error("error: {action} needs exactly one {what}, got {count}")]
    Arguments {
        action: &'static str,
        what: &'static str,
        count: usize,
    },
    /// `--rate` must read `QUANTITY/s`.
    #[error("error: invalid --rate {}: expected a quantity per second such as 50Mi/s", go_quote(.0))]
    Rate(String),
    /// A quantity flag that does not parse (or is not positive).
    #[error("error: invalid --{flag} {}: {reason}", go_quote(.value))]
    Quantity {
        flag: &'static str,
        value: String,
        reason: String,
    },
    /// `static-pod-remove` takes the node and the static pod's name.
    #[error("error: static-pod-remove needs NODE NAME, got {0} arguments")]
    StaticPodArguments(usize),
    /// A `--taints` entry that does not add a taint (kubectl taint's message).
    #[error("error: invalid --taints entry: {0}")]
    Taint(String),
}

const NODE_DOWN: Cmd = cmd("simulate node-down", "");
const NODE_UP: Cmd = cmd("simulate node-up", "");
const NODE_REMOVE: Cmd = cmd("simulate node-remove", "");
const NODE_ADD: Cmd = Cmd {
    path: "simulate node-add",
    flags: "cpu memory pods labels taints",
    required: &["cpu", "memory"],
};
const STATIC_POD_REMOVE: Cmd = cmd("simulate static-pod-remove", "");
const CRASH: Cmd = cmd("simulate crash", "c,container exit-code:int32");
const SANDBOX_KILL: Cmd = cmd("simulate sandbox-kill", "");
const LEAK: Cmd = Cmd {
    path: "simulate leak",
    flags: "c,container rate",
    required: &["rate"],
};

/// Parses one `simulate:` entry.
pub fn parse(line: &str) -> Result<SimulateCommand, SimulateError> {
    let mut words = split_line(line)?;
    let action = take_subcommand(&mut words, "").ok_or(SimulateError::Empty)?;
    match action.as_str() {
        "node-down" => node(&NODE_DOWN, &words, |node| SimulateCommand::NodeDown {
            node,
        }),
        "node-up" => node(&NODE_UP, &words, |node| SimulateCommand::NodeUp { node }),
        "node-remove" => node(&NODE_REMOVE, &words, |node| SimulateCommand::NodeRemove {
            node,
        }),
        "node-add" => node_add(&words),
        "crash" => crash(&words),
        "leak" => leak(&words),
        "sandbox-kill" => {
            let p = SANDBOX_KILL.parse(&words)?;
            let pod = one_arg(&SANDBOX_KILL, &p, "POD")?;
            let (namespace, _) = pod_flags(&p);
            Ok(SimulateCommand::SandboxKill { namespace, pod })
        }
        "static-pod-remove" => static_pod_remove(&words),
        _ => Err(SimulateError::UnknownAction(action)),
    }
}

/// The single positional argument of an action.
fn one_arg(cmd: &Cmd, p: &Parsed, what: &'static str) -> Result<String, SimulateError> {
    match &p.args[..] {
        [one] => Ok(one.clone()),
        args => {
            let action = cmd.path.trim_start_matches("simulate ");
            Err(SimulateError::Arguments {
                action,
                what,
                count: args.len(),
            })
        }
    }
}

/// `node-down`, `node-up`, `node-remove`: just a node name (`-n` is ignored, as kubectl
/// ignores it for cluster-scoped objects).
fn node(
    cmd: &Cmd,
    words: &[String],
    make: fn(String) -> SimulateCommand,
) -> Result<SimulateCommand, SimulateError> {
    let p = cmd.parse(words)?;
    Ok(make(one_arg(cmd, &p, "NODE")?))
}

/// `node-add NODE --cpu=Q --memory=Q [--pods=N] [--labels=...] [--taints=...]`.
fn node_add(words: &[String]) -> Result<SimulateCommand, SimulateError> {
    let p = NODE_ADD.parse(words)?;
    let node = one_arg(&NODE_ADD, &p, "NODE")?;
    let labels = run_labels(p.str("labels").unwrap_or_default())?;
    let mut taints = Vec::new();
    for spec in p
        .str("taints")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
    {
        let (add, remove) = parse_taints(&[spec]).map_err(SimulateError::Taint)?;
        if !remove.is_empty() {
            return Err(SimulateError::Taint(format!("{spec} removes a taint")));
        }
        taints.extend(add);
    }
    let pods = match p.str("pods") {
        Some(text) => Some(positive("pods", text)?),
        None => None,
    };
    Ok(SimulateCommand::NodeAdd {
        node,
        cpu: positive("cpu", p.str("cpu").unwrap_or_default())?,
        memory: positive("memory", p.str("memory").unwrap_or_default())?,
        pods,
        labels,
        taints,
    })
}

/// A quantity flag's value, which must be more than zero.
fn positive(flag: &'static str, text: &str) -> Result<Quantity, SimulateError> {
    let error = |reason: String| SimulateError::Quantity {
        flag,
        value: text.to_string(),
        reason,
    };
    let q: Quantity = text.parse().map_err(|e| error(format!("{e}")))?;
    if q.signum() <= 0 {
        return Err(error("must be more than zero".to_string()));
    }
    Ok(q)
}

/// `static-pod-remove NODE NAME`.
fn static_pod_remove(words: &[String]) -> Result<SimulateCommand, SimulateError> {
    let p = STATIC_POD_REMOVE.parse(words)?;
    match &p.args[..] {
        [node, name] => Ok(SimulateCommand::StaticPodRemove {
            node: node.clone(),
            name: name.clone(),
        }),
        args => Err(SimulateError::StaticPodArguments(args.len())),
    }
}

/// The namespace and container flags shared by pod actions.
fn pod_flags(p: &Parsed) -> (Option<String>, Option<String>) {
    let some = |name| p.str(name).filter(|s| !s.is_empty()).map(str::to_string);
    (some("namespace"), some("container"))
}

/// `crash POD [-c CONTAINER] [--exit-code=N] [-n NS]`.
fn crash(words: &[String]) -> Result<SimulateCommand, SimulateError> {
    let p = CRASH.parse(words)?;
    let pod = one_arg(&CRASH, &p, "POD")?;
    let (namespace, container) = pod_flags(&p);
    let exit_code = p.int("exit-code").unwrap_or(1) as i32;
    Ok(SimulateCommand::Crash {
        namespace,
        pod,
        container,
        exit_code,
    })
}

/// `leak POD [-c CONTAINER] --rate=Q/s [-n NS]`.
fn leak(words: &[String]) -> Result<SimulateCommand, SimulateError> {
    let p = LEAK.parse(words)?;
    let pod = one_arg(&LEAK, &p, "POD")?;
    let (namespace, container) = pod_flags(&p);
    let rate = p.str("rate").unwrap_or_default();
    let per_second = rate
        .strip_suffix("/s")
        .filter(|q| !q.is_empty())
        .ok_or_else(|| SimulateError::Rate(rate.to_string()))?;
    Ok(SimulateCommand::Leak {
        namespace,
        pod,
        container,
        per_second: positive("rate", per_second)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::kubectl::TaintEffect;

    #[test]
    fn node_actions() {
        assert_eq!(
            parse("node-down node01"),
            Ok(SimulateCommand::NodeDown {
                node: "node01".into()
            })
        );
        assert_eq!(
            parse("node-remove n2"),
            Ok(SimulateCommand::NodeRemove { node: "n2".into() })
        );
        let added = parse(
            "node-add big --cpu=4 --memory 16Gi --labels=disk=ssd --taints=gpu=true:NoSchedule",
        )
        .unwrap();
        let SimulateCommand::NodeAdd {
            cpu,
            memory,
            pods,
            labels,
            taints,
            ..
        } = added
        else {
            panic!()
        };
        assert_eq!(
            (cpu.to_string(), memory.to_string(), pods),
            ("4".to_string(), "16Gi".to_string(), None)
        );
        assert_eq!(labels, vec![("disk".to_string(), "ssd".to_string())]);
        assert_eq!(taints[0].effect, TaintEffect::NoSchedule);
        assert_eq!(
            parse("node-add big --cpu=4").unwrap_err().to_string(),
            "error: required flag(s) \"memory\" not set"
        );
        assert_eq!(
            parse("node-up").unwrap_err().to_string(),
            "error: node-up needs exactly one NODE, got 0"
        );
        assert!(parse("node-add n --cpu=1 --memory=1Gi --taints=a-").is_err());
    }

    #[test]
    fn pod_actions() {
        let crash = parse("crash web-1 -c app --exit-code=137 -n shop").unwrap();
        let expected = SimulateCommand::Crash {
            namespace: Some("shop".into()),
            pod: "web-1".into(),
            container: Some("app".into()),
            exit_code: 137,
        };
        assert_eq!(crash, expected);
        assert!(matches!(
            parse("crash web"),
            Ok(SimulateCommand::Crash { exit_code: 1, .. })
        ));
        assert_eq!(
            parse("sandbox-kill web -n shop"),
            Ok(SimulateCommand::SandboxKill {
                namespace: Some("shop".into()),
                pod: "web".into(),
            })
        );
        assert_eq!(
            parse("sandbox-kill web db").unwrap_err().to_string(),
            "error: sandbox-kill needs exactly one POD, got 2"
        );
        assert!(parse("sandbox-kill web -c app").is_err());
        let leak = parse("leak web --rate=50Mi/s").unwrap();
        assert!(
            matches!(leak, SimulateCommand::Leak { ref per_second, .. } if per_second.value() == 50 << 20)
        );
        assert_eq!(
            parse("leak web --rate=0/s").unwrap_err().to_string(),
            "error: invalid --rate \"0\": must be more than zero"
        );
        assert!(parse("node-add n --cpu=x --memory=1Gi")
            .unwrap_err()
            .to_string()
            .starts_with("error: invalid --cpu \"x\": "));
        assert_eq!(
            parse("static-pod-remove node01 static-web"),
            Ok(SimulateCommand::StaticPodRemove {
                node: "node01".into(),
                name: "static-web".into()
            })
        );
        assert_eq!(
            parse("static-pod-remove node01").unwrap_err().to_string(),
            "error: static-pod-remove needs NODE NAME, got 1 arguments"
        );
        assert_eq!(
            parse("leak web --rate=50Mi").unwrap_err().to_string(),
            "error: invalid --rate \"50Mi\": expected a quantity per second such as 50Mi/s"
        );
        assert_eq!(parse("crash web --exit-code=x").unwrap_err().to_string(),
            "error: invalid argument \"x\" for \"--exit-code\" flag: strconv.ParseInt: parsing \"x\": invalid syntax");
        assert_eq!(
            parse("crash web --frob").unwrap_err().to_string(),
            "error: unknown flag: --frob"
        );
        assert!(parse("explode web")
            .unwrap_err()
            .to_string()
            .starts_with("error: unknown simulate action \"explode\"; supported: node-down"));
    }
}
