//! `kubesim get`: the resources it lists with the names kubectl takes for them, and what it
//! prints: tables, `-o json|yaml|name`, the API server's NotFound error and kubectl's "No
//! resources found" note.

use super::printers::get::GetOptions;
use super::{printers, CliError, Output};
use crate::manifest::render;
use crate::sim::Simulation;

/// A resource `kubesim get` lists, as the API server's discovery describes it.
pub(super) struct Resource {
    pub(super) kind: &'static str,
    /// The plural, as the API and its errors name the resource.
    plural: &'static str,
    /// The API group, empty for the core group.
    group: &'static str,
    /// The other names kubectl takes for it: the singular and the short names.
    aliases: &'static [&'static str],
    namespaced: bool,
}

/// The resources `kubesim get` lists.
// K8S: the API server's discovery, as `kubectl api-resources` prints it (names, short names,
// groups and scopes)
const RESOURCES: &[Resource] = &[
    resource("Pod", "pods", "", &["pod", "po"], true),
    resource("Node", "nodes", "", &["node", "no"], false),
    resource("Event", "events", "", &["event", "ev"], true),
    resource(
        "Deployment",
        "deployments",
        "apps",
        &["deployment", "deploy"],
        true,
    ),
    resource(
        "ReplicaSet",
        "replicasets",
        "apps",
        &["replicaset", "rs"],
        true,
    ),
    resource("Job", "jobs", "batch", &["job"], true),
    resource(
        "DaemonSet",
        "daemonsets",
        "apps",
        &["daemonset", "ds"],
        true,
    ),
    resource("Service", "services", "", &["service", "svc"], true),
    resource("Endpoints", "endpoints", "", &["ep"], true),
    resource(
        "EndpointSlice",
        "endpointslices",
        "discovery.k8s.io",
        &["endpointslice"],
        true,
    ),
    resource(
        "ResourceQuota",
        "resourcequotas",
        "",
        &["resourcequota", "quota"],
        true,
    ),
    resource(
        "LimitRange",
        "limitranges",
        "",
        &["limitrange", "limits"],
        true,
    ),
    resource(
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        "autoscaling",
        &["horizontalpodautoscaler", "hpa"],
        true,
    ),
];

const fn resource(
    kind: &'static str,
    plural: &'static str,
    group: &'static str,
    aliases: &'static [&'static str],
    namespaced: bool,
) -> Resource {
    Resource {
        kind,
        plural,
        group,
        aliases,
        namespaced,
    }
}

/// The kinds `kubectl get all` lists, in its order.
const ALL_KINDS: [&str; 6] = [
    "Pod",
    "Service",
    "DaemonSet",
    "Deployment",
    "ReplicaSet",
    "Job",
];

impl Resource {
    /// The resource a name given to `get` means: its plural, singular or short name, or its
    /// plural with its group (`deployments.apps`).
    fn named(arg: &str) -> Result<&'static Resource, CliError> {
        RESOURCES
            .iter()
            .find(|r| r.plural == arg || r.aliases.contains(&arg) || r.qualified_plural() == arg)
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "the server doesn't have a resource type \"{arg}\" (kubesim get knows: pods, nodes, events, deployments, replicasets, jobs, daemonsets, services, endpoints, endpointslices, resourcequotas, limitranges, hpa, all; several joined by commas)"
                ))
            })
    }

    /// The resource of a kind kubesim lists.
    pub(super) fn of_kind(kind: &str) -> &'static Resource {
        RESOURCES
            .iter()
            .find(|r| r.kind == kind)
            .expect("kubesim lists every kind it looks up")
    }

    /// `deployments.apps`, `pods`: how API errors name the resource.
    // K8S: staging/src/k8s.io/apimachinery/pkg/runtime/schema/group_version.go
    // (GroupResource.String)
    fn qualified_plural(&self) -> String {
        match self.group {
            "" => self.plural.to_string(),
            group => format!("{}.{group}", self.plural),
        }
    }

    /// `deployment.apps/`, `pod/`: how `-o name` and tables of several kinds begin a name.
    // K8S: staging/src/k8s.io/cli-runtime/pkg/printers/name.go (kind, lowercased, with group)
    fn name_prefix(&self) -> String {
        let kind = self.kind.to_ascii_lowercase();
        match self.group {
            "" => format!("{kind}/"),
            group => format!("{kind}.{group}/"),
        }
    }

    /// The API server's NotFound error about an object of this resource, as kubectl prints it.
    // K8S: staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go (NewNotFound: `%s %q not
    // found` of the qualified resource and the name)
    pub(super) fn not_found(&self, name: &str) -> CliError {
        CliError::Kubectl(format!(
            "Error from server (NotFound): {} \"{name}\" not found",
            self.qualified_plural()
        ))
    }
}

/// What `get` prints: the objects on standard output, or, when none matched, kubectl's note
/// on standard error.
pub(super) enum Listing {
    Found(String),
    NoneFound(String),
}

impl Listing {
    /// What goes to standard output (nothing when no object matched).
    pub(super) fn found(&self) -> &str {
        match self {
            Listing::Found(text) => text,
            Listing::NoneFound(_) => "",
        }
    }

    /// Prints it where kubectl does.
    pub(super) fn print(&self) -> Result<(), CliError> {
        match self {
            Listing::Found(text) => out!("{text}"),
            Listing::NoneFound(note) => errln!("{note}"),
        }
    }
}

/// `kubesim get`: one kind, `all`, or several joined by commas (`pods,svc`), as kubectl prints
/// them: a table per kind with `<resource>/<name>` names when there are several, or one list.
pub(super) fn get(
    sim: &Simulation,
    arg: &str,
    output: Option<Output>,
    opts: &GetOptions<'_>,
) -> Result<Listing, CliError> {
    let mut resources: Vec<&Resource> = Vec::new();
    for part in arg.split(',') {
        match part {
            "all" => resources.extend(ALL_KINDS.map(Resource::of_kind)),
            one => resources.push(Resource::named(one)?),
        }
    }
    resources.dedup_by_key(|r| r.kind);
    if opts.name.is_some() && resources.len() > 1 {
        return Err(CliError::Usage(
            "error: you must specify only one resource type with a name".to_string(),
        ));
    }
    let named = opts.name.map(|name| (resources[0], name));
    if matches!(output, Some(Output::Json | Output::Yaml | Output::Name)) {
        let mut items = Vec::new();
        let mut names = Vec::new();
        for &r in &resources {
            objects_of(sim, r, opts, &mut items, &mut names);
        }
        // K8S: staging/src/k8s.io/kubectl/pkg/cmd/get/get.go (printGeneric: one object when
        // named, else a `v1 List`, empty included, and no note)
        let value = match named {
            Some((r, name)) => items.pop().ok_or_else(|| r.not_found(name))?,
            None => render::list(items),
        };
        return Ok(Listing::Found(match output {
            Some(Output::Json) => render::to_json(&value),
            Some(Output::Yaml) => render::to_yaml(&value),
            _ => names.iter().map(|n| format!("{n}\n")).collect(),
        }));
    }
    let now = sim.now();
    let several = resources.len() > 1;
    let mut tables = Vec::new();
    for &r in &resources {
        let prefix = r.name_prefix();
        let opts = GetOptions {
            name_prefix: if several { &prefix } else { "" },
            ..opts.clone()
        };
        let table = match r.kind {
            "Pod" => printers::get::pods(&sim.state, now, &opts),
            "Node" => printers::get::nodes(&sim.state, now, &opts),
            "Event" => printers::get::events(&sim.state, now, &opts),
            stored => printers::get::stored(&sim.state, stored, now, &opts),
        };
        tables.extend(table);
    }
    if !tables.is_empty() {
        return Ok(Listing::Found(tables.join("\n")));
    }
    if let Some((r, name)) = named {
        return Err(r.not_found(name));
    }
    // K8S: staging/src/k8s.io/kubectl/pkg/cmd/get/get.go (Run: on standard error, naming the
    // namespace unless listing across namespaces or a cluster-scoped resource)
    let namespaced = !opts.all_namespaces && resources.iter().all(|r| r.namespaced);
    Ok(Listing::NoneFound(if namespaced {
        format!(
            "No resources found in {} namespace.",
            opts.namespace.unwrap_or("default")
        )
    } else {
        "No resources found".to_string()
    }))
}

/// The objects of a resource that `get -o json|yaml|name` prints, with their `-o name` names.
fn objects_of(
    sim: &Simulation,
    resource: &Resource,
    opts: &GetOptions<'_>,
    items: &mut Vec<serde_json::Value>,
    names: &mut Vec<String>,
) {
    let prefix = resource.name_prefix();
    match resource.kind {
        "Pod" => {
            for (_, pod) in sim.state.pods_by_name() {
                if opts.wants(&pod.meta.namespace, &pod.meta.name, &pod.meta.labels) {
                    items.push(render::pod(pod));
                    names.push(format!("{prefix}{}", pod.meta.name));
                }
            }
        }
        "Node" => {
            for node in sim.state.nodes() {
                if opts.name.is_none_or(|n| n == node.meta.name)
                    && opts.selector.matches(&node.meta.labels)
                {
                    items.push(render::node(node));
                    names.push(format!("{prefix}{}", node.meta.name));
                }
            }
        }
        "Event" => {
            for (name, event) in printers::get::listed_events(&sim.state, opts) {
                items.push(render::event(name, event));
                names.push(format!("{prefix}{name}"));
            }
        }
        kind => {
            for ((k, ns, name), object) in &sim.state.objects {
                if k == kind && opts.wants(ns, name, &object.labels()) {
                    items.push(render::stored(object));
                    names.push(format!("{prefix}{name}"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_named_as_the_api_names_them() {
        let deploy = Resource::named("deploy").unwrap();
        assert_eq!(deploy.qualified_plural(), "deployments.apps");
        assert_eq!(deploy.name_prefix(), "deployment.apps/");
        assert_eq!(
            Resource::named("deployments.apps").unwrap().kind,
            "Deployment"
        );
        assert_eq!(
            Resource::named("ep").unwrap().qualified_plural(),
            "endpoints"
        );
        let hpa = Resource::of_kind("HorizontalPodAutoscaler");
        assert_eq!(
            hpa.not_found("web").to_string(),
            "Error from server (NotFound): horizontalpodautoscalers.autoscaling \"web\" not found"
        );
        assert!(Resource::named("widgets").is_err());
    }
}
