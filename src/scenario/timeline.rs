//! Timeline entries: kubectl command lines applied at a simulated instant.
//!
//! Command lines are parsed with kubectl's flags and errors (`kubectl` module); `apply -f`,
//! `create -f` and `delete -f` read their files when the scenario loads, as does `edit` its
//! entry's `object:` (the object as the user saves it in the editor); the rest run at their
//! instant (`sim::kubectl`).

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::kubectl::{self, Invocation, KubectlCommand, ResourceKind, Targets};
use super::simulate::SimulateCommand;
use crate::engine::{SimDuration, SimTime};
use crate::manifest::decode::Source;
use crate::manifest::read;
use crate::manifest::yaml::PathSeg;
use crate::manifest::{InputError, Manifest};

#[derive(Debug, Deserialize)]
pub(super) struct RawEntry {
    at: String,
    kubectl: Option<String>,
    simulate: Option<String>,
    /// `edit`'s saved object: a manifest path (relative to the scenario) or the object inline.
    object: Option<Value>,
    /// A write to the API as `kubesim serve --record` recorded it: `method`, `path`,
    /// `contentType`, `body`.
    request: Option<Value>,
}

/// One timeline entry, parsed.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub at: SimTime,
    /// The command line as the user wrote it, for the trace.
    pub command: String,
    pub action: Action,
}

/// What a timeline entry does.
#[derive(Debug, Clone)]
pub enum Action {
    /// `kubectl apply -f` / `kubectl create -f`: objects to add, read when the scenario loads.
    Apply {
        manifests: Vec<Manifest>,
        create_only: bool,
    },
    /// Any other kubectl command, run against the cluster at its instant.
    Kubectl(Invocation),
    /// `kubectl delete -f`: the files' objects, read when the scenario loads.
    DeleteFiles {
        invocation: Invocation,
        objects: Vec<FileObject>,
    },
    /// `kubectl edit`: the object as saved, validated when the scenario loads.
    Edit {
        invocation: Invocation,
        object: Value,
    },
    /// A simulator action (`simulate: node-down node02`).
    Simulate(SimulateCommand),
    /// A write to the API, as an HTTP client sent it to `kubesim serve`.
    Request(crate::scenario::request::ApiCall),
}

/// One object of a file given to `delete -f`.
#[derive(Debug, Clone)]
pub struct FileObject {
    /// The file as the command line names it, for kubectl's messages.
    pub file: String,
    pub kind: ResourceKind,
    /// The manifest's own; `None`: the command's (`-n`) or `default`.
    pub namespace: Option<String>,
    pub name: String,
}

/// Parses one `timeline:` entry: its instant and its command, with kubectl's own errors.
pub(super) fn parse_entry(
    raw: &RawEntry,
    src: Source<'_>,
    path: &[PathSeg],
    base_dir: &Path,
    digest: &mut Sha256,
    duration: SimDuration,
) -> Result<TimelineEntry, InputError> {
    let field = |name: &str| [path, &[PathSeg::Key(name.to_string())]].concat();
    let at = super::parse_instant(&raw.at, src, &field("at"), duration)?;
    let hint = || {
        Some(format!(
            "supported timeline commands: {}",
            kubectl::supported()
        ))
    };
    if let Some(request) = &raw.request {
        if raw.kubectl.is_some() || raw.simulate.is_some() || raw.object.is_some() {
            return Err(src.error(
                path,
                "a `request:` entry takes no `kubectl:`, `simulate:` or `object:`",
            ));
        }
        let call = crate::scenario::request::ApiCall::from_value(request)
            .map_err(|why| src.error(&field("request"), why))?;
        return Ok(TimelineEntry {
            at,
            command: call.line(),
            action: Action::Request(call),
        });
    }
    let command = match (&raw.kubectl, &raw.simulate) {
        (Some(c), None) => c.clone(),
        (None, Some(line)) if raw.object.is_none() => {
            let action = super::simulate::parse(line).map_err(|e| {
                src.error(&field("simulate"), e.to_string())
                    .with_hint(Some(format!(
                        "simulate actions: {}",
                        super::simulate::supported()
                    )))
            })?;
            return Ok(TimelineEntry {
                at,
                command: line.clone(),
                action: Action::Simulate(action),
            });
        }
        _ => {
            return Err(src
                .error(
                    path,
                    "each timeline entry needs exactly one of `kubectl:` or `simulate:`",
                )
                .with_hint(hint()))
        }
    };
    let invocation = kubectl::parse(&command).map_err(|e| {
        let own = e.hint();
        src.error(&field("kubectl"), e.to_string())
            .with_hint(own.or_else(hint))
    })?;
    if let Some(what) = not_updatable(&invocation.command) {
        return Err(src
            .error(&field("kubectl"), format!("kubesim does not simulate {what} yet"))
            .with_hint(Some(
                "patch, set resources and edit reach pods and the workload kinds; use label, annotate, taint or cordon on nodes".into(),
            )));
    }
    let takes_object = match &invocation.command {
        KubectlCommand::Edit { .. } => true,
        KubectlCommand::ApplyFile { files, .. } => files.iter().any(|f| f == "-"),
        _ => false,
    };
    if let (false, Some(_)) = (takes_object, &raw.object) {
        return Err(src
            .error(
                &field("object"),
                "only `kubectl edit` and `apply|create -f -` entries take an `object:`",
            )
            .with_hint(Some(
                "remove `object:`, or make the command `edit KIND NAME` or `create -f -`".into(),
            )));
    }
    let action = match invocation.command {
        KubectlCommand::ApplyFile { files, create_only } => {
            let mut manifests = Vec::new();
            for file in &files {
                if file == "-" {
                    // K8S: kubectl's `-f -` reads standard input: here, the entry's `object:`.
                    let object = raw.object.as_ref().ok_or_else(|| {
                        src.error(
                            &field("kubectl"),
                            "`-f -` reads the object from the entry's `object:`, which is missing",
                        )
                    })?;
                    let object_path = field("object");
                    crate::manifest::load_value(
                        object,
                        src.located,
                        src.file,
                        &object_path,
                        &mut manifests,
                    )?;
                } else {
                    let one = std::slice::from_ref(file);
                    manifests.extend(read_files(one, src, &field("kubectl"), base_dir, digest)?);
                }
            }
            Action::Apply {
                manifests,
                create_only,
            }
        }
        KubectlCommand::Delete(ref d) => match &d.targets {
            Targets::Files(files) => {
                let mut objects = Vec::new();
                for file in files {
                    let manifests = read_files(
                        std::slice::from_ref(file),
                        src,
                        &field("kubectl"),
                        base_dir,
                        digest,
                    )?;
                    for manifest in manifests {
                        objects.push(file_object(file, &manifest).map_err(|e| {
                            src.error(&field("kubectl"), e).with_hint(Some(
                                "delete -f deletes pods and the workload kinds; delete the others by name"
                                    .into(),
                            ))
                        })?);
                    }
                }
                Action::DeleteFiles {
                    invocation,
                    objects,
                }
            }
            _ => Action::Kubectl(invocation),
        },
        KubectlCommand::Edit { ref target } => {
            let object = edited_object(
                raw.object.as_ref(),
                target,
                src,
                &field("object"),
                base_dir,
                digest,
            )?;
            Action::Edit { invocation, object }
        }
        KubectlCommand::Patch { ref patch, .. } => {
            crate::apiserver::patch::parse(patch)
                .map_err(|e| src.error(&field("kubectl"), format!("error: {e}")))?;
            Action::Kubectl(invocation)
        }
        _ => Action::Kubectl(invocation),
    };
    Ok(TimelineEntry {
        at,
        command,
        action,
    })
}

/// The update verbs (`patch`, `set resources`, `edit`) on nodes or namespaces, which the
/// simulation keeps as typed state rather than as objects those verbs can rewrite, or on `-f`
/// files (not read for these verbs yet).
fn not_updatable(command: &KubectlCommand) -> Option<String> {
    let (verb, kinds): (&str, Vec<ResourceKind>) = match command {
        KubectlCommand::Patch { targets, .. } => ("patch", kinds(targets)),
        KubectlCommand::SetResources { targets, .. } => ("set resources", kinds(targets)),
        KubectlCommand::Edit { target } => ("edit", vec![target.kind]),
        _ => return None,
    };
    if let KubectlCommand::Patch {
        targets: Targets::Files(_),
        ..
    }
    | KubectlCommand::SetResources {
        targets: Targets::Files(_),
        ..
    } = command
    {
        return Some(format!("`kubectl {verb} -f`"));
    }
    let kind = kinds
        .into_iter()
        .find(|k| matches!(k, ResourceKind::Node | ResourceKind::Namespace))?;
    Some(format!("`kubectl {verb}` of a {}", kind.name()))
}

fn kinds(targets: &Targets) -> Vec<ResourceKind> {
    match targets {
        Targets::Objects(objects) => objects.iter().map(|o| o.kind).collect(),
        Targets::Selector { kinds, .. } => kinds.clone(),
        Targets::Files(_) => Vec::new(),
    }
}

/// Reads the manifests of `-f` files (relative to the scenario), each file into the digest.
fn read_files(
    files: &[String],
    src: Source<'_>,
    path: &[PathSeg],
    base_dir: &Path,
    digest: &mut Sha256,
) -> Result<Vec<Manifest>, InputError> {
    let mut manifests = Vec::new();
    for file in files {
        let full = base_dir.join(file);
        let text = read::text(&full, read::YAML).map_err(|e| {
            e.into_input(|_| {
                src.error(
                    path,
                    format!("error: the path \"{}\" does not exist", full.display()),
                )
            })
        })?;
        digest.update(text.as_bytes());
        let loaded = crate::manifest::load_str(&text, &full.display().to_string())?;
        // kubectl names the file as it was given in its messages.
        manifests.extend(loaded.into_iter().map(|m| Manifest {
            file: file.clone(),
            ..m
        }));
    }
    Ok(manifests)
}

/// What `delete -f` needs of one manifest object; nodes and namespaces are not deleted.
fn file_object(file: &str, manifest: &Manifest) -> Result<FileObject, String> {
    use crate::manifest::Object;
    let (namespace, name) = match &manifest.object {
        Object::Pod(pod) => (
            pod.metadata.namespace.clone(),
            pod.metadata.name.clone().unwrap_or_default(),
        ),
        Object::Stored(stored) => (stored.namespace.clone(), stored.name.clone()),
        other => {
            return Err(format!(
                "kubesim does not simulate deleting a {} ({}) yet",
                other.kind(),
                manifest.origin
            ))
        }
    };
    let kind = ResourceKind::from_arg(manifest.object.kind()).map_err(|e| e.to_string())?;
    Ok(FileObject {
        file: file.to_string(),
        kind,
        namespace,
        name,
    })
}

/// `edit`'s `object:`: read (a path) or taken inline, validated as a manifest, and of the
/// kind and name the command edits.
fn edited_object(
    given: Option<&Value>,
    target: &kubectl::ObjectRef,
    src: Source<'_>,
    path: &[PathSeg],
    base_dir: &Path,
    digest: &mut Sha256,
) -> Result<Value, InputError> {
    let hint = || {
        Some(
            "give `object: path/to/final.yaml` (relative to the scenario) or the object inline under `object:`"
                .to_string(),
        )
    };
    let mut loaded = Vec::new();
    let value = match given {
        None => {
            let entry = &path[..path.len().saturating_sub(1)];
            let message = "`kubectl edit` needs `object:`, the object as saved from the editor";
            return Err(src.error(entry, message).with_hint(hint()));
        }
        Some(Value::String(file)) => {
            let full = base_dir.join(file);
            let label = full.display().to_string();
            let text = read::text(&full, read::YAML).map_err(|e| {
                e.into_input(|_| src.error(path, format!("cannot read {label}: no such file")))
            })?;
            digest.update(text.as_bytes());
            let docs = crate::manifest::yaml::parse_documents(&text)
                .map_err(|e| InputError::at(&label, e.pos.line, e.pos.column, e.message))?;
            let [doc] = &docs[..] else {
                return Err(src.error(path, format!("{label} must hold exactly one object")));
            };
            crate::manifest::load_value(&doc.value, &doc.located, &label, &[], &mut loaded)?;
            doc.value.clone()
        }
        Some(value @ Value::Object(_)) => {
            crate::manifest::load_value(value, src.located, src.file, path, &mut loaded)?;
            value.clone()
        }
        Some(_) => {
            let message = "`object:` must be a manifest path or an inline object";
            return Err(src.error(path, message).with_hint(hint()));
        }
    };
    let named = value["metadata"]["name"].as_str().unwrap_or_default();
    if loaded.len() != 1 || value["kind"] != target.kind.name() || named != target.name {
        return Err(src
            .error(
                path,
                "error: At least one of apiVersion, kind and name was changed",
            )
            .with_hint(Some(format!(
                "the object must be the {} named {} that the command edits",
                target.kind.name(),
                target.name
            ))));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::Action;

    const HEAD: &str = "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  timeline:\n";

    /// The first line of the load error of a scenario with this one timeline entry.
    fn error(entry: &str) -> String {
        let text = format!("{HEAD}{entry}");
        let e = crate::scenario::load_str(&text, "s.yaml", Path::new("scenarios/workloads"))
            .unwrap_err();
        e.to_string().lines().next().unwrap().to_string()
    }

    #[test]
    fn edit_needs_its_object_and_only_edit_takes_one() {
        assert_eq!(
            error("  - {at: 1m, kubectl: edit deployment web}\n"),
            "s.yaml:6:5: `kubectl edit` needs `object:`, the object as saved from the editor"
        );
        assert_eq!(
            error("  - {at: 1m, kubectl: scale deploy web --replicas=1, object: ../manifests/web-edited.yaml}\n"),
            "s.yaml:6:54: only `kubectl edit` and `apply|create -f -` entries take an `object:`"
        );
        assert_eq!(
            error("  - {at: 1m, kubectl: \"create -f -\"}\n"),
            "s.yaml:6:14: `-f -` reads the object from the entry's `object:`, which is missing"
        );
        assert_eq!(
            error("  - {at: 1m, kubectl: edit deployment api, object: ../manifests/web-edited.yaml}\n"),
            "s.yaml:6:44: error: At least one of apiVersion, kind and name was changed"
        );
        assert_eq!(
            error("  - {at: 1m, kubectl: edit pod web, object: {apiVersion: v1, kind: Pod, metadata: {name: web}}}\n"),
            // K8S: pkg/apis/core/validation/validation.go (validateContainers)
            "s.yaml:6:37: The Pod \"web\" is invalid: spec.containers: Required value"
        );
    }

    #[test]
    fn edit_takes_its_object_inline_or_from_a_file() {
        let inline = "  - at: 1m\n    kubectl: edit cm settings\n    object: {apiVersion: v1, kind: ConfigMap, metadata: {name: settings}, data: {mode: fast}}\n";
        let file = "  - {at: 2m, kubectl: edit deploy/web, object: ../manifests/web-edited.yaml}\n";
        let text = format!("{HEAD}{inline}{file}");
        let s =
            crate::scenario::load_str(&text, "s.yaml", Path::new("scenarios/workloads")).unwrap();
        let objects: Vec<_> = s
            .timeline
            .iter()
            .map(|e| match &e.action {
                Action::Edit { object, .. } => object.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(objects[0]["data"]["mode"], "fast");
        assert_eq!(objects[1]["spec"]["replicas"], 3);
    }

    #[test]
    fn patches_and_delete_files_are_checked_at_load() {
        let bad = error("  - {at: 1m, kubectl: \"patch deploy web -p '{\\\"spec\\\": '\"}\n");
        assert!(
            bad.starts_with("s.yaml:6:14: error: unable to parse "),
            "{bad}"
        );
        assert_eq!(
            error("  - {at: 1m, kubectl: delete -f nowhere.yaml}\n"),
            "s.yaml:6:14: error: the path \"scenarios/workloads/nowhere.yaml\" does not exist"
        );
        assert_eq!(
            error("  - {at: 1m, kubectl: patch node node01 -p x}\n"),
            "s.yaml:6:14: kubesim does not simulate `kubectl patch` of a Node yet"
        );
        assert_eq!(
            error("  - {at: 1m, kubectl: set resources -f ../manifests/web.yaml --limits=cpu=1}\n"),
            "s.yaml:6:14: kubesim does not simulate `kubectl set resources -f` yet"
        );
        let node = error("  - {at: 1m, kubectl: delete -f ../manifests/node03.yaml}\n");
        assert!(
            node.starts_with("s.yaml:6:14: kubesim does not simulate deleting a Node"),
            "{node}"
        );
        let text =
            format!("{HEAD}  - {{at: 1m, kubectl: delete -f ../manifests/web.yaml -n team}}\n");
        let s =
            crate::scenario::load_str(&text, "s.yaml", Path::new("scenarios/workloads")).unwrap();
        let Action::DeleteFiles { objects, .. } = &s.timeline[0].action else {
            panic!("{:?}", s.timeline[0].action)
        };
        assert_eq!(
            (
                objects[0].file.as_str(),
                objects[0].name.as_str(),
                &objects[0].namespace
            ),
            ("../manifests/web.yaml", "web", &None)
        );
    }
}
