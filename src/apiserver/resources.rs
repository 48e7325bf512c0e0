//! The API's resources, one row per kind kubesim knows, as kube-apiserver's discovery serves
//! them: kind, singular and plural names, short names, group and version, scope, verbs and
//! categories.
//!
//! Everything that names a resource reads it here: kubectl's argument resolution (`po`,
//! `deployments.apps`), the printers' `deployment.apps/web` names, API errors' `pods "web"`,
//! quota's `count/deployments.apps`, and the discovery documents `kubesim serve` will serve.
//! One table keeps them from disagreeing, as three copies once did.

/// One resource as discovery's `APIResource` describes it.
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (APIResource)
#[derive(Debug, PartialEq, Eq)]
pub struct Resource {
    /// The kind as objects spell it (`Deployment`).
    pub kind: &'static str,
    /// The singular resource name (`deployment`), which kubectl accepts beside the plural.
    pub singular: &'static str,
    /// The resource name (`deployments`): URL paths, API errors and RBAC name it so.
    pub plural: &'static str,
    /// The abbreviations kubectl accepts (`deploy`), matched exactly (case-sensitively).
    pub short_names: &'static [&'static str],
    /// The API group, empty for the core group.
    pub group: &'static str,
    /// The version kubesim serves (the group's preferred version).
    pub version: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// What the storage supports, in discovery's (sorted) order.
    pub verbs: &'static [&'static str],
    /// The groups the resource belongs to (`all`, which `kubectl get all` expands).
    pub categories: &'static [&'static str],
}

/// The verbs of a store that supports every operation (the generic registry's store).
// K8S: staging/src/k8s.io/apiserver/pkg/endpoints/installer.go (registerResourceHandlers: one
// verb per rest.Storage interface the storage implements)
const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// Namespaces cannot be deleted as a collection.
// K8S: pkg/registry/core/namespace/storage/storage.go (REST implements no DeleteCollection)
const NAMESPACE_VERBS: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];

/// kubectl's `all` category.
const ALL: &[&str] = &["all"];

/// A row of a namespaced resource with every verb, which most are.
const fn namespaced(
    kind: &'static str,
    singular: &'static str,
    plural: &'static str,
    short_names: &'static [&'static str],
    group: &'static str,
    version: &'static str,
    categories: &'static [&'static str],
) -> Resource {
    Resource {
        kind,
        singular,
        plural,
        short_names,
        group,
        version,
        namespaced: true,
        verbs: ALL_VERBS,
        categories,
    }
}

/// Every resource kubesim knows: the kinds the manifest decoder accepts and the ones the
/// simulation writes (events, endpoints, endpoint slices). In discovery's order: the core
/// group, then the others by name, each group's resources by name; `all` expands in this order.
// K8S: each registry's rest storage sets the short names and categories (ShortNames(),
// Categories()), and its strategy the scope (NamespaceScoped()); the files are named per row.
pub static RESOURCES: &[Resource] = &[
    // K8S: pkg/registry/core/configmap/storage/storage.go
    namespaced(
        "ConfigMap",
        "configmap",
        "configmaps",
        &["cm"],
        "",
        "v1",
        &[],
    ),
    // K8S: pkg/registry/core/endpoint/storage/storage.go
    namespaced(
        "Endpoints",
        "endpoints",
        "endpoints",
        &["ep"],
        "",
        "v1",
        &[],
    ),
    // K8S: pkg/registry/core/event/storage/storage.go
    namespaced("Event", "event", "events", &["ev"], "", "v1", &[]),
    // K8S: pkg/registry/core/limitrange/storage/storage.go
    namespaced(
        "LimitRange",
        "limitrange",
        "limitranges",
        &["limits"],
        "",
        "v1",
        &[],
    ),
    // K8S: pkg/registry/core/namespace/storage/storage.go
    Resource {
        kind: "Namespace",
        singular: "namespace",
        plural: "namespaces",
        short_names: &["ns"],
        group: "",
        version: "v1",
        namespaced: false,
        verbs: NAMESPACE_VERBS,
        categories: &[],
    },
    // K8S: pkg/registry/core/node/storage/storage.go
    Resource {
        kind: "Node",
        singular: "node",
        plural: "nodes",
        short_names: &["no"],
        group: "",
        version: "v1",
        namespaced: false,
        verbs: ALL_VERBS,
        categories: &[],
    },
    // K8S: pkg/registry/core/persistentvolumeclaim/storage/storage.go
    namespaced(
        "PersistentVolumeClaim",
        "persistentvolumeclaim",
        "persistentvolumeclaims",
        &["pvc"],
        "",
        "v1",
        &[],
    ),
    // K8S: pkg/registry/core/pod/storage/storage.go
    namespaced("Pod", "pod", "pods", &["po"], "", "v1", ALL),
    // K8S: pkg/registry/core/resourcequota/storage/storage.go
    namespaced(
        "ResourceQuota",
        "resourcequota",
        "resourcequotas",
        &["quota"],
        "",
        "v1",
        &[],
    ),
    // K8S: pkg/registry/core/secret/storage/storage.go (no short name)
    namespaced("Secret", "secret", "secrets", &[], "", "v1", &[]),
    // K8S: pkg/registry/core/serviceaccount/storage/storage.go
    namespaced(
        "ServiceAccount",
        "serviceaccount",
        "serviceaccounts",
        &["sa"],
        "",
        "v1",
        &[],
    ),
    // K8S: pkg/registry/core/service/storage/storage.go
    namespaced("Service", "service", "services", &["svc"], "", "v1", ALL),
    // K8S: pkg/registry/apps/daemonset/storage/storage.go
    namespaced(
        "DaemonSet",
        "daemonset",
        "daemonsets",
        &["ds"],
        "apps",
        "v1",
        ALL,
    ),
    // K8S: pkg/registry/apps/deployment/storage/storage.go
    namespaced(
        "Deployment",
        "deployment",
        "deployments",
        &["deploy"],
        "apps",
        "v1",
        ALL,
    ),
    // K8S: pkg/registry/apps/replicaset/storage/storage.go
    namespaced(
        "ReplicaSet",
        "replicaset",
        "replicasets",
        &["rs"],
        "apps",
        "v1",
        ALL,
    ),
    // K8S: pkg/registry/apps/statefulset/storage/storage.go
    namespaced(
        "StatefulSet",
        "statefulset",
        "statefulsets",
        &["sts"],
        "apps",
        "v1",
        ALL,
    ),
    // K8S: pkg/registry/autoscaling/horizontalpodautoscaler/storage/storage.go
    namespaced(
        "HorizontalPodAutoscaler",
        "horizontalpodautoscaler",
        "horizontalpodautoscalers",
        &["hpa"],
        "autoscaling",
        "v2",
        ALL,
    ),
    // K8S: pkg/registry/batch/cronjob/storage/storage.go
    namespaced(
        "CronJob",
        "cronjob",
        "cronjobs",
        &["cj"],
        "batch",
        "v1",
        ALL,
    ),
    // K8S: pkg/registry/batch/job/storage/storage.go (no short name)
    namespaced("Job", "job", "jobs", &[], "batch", "v1", ALL),
    // K8S: pkg/registry/coordination/lease/storage/storage.go
    namespaced(
        "Lease",
        "lease",
        "leases",
        &[],
        "coordination.k8s.io",
        "v1",
        &[],
    ),
    // K8S: pkg/registry/discovery/endpointslice/storage/storage.go (no short name)
    namespaced(
        "EndpointSlice",
        "endpointslice",
        "endpointslices",
        &[],
        "discovery.k8s.io",
        "v1",
        &[],
    ),
    // K8S: pkg/registry/networking/ingress/storage/storage.go
    namespaced(
        "Ingress",
        "ingress",
        "ingresses",
        &["ing"],
        "networking.k8s.io",
        "v1",
        &[],
    ),
    // K8S: pkg/registry/policy/poddisruptionbudget/storage/storage.go
    namespaced(
        "PodDisruptionBudget",
        "poddisruptionbudget",
        "poddisruptionbudgets",
        &["pdb"],
        "policy",
        "v1",
        &[],
    ),
    // K8S: pkg/registry/scheduling/priorityclass/storage/storage.go
    Resource {
        kind: "PriorityClass",
        singular: "priorityclass",
        plural: "priorityclasses",
        short_names: &["pc"],
        group: "scheduling.k8s.io",
        version: "v1",
        namespaced: false,
        verbs: ALL_VERBS,
        categories: &[],
    },
];

/// A subresource kubesim serves, as discovery lists it under its resource
/// (`pods/eviction`).
// K8S: staging/src/k8s.io/apiserver/pkg/endpoints/installer.go (subresources are listed as
// `resource/subresource`, with the kind and group version of the object they take)
#[derive(Debug, PartialEq, Eq)]
pub struct Subresource {
    /// The resource's plural (`pods`).
    pub parent: &'static str,
    pub name: &'static str,
    /// The kind of the object the subresource takes or gives (`Eviction`).
    pub kind: &'static str,
    /// The group and version of that kind, when it is not the resource's own.
    pub group_version: Option<(&'static str, &'static str)>,
    pub verbs: &'static [&'static str],
}

/// The subresources served, in discovery's order.
// K8S: pkg/registry/core/pod/storage/storage.go (eviction, exec, log) and
// pkg/registry/apps/deployment/storage/storage.go, replicaset/storage/storage.go (scale)
pub static SUBRESOURCES: &[Subresource] = &[
    Subresource {
        parent: "pods",
        name: "eviction",
        kind: "Eviction",
        group_version: Some(("policy", "v1")),
        verbs: &["create"],
    },
    Subresource {
        parent: "pods",
        name: "exec",
        kind: "PodExecOptions",
        group_version: None,
        verbs: &["create", "get"],
    },
    Subresource {
        parent: "pods",
        name: "log",
        kind: "Pod",
        group_version: None,
        verbs: &["get"],
    },
    Subresource {
        parent: "deployments",
        name: "scale",
        kind: "Scale",
        group_version: Some(("autoscaling", "v1")),
        verbs: &["get", "patch", "update"],
    },
    Subresource {
        parent: "replicasets",
        name: "scale",
        kind: "Scale",
        group_version: Some(("autoscaling", "v1")),
        verbs: &["get", "patch", "update"],
    },
];

/// The resource of a kind as objects spell it (`Deployment`), if kubesim knows the kind.
pub fn by_kind(kind: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.kind == kind)
}

/// The resource of a kind kubesim's own code names; a kind missing from the table is a bug.
pub fn of_kind(kind: &str) -> &'static Resource {
    by_kind(kind).unwrap_or_else(|| panic!("{kind} is missing from the resource table"))
}

/// The resource a kubectl argument names, as kubectl's RESTMapper resolves it: the plural or
/// singular case-insensitively (which takes the kind, `Pod`, too), a short name exactly, each
/// optionally qualified by the group (`deployments.apps`) or the version and group
/// (`deploy.v1.apps`).
///
/// `Err` carries what kubectl's error quotes: the part before the first dot.
// K8S: staging/src/k8s.io/cli-runtime/pkg/resource/builder.go (mappingFor: ParseResourceArg,
// then ParseGroupResource, then ParseKindArg), staging/src/k8s.io/client-go/restmapper/
// shortcut.go (expandResourceShortcut: short names compared exactly), staging/src/k8s.io/
// apimachinery/pkg/api/meta/restmapper.go (coerceResourceForMatching: lowercased)
// DEVIATION: only the version kubesim serves qualifies a name (`hpa.v2.autoscaling`); upstream
// also takes the other versions it serves (`hpa.v1.autoscaling`).
pub fn resolve(arg: &str) -> Result<&'static Resource, String> {
    let (name, qualifier) = arg.split_once('.').unwrap_or((arg, ""));
    let lower = name.to_ascii_lowercase();
    RESOURCES
        .iter()
        .find(|r| {
            let named = lower == r.plural || lower == r.singular || r.short_names.contains(&name);
            let qualified = qualifier.is_empty()
                || (!r.group.is_empty()
                    && (qualifier == r.group || qualifier == format!("{}.{}", r.version, r.group)));
            named && qualified
        })
        .ok_or_else(|| name.to_string())
}

/// The resources of a category (`all`), in discovery's order, as kubectl expands it.
// K8S: staging/src/k8s.io/client-go/restmapper/category_expansion.go (discoveryCategoryExpander)
pub fn category(name: &str) -> impl Iterator<Item = &'static Resource> + '_ {
    RESOURCES
        .iter()
        .filter(move |r| r.categories.contains(&name))
}

impl Resource {
    /// `apps/v1`, or `v1` for the core group: what objects carry as `apiVersion`.
    pub fn api_version(&self) -> String {
        match self.group {
            "" => self.version.to_string(),
            group => format!("{group}/{}", self.version),
        }
    }

    /// `deployments.apps`, `pods`: how API errors and quota's `count/` names name the resource.
    // K8S: staging/src/k8s.io/apimachinery/pkg/runtime/schema/group_version.go
    // (GroupResource.String)
    pub fn group_resource(&self) -> String {
        qualified(self.plural, self.group)
    }

    /// `Deployment.apps`, `Pod`: how API errors about a kind name it.
    // K8S: staging/src/k8s.io/apimachinery/pkg/runtime/schema/group_version.go (GroupKind.String)
    pub fn group_kind(&self) -> String {
        qualified(self.kind, self.group)
    }

    /// `deployment.apps`, `pod`: how `kubectl apply` and `-o name` name the kind.
    // K8S: staging/src/k8s.io/cli-runtime/pkg/printers/name.go (kind, lowercased, with group)
    pub fn group_kind_name(&self) -> String {
        self.group_kind().to_ascii_lowercase()
    }
}

/// `name.group`, or `name` for the core group.
fn qualified(name: &str, group: &str) -> String {
    match group {
        "" => name.to_string(),
        group => format!("{name}.{group}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `kubectl api-resources -o wide` against kube-apiserver v1.34, for kubesim's kinds:
    /// name, short names, api version, namespaced, kind, verbs, categories.
    // K8S: the registries' rest storage named in RESOURCES (ShortNames, Categories)
    const UPSTREAM: &str = "\
configmaps cm v1 true ConfigMap create,delete,deletecollection,get,list,patch,update,watch -
endpoints ep v1 true Endpoints create,delete,deletecollection,get,list,patch,update,watch -
events ev v1 true Event create,delete,deletecollection,get,list,patch,update,watch -
limitranges limits v1 true LimitRange create,delete,deletecollection,get,list,patch,update,watch -
namespaces ns v1 false Namespace create,delete,get,list,patch,update,watch -
nodes no v1 false Node create,delete,deletecollection,get,list,patch,update,watch -
persistentvolumeclaims pvc v1 true PersistentVolumeClaim create,delete,deletecollection,get,list,patch,update,watch -
pods po v1 true Pod create,delete,deletecollection,get,list,patch,update,watch all
resourcequotas quota v1 true ResourceQuota create,delete,deletecollection,get,list,patch,update,watch -
secrets - v1 true Secret create,delete,deletecollection,get,list,patch,update,watch -
serviceaccounts sa v1 true ServiceAccount create,delete,deletecollection,get,list,patch,update,watch -
services svc v1 true Service create,delete,deletecollection,get,list,patch,update,watch all
daemonsets ds apps/v1 true DaemonSet create,delete,deletecollection,get,list,patch,update,watch all
deployments deploy apps/v1 true Deployment create,delete,deletecollection,get,list,patch,update,watch all
replicasets rs apps/v1 true ReplicaSet create,delete,deletecollection,get,list,patch,update,watch all
statefulsets sts apps/v1 true StatefulSet create,delete,deletecollection,get,list,patch,update,watch all
horizontalpodautoscalers hpa autoscaling/v2 true HorizontalPodAutoscaler create,delete,deletecollection,get,list,patch,update,watch all
cronjobs cj batch/v1 true CronJob create,delete,deletecollection,get,list,patch,update,watch all
jobs - batch/v1 true Job create,delete,deletecollection,get,list,patch,update,watch all
leases - coordination.k8s.io/v1 true Lease create,delete,deletecollection,get,list,patch,update,watch -
endpointslices - discovery.k8s.io/v1 true EndpointSlice create,delete,deletecollection,get,list,patch,update,watch -
ingresses ing networking.k8s.io/v1 true Ingress create,delete,deletecollection,get,list,patch,update,watch -
poddisruptionbudgets pdb policy/v1 true PodDisruptionBudget create,delete,deletecollection,get,list,patch,update,watch -
priorityclasses pc scheduling.k8s.io/v1 false PriorityClass create,delete,deletecollection,get,list,patch,update,watch -
";

    fn listed(list: &[&str]) -> String {
        if list.is_empty() {
            "-".to_string()
        } else {
            list.join(",")
        }
    }

    #[test]
    fn rows_are_upstreams() {
        let rows: Vec<String> = RESOURCES
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {} {} {} {}\n",
                    r.plural,
                    listed(r.short_names),
                    r.api_version(),
                    r.namespaced,
                    r.kind,
                    listed(r.verbs),
                    listed(r.categories)
                )
            })
            .collect();
        assert_eq!(rows.concat(), UPSTREAM);
        for r in RESOURCES {
            assert_eq!(r.singular, r.kind.to_ascii_lowercase(), "{}", r.kind);
        }
    }

    #[test]
    fn arguments_resolve_as_kubectls_mapper_resolves_them() {
        let kind = |arg: &str| resolve(arg).map(|r| r.kind);
        for (arg, want) in [
            ("po", "Pod"),
            ("pod", "Pod"),
            ("pods", "Pod"),
            ("Pods", "Pod"),
            ("Pod", "Pod"),
            ("POD", "Pod"),
            ("deployments.apps", "Deployment"),
            ("deploy.apps", "Deployment"),
            ("deploy.v1.apps", "Deployment"),
            ("Deployment.apps", "Deployment"),
            ("hpa.v2.autoscaling", "HorizontalPodAutoscaler"),
            ("limits", "LimitRange"),
            ("quota", "ResourceQuota"),
            ("cj", "CronJob"),
            ("ep", "Endpoints"),
            ("endpoints", "Endpoints"),
            ("ev", "Event"),
            ("pvc", "PersistentVolumeClaim"),
            ("sa", "ServiceAccount"),
            ("pc", "PriorityClass"),
            ("ingresses.networking.k8s.io", "Ingress"),
        ] {
            assert_eq!(kind(arg), Ok(want), "{arg}");
        }
        // Short names are exact; the core group takes no qualifier; the error quotes the
        // resource before the first dot.
        for (arg, quoted) in [
            ("PO", "PO"),
            ("Deploy", "Deploy"),
            ("pods.apps", "pods"),
            ("pods.v1", "pods"),
            ("deployments.batch", "deployments"),
            ("deployments.v2.apps", "deployments"),
            ("widgets", "widgets"),
        ] {
            assert_eq!(kind(arg), Err(quoted.to_string()), "{arg}");
        }
    }

    #[test]
    fn all_expands_in_discoverys_order() {
        let plurals: Vec<&str> = category("all").map(|r| r.plural).collect();
        assert_eq!(
            plurals,
            [
                "pods",
                "services",
                "daemonsets",
                "deployments",
                "replicasets",
                "statefulsets",
                "horizontalpodautoscalers",
                "cronjobs",
                "jobs"
            ]
        );
        assert_eq!(category("none").count(), 0);
    }

    #[test]
    fn names_are_qualified_by_group() {
        let deploy = of_kind("Deployment");
        assert_eq!(deploy.group_resource(), "deployments.apps");
        assert_eq!(deploy.group_kind_name(), "deployment.apps");
        assert_eq!(deploy.group_kind(), "Deployment.apps");
        assert_eq!(deploy.api_version(), "apps/v1");
        assert_eq!(of_kind("Endpoints").group_resource(), "endpoints");
        assert_eq!(of_kind("Pod").group_kind_name(), "pod");
        assert_eq!(of_kind("Pod").api_version(), "v1");
    }
}
