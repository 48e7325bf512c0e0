//! `kubesim get`: the resources it lists (named as kubectl names them, through the API's
//! resource table), and what it prints: tables, `-o json|yaml|name`, the API server's NotFound error and kubectl's "No
//! resources found" note.

use super::printers::get::GetOptions;
use super::{printers, CliError, Output};
use crate::apiserver::resources::{self, Resource};
use crate::apiserver::{read, tables};
use crate::manifest::render;
use crate::sim::Simulation;

/// The kinds `kubesim get` has printers for (upstream's columns); the others it knows by name
/// but cannot list yet.
const PRINTED: &[&str] = &[
    "Pod",
    "Node",
    "Namespace",
    "Event",
    "Deployment",
    "ReplicaSet",
    "Job",
    "DaemonSet",
    "Service",
    "Endpoints",
    "EndpointSlice",
    "ResourceQuota",
    "LimitRange",
    "HorizontalPodAutoscaler",
];

fn printed(resource: &Resource) -> bool {
    PRINTED.contains(&resource.kind)
}

/// The resource a name given to `get` means, as kubectl resolves it (plural, singular, short
/// name, with or without its group), if `get` can list it.
fn named(arg: &str) -> Result<&'static Resource, CliError> {
    let listed = || {
        let plurals: Vec<&str> = resources::RESOURCES
            .iter()
            .filter(|r| printed(r))
            .map(|r| r.plural)
            .collect();
        format!("{}, all; several joined by commas", plurals.join(", "))
    };
    match resources::resolve(arg) {
        Ok(resource) if printed(resource) => Ok(resource),
        Ok(resource) => Err(CliError::Usage(format!(
            "kubesim get cannot list {} yet (it lists {})",
            resource.group_resource(),
            listed()
        ))),
        // K8S: staging/src/k8s.io/cli-runtime/pkg/resource/builder.go (mappingFor)
        Err(name) => Err(CliError::Usage(format!(
            "the server doesn't have a resource type \"{name}\" (kubesim get knows: {})",
            listed()
        ))),
    }
}

/// `deployment.apps/`, `pod/`: how `-o name` and tables of several kinds begin a name.
fn name_prefix(resource: &Resource) -> String {
    format!("{}/", resource.group_kind_name())
}

/// The API server's NotFound error about an object of this resource, as kubectl prints it.
// K8S: staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go (NewNotFound: `%s %q not
// found` of the qualified resource and the name)
pub(super) fn not_found(resource: &Resource, name: &str) -> CliError {
    CliError::Kubectl(format!(
        "Error from server (NotFound): {} \"{name}\" not found",
        resource.group_resource()
    ))
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
    let mut wanted: Vec<&Resource> = Vec::new();
    for part in arg.split(',') {
        match part {
            // K8S: staging/src/k8s.io/client-go/restmapper/category_expansion.go
            "all" => wanted.extend(resources::category("all").filter(|r| printed(r))),
            one => wanted.push(named(one)?),
        }
    }
    wanted.dedup_by_key(|r| r.kind);
    if opts.name.is_some() && wanted.len() > 1 {
        return Err(CliError::Usage(
            "error: you must specify only one resource type with a name".to_string(),
        ));
    }
    let named = opts.name.map(|name| (wanted[0], name));
    if matches!(output, Some(Output::Json | Output::Yaml | Output::Name)) {
        let mut items = Vec::new();
        let mut names = Vec::new();
        for &r in &wanted {
            objects_of(sim, r, opts, &mut items, &mut names);
        }
        // K8S: staging/src/k8s.io/kubectl/pkg/cmd/get/get.go (printGeneric: one object when
        // named, else a `v1 List`, empty included, and no note)
        let value = match named {
            Some((r, name)) => items.pop().ok_or_else(|| not_found(r, name))?,
            None => render::list(items),
        };
        return Ok(Listing::Found(match output {
            Some(Output::Json) => render::to_json(&value),
            Some(Output::Yaml) => render::to_yaml(&value),
            _ => names.iter().map(|n| format!("{n}\n")).collect(),
        }));
    }
    let now = sim.now();
    let several = wanted.len() > 1;
    let mut texts = Vec::new();
    for &r in &wanted {
        let prefix = name_prefix(r);
        let opts = GetOptions {
            name_prefix: if several { &prefix } else { "" },
            ..opts.clone()
        };
        let table = tables::table(&sim.state, r.kind, now, &opts.filter());
        texts.extend(printers::get::text(&table, &opts));
    }
    if !texts.is_empty() {
        return Ok(Listing::Found(texts.join("\n")));
    }
    if let Some((r, name)) = named {
        return Err(not_found(r, name));
    }
    // K8S: staging/src/k8s.io/kubectl/pkg/cmd/get/get.go (Run: on standard error, naming the
    // namespace unless listing across namespaces or a cluster-scoped resource)
    let namespaced = !opts.all_namespaces && wanted.iter().all(|r| r.namespaced);
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
    let prefix = name_prefix(resource);
    for (name, object) in read::objects(&sim.state, resource.kind, sim.now(), &opts.filter()) {
        items.push(object);
        names.push(format!("{prefix}{name}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_named_as_the_api_names_them() {
        let deploy = named("deploy").unwrap();
        assert_eq!(name_prefix(deploy), "deployment.apps/");
        assert_eq!(named("deployments.apps").unwrap().kind, "Deployment");
        assert_eq!(named("Pods").unwrap().kind, "Pod");
        assert_eq!(
            not_found(resources::of_kind("HorizontalPodAutoscaler"), "web").to_string(),
            "Error from server (NotFound): horizontalpodautoscalers.autoscaling \"web\" not found"
        );
        assert_eq!(
            named("widgets").unwrap_err().to_string(),
            "error: the server doesn't have a resource type \"widgets\" (kubesim get knows: endpoints, events, limitranges, namespaces, nodes, pods, resourcequotas, services, daemonsets, deployments, replicasets, horizontalpodautoscalers, jobs, endpointslices, all; several joined by commas)"
        );
        assert_eq!(
            named("sts").unwrap_err().to_string(),
            "error: kubesim get cannot list statefulsets.apps yet (it lists endpoints, events, limitranges, namespaces, nodes, pods, resourcequotas, services, daemonsets, deployments, replicasets, horizontalpodautoscalers, jobs, endpointslices, all; several joined by commas)"
        );
    }
}
