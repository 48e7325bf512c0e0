//! kubectl command lines as scenario timelines write them, parsed into a typed [`KubectlCommand`].
//!
//! The parser follows kubectl's layers so that what it accepts and the errors it prints are
//! kubectl's: cobra finds the command, pflag parses the flags, each command's checks run in
//! kubectl's order, and a reduced copy of the cli-runtime resource builder turns `TYPE NAME`,
//! `TYPE/NAME`, `-l`, `--all` and `-f` into [`Targets`]. Nothing here talks to a cluster: checks
//! kubectl makes against the server (does the object exist, can it be scaled) are the
//! simulator's.

use thiserror::Error;

use crate::apiserver::patch::PatchType;
use crate::apiserver::resources::{self, Resource};

/// What kubectl prints when a command names no resource at all.
// K8S: staging/src/k8s.io/cli-runtime/pkg/resource/builder.go (missingResourceError)
const MISSING_RESOURCE: &str = "You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'";

/// kubectl commands kubesim does not model, so that they are "unsupported", not "unknown".
const KUBECTL_ONLY: &[&str] = &[
    "get",
    "describe",
    "logs",
    "exec",
    "explain",
    "top",
    "attach",
    "port-forward",
    "proxy",
    "cp",
    "auth",
    "debug",
    "events",
    "diff",
    "kustomize",
    "replace",
    "wait",
    "autoscale",
    "certificate",
    "cluster-info",
    "api-resources",
    "api-versions",
    "config",
    "plugin",
    "version",
    "completion",
    "options",
    "alpha",
    "kuberc",
];

/// A parse failure. `Display` is the line kubectl prints on stderr; [`KubectlError::hint`] is
/// the line kubectl adds after flag and usage errors.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KubectlError {
    /// pflag: a `--name` the command does not define.
    #[error("error: unknown flag: --{flag}")]
    UnknownFlag { flag: String, command: String },
    /// pflag: a `-x` the command does not define; `group` is the rest of that word.
    #[error("error: unknown shorthand flag: {} in -{group}", go_rune(*.short))]
    UnknownShorthand {
        short: char,
        group: String,
        command: String,
    },
    /// pflag: a value flag at the end of the line; `flag` is `--name` or `'n' in -n`.
    #[error("error: flag needs an argument: {flag}")]
    FlagNeedsArgument { flag: String, command: String },
    /// pflag: a value the flag's type rejects; `flag` is `--name` or `-n, --name`.
    #[error("error: invalid argument {} for {} flag: {cause}", go_quote(.value), go_quote(.flag))]
    InvalidFlagValue {
        value: String,
        flag: String,
        cause: String,
        command: String,
    },
    /// pflag: `---x`, `--=x`.
    #[error("error: bad flag syntax: {arg}")]
    BadFlagSyntax { arg: String, command: String },
    /// kubectl's `UsageErrorf`.
    #[error("{}", error_prefixed(.message))]
    Usage { message: String, command: String },
    /// cobra: the first word is no kubectl command.
    // DEVIATION: text not verified against kubectl (cobra may append "Did you mean this?")
    #[error("error: unknown command {} for \"kubectl\"", go_quote(.verb))]
    UnknownCommand { verb: String },
    /// cobra: `MarkFlagRequired` flags left out.
    #[error("error: required flag(s) \"{}\" not set", .names.join("\", \""))]
    RequiredFlags { names: Vec<String> },
    /// The RESTMapper knows no such resource (kubesim knows the kinds in [`ResourceKind`]).
    #[error("error: the server doesn't have a resource type {}", go_quote(.0))]
    UnknownResourceType(String),
    /// The builder got types but no names, selector or `--all`.
    #[error("error: resource(s) were provided, but no name was specified")]
    NoName,
    /// The builder got nothing to act on (several lines, as kubectl prints it).
    #[error("error: {MISSING_RESOURCE}")]
    MissingResource,
    /// Any other kubectl message, as the Go error carries it.
    #[error("{}", error_prefixed(.0))]
    Invalid(String),
    /// shlex could not split the line.
    // DEVIATION: text not verified against kubectl (the shell splits before kubectl runs)
    #[error("error: cannot split the command line: unbalanced quotes or a trailing backslash")]
    Unsplittable,
    /// No command at all.
    // DEVIATION: text not verified against kubectl (bare `kubectl` prints its help)
    #[error("error: no kubectl command given; supported: {}", supported())]
    Empty,
    /// A real kubectl command kubesim does not model in timelines.
    // DEVIATION: text not verified against kubectl (a real kubectl would run it)
    #[error(
        "error: \"{command}\" is not supported in kubesim timelines; supported: {}",
        supported()
    )]
    Unsupported { command: String },
    /// `--replicas` past the pods kubesim simulates for one object.
    // DEVIATION: kubectl sends any count and the API server takes any int32; kubesim refuses
    // it when the scenario loads (see apiserver::limits).
    #[error(
        "error: --replicas={value} is more than {}, the most pods kubesim simulates for one object",
        crate::apiserver::limits::PODS_PER_OBJECT
    )]
    TooManyPods { value: i64 },
    /// `-h`/`--help`, or a command group (`kubectl rollout`) without its subcommand.
    // DEVIATION: text not verified against kubectl (kubectl prints the help text)
    #[error("error: \"{command}\" only prints help; a timeline needs a complete command")]
    Help { command: String },
}

/// kubectl adds `error: ` unless the message already starts with it.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go (checkErr)
fn error_prefixed(message: &str) -> String {
    match message.starts_with("error: ") {
        true => message.to_string(),
        false => format!("error: {message}"),
    }
}

impl KubectlError {
    /// The second line kubectl prints after flag and usage errors, for a load-time hint.
    pub fn hint(&self) -> Option<String> {
        use KubectlError::*;
        match self {
            // K8S: staging/src/k8s.io/kubectl/pkg/util/templates/templater.go (FlagErrorFunc)
            UnknownFlag { command, .. }
            | UnknownShorthand { command, .. }
            | FlagNeedsArgument { command, .. }
            | InvalidFlagValue { command, .. }
            | BadFlagSyntax { command, .. } => Some(format!("See '{command} --help' for usage.")),
            // K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go (UsageErrorf)
            Usage { command, .. } => Some(format!("See '{command} -h' for help and examples")),
            TooManyPods { .. } => Some(crate::apiserver::limits::hint()),
            _ => None,
        }
    }
}

/// The supported commands in brief, for hints when a timeline entry fails to load.
pub fn supported() -> &'static str {
    "apply -f, create -f, create deployment|service clusterip|service nodeport|namespace, delete, \
     run, expose, scale, set image|resources, label, annotate, taint, cordon, uncordon, drain, \
     rollout status|history|undo|restart|pause|resume, patch, edit"
}

// ---------------------------------------------------------------------------------------------
// Resource kinds and targets
// ---------------------------------------------------------------------------------------------

/// The kinds a timeline command can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    Pod,
    Deployment,
    ReplicaSet,
    DaemonSet,
    StatefulSet,
    Job,
    CronJob,
    Service,
    Endpoints,
    Node,
    Namespace,
    ConfigMap,
    Secret,
    PriorityClass,
    LimitRange,
    ResourceQuota,
    Ingress,
    PodDisruptionBudget,
    HorizontalPodAutoscaler,
}

/// Each kind's name in the resource table, which holds what discovery says of it.
const KIND_NAMES: &[(ResourceKind, &str)] = {
    use ResourceKind::*;
    &[
        (Pod, "Pod"),
        (Deployment, "Deployment"),
        (ReplicaSet, "ReplicaSet"),
        (DaemonSet, "DaemonSet"),
        (StatefulSet, "StatefulSet"),
        (Job, "Job"),
        (CronJob, "CronJob"),
        (Service, "Service"),
        (Endpoints, "Endpoints"),
        (Node, "Node"),
        (Namespace, "Namespace"),
        (ConfigMap, "ConfigMap"),
        (Secret, "Secret"),
        (PriorityClass, "PriorityClass"),
        (LimitRange, "LimitRange"),
        (ResourceQuota, "ResourceQuota"),
        (Ingress, "Ingress"),
        (PodDisruptionBudget, "PodDisruptionBudget"),
        (HorizontalPodAutoscaler, "HorizontalPodAutoscaler"),
    ]
};

impl ResourceKind {
    /// The kind as objects spell it (`Deployment`), for matching manifests.
    pub fn name(self) -> &'static str {
        KIND_NAMES
            .iter()
            .find(|(kind, _)| *kind == self)
            .map(|(_, name)| *name)
            .expect("every kind has a name")
    }

    /// This kind's row in the resource table.
    pub fn resource(self) -> &'static Resource {
        resources::of_kind(self.name())
    }

    /// Whether objects of this kind live in a namespace (Nodes, Namespaces and PriorityClasses
    /// do not).
    pub fn namespaced(self) -> bool {
        self.resource().namespaced
    }

    /// Resolves `po`, `pods`, `Pod`, `deployments.apps`, `deploy.v1.apps` as kubectl's mapper
    /// does (see [`resources::resolve`]).
    // DEVIATION: a resource the API serves but timeline commands do not act on (events,
    // service accounts) is refused as one the server does not have.
    pub fn from_arg(arg: &str) -> Result<Self, KubectlError> {
        let unknown = |name: &str| KubectlError::UnknownResourceType(name.to_string());
        let resource = resources::resolve(arg).map_err(|name| unknown(&name))?;
        KIND_NAMES
            .iter()
            .find(|(_, name)| *name == resource.kind)
            .map(|(kind, _)| *kind)
            .ok_or_else(|| unknown(arg.split('.').next().unwrap_or(arg)))
    }
}

/// One named object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: ResourceKind,
    pub name: String,
}

/// What a command acts on, as kubectl's resource builder settles it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// `-f FILE...`: the objects in these manifests (paths as written).
    Files(Vec<String>),
    /// `TYPE NAME...` or `TYPE/NAME...`.
    Objects(Vec<ObjectRef>),
    /// `TYPE -l SELECTOR` or `TYPE --all` (an empty selector selects everything).
    Selector {
        kinds: Vec<ResourceKind>,
        selector: String,
    },
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/// A parsed command line; `-n` is global in kubectl, so it sits beside the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// `-n/--namespace`; `None` means the context's namespace (`default` in kubesim).
    pub namespace: Option<String>,
    pub command: KubectlCommand,
}

/// The commands kubesim's timelines understand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubectlCommand {
    /// `apply -f` / `create -f`: add the manifests' objects (`create_only`: fail if they exist).
    ApplyFile {
        files: Vec<String>,
        create_only: bool,
    },
    /// `delete`.
    Delete(Delete),
    /// `run NAME --image=I`: one bare pod.
    Run(Run),
    /// `create deployment NAME --image=I...`.
    CreateDeployment {
        name: String,
        images: Vec<String>,
        replicas: i32,
        port: Option<i32>,
        command: Vec<String>,
    },
    /// `create service clusterip|nodeport NAME --tcp=P:T`; kubectl's selector is `app: NAME`.
    CreateService {
        name: String,
        service_type: ServiceType,
        ports: Vec<ServicePort>,
        node_port: Option<i32>,
    },
    /// `create namespace NAME`.
    CreateNamespace { name: String },
    /// `expose TYPE NAME`.
    Expose(Expose),
    /// `scale TYPE NAME --replicas=N`.
    Scale { targets: Targets, replicas: i64 },
    /// `set image TYPE NAME CONTAINER=IMAGE...` (`*` as container: all of them).
    SetImage {
        targets: Targets,
        images: Vec<(String, String)>,
    },
    /// `set resources TYPE NAME [-c C] --limits=... --requests=...`; quantities in canonical
    /// form, as the API server stores them (`0.5` → `500m`).
    SetResources {
        targets: Targets,
        containers: String,
        limits: Vec<(String, String)>,
        requests: Vec<(String, String)>,
    },
    /// `label TYPE NAME k=v k-`.
    Label(MetadataEdit),
    /// `annotate TYPE NAME k=v k-`.
    Annotate(MetadataEdit),
    /// `taint nodes NAME key=value:Effect key-`.
    Taint {
        nodes: Targets,
        add: Vec<Taint>,
        remove: Vec<TaintRemoval>,
        overwrite: bool,
    },
    /// `cordon NODE`.
    Cordon { nodes: Targets },
    /// `uncordon NODE`.
    Uncordon { nodes: Targets },
    /// `drain NODE`.
    Drain(Drain),
    /// `rollout SUBCOMMAND TYPE NAME`.
    Rollout {
        action: RolloutAction,
        targets: Targets,
    },
    /// `edit TYPE NAME`: the object the editor saves is the timeline entry's `object:`.
    Edit { target: ObjectRef },
    /// `patch TYPE NAME -p PATCH`: the patch text as given (JSON or YAML).
    Patch {
        targets: Targets,
        patch: String,
        patch_type: PatchType,
    },
}

/// `kubectl delete`, after kubectl's grace-period rules (`--wait` is accepted and ignored: the
/// simulated client never waits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delete {
    pub targets: Targets,
    pub all_namespaces: bool,
    /// `None`: the object's own. `--now` is 1, `--force` alone 0, a bare 0 becomes 1.
    pub grace_period: Option<i64>,
    pub force: bool,
    /// Given, or implied by `--all` and `-l` as kubectl does.
    pub ignore_not_found: bool,
}

/// `kubectl run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub name: String,
    pub image: String,
    pub restart: RestartPolicy,
    /// `--labels`, or kubectl's default `run=NAME`.
    pub labels: Vec<(String, String)>,
    pub env: Vec<(String, String)>,
    pub port: Option<i32>,
    /// Container `command`: the extra arguments with `--command`.
    pub command: Vec<String>,
    /// Container `args`: the extra arguments without `--command`.
    pub args: Vec<String>,
}

/// A pod's restart policy, as `run --restart` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicy {
    Always,
    OnFailure,
    Never,
}

/// The service types `create service` supports here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceType {
    ClusterIP,
    NodePort,
}

/// One `--tcp=PORT[:TARGET]` entry; `name` is kubectl's (`80-8080`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    pub name: String,
    pub port: i32,
    pub target_port: TargetPort,
}

/// A target port by number or by container port name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetPort {
    Number(i32),
    Name(String),
}

/// `kubectl expose`: strings as given, since kubectl completes them from the exposed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expose {
    pub targets: Targets,
    pub port: Option<String>,
    pub target_port: Option<String>,
    pub service_type: Option<String>,
    pub name: Option<String>,
    pub selector: Option<String>,
}

/// `label` / `annotate`: keys to set and keys to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataEdit {
    pub targets: Targets,
    pub all_namespaces: bool,
    pub set: Vec<(String, String)>,
    pub remove: Vec<String>,
    pub overwrite: bool,
}

/// A taint to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: TaintEffect,
}

/// A taint to remove: by key, or by key and effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaintRemoval {
    pub key: String,
    pub effect: Option<TaintEffect>,
}

/// The taint effects kubectl accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

impl From<TaintEffect> for crate::model::node::TaintEffect {
    fn from(effect: TaintEffect) -> Self {
        match effect {
            TaintEffect::NoSchedule => Self::NoSchedule,
            TaintEffect::PreferNoSchedule => Self::PreferNoSchedule,
            TaintEffect::NoExecute => Self::NoExecute,
        }
    }
}

impl From<&Taint> for crate::model::node::Taint {
    /// The taint as the node carries it (no `timeAdded`, as kubectl sends none).
    fn from(t: &Taint) -> Self {
        Self {
            key: t.key.clone(),
            value: t.value.clone(),
            effect: t.effect.into(),
            time_added: None,
        }
    }
}

/// `kubectl drain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drain {
    pub nodes: Targets,
    pub force: bool,
    pub ignore_daemonsets: bool,
    pub delete_emptydir_data: bool,
    /// `None`: each pod's own grace period.
    pub grace_period: Option<i64>,
    /// Go duration syntax as written (`2m`), for the caller's duration parser; `None`: forever.
    pub timeout: Option<String>,
}

/// The `rollout` subcommands with their own flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutAction {
    /// `revision` 0: the latest.
    Status {
        revision: i64,
    },
    History {
        revision: i64,
    },
    /// `to_revision` 0: the previous one.
    Undo {
        to_revision: i64,
    },
    Restart,
    Pause,
    Resume,
}

// ---------------------------------------------------------------------------------------------
// Entry point and command tables (cobra)
// ---------------------------------------------------------------------------------------------

/// Parses one timeline command line (a leading `kubectl` is optional).
pub fn parse(line: &str) -> Result<Invocation, KubectlError> {
    let mut words = split_line(line)?;
    if words.first().map(String::as_str) == Some("kubectl") {
        words.remove(0);
    }
    let verb = take_subcommand(&mut words, "").ok_or(KubectlError::Empty)?;
    match verb.as_str() {
        "apply" => apply(&words, &APPLY),
        "create" => create(words),
        "delete" => delete(&words),
        "run" => run(&words),
        "expose" => expose(&words),
        "scale" => scale(&words),
        "set" => set(words),
        "label" => metadata(&words, &LABEL),
        "annotate" => metadata(&words, &ANNOTATE),
        "taint" => taint(&words),
        "cordon" => cordon(&words, &CORDON),
        "uncordon" => cordon(&words, &UNCORDON),
        "drain" => drain(&words),
        "rollout" => rollout(words),
        "patch" => patch(&words),
        "edit" => edit(&words),
        v if KUBECTL_ONLY.contains(&v) => Err(unsupported(format!("kubectl {v}"))),
        // K8S: vendor/github.com/spf13/cobra/args.go (legacyArgs)
        _ => Err(KubectlError::UnknownCommand { verb }),
    }
}

/// Splits like a POSIX shell, as the timeline's strings are written.
pub(crate) fn split_line(line: &str) -> Result<Vec<String>, KubectlError> {
    shlex::split(line).ok_or(KubectlError::Unsplittable)
}

/// Removes and returns the first word cobra would take as a (sub)command name: flags before it
/// are skipped, with the next word too unless the flag is a known bool.
// K8S: vendor/github.com/spf13/cobra/command.go (stripFlags, argsMinusFirstX)
pub(crate) fn take_subcommand(words: &mut Vec<String>, flags: &'static str) -> Option<String> {
    let specs = flag_specs(flags);
    let takes_value = |f: Option<&FlagSpec>| f.is_none_or(|f| f.ty != FlagType::Bool);
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        if w == "--" {
            return None;
        }
        let long = w.strip_prefix("--").filter(|_| !w.contains('='));
        let short = w
            .strip_prefix('-')
            .filter(|s| s.len() == 1 && !w.contains('='));
        if long.is_some_and(|n| takes_value(find_long(&specs, n)))
            || short
                .is_some_and(|s| takes_value(s.chars().next().and_then(|c| find_short(&specs, c))))
        {
            if words.len() - i <= 1 {
                return None;
            }
            i += 1;
        } else if !w.is_empty() && !w.starts_with('-') {
            return Some(words.remove(i - 1));
        }
    }
    None
}

/// One kubectl (sub)command: its path for messages, its flags, its required flags.
pub(crate) struct Cmd {
    pub path: &'static str,
    /// Flags as `[SHORT,]NAME[:TYPE]` words, see [`flag_specs`].
    pub flags: &'static str,
    pub required: &'static [&'static str],
}

/// A command without required flags.
pub(crate) const fn cmd(path: &'static str, flags: &'static str) -> Cmd {
    Cmd {
        path,
        flags,
        required: &[],
    }
}

impl Cmd {
    /// Parses the words against this command's and the global flags, then checks help and
    /// required flags in cobra's order.
    // K8S: vendor/github.com/spf13/cobra/command.go (execute, ValidateRequiredFlags)
    pub(crate) fn parse(&self, words: &[String]) -> Result<Parsed, KubectlError> {
        let parsed = parse_flags(words, &flag_specs(self.flags), self.path)?;
        if parsed.bool("help") {
            return Err(KubectlError::Help {
                command: self.path.to_string(),
            });
        }
        let mut missing: Vec<String> = self
            .required
            .iter()
            .filter(|f| !parsed.changed(f))
            .map(|f| f.to_string())
            .collect();
        missing.sort();
        match missing.is_empty() {
            true => Ok(parsed),
            false => Err(KubectlError::RequiredFlags { names: missing }),
        }
    }

    /// kubectl's `UsageErrorf` for this command.
    fn usage(&self, message: impl Into<String>) -> KubectlError {
        KubectlError::Usage {
            message: message.into(),
            command: self.path.to_string(),
        }
    }
}

/// Wraps a command with the global namespace flag.
fn done(parsed: &Parsed, command: KubectlCommand) -> Result<Invocation, KubectlError> {
    let namespace = parsed
        .str("namespace")
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    Ok(Invocation { namespace, command })
}

/// A kubectl error message.
fn invalid(message: impl Into<String>) -> KubectlError {
    KubectlError::Invalid(message.into())
}

/// Refuses a `--replicas` past [`crate::apiserver::limits::PODS_PER_OBJECT`].
fn within_pod_limit(replicas: i64) -> Result<(), KubectlError> {
    match replicas > i64::from(crate::apiserver::limits::PODS_PER_OBJECT) {
        true => Err(KubectlError::TooManyPods { value: replicas }),
        false => Ok(()),
    }
}

/// A real kubectl command kubesim does not model.
fn unsupported(command: String) -> KubectlError {
    KubectlError::Unsupported { command }
}

// The flag tables, as each kubectl command defines them (those kubesim models).
const APPLY: Cmd = cmd("kubectl apply", "f,filename:slice");
const CREATE: Cmd = cmd("kubectl create", "f,filename:slice");
const DELETE: Cmd = cmd(
    "kubectl delete",
    "f,filename:slice l,selector all:bool A,all-namespaces:bool force:bool now:bool grace-period:int \
     ignore-not-found:bool wait:bool",
);
const RUN: Cmd = Cmd {
    path: "kubectl run",
    flags: "image l,labels env:array port restart command:bool",
    required: &["image"],
};
const EXPOSE: Cmd = cmd(
    "kubectl expose",
    "f,filename:slice port target-port type name selector",
);
const SCALE: Cmd = Cmd {
    path: "kubectl scale",
    flags: "f,filename:slice l,selector all:bool replicas:int",
    required: &["replicas"],
};
const SET: Cmd = cmd("kubectl set", "");
const SET_IMAGE: Cmd = cmd("kubectl set image", "f,filename:slice l,selector all:bool");
const SET_RESOURCES: Cmd = cmd(
    "kubectl set resources",
    "f,filename:slice l,selector all:bool c,containers limits requests",
);
const LABEL: Cmd = cmd(
    "kubectl label",
    "f,filename:slice l,selector all:bool A,all-namespaces:bool overwrite:bool",
);
const ANNOTATE: Cmd = cmd(
    "kubectl annotate",
    "f,filename:slice l,selector all:bool A,all-namespaces:bool overwrite:bool",
);
const TAINT: Cmd = cmd("kubectl taint", "l,selector all:bool overwrite:bool");
const CORDON: Cmd = cmd("kubectl cordon", "l,selector");
const UNCORDON: Cmd = cmd("kubectl uncordon", "l,selector");
const DRAIN: Cmd = cmd(
    "kubectl drain",
    "l,selector force:bool ignore-daemonsets:bool delete-emptydir-data:bool grace-period:int timeout",
);
const ROLLOUT: Cmd = cmd("kubectl rollout", "");
const ROLLOUT_SUBCOMMANDS: &[Cmd] = &[
    cmd(
        "kubectl rollout status",
        "f,filename:slice l,selector w,watch:bool revision:int timeout",
    ),
    cmd(
        "kubectl rollout history",
        "f,filename:slice l,selector revision:int",
    ),
    cmd(
        "kubectl rollout undo",
        "f,filename:slice l,selector to-revision:int",
    ),
    cmd("kubectl rollout restart", "f,filename:slice l,selector"),
    cmd("kubectl rollout pause", "f,filename:slice l,selector"),
    cmd("kubectl rollout resume", "f,filename:slice l,selector"),
];
const EDIT: Cmd = cmd("kubectl edit", "f,filename:slice o,output");
const PATCH: Cmd = cmd("kubectl patch", "f,filename:slice p,patch type");
const CREATE_DEPLOYMENT: Cmd = Cmd {
    path: "kubectl create deployment",
    flags: "image:slice port:int32 r,replicas:int32",
    required: &["image"],
};
const CREATE_SERVICE: Cmd = cmd("kubectl create service", "");
const CREATE_CLUSTERIP: Cmd = cmd("kubectl create service clusterip", "tcp:slice");
const CREATE_NODEPORT: Cmd = cmd("kubectl create service nodeport", "tcp:slice node-port:int");
const CREATE_NAMESPACE: Cmd = cmd("kubectl create namespace", "");

/// A command group without a Run of its own: no subcommand prints help, others are refused.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go (DefaultSubCommandRun, RequireNoArguments)
fn group_without_run(group: &Cmd, mut words: Vec<String>, sub: Option<String>) -> KubectlError {
    words.splice(0..0, sub);
    match group.parse(&words) {
        Err(e) => e,
        Ok(p) if p.args.is_empty() => KubectlError::Help {
            command: group.path.to_string(),
        },
        Ok(p) => group.usage(format!("unknown command {}", go_quote(&p.args.join(" ")))),
    }
}

// ---------------------------------------------------------------------------------------------
// apply, create
// ---------------------------------------------------------------------------------------------

/// `apply -f` and `create -f`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/apply/apply.go (ToOptions), create/create.go (Complete)
fn apply(words: &[String], cmd: &Cmd) -> Result<Invocation, KubectlError> {
    let p = cmd.parse(words)?;
    if !p.args.is_empty() {
        return Err(cmd.usage(format!("Unexpected args: [{}]", p.args.join(" "))));
    }
    let files = p.list("filename");
    if files.is_empty() {
        return Err(invalid("must specify one of -f and -k"));
    }
    let create_only = cmd.path.ends_with("create");
    done(&p, KubectlCommand::ApplyFile { files, create_only })
}

/// kubectl's other `create` subcommands (and aliases), which kubesim does not model.
const CREATE_UNSUPPORTED: &[&str] = &[
    "clusterrole",
    "clusterrolebinding",
    "configmap",
    "cm",
    "cronjob",
    "cj",
    "ingress",
    "ing",
    "job",
    "poddisruptionbudget",
    "pdb",
    "priorityclass",
    "pc",
    "quota",
    "resourcequota",
    "role",
    "rolebinding",
    "secret",
    "serviceaccount",
    "sa",
    "token",
];

/// `create -f` and the `create` subcommands kubesim models.
fn create(mut words: Vec<String>) -> Result<Invocation, KubectlError> {
    let sub = take_subcommand(&mut words, CREATE.flags);
    match sub.as_deref() {
        Some("deployment" | "deploy") => create_deployment(&words),
        Some("service" | "svc") => create_service(words),
        Some("namespace" | "ns") => create_namespace(&words),
        Some(s) if CREATE_UNSUPPORTED.contains(&s) => {
            Err(unsupported(format!("kubectl create {s}")))
        }
        _ => {
            words.splice(0..0, sub);
            apply(&words, &CREATE)
        }
    }
}

/// The one NAME of a `create` subcommand; arguments after `--` do not count.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/create/create.go (NameFromCommandArgs)
fn create_name(cmd: &Cmd, p: &Parsed) -> Result<String, KubectlError> {
    let count = p.args_len_at_dash.unwrap_or(p.args.len());
    if count != 1 {
        return Err(cmd.usage(format!("exactly one NAME is required, got {count}")));
    }
    Ok(p.args[0].clone())
}

/// `create deployment NAME --image=I [--replicas=N] [--port=P] [-- COMMAND...]`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/create/create_deployment.go
fn create_deployment(words: &[String]) -> Result<Invocation, KubectlError> {
    let p = CREATE_DEPLOYMENT.parse(words)?;
    let name = create_name(&CREATE_DEPLOYMENT, &p)?;
    let (images, command) = (p.list("image"), p.args[1..].to_vec());
    if images.len() > 1 && !command.is_empty() {
        return Err(invalid(
            "cannot specify multiple --image options and command",
        ));
    }
    let replicas = p.int("replicas").unwrap_or(1);
    within_pod_limit(replicas)?;
    let replicas = replicas as i32;
    let port = p.int("port").filter(|&n| n != -1).map(|n| n as i32);
    done(
        &p,
        KubectlCommand::CreateDeployment {
            name,
            images,
            replicas,
            port,
            command,
        },
    )
}

/// `create service clusterip|nodeport NAME --tcp=...`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/create/create_service.go
fn create_service(mut words: Vec<String>) -> Result<Invocation, KubectlError> {
    let sub = take_subcommand(&mut words, CREATE_SERVICE.flags);
    let (cmd, service_type) = match sub.as_deref() {
        Some("clusterip") => (&CREATE_CLUSTERIP, ServiceType::ClusterIP),
        Some("nodeport") => (&CREATE_NODEPORT, ServiceType::NodePort),
        Some(s @ ("loadbalancer" | "externalname")) => {
            return Err(unsupported(format!("kubectl create service {s}")))
        }
        _ => return Err(group_without_run(&CREATE_SERVICE, words, sub)),
    };
    let p = cmd.parse(&words)?;
    let name = create_name(cmd, &p)?;
    let tcp = p.list("tcp");
    if tcp.is_empty() {
        return Err(invalid("at least one tcp port specifier must be provided"));
    }
    let ports = tcp
        .iter()
        .map(|t| service_port(t))
        .collect::<Result<_, _>>()?;
    // Go's int32() conversion of the int flag; 0 lets the API server allocate.
    let node_port = p.int("node-port").filter(|&n| n != 0).map(|n| n as i32);
    done(
        &p,
        KubectlCommand::CreateService {
            name,
            service_type,
            ports,
            node_port,
        },
    )
}

/// One `--tcp` entry: `PORT` or `PORT:TARGET`, TARGET a number or a port name.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/create/create_service.go (parsePorts)
fn service_port(spec: &str) -> Result<ServicePort, KubectlError> {
    let (first, target) = spec
        .split_once(':')
        .map_or((spec, None), |(p, t)| (p, Some(t)));
    // K8S: k8s.io/utils/net/parse.go (ParsePort: strconv.ParseUint base 10, 16 bits)
    let port = go_parse_int(first, 16, false).map_err(invalid)? as i32;
    let target = target.map(|t| t.split(':').next().unwrap_or_default());
    let target_port = match target.map(|t| (t, go_parse_int(t, 64, true))) {
        None => TargetPort::Number(port),
        Some((_, Ok(n))) if (1..=65535).contains(&n) => TargetPort::Number(n as i32),
        Some((_, Ok(_))) => return Err(invalid("must be between 1 and 65535, inclusive")),
        Some((t, Err(_))) => match port_name_errors(t) {
            errs if errs.is_empty() => TargetPort::Name(t.to_string()),
            errs => return Err(invalid(errs.join(","))),
        },
    };
    Ok(ServicePort {
        name: spec.replace(':', "-"),
        port,
        target_port,
    })
}

/// `create namespace NAME`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/create/create_namespace.go
fn create_namespace(words: &[String]) -> Result<Invocation, KubectlError> {
    let p = CREATE_NAMESPACE.parse(words)?;
    let name = create_name(&CREATE_NAMESPACE, &p)?;
    if name.is_empty() {
        return Err(invalid("name must be specified"));
    }
    done(&p, KubectlCommand::CreateNamespace { name })
}

// ---------------------------------------------------------------------------------------------
// delete, run, expose, scale, patch
// ---------------------------------------------------------------------------------------------

/// `delete`, with kubectl's `--now` / `--grace-period` / `--force` rules.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/delete/delete.go (Complete, Validate)
fn delete(words: &[String]) -> Result<Invocation, KubectlError> {
    let p = DELETE.parse(words)?;
    let force = p.bool("force");
    let mut grace = p.int("grace-period").unwrap_or(-1);
    if p.bool("now") {
        if grace != -1 {
            return Err(invalid(
                "--now and --grace-period cannot be specified together",
            ));
        }
        grace = 1;
    }
    if grace == 0 && !force {
        grace = 1; // kubectl guards against accidental force deletion
    }
    if force && grace < 0 {
        grace = 0;
    }
    let (all, selector) = (p.bool("all"), p.str("selector"));
    let targets = Builder::new(p.list("filename"))
        .label_selector(selector)
        .select_all(all)
        .type_or_name_args(false, &p.args)
        .resolve()?;
    if force && grace > 0 {
        return Err(invalid(
            "--force and --grace-period greater than 0 cannot be specified together",
        ));
    }
    let bulk = all || selector.is_some_and(|s| !s.is_empty());
    let ignore_not_found = if p.changed("ignore-not-found") {
        p.bool("ignore-not-found")
    } else {
        bulk
    };
    let grace_period = (grace >= 0).then_some(grace);
    let all_namespaces = p.bool("all-namespaces");
    let delete = Delete {
        targets,
        all_namespaces,
        grace_period,
        force,
        ignore_not_found,
    };
    done(&p, KubectlCommand::Delete(delete))
}

/// `run NAME --image=I [--restart=R] [--labels=...] [--env=K=V] [--port=P] [--command] [-- ...]`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/run/run.go (Complete, Validate, Run)
fn run(words: &[String]) -> Result<Invocation, KubectlError> {
    let p = RUN.parse(words)?;
    let labels = run_labels(p.str("labels").unwrap_or_default())?;
    let env = p
        .list("env")
        .iter()
        .map(|e| run_env(e))
        .collect::<Result<Vec<_>, _>>()?;
    let restart = match p.str("restart").unwrap_or_default() {
        "" | "Always" => RestartPolicy::Always,
        "OnFailure" => RestartPolicy::OnFailure,
        "Never" => RestartPolicy::Never,
        other => {
            let m = format!(
                "invalid restart policy: {other}, valid values are: Always, OnFailure, Never"
            );
            return Err(invalid(m));
        }
    };
    if p.args.is_empty() || p.args_len_at_dash == Some(0) {
        return Err(invalid("NAME is required for run"));
    }
    let image = p.str("image").unwrap_or_default().to_string();
    if image.is_empty() {
        return Err(invalid("--image is required"));
    }
    // DEVIATION: kubectl also checks the image against the distribution reference grammar
    // ("invalid image name ...: invalid reference format"); kubesim leaves that to the pull.
    let port = match p.str("port").filter(|s| !s.is_empty()) {
        // strconv.Atoi, then Go's int32() conversion.
        Some(s) => {
            Some(go_parse_int(s, 64, true).map_err(|_| invalid("--port must be a number"))? as i32)
        }
        None => None,
    };
    let name = p.args[0].clone();
    let extra = p.args[1..].to_vec();
    let (command, args) = if p.bool("command") {
        (extra, vec![])
    } else {
        (vec![], extra)
    };
    let labels = if labels.is_empty() {
        vec![("run".to_string(), name.clone())]
    } else {
        labels
    };
    done(
        &p,
        KubectlCommand::Run(Run {
            name,
            image,
            restart,
            labels,
            env,
            port,
            command,
            args,
        }),
    )
}

/// `run --labels=k=v,k2=v2`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/run/run.go (parseLabels)
pub(crate) fn run_labels(spec: &str) -> Result<Vec<(String, String)>, KubectlError> {
    let mut labels = Vec::new();
    for item in spec.split(',').filter(|_| !spec.is_empty()) {
        match item.split('=').collect::<Vec<_>>()[..] {
            ["", _] => return Err(invalid("unexpected empty label key")),
            [key, value] => upsert(&mut labels, key, value),
            _ => return Err(invalid(format!("unexpected label spec: {item}"))),
        }
    }
    Ok(labels)
}

/// `run --env=NAME=VALUE`, with the API's variable name rule.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/run/run.go (parseEnvs)
fn run_env(spec: &str) -> Result<(String, String), KubectlError> {
    let bad = || invalid(format!("invalid env: {spec}"));
    let (name, value) = spec.split_once('=').ok_or_else(bad)?;
    let char_ok = |c: char| c.is_ascii_alphanumeric() || "-._".contains(c);
    if !name.starts_with(|c: char| char_ok(c) && !c.is_ascii_digit()) || !name.chars().all(char_ok)
    {
        return Err(bad());
    }
    Ok((name.to_string(), value.to_string()))
}

/// `expose TYPE NAME [--port=P] [--target-port=T] [--type=T] [--name=N] [--selector=S]`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/expose/expose.go, polymorphichelpers/canbeexposed.go
fn expose(words: &[String]) -> Result<Invocation, KubectlError> {
    use ResourceKind::*;
    let p = EXPOSE.parse(words)?;
    let targets = Builder::new(p.list("filename"))
        .type_or_name_args(false, &p.args)
        .resolve()?;
    if let Targets::Objects(objects) = &targets {
        let unexposable = objects
            .iter()
            .find(|o| !matches!(o.kind, Pod | Service | Deployment | ReplicaSet));
        if let Some(o) = unexposable {
            let gk = o.kind.resource().group_kind();
            return Err(invalid(format!("cannot expose a {gk}")));
        }
    }
    let s = |name| p.str(name).filter(|v| !v.is_empty()).map(str::to_string);
    let (port, target_port, service_type, name, selector) = (
        s("port"),
        s("target-port"),
        s("type"),
        s("name"),
        s("selector"),
    );
    done(
        &p,
        KubectlCommand::Expose(Expose {
            targets,
            port,
            target_port,
            service_type,
            name,
            selector,
        }),
    )
}

/// `scale TYPE NAME --replicas=N`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/scale/scale.go (Validate, RunScale)
fn scale(words: &[String]) -> Result<Invocation, KubectlError> {
    let p = SCALE.parse(words)?;
    let replicas = p.int("replicas").unwrap_or(-1);
    if replicas < 0 {
        return Err(invalid(
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
        ));
    }
    within_pod_limit(replicas)?;
    let targets = Builder::new(p.list("filename"))
        .type_or_name_args(p.bool("all"), &p.args)
        .label_selector(p.str("selector"))
        .resolve()?;
    done(&p, KubectlCommand::Scale { targets, replicas })
}

/// `patch TYPE NAME -p PATCH [--type=strategic|merge|json]`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/patch/patch.go (Validate, RunPatch)
fn patch(words: &[String]) -> Result<Invocation, KubectlError> {
    let p = PATCH.parse(words)?;
    let text = p.str("patch").unwrap_or_default().to_string();
    if text.is_empty() {
        return Err(invalid(
            "must specify --patch or --patch-file containing the contents of the patch",
        ));
    }
    let given = p.str("type").unwrap_or_default();
    let patch_type = match given.to_ascii_lowercase().as_str() {
        "" | "strategic" => PatchType::Strategic,
        "merge" => PatchType::Merge,
        "json" => PatchType::Json,
        _ => {
            let m = format!(
                "--type must be one of [json merge strategic], not {}",
                go_quote(given)
            );
            return Err(invalid(m));
        }
    };
    let targets = Builder::new(p.list("filename"))
        .type_or_name_args(false, &p.args)
        .resolve()?;
    done(
        &p,
        KubectlCommand::Patch {
            targets,
            patch: text,
            patch_type,
        },
    )
}

/// `edit TYPE NAME` or `edit TYPE/NAME`: one object, whose saved version the timeline gives.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/edit/edit.go
fn edit(words: &[String]) -> Result<Invocation, KubectlError> {
    let p = EDIT.parse(words)?;
    let targets = Builder::new(p.list("filename"))
        .type_or_name_args(false, &p.args)
        .resolve()?;
    match targets {
        Targets::Objects(mut objects) if objects.len() == 1 => {
            let target = objects.remove(0);
            done(&p, KubectlCommand::Edit { target })
        }
        Targets::Files(_) => Err(unsupported("kubectl edit -f".to_string())),
        _ => Err(unsupported(
            "kubectl edit of several objects (a timeline entry edits one)".to_string(),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// set, label, annotate
// ---------------------------------------------------------------------------------------------

/// `set image` and `set resources`.
fn set(mut words: Vec<String>) -> Result<Invocation, KubectlError> {
    let sub = take_subcommand(&mut words, SET.flags);
    match sub.as_deref() {
        Some("image") => set_image(&words),
        Some("resources") => set_resources(&words),
        Some(s @ ("env" | "selector" | "serviceaccount" | "sa" | "subject")) => {
            Err(unsupported(format!("kubectl set {s}")))
        }
        _ => Err(group_without_run(&SET, words, sub)),
    }
}

/// `set image (TYPE NAME | TYPE/NAME) CONTAINER=IMAGE...`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/set/set_image.go (Complete, Validate)
fn set_image(words: &[String]) -> Result<Invocation, KubectlError> {
    let p = SET_IMAGE.parse(words)?;
    let (resources, pairs) = resources_and_pairs(&p.args, "image")?;
    let (images, _) = parse_pairs(&pairs, "image", false)?;
    let targets = selected_targets(&p, &resources)?;
    if images.is_empty() {
        return Err(invalid("at least one image update is required"));
    }
    if images.len() > 1 && images.iter().any(|(c, _)| c == "*") {
        let m = "all containers are already specified by *, but saw more than one container_name=container_image pairs";
        return Err(invalid(m));
    }
    done(&p, KubectlCommand::SetImage { targets, images })
}

/// `set resources (TYPE NAME | TYPE/NAME) [-c CONTAINERS] --limits=... --requests=...`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/set/set_resources.go (Complete, Validate, Run)
fn set_resources(words: &[String]) -> Result<Invocation, KubectlError> {
    let p = SET_RESOURCES.parse(words)?;
    let targets = selected_targets(&p, &p.args)?;
    let (limits, requests) = (
        p.str("limits").unwrap_or_default(),
        p.str("requests").unwrap_or_default(),
    );
    if limits.is_empty() && requests.is_empty() {
        return Err(invalid(
            "you must specify an update to requests or limits (in the form of --requests/--limits)",
        ));
    }
    let containers = p.str("containers").unwrap_or("*").to_string();
    let (limits, requests) = (resource_list(limits)?, resource_list(requests)?);
    done(
        &p,
        KubectlCommand::SetResources {
            targets,
            containers,
            limits,
            requests,
        },
    )
}

/// The `set` commands' builder call, then their `--all`/`--selector` check.
fn selected_targets(p: &Parsed, resources: &[String]) -> Result<Targets, KubectlError> {
    let (all, selector) = (p.bool("all"), p.str("selector"));
    let targets = Builder::new(p.list("filename"))
        .label_selector(selector)
        .type_or_name_args(all, resources)
        .resolve()?;
    if all && selector.is_some_and(|s| !s.is_empty()) {
        return Err(invalid("cannot set --all and --selector at the same time"));
    }
    Ok(targets)
}

/// `cpu=200m,memory=512Mi`, each quantity parsed and written back in canonical form.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/set/set_resources.go (parseResourceList)
fn resource_list(spec: &str) -> Result<Vec<(String, String)>, KubectlError> {
    let mut out = Vec::new();
    for item in spec.split(',').filter(|_| !spec.is_empty()) {
        match item.split('=').collect::<Vec<_>>()[..] {
            [name, quantity] => {
                let parsed = crate::model::quantity::Quantity::parse(quantity)
                    .map_err(|e| invalid(e.to_string()))?;
                upsert(&mut out, name, &parsed.to_canonical_string());
            }
            _ => {
                return Err(invalid(format!(
                    "invalid argument syntax {item}, expected <resource>=<value>"
                )))
            }
        }
    }
    Ok(out)
}

/// Keys set and keys removed by `label` or `annotate`.
type Pairs = (Vec<(String, String)>, Vec<String>);

/// `label` and `annotate`: resources first, then `k=v` and `k-`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/label/label.go, annotate/annotate.go
fn metadata(words: &[String], cmd: &Cmd) -> Result<Invocation, KubectlError> {
    let p = cmd.parse(words)?;
    let is_label = cmd.path.ends_with("label");
    let what = if is_label { "label" } else { "annotation" };
    let (resources, pairs) = resources_and_pairs(&p.args, what)?;
    let (set, remove) = if is_label {
        parse_labels(&pairs)?
    } else {
        parse_pairs(&pairs, what, true)?
    };
    let (all, selector, files) = (p.bool("all"), p.str("selector"), p.list("filename"));
    if all && selector.is_some_and(|s| !s.is_empty()) {
        return Err(invalid("cannot set --all and --selector at the same time"));
    }
    if resources.is_empty() && files.is_empty() {
        return Err(invalid(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        ));
    }
    if set.is_empty() && remove.is_empty() {
        return Err(invalid(format!("at least one {what} update is required")));
    }
    let both: Vec<&str> = remove
        .iter()
        .filter(|k| set.iter().any(|(s, _)| s == *k))
        .map(String::as_str)
        .collect();
    if !is_label && !both.is_empty() {
        let m = "can not both modify and remove the following annotation(s) in the same command";
        return Err(invalid(format!("{m}: {}", both.join(", "))));
    }
    let targets = Builder::new(files)
        .type_or_name_args(all, &resources)
        .label_selector(selector)
        .resolve()?;
    let (all_namespaces, overwrite) = (p.bool("all-namespaces"), p.bool("overwrite"));
    let edit = MetadataEdit {
        targets,
        all_namespaces,
        set,
        remove,
        overwrite,
    };
    done(
        &p,
        if is_label {
            KubectlCommand::Label(edit)
        } else {
            KubectlCommand::Annotate(edit)
        },
    )
}

/// Splits arguments into resources and the `k=v` / `k-` pairs that must follow them.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go (GetResourcesAndPairs)
fn resources_and_pairs(
    args: &[String],
    what: &str,
) -> Result<(Vec<String>, Vec<String>), KubectlError> {
    let (mut resources, mut pairs) = (Vec::new(), Vec::new());
    for s in args {
        let is_pair = (s.contains('=') && !s.starts_with('=')) || (s.ends_with('-') && s != "-");
        match (is_pair, pairs.is_empty()) {
            (true, _) => pairs.push(s.clone()),
            (false, true) => resources.push(s.clone()),
            (false, false) => {
                return Err(invalid(format!(
                    "all resources must be specified before {what} changes: {s}"
                )))
            }
        }
    }
    Ok((resources, pairs))
}

/// `k=v` and (where allowed) `k-` pairs; of two equal keys the later wins.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/util/helpers.go (ParsePairs)
fn parse_pairs(pairs: &[String], what: &str, remove_ok: bool) -> Result<Pairs, KubectlError> {
    let (mut set, mut remove, mut bad) = (Vec::new(), Vec::new(), Vec::new());
    for pair in pairs {
        match pair.split_once('=') {
            Some((k, v)) if !k.is_empty() => upsert(&mut set, k, v),
            _ if remove_ok && pair.ends_with('-') && pair != "-" => {
                remove.push(pair[..pair.len() - 1].to_string())
            }
            _ => bad.push(pair.as_str()),
        }
    }
    match bad.is_empty() {
        true => Ok((set, remove)),
        false => Err(invalid(format!(
            "invalid {what} format: {}",
            bad.join(", ")
        ))),
    }
}

/// `label`'s own pair rules: one `=`, a valid label value.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/label/label.go (parseLabels)
fn parse_labels(pairs: &[String]) -> Result<Pairs, KubectlError> {
    let (mut set, mut remove) = (Vec::new(), Vec::new());
    for spec in pairs {
        if let [key, value] = spec.split('=').collect::<Vec<_>>()[..] {
            let errs = label_value_errors(value);
            if !errs.is_empty() {
                return Err(invalid(format!(
                    "invalid label value: {}: {}",
                    go_quote(spec),
                    errs.join(";")
                )));
            }
            upsert(&mut set, key, value);
        } else if spec.contains('=') {
            return Err(invalid(format!("invalid label spec: {spec}")));
        } else if let Some(key) = spec.strip_suffix('-') {
            remove.push(key.to_string());
        } else {
            return Err(invalid(format!("unknown label spec: {spec}")));
        }
    }
    if remove.iter().any(|r| set.iter().any(|(k, _)| k == r)) {
        return Err(invalid(
            "can not both modify and remove a label in the same command",
        ));
    }
    Ok((set, remove))
}

/// Sets `key` in an ordered map, replacing an earlier value (Go maps keep the last).
fn upsert(list: &mut Vec<(String, String)>, key: &str, value: &str) {
    match list.iter_mut().find(|(k, _)| k == key) {
        Some(entry) => entry.1 = value.to_string(),
        None => list.push((key.to_string(), value.to_string())),
    }
}

// ---------------------------------------------------------------------------------------------
// taint, cordon, uncordon, drain, rollout
// ---------------------------------------------------------------------------------------------

/// `taint nodes NAME... key=value:Effect key:Effect key- key:Effect-`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/taint/taint.go (Complete, Validate, validateFlags)
fn taint(words: &[String]) -> Result<Invocation, KubectlError> {
    let p = TAINT.parse(words)?;
    let (mut resources, mut specs) = (Vec::new(), Vec::new());
    for s in &p.args {
        let is_taint = s.contains('=') || s.contains(':') || s.ends_with('-');
        match (is_taint, specs.is_empty()) {
            (true, _) => specs.push(s.as_str()),
            (false, true) => resources.push(s.clone()),
            (false, false) => {
                return Err(invalid(format!(
                    "all resources must be specified before taint changes: {s}"
                )))
            }
        }
    }
    if resources.is_empty() {
        return Err(invalid(
            "one or more resources must be specified as <resource> <name>",
        ));
    }
    if specs.is_empty() {
        return Err(invalid("at least one taint update is required"));
    }
    let (add, remove) = parse_taints(&specs).map_err(|m| TAINT.usage(m))?;
    let resource_type = resources[0].to_ascii_lowercase();
    if ResourceKind::from_arg(&resource_type)? != ResourceKind::Node {
        return Err(invalid(format!(
            "invalid resource type {resource_type}, only node types are supported"
        )));
    }
    let conflicts: Vec<String> = remove
        .iter()
        .filter(|r| {
            add.iter()
                .any(|a| a.key == r.key && r.effect.is_none_or(|e| e == a.effect))
        })
        .map(|r| format!("{}={}", r.key, r.effect.map_or("", TaintEffect::as_str)))
        .collect();
    if !conflicts.is_empty() {
        let m = "can not both modify and remove the following taint(s) in the same command";
        return Err(invalid(format!("{m}: {}", conflicts.join(", "))));
    }
    let (all, selector) = (p.bool("all"), p.str("selector").unwrap_or_default());
    if all && !selector.is_empty() {
        return Err(invalid(
            "setting 'all' parameter with a non empty selector is prohibited",
        ));
    }
    let nodes = if all || !selector.is_empty() {
        Targets::Selector {
            kinds: vec![ResourceKind::Node],
            selector: selector.trim().to_string(),
        }
    } else if resources.len() < 2 {
        return Err(invalid(
            "at least one resource name must be specified since 'all' parameter is not set",
        ));
    } else {
        let node = |name: &String| ObjectRef {
            kind: ResourceKind::Node,
            name: name.clone(),
        };
        Targets::Objects(resources[1..].iter().map(node).collect())
    };
    done(
        &p,
        KubectlCommand::Taint {
            nodes,
            add,
            remove,
            overwrite: p.bool("overwrite"),
        },
    )
}

/// Taint specs; the message is kubectl's, which it shows as a usage error.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/taint/utils.go (parseTaints)
pub(crate) fn parse_taints(specs: &[&str]) -> Result<(Vec<Taint>, Vec<TaintRemoval>), String> {
    let (mut add, mut remove) = (Vec::<Taint>::new(), Vec::new());
    for spec in specs {
        if let Some(body) = spec.strip_suffix('-') {
            let (key, _, effect) = parse_taint(body)?;
            remove.push(TaintRemoval { key, effect });
            continue;
        }
        let (key, value, effect) = parse_taint(spec)?;
        let effect = effect.ok_or_else(|| format!("invalid taint spec: {spec}"))?;
        if add.iter().any(|t| t.key == key && t.effect == effect) {
            let e = effect.as_str();
            return Err(format!(
                "duplicated taints with the same key and effect: {{{key} {value} {e} <nil>}}"
            ));
        }
        add.push(Taint { key, value, effect });
    }
    Ok((add, remove))
}

/// `key`, `key:Effect` or `key=value:Effect`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/taint/utils.go (parseTaint, validateTaintEffect)
fn parse_taint(spec: &str) -> Result<(String, String, Option<TaintEffect>), String> {
    let bad = |errs: Vec<String>| match errs.is_empty() {
        true => format!("invalid taint spec: {spec}"),
        false => format!("invalid taint spec: {spec}, {}", errs.join("; ")),
    };
    let (key, value, effect) = match spec.split(':').collect::<Vec<_>>()[..] {
        [key] => (key, "", None),
        [kv, effect] => {
            let unsupported =
                || format!("invalid taint effect: {effect}, unsupported taint effect");
            let effect = TaintEffect::from_name(effect).ok_or_else(unsupported)?;
            let (key, value) = match kv.split('=').collect::<Vec<_>>()[..] {
                [key] => (key, ""),
                [key, value] => (key, value),
                _ => return Err(bad(vec![])),
            };
            let errs = label_value_errors(value);
            if !errs.is_empty() {
                return Err(bad(errs));
            }
            (key, value, Some(effect))
        }
        _ => return Err(bad(vec![])),
    };
    match qualified_name_errors(key) {
        errs if errs.is_empty() => Ok((key.to_string(), value.to_string(), effect)),
        errs => Err(bad(errs)),
    }
}

impl TaintEffect {
    /// The effect as node specs spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }

    /// The effect named exactly (case matters, as in the API).
    pub fn from_name(s: &str) -> Option<Self> {
        [Self::NoSchedule, Self::PreferNoSchedule, Self::NoExecute]
            .into_iter()
            .find(|e| e.as_str() == s)
    }
}

/// The nodes of `cordon`, `uncordon` and `drain`: names, `node/NAME`, or `-l`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/drain/drain.go (Complete)
fn drain_nodes(cmd: &Cmd, p: &Parsed) -> Result<Targets, KubectlError> {
    let selector = p.str("selector").unwrap_or_default();
    if p.args.is_empty() && !p.changed("selector") {
        return Err(cmd.usage(format!(
            "USAGE: {} NODE [flags]",
            cmd.path.trim_start_matches("kubectl ")
        )));
    }
    if !p.args.is_empty() && !selector.is_empty() {
        return Err(cmd.usage("error: cannot specify both a node name and a --selector option"));
    }
    let mut b = Builder::new(vec![]);
    for name in &p.args {
        let tuple = if name.contains('/') {
            split_type_name(name)?
        } else {
            ("nodes".into(), name.clone())
        };
        b.tuples.push(tuple);
    }
    if !selector.is_empty() {
        b.types.push("nodes".to_string());
    }
    let targets = b.label_selector(Some(selector)).resolve()?;
    if let Targets::Objects(objects) = &targets {
        if let Some(o) = objects.iter().find(|o| o.kind != ResourceKind::Node) {
            let r = o.kind.resource();
            // K8S: staging/src/k8s.io/apimachinery/pkg/runtime/schema/group_version.go
            // (GroupVersionResource.String)
            let m = format!(
                "error: expected resource of type node, got \"{}/{}, Resource={}\"",
                r.group, r.version, r.plural
            );
            return Err(invalid(m));
        }
    }
    Ok(targets)
}

/// `cordon NODE` / `uncordon NODE`.
fn cordon(words: &[String], cmd: &Cmd) -> Result<Invocation, KubectlError> {
    let p = cmd.parse(words)?;
    let nodes = drain_nodes(cmd, &p)?;
    match cmd.path.ends_with("uncordon") {
        true => done(&p, KubectlCommand::Uncordon { nodes }),
        false => done(&p, KubectlCommand::Cordon { nodes }),
    }
}

/// `drain NODE [--ignore-daemonsets] [--delete-emptydir-data] [--force] [--grace-period=N]`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/drain/drain.go (NewCmdDrain, Complete)
fn drain(words: &[String]) -> Result<Invocation, KubectlError> {
    let p = DRAIN.parse(words)?;
    let nodes = drain_nodes(&DRAIN, &p)?;
    let grace = p.int("grace-period").unwrap_or(-1);
    let drain = Drain {
        nodes,
        force: p.bool("force"),
        ignore_daemonsets: p.bool("ignore-daemonsets"),
        delete_emptydir_data: p.bool("delete-emptydir-data"),
        grace_period: (grace >= 0).then_some(grace),
        timeout: p
            .str("timeout")
            .filter(|t| !t.is_empty())
            .map(str::to_string),
    };
    done(&p, KubectlCommand::Drain(drain))
}

/// `rollout status|history|undo|restart|pause|resume (TYPE NAME | TYPE/NAME | TYPE)`.
// K8S: staging/src/k8s.io/kubectl/pkg/cmd/rollout/rollout_*.go (Validate, Run*)
fn rollout(mut words: Vec<String>) -> Result<Invocation, KubectlError> {
    let sub = take_subcommand(&mut words, ROLLOUT.flags);
    let found = sub.as_deref().and_then(|s| {
        ROLLOUT_SUBCOMMANDS
            .iter()
            .find(|c| c.path.ends_with(&format!(" {s}")))
    });
    let Some(cmd) = found else {
        return Err(group_without_run(&ROLLOUT, words, sub));
    };
    let p = cmd.parse(&words)?;
    let files = p.list("filename");
    if p.args.is_empty() && files.is_empty() {
        return Err(invalid("required resource not specified"));
    }
    let revision = p.int("revision").unwrap_or(0);
    if revision < 0 {
        return Err(invalid(format!(
            "revision must be a positive integer: {revision}"
        )));
    }
    let action = match cmd.path.rsplit(' ').next() {
        Some("status") => RolloutAction::Status { revision },
        Some("history") => RolloutAction::History { revision },
        Some("undo") => RolloutAction::Undo {
            to_revision: p.int("to-revision").unwrap_or(0),
        },
        Some("restart") => RolloutAction::Restart,
        Some("pause") => RolloutAction::Pause,
        _ => RolloutAction::Resume,
    };
    let targets = Builder::new(files)
        .label_selector(p.str("selector"))
        .type_or_name_args(true, &p.args)
        .resolve()?;
    done(&p, KubectlCommand::Rollout { action, targets })
}

// ---------------------------------------------------------------------------------------------
// The resource builder
// ---------------------------------------------------------------------------------------------

/// kubectl's resource builder, reduced to turning arguments into [`Targets`] with its errors in
/// its order.
// DEVIATION: Go aggregates several errors (printed one per line, without `error: `); this
// keeps the first, as do the commands' own checks.
// K8S: staging/src/k8s.io/cli-runtime/pkg/resource/builder.go
#[derive(Default)]
struct Builder {
    files: Vec<String>,
    selector: Option<String>,
    select_all: bool,
    tuples: Vec<(String, String)>,
    names: Vec<String>,
    types: Vec<String>,
    err: Option<KubectlError>,
}

impl Builder {
    /// `FilenameParam`.
    fn new(files: Vec<String>) -> Self {
        Builder {
            files,
            ..Default::default()
        }
    }

    /// `LabelSelectorParam`.
    fn label_selector(mut self, s: Option<&str>) -> Self {
        let selector = s.unwrap_or_default().trim();
        if selector.is_empty() {
            return self;
        }
        if self.select_all {
            let m = "found non-empty label selector {} with previously set 'all' parameter. ";
            self.err
                .get_or_insert(invalid(m.replace("{}", &go_quote(s.unwrap_or_default()))));
        } else {
            self.selector = Some(selector.to_string());
        }
        self
    }

    /// `SelectAllParam`.
    fn select_all(mut self, all: bool) -> Self {
        if all && self.selector.is_some() {
            self.err.get_or_insert(invalid(
                "setting 'all' parameter but found a non empty selector. ",
            ));
        } else {
            self.select_all = all;
        }
        self
    }

    /// `ResourceTypeOrNameArgs`: `TYPE[,TYPE] [NAME...]` or `TYPE/NAME...`.
    fn type_or_name_args(mut self, allow_empty_selector: bool, args: &[String]) -> Self {
        let args = normalize_multiple_types(args);
        let slashed = args.iter().filter(|a| a.contains('/')).count();
        if slashed > 0 && slashed != args.len() {
            self.err.get_or_insert(invalid(
                "there is no need to specify a resource type as a separate argument when passing arguments in \
                 resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource \
                 resource/<resource_name>'",
            ));
        } else if slashed > 0 {
            match args
                .iter()
                .map(|a| split_type_name(a))
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(tuples) => self.tuples = tuples,
                Err(e) => _ = self.err.get_or_insert(e),
            }
        } else if let Some(first) = args.first() {
            let expanded: Vec<String> = first
                .split(',')
                .map(|t| match t {
                    "all" => all_category(),
                    one => one.to_string(),
                })
                .collect();
            self.types = split_resource_arg(&expanded.join(","));
            self.names.extend_from_slice(&args[1..]);
            if args.len() == 1 && self.selector.is_none() && allow_empty_selector {
                self.selector = Some(String::new());
            }
        }
        self
    }

    /// `visitorResult`: files, then selector, then names, then bare types, with their checks.
    fn resolve(self) -> Result<Targets, KubectlError> {
        if let Some(e) = self.err {
            return Err(e);
        }
        let kinds = |types: &[String]| {
            types
                .iter()
                .map(|t| ResourceKind::from_arg(t))
                .collect::<Result<Vec<_>, _>>()
        };
        let object = |(t, name): (String, String)| {
            Ok(ObjectRef {
                kind: ResourceKind::from_arg(&t)?,
                name,
            })
        };
        let selector = if self.select_all {
            Some(String::new())
        } else {
            self.selector
        };
        if !self.files.is_empty() {
            if !self.types.is_empty() {
                let m = "when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well";
                return Err(invalid(m));
            }
            if !self.tuples.is_empty() {
                return Err(invalid(
                    "resource/name arguments cannot be provided when a path is specified",
                ));
            }
            return Ok(Targets::Files(self.files));
        }
        if let Some(selector) = selector {
            if !self.names.is_empty() {
                return Err(invalid(
                    "name cannot be provided when a selector is specified",
                ));
            }
            if !self.tuples.is_empty() {
                return Err(invalid("selectors and the all flag cannot be used when passing resource/name arguments"));
            }
            if self.types.is_empty() {
                return Err(invalid(
                    "at least one resource must be specified to use a selector",
                ));
            }
            return Ok(Targets::Selector {
                kinds: kinds(&self.types)?,
                selector,
            });
        }
        if !self.tuples.is_empty() {
            return self
                .tuples
                .into_iter()
                .map(object)
                .collect::<Result<_, _>>()
                .map(Targets::Objects);
        }
        if !self.names.is_empty() {
            if self.types.len() > 1 {
                return Err(invalid("you must specify only one resource"));
            }
            let named = self.names.into_iter().map(|n| (self.types[0].clone(), n));
            return named
                .map(object)
                .collect::<Result<_, _>>()
                .map(Targets::Objects);
        }
        if !self.types.is_empty() {
            kinds(&self.types)?;
            return Err(KubectlError::NoName);
        }
        Err(KubectlError::MissingResource)
    }
}

/// `pods,svc web` becomes `pods/web svc/web`.
// K8S: staging/src/k8s.io/cli-runtime/pkg/resource/builder.go (normalizeMultipleResourcesArgs)
fn normalize_multiple_types(args: &[String]) -> Vec<String> {
    match args {
        [first, names @ ..] if !names.is_empty() && split_resource_arg(first).len() > 1 => {
            let types = split_resource_arg(first);
            types
                .iter()
                .flat_map(|t| names.iter().map(move |n| format!("{t}/{n}")))
                .collect()
        }
        _ => args.to_vec(),
    }
}

/// A comma-separated type list without repeats.
fn split_resource_arg(arg: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in arg
        .split(',')
        .filter(|t| !out.iter().any(|o| o == t))
        .collect::<Vec<_>>()
    {
        out.push(t.to_string());
    }
    out
}

/// kubectl's `all` category as the plurals it expands to, joined by commas.
// K8S: staging/src/k8s.io/cli-runtime/pkg/resource/builder.go (ReplaceAliases, through the
// discovery category expander)
fn all_category() -> String {
    resources::category("all")
        .map(|r| r.plural)
        .collect::<Vec<_>>()
        .join(",")
}

/// `TYPE/NAME`.
// K8S: staging/src/k8s.io/cli-runtime/pkg/resource/builder.go (splitResourceTypeName)
fn split_type_name(s: &str) -> Result<(String, String), KubectlError> {
    match s.split('/').collect::<Vec<_>>()[..] {
        [t, n] if !t.is_empty() && !n.is_empty() && split_resource_arg(t).len() == 1 => {
            Ok((t.to_string(), n.to_string()))
        }
        [_, _] => Err(invalid(
            "arguments in resource/name form must have a single resource and name",
        )),
        _ => Err(invalid(
            "arguments in resource/name form may not have more than one slash",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Flags (pflag)
// ---------------------------------------------------------------------------------------------

/// How pflag reads a flag's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlagType {
    /// No value needed; `--x=false` turns it off.
    Bool,
    /// The last value wins.
    Str,
    /// `StringSlice`: comma-separated, repeatable.
    Slice,
    /// `StringArray`: repeatable, commas kept.
    Array,
    /// `Int` / `Int32` by bit size.
    Int(u32),
}

/// One flag a command defines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlagSpec {
    name: &'static str,
    short: Option<char>,
    ty: FlagType,
}

/// kubectl's global `--namespace` and cobra's `--help`, which every command has.
const GLOBAL_FLAGS: &str = "n,namespace h,help:bool";

/// Reads a flag table: words `[SHORT,]NAME[:TYPE]`, TYPE one of `bool`, `slice`, `array`,
/// `int`, `int32` (default: string), plus the global flags.
pub(crate) fn flag_specs(table: &'static str) -> Vec<FlagSpec> {
    let spec = |word: &'static str| {
        let (names, ty) = word.split_once(':').unwrap_or((word, ""));
        let (short, name) = names
            .split_once(',')
            .map_or((None, names), |(s, n)| (s.chars().next(), n));
        let ty = match ty {
            "bool" => FlagType::Bool,
            "slice" => FlagType::Slice,
            "array" => FlagType::Array,
            "int" => FlagType::Int(64),
            "int32" => FlagType::Int(32),
            _ => FlagType::Str,
        };
        FlagSpec { name, short, ty }
    };
    table
        .split_whitespace()
        .chain(GLOBAL_FLAGS.split_whitespace())
        .map(spec)
        .collect()
}

/// Words after pflag: positional arguments, where `--` was, and the flag values seen.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub args: Vec<String>,
    /// pflag's `ArgsLenAtDash`: how many arguments came before `--`.
    pub args_len_at_dash: Option<usize>,
    values: Vec<(FlagSpec, String)>,
}

impl Parsed {
    /// Values given for a flag, in order.
    fn raw(&self, name: &str) -> Vec<&(FlagSpec, String)> {
        self.values.iter().filter(|(f, _)| f.name == name).collect()
    }

    /// Whether the flag was given at all (cobra's `Changed`).
    pub fn changed(&self, name: &str) -> bool {
        !self.raw(name).is_empty()
    }

    /// The last value of a string flag.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.raw(name).last().map(|(_, v)| v.as_str())
    }

    /// A bool flag (values were checked while parsing).
    pub fn bool(&self, name: &str) -> bool {
        self.str(name).is_some_and(|v| go_parse_bool(v) == Ok(true))
    }

    /// An int flag (values were checked while parsing).
    pub fn int(&self, name: &str) -> Option<i64> {
        self.str(name).and_then(|v| go_parse_int(v, 64, true).ok())
    }

    /// All values of a list flag; `StringSlice` values are split on commas.
    // DEVIATION: pflag reads StringSlice values as CSV, so quoted commas would survive
    pub fn list(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (f, v) in self.raw(name) {
            match f.ty {
                FlagType::Slice => {
                    out.extend(v.split(',').filter(|_| !v.is_empty()).map(str::to_string))
                }
                _ => out.push(v.clone()),
            }
        }
        out
    }
}

/// Finds a long flag; kubectl normalises `_` to `-` in flag names.
// K8S: staging/src/k8s.io/component-base/cli/flag/flags.go (WordSepNormalizeFunc)
fn find_long<'a>(specs: &'a [FlagSpec], name: &str) -> Option<&'a FlagSpec> {
    specs.iter().find(|f| f.name == name.replace('_', "-"))
}

/// Finds a shorthand flag.
fn find_short(specs: &[FlagSpec], c: char) -> Option<&FlagSpec> {
    specs.iter().find(|f| f.short == Some(c))
}

/// Parses words as pflag does, flags and arguments interspersed, `--` ending the flags.
// K8S: vendor/github.com/spf13/pflag/flag.go (parseArgs, parseLongArg, parseSingleShortArg)
pub(crate) fn parse_flags(
    words: &[String],
    specs: &[FlagSpec],
    command: &str,
) -> Result<Parsed, KubectlError> {
    let mut p = Parsed::default();
    let mut rest = words.iter();
    while let Some(w) = rest.next() {
        if w.len() < 2 || !w.starts_with('-') {
            p.args.push(w.clone());
        } else if w == "--" {
            p.args_len_at_dash = Some(p.args.len());
            p.args.extend(rest.cloned());
            break;
        } else if let Some(long) = w.strip_prefix("--") {
            let (spec, value) = long_flag(long, w, specs, &mut rest, command)?;
            set_flag(&mut p, spec, value, command)?;
        } else {
            let mut group = &w[1..];
            while !group.is_empty() {
                let (spec, value, remaining) = short_flag(group, specs, &mut rest, command)?;
                set_flag(&mut p, spec, value, command)?;
                group = remaining;
            }
        }
    }
    Ok(p)
}

/// `--name`, `--name=value` or `--name value`.
fn long_flag<'a>(
    long: &str,
    word: &str,
    specs: &[FlagSpec],
    rest: &mut impl Iterator<Item = &'a String>,
    command: &str,
) -> Result<(FlagSpec, String), KubectlError> {
    let command = command.to_string();
    if long.starts_with('-') || long.starts_with('=') {
        return Err(KubectlError::BadFlagSyntax {
            arg: word.to_string(),
            command,
        });
    }
    let (name, inline) = long
        .split_once('=')
        .map_or((long, None), |(n, v)| (n, Some(v)));
    let Some(&spec) = find_long(specs, name) else {
        return Err(KubectlError::UnknownFlag {
            flag: name.to_string(),
            command,
        });
    };
    let value = match inline {
        Some(v) => v.to_string(),
        None if spec.ty == FlagType::Bool => "true".to_string(),
        None => rest
            .next()
            .cloned()
            .ok_or(KubectlError::FlagNeedsArgument {
                flag: format!("--{name}"),
                command,
            })?,
    };
    Ok((spec, value))
}

/// The first shorthand of `group` (`-n ns`, `-nns`, `-n=ns`, `-Af`); returns what is left.
fn short_flag<'g, 'a>(
    group: &'g str,
    specs: &[FlagSpec],
    rest: &mut impl Iterator<Item = &'a String>,
    command: &str,
) -> Result<(FlagSpec, String, &'g str), KubectlError> {
    let command = command.to_string();
    let c = group.chars().next().unwrap_or_default();
    let after = &group[c.len_utf8()..];
    let Some(&spec) = find_short(specs, c) else {
        return Err(KubectlError::UnknownShorthand {
            short: c,
            group: group.to_string(),
            command,
        });
    };
    if group.len() > 2 && after.starts_with('=') {
        return Ok((spec, after[1..].to_string(), ""));
    }
    if spec.ty == FlagType::Bool {
        return Ok((spec, "true".to_string(), after));
    }
    if !after.is_empty() {
        return Ok((spec, after.to_string(), ""));
    }
    let flag = format!("{} in -{group}", go_rune(c));
    let value = rest
        .next()
        .cloned()
        .ok_or(KubectlError::FlagNeedsArgument { flag, command })?;
    Ok((spec, value, ""))
}

/// Checks a value against the flag's type (pflag's `Value.Set`) and records it.
// K8S: vendor/github.com/spf13/pflag/errors.go (InvalidValueError)
fn set_flag(
    p: &mut Parsed,
    spec: FlagSpec,
    value: String,
    command: &str,
) -> Result<(), KubectlError> {
    let check = match spec.ty {
        FlagType::Bool => go_parse_bool(&value).map(drop),
        FlagType::Int(bits) => go_parse_int(&value, bits, true).map(drop),
        _ => Ok(()),
    };
    if let Err(cause) = check {
        let flag = match spec.short {
            Some(c) => format!("-{c}, --{}", spec.name),
            None => format!("--{}", spec.name),
        };
        return Err(KubectlError::InvalidFlagValue {
            value,
            flag,
            cause,
            command: command.to_string(),
        });
    }
    p.values.push((spec, value));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Go's value syntax (strconv, %q) and the API's name rules
// ---------------------------------------------------------------------------------------------

/// Go's `%q` for strings.
pub(crate) fn go_quote(s: &str) -> String {
    format!(
        "\"{}\"",
        s.chars().map(|c| go_escape(c, '"')).collect::<String>()
    )
}

/// Go's `%q` for a rune.
fn go_rune(c: char) -> String {
    format!("'{}'", go_escape(c, '\''))
}

/// One character as Go's `strconv.Quote` writes it.
fn go_escape(c: char, quote: char) -> String {
    match c {
        '\\' => "\\\\".to_string(),
        '\n' => "\\n".to_string(),
        '\t' => "\\t".to_string(),
        '\r' => "\\r".to_string(),
        c if c == quote => format!("\\{c}"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => format!("\\x{:02x}", c as u32),
        c if c.is_control() => format!("\\u{:04x}", c as u32),
        c => c.to_string(),
    }
}

/// Go's `strconv.ParseBool`, with its error text.
fn go_parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!(
            "strconv.ParseBool: parsing {}: invalid syntax",
            go_quote(s)
        )),
    }
}

/// Go's `strconv.ParseInt` / `ParseUint` for decimal text, with their error texts.
// K8S: Go src/strconv/atoi.go (ParseUint, ParseInt)
// DEVIATION: pflag's int flags use base 0, which also reads `0x1f`, `0o17`, `017` (octal) and
// `1_000`; kubesim reads decimal only.
pub(crate) fn go_parse_int(s: &str, bits: u32, signed: bool) -> Result<i64, String> {
    let func = if signed {
        "strconv.ParseInt"
    } else {
        "strconv.ParseUint"
    };
    let fail = |why: &str| format!("{func}: parsing {}: {why}", go_quote(s));
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) if signed => (true, d),
        _ => (false, s.strip_prefix('+').filter(|_| signed).unwrap_or(s)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail("invalid syntax"));
    }
    let n: u128 = digits.parse().unwrap_or(u128::MAX);
    let max = if signed {
        (1u128 << (bits - 1)) - u128::from(!neg)
    } else {
        (1u128 << bits) - 1
    };
    match n <= max {
        true if neg => Ok(-(n as i128) as i64),
        true => Ok(n as i64),
        false => Err(fail("value out of range")),
    }
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
fn is_label_name(s: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    edge(s.chars().next())
        && edge(s.chars().last())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// The API's label value rule, with its messages.
// K8S: staging/src/k8s.io/apimachinery/pkg/api/validate/content/kube.go (IsLabelValue)
fn label_value_errors(v: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if v.len() > 63 {
        errs.push("must be no more than 63 bytes".to_string());
    }
    if !v.is_empty() && !is_label_name(v) {
        errs.push(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must \
             start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used \
             for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
                .to_string(),
        );
    }
    errs
}

/// The API's qualified name rule (label and taint keys), with its messages.
// K8S: staging/src/k8s.io/apimachinery/pkg/api/validate/content/kube.go (IsLabelKey)
fn qualified_name_errors(key: &str) -> Vec<String> {
    const RULE: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an \
         alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is \
         '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    let mut errs = Vec::new();
    let name = match key.split('/').collect::<Vec<_>>()[..] {
        [name] => name,
        [prefix, name] => {
            errs.extend(
                dns_subdomain_errors(prefix)
                    .into_iter()
                    .map(|e| format!("prefix part {e}")),
            );
            name
        }
        _ => {
            let m = "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
            return vec![format!("a valid label key {RULE} {m}")];
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 bytes".to_string());
    }
    if !is_label_name(name) {
        errs.push(format!("name part {RULE}"));
    }
    errs
}

/// The API's lowercase RFC 1123 subdomain rule, with its messages.
// K8S: staging/src/k8s.io/apimachinery/pkg/api/validate/content/dns.go (IsDNS1123Subdomain)
fn dns_subdomain_errors(s: &str) -> Vec<String> {
    if s.is_empty() {
        return vec!["must be non-empty".to_string()];
    }
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push("must be no more than 253 bytes".to_string());
    }
    let lower = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let label_ok = |l: &str| {
        l.starts_with(lower) && l.ends_with(lower) && l.chars().all(|c| lower(c) || c == '-')
    };
    if !s.split('.').all(label_ok) {
        errs.push(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must \
             start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is \
             '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
                .to_string(),
        );
    }
    errs
}

/// The API's port name rule, with its messages.
// K8S: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsValidPortName)
fn port_name_errors(port: &str) -> Vec<String> {
    let checks = [
        (port.len() > 15, "must be no more than 15 characters"),
        (
            port.is_empty()
                || !port
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        ),
        (
            !port.chars().any(|c| c.is_ascii_lowercase()),
            "must contain at least one letter (a-z)",
        ),
        (port.contains("--"), "must not contain consecutive hyphens"),
        (
            port.starts_with('-') || port.ends_with('-'),
            "must not begin or end with a hyphen",
        ),
    ];
    checks
        .iter()
        .filter(|(failed, _)| *failed)
        .map(|(_, m)| m.to_string())
        .collect()
}

impl RestartPolicy {
    /// The policy as pod specs spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            RestartPolicy::Always => "Always",
            RestartPolicy::OnFailure => "OnFailure",
            RestartPolicy::Never => "Never",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use KubectlCommand as K;
    use ResourceKind::*;

    fn ok(line: &str) -> KubectlCommand {
        parse(line)
            .unwrap_or_else(|e| panic!("{line}: {e}"))
            .command
    }

    fn objects(kind: ResourceKind, names: &[&str]) -> Targets {
        Targets::Objects(
            names
                .iter()
                .map(|n| ObjectRef {
                    kind,
                    name: n.to_string(),
                })
                .collect(),
        )
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Command lines and the exact first line kubectl prints for them, `LINE => ERROR`.
    const ERRORS: &str = r#"
frob => error: unknown command "frob" for "kubectl"
apply => error: must specify one of -f and -k
create frob => error: Unexpected args: [frob]
scale deploy web --replicas=3 --foo => error: unknown flag: --foo
delete pod x -Ax => error: unknown shorthand flag: 'x' in -x
scale deploy web --replicas => error: flag needs an argument: --replicas
delete pod x -n => error: flag needs an argument: 'n' in -n
scale deploy web --replicas=abc => error: invalid argument "abc" for "--replicas" flag: strconv.ParseInt: parsing "abc": invalid syntax
delete pod x --force=maybe => error: invalid argument "maybe" for "--force" flag: strconv.ParseBool: parsing "maybe": invalid syntax
create deploy web --image=x -r 3000000000 => error: invalid argument "3000000000" for "-r, --replicas" flag: strconv.ParseInt: parsing "3000000000": value out of range
delete pod x ---x => error: bad flag syntax: ---x
run web => error: required flag(s) "image" not set
scale deploy web => error: required flag(s) "replicas" not set
scale deploy web --replicas=2000000000 => error: --replicas=2000000000 is more than 150000, the most pods kubesim simulates for one object
create deploy web --image=x -r 150001 => error: --replicas=150001 is more than 150000, the most pods kubesim simulates for one object
delete pod web --now --grace-period=5 => error: --now and --grace-period cannot be specified together
delete pod web --force --grace-period=5 => error: --force and --grace-period greater than 0 cannot be specified together
delete pod => error: resource(s) were provided, but no name was specified
delete foos x => error: the server doesn't have a resource type "foos"
delete pods --all -l app=x => error: setting 'all' parameter but found a non empty selector. 
delete all web => error: you must specify only one resource
delete deploy/web/x => error: arguments in resource/name form may not have more than one slash
delete pods -l app=x web => error: name cannot be provided when a selector is specified
delete -f a.yaml pod => error: when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well
run web --image= => error: --image is required
run --image=nginx -- x => error: NAME is required for run
run web --image=nginx --restart=Sometimes => error: invalid restart policy: Sometimes, valid values are: Always, OnFailure, Never
run web --image=nginx --port=http => error: --port must be a number
run web --image=nginx --env=1A=x => error: invalid env: 1A=x
run web --image=nginx -l a=b=c => error: unexpected label spec: a=b=c
create deployment web x --image=nginx => error: exactly one NAME is required, got 2
create deployment web --image=a,b -- sleep 1 => error: cannot specify multiple --image options and command
create svc clusterip web => error: at least one tcp port specifier must be provided
create service clusterip web --tcp=x => error: strconv.ParseUint: parsing "x": invalid syntax
create service clusterip web --tcp=80:Http => error: must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)
create service frob web => error: unknown command "frob web"
scale deploy web --replicas=-1 => error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0
set image deploy web => error: at least one image update is required
set image deploy web a=b c => error: all resources must be specified before image changes: c
set image deploy web app- => error: invalid image format: app-
set image deploy web *=a b=c => error: all containers are already specified by *, but saw more than one container_name=container_image pairs
set resources deploy/web => error: you must specify an update to requests or limits (in the form of --requests/--limits)
set resources deploy/web --limits=cpu => error: invalid argument syntax cpu, expected <resource>=<value>
set frob => error: unknown command "frob"
expose ds/logs --port=80 => error: cannot expose a DaemonSet.apps
patch deploy web -p x --type=yaml => error: --type must be one of [json merge strategic], not "yaml"
patch deploy web => error: must specify --patch or --patch-file containing the contents of the patch
label pod web a=b a- => error: can not both modify and remove a label in the same command
label pod web => error: at least one label update is required
label a=b => error: one or more resources must be specified as <resource> <name> or <resource>/<name>
annotate pod web a=1 a- => error: can not both modify and remove the following annotation(s) in the same command: a
taint nodes n gpu=true:Sometimes => error: invalid taint effect: Sometimes, unsupported taint effect
taint pods web a:NoSchedule => error: invalid resource type pods, only node types are supported
taint nodes n a:NoSchedule a:NoSchedule => error: duplicated taints with the same key and effect: {a  NoSchedule <nil>}
taint nodes n a:NoSchedule a- => error: can not both modify and remove the following taint(s) in the same command: a=
taint nodes a:NoSchedule => error: at least one resource name must be specified since 'all' parameter is not set
uncordon => error: USAGE: uncordon NODE [flags]
drain n1 -l a=b => error: cannot specify both a node name and a --selector option
drain pod/x => error: expected resource of type node, got "/v1, Resource=pods"
rollout status => error: required resource not specified
rollout history deploy/web --revision=-1 => error: revision must be a positive integer: -1
rollout frob deploy/web => error: unknown command "frob deploy/web"
"#;

    #[test]
    fn errors_read_as_kubectl_prints_them() {
        let cases: Vec<_> = ERRORS
            .lines()
            .filter_map(|l| l.split_once(" => "))
            .collect();
        assert_eq!(cases.len(), ERRORS.trim().lines().count());
        for (line, expected) in cases {
            let got = parse(line).expect_err(line).to_string();
            assert_eq!(got, expected, "{line}");
        }
        let missing = parse("delete").unwrap_err().to_string();
        assert!(missing.starts_with(
            "error: You must provide one or more resources by argument or filename.\n"
        ));
        assert!(parse("delete pod deploy/web")
            .unwrap_err()
            .to_string()
            .contains("there is no need to specify"));
        assert!(parse("label pod web a=b!")
            .unwrap_err()
            .to_string()
            .contains("a valid label must be an empty string"));
        let key = parse("taint nodes n gpu=true").unwrap_err().to_string();
        assert!(key.starts_with(
            "error: invalid taint spec: gpu=true, name part must consist of alphanumeric"
        ));
        assert_eq!(parse("delete pod 'web"), Err(KubectlError::Unsplittable));
        assert!(matches!(
            parse("get pods"),
            Err(KubectlError::Unsupported { .. })
        ));
        assert!(matches!(parse("rollout"), Err(KubectlError::Help { .. })));
        assert!(matches!(
            parse("delete pod x -h"),
            Err(KubectlError::Help { .. })
        ));
    }

    #[test]
    fn hints_follow_kubectl() {
        let flag = parse("scale deploy web --replicas=3 --foo").unwrap_err();
        assert_eq!(
            flag.hint().as_deref(),
            Some("See 'kubectl scale --help' for usage.")
        );
        let usage = parse("taint nodes n gpu=true:Sometimes").unwrap_err();
        assert_eq!(
            usage.hint().as_deref(),
            Some("See 'kubectl taint -h' for help and examples")
        );
        assert_eq!(parse("delete pod").unwrap_err().hint(), None);
    }

    #[test]
    fn flags_follow_pflag() {
        for line in [
            "delete pod x -nshop",
            "delete pod x -n=shop",
            "delete pod x --namespace shop",
            "-n shop delete pod x",
        ] {
            assert_eq!(
                parse(line).unwrap().namespace.as_deref(),
                Some("shop"),
                "{line}"
            );
        }
        let K::Delete(d) = ok("delete pod x --force=false --grace_period=3") else {
            panic!()
        };
        assert_eq!((d.force, d.grace_period), (false, Some(3)));
        let K::ApplyFile { files, create_only } =
            ok("kubectl apply -f a.yaml --filename=b.yaml,c.yaml")
        else {
            panic!()
        };
        assert_eq!((files.len(), create_only), (3, false));
        assert_eq!(
            ok("create -f x.yaml"),
            K::ApplyFile {
                files: vec!["x.yaml".into()],
                create_only: true
            }
        );
    }

    #[test]
    fn delete_targets_and_grace() {
        let grace = |line| match ok(line) {
            K::Delete(d) => d.grace_period,
            other => panic!("{other:?}"),
        };
        assert_eq!(grace("delete pod web"), None);
        assert_eq!(grace("delete deploy/web --now"), Some(1));
        assert_eq!(grace("delete pod web --grace-period=0"), Some(1));
        assert_eq!(grace("delete pod web --force"), Some(0));
        assert_eq!(grace("delete pod web --force --grace-period=0"), Some(0));
        let K::Delete(d) = ok("delete po web db") else {
            panic!()
        };
        assert_eq!(d.targets, objects(Pod, &["web", "db"]));
        let K::Delete(d) = ok("delete pods --all -A") else {
            panic!()
        };
        assert_eq!(
            d.targets,
            Targets::Selector {
                kinds: vec![Pod],
                selector: String::new()
            }
        );
        assert!(d.ignore_not_found && d.all_namespaces);
        let K::Delete(d) = ok("delete pods,svc web") else {
            panic!()
        };
        let refs = [
            ObjectRef {
                kind: Pod,
                name: "web".into(),
            },
            ObjectRef {
                kind: Service,
                name: "web".into(),
            },
        ];
        assert_eq!(d.targets, Targets::Objects(refs.to_vec()));
    }

    #[test]
    fn run_and_create() {
        let K::Run(r) = ok("run web --image=nginx:1.27 --restart=Never --env=A=1 --port=80") else {
            panic!()
        };
        assert_eq!(
            (r.restart, r.port, r.labels),
            (RestartPolicy::Never, Some(80), pairs(&[("run", "web")]))
        );
        let K::Run(r) = ok("run t --image=busybox -l app=t --command -- sh -c 'sleep 5'") else {
            panic!()
        };
        assert_eq!(
            (r.command, r.labels),
            (
                vec!["sh".into(), "-c".into(), "sleep 5".into()],
                pairs(&[("app", "t")])
            )
        );
        let K::Run(r) = ok("run t --image=busybox -- sleep 5") else {
            panic!()
        };
        assert_eq!(r.args, vec!["sleep", "5"]);
        let (name, images) = ("web".to_string(), vec!["nginx".to_string(), "redis".into()]);
        let expected = K::CreateDeployment {
            name,
            images,
            replicas: 3,
            port: Some(80),
            command: vec![],
        };
        assert_eq!(
            ok("create deploy web --image=nginx --image=redis -r 3 --port=80"),
            expected
        );
        let K::CreateService {
            ports, node_port, ..
        } = ok("create service nodeport web --tcp=80:8080,443:https --node-port=30080")
        else {
            panic!()
        };
        assert_eq!(node_port, Some(30080));
        assert_eq!(
            ports[0],
            ServicePort {
                name: "80-8080".into(),
                port: 80,
                target_port: TargetPort::Number(8080)
            }
        );
        assert_eq!(ports[1].target_port, TargetPort::Name("https".into()));
        assert_eq!(
            ok("create ns shop"),
            K::CreateNamespace {
                name: "shop".into()
            }
        );
    }

    #[test]
    fn edit_names_one_object() {
        let web = ObjectRef {
            kind: Deployment,
            name: "web".into(),
        };
        assert_eq!(
            ok("edit deployment web"),
            K::Edit {
                target: web.clone()
            }
        );
        assert_eq!(ok("edit deploy/web -o yaml"), K::Edit { target: web });
        for line in ["edit pods a b", "edit -f web.yaml"] {
            assert!(
                matches!(parse(line), Err(KubectlError::Unsupported { .. })),
                "{line}"
            );
        }
    }

    #[test]
    fn workload_edits() {
        let web = objects(Deployment, &["web"]);
        assert_eq!(
            ok("scale deployment/web --replicas=5"),
            K::Scale {
                targets: web.clone(),
                replicas: 5
            }
        );
        let images = pairs(&[("app", "nginx:1.27"), ("sidecar", "busybox")]);
        assert_eq!(
            ok("set image deploy web app=nginx:1.27 sidecar=busybox"),
            K::SetImage {
                targets: web.clone(),
                images
            }
        );
        let (limits, containers) = (
            pairs(&[("cpu", "200m"), ("memory", "512Mi")]),
            "app".to_string(),
        );
        let expected = K::SetResources {
            targets: web.clone(),
            containers,
            limits,
            requests: vec![],
        };
        assert_eq!(
            ok("set resources deploy/web -c app --limits=cpu=0.2,memory=512Mi"),
            expected
        );
        assert_eq!(
            parse("set resources deploy/web --limits=cpu=lots").unwrap_err().to_string(),
            "error: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        );
        let K::Expose(e) = ok("expose deploy web --port=80 --type=NodePort") else {
            panic!()
        };
        assert_eq!(
            (e.port.as_deref(), e.service_type.as_deref()),
            (Some("80"), Some("NodePort"))
        );
        let K::Patch { patch_type, .. } =
            ok(r#"patch deploy web -p '{"spec":{"replicas":2}}' --type=merge"#)
        else {
            panic!()
        };
        assert_eq!(patch_type, PatchType::Merge);
        let undo = K::Rollout {
            action: RolloutAction::Undo { to_revision: 2 },
            targets: web,
        };
        assert_eq!(ok("rollout undo deploy/web --to-revision=2"), undo);
        let K::Rollout { targets, .. } = ok("rollout restart deployment") else {
            panic!()
        };
        assert_eq!(
            targets,
            Targets::Selector {
                kinds: vec![Deployment],
                selector: String::new()
            }
        );
    }

    #[test]
    fn metadata_and_nodes() {
        let K::Label(e) = ok("label no node01 disk=ssd zone- --overwrite") else {
            panic!()
        };
        assert_eq!(
            (e.set, e.remove, e.overwrite),
            (pairs(&[("disk", "ssd")]), vec!["zone".to_string()], true)
        );
        let K::Taint {
            nodes, add, remove, ..
        } = ok("taint nodes node01 gpu=true:NoSchedule dedicated:NoExecute old-")
        else {
            panic!()
        };
        assert_eq!(nodes, objects(Node, &["node01"]));
        assert_eq!(
            add[0],
            Taint {
                key: "gpu".into(),
                value: "true".into(),
                effect: TaintEffect::NoSchedule
            }
        );
        assert_eq!(
            remove,
            vec![TaintRemoval {
                key: "old".into(),
                effect: None
            }]
        );
        let K::Drain(d) = ok("drain node01 --ignore-daemonsets --delete-emptydir-data --force --grace-period=30 --timeout=2m")
        else {
            panic!()
        };
        assert_eq!(
            (d.grace_period, d.timeout.as_deref(), d.ignore_daemonsets),
            (Some(30), Some("2m"), true)
        );
        assert_eq!(
            ok("cordon node/n1"),
            K::Cordon {
                nodes: objects(Node, &["n1"])
            }
        );
    }

    #[test]
    fn resource_names() {
        let names = [
            ("po", Pod),
            ("Pods", Pod),
            ("deployments.apps", Deployment),
            ("deploy.v1.apps", Deployment),
        ];
        for (arg, kind) in names
            .into_iter()
            .chain([("limits", LimitRange), ("cj", CronJob)])
        {
            assert_eq!(ResourceKind::from_arg(arg), Ok(kind), "{arg}");
        }
        assert_eq!(
            ResourceKind::from_arg("PO"),
            Err(KubectlError::UnknownResourceType("PO".into()))
        );
        assert_eq!(
            ResourceKind::from_arg("pods.apps"),
            Err(KubectlError::UnknownResourceType("pods".into()))
        );
        // Served, but no timeline command acts on service accounts.
        assert_eq!(
            ResourceKind::from_arg("sa"),
            Err(KubectlError::UnknownResourceType("sa".into()))
        );
    }

    /// `all` is discovery's category: HorizontalPodAutoscalers belong to it, and batch lists
    /// cronjobs before jobs (the old hand-written list had neither).
    // K8S: pkg/registry/autoscaling/horizontalpodautoscaler/storage/storage.go (Categories)
    #[test]
    fn all_is_the_category_discovery_serves() {
        let K::Delete(d) = ok("delete all --all") else {
            panic!()
        };
        let kinds = vec![
            Pod,
            Service,
            DaemonSet,
            Deployment,
            ReplicaSet,
            StatefulSet,
            HorizontalPodAutoscaler,
            CronJob,
            Job,
        ];
        assert_eq!(
            d.targets,
            Targets::Selector {
                kinds,
                selector: String::new()
            }
        );
    }

    /// The GroupVersionResource in `drain`'s refusal is the served (preferred) version.
    #[test]
    fn drain_names_the_served_version() {
        assert_eq!(
            parse("drain hpa/web").unwrap_err().to_string(),
            "error: expected resource of type node, got \"autoscaling/v2, Resource=horizontalpodautoscalers\""
        );
    }
}
