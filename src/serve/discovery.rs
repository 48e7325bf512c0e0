//! Discovery: which groups, versions and resources the server has, as `/api`, `/apis` and each
//! group version list them, and as the aggregated documents (one request for all of a root)
//! that kubectl asks for first.

use serde_json::{json, Value};

use crate::apiserver::resources::{Resource, Subresource, RESOURCES, SUBRESOURCES};

/// `/api`.
pub fn core_versions(address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    })
}

/// `/apis`: every named group, each with the one version kubesim serves.
pub fn groups() -> Value {
    let groups: Vec<Value> = group_versions()
        .into_iter()
        .filter(|(group, _)| !group.is_empty())
        .map(|(group, version)| {
            let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
            json!({"name": group, "versions": [gv], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/api/v1`, `/apis/GROUP/VERSION`: the group version's resources.
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (APIResourceList)
pub fn group_version(group: &str, version: &str) -> Value {
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .flat_map(|r| {
            let mut resource = json!({
                "name": r.plural,
                "singularName": r.singular,
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": r.verbs,
            });
            add_names(&mut resource, r);
            let subresources = SUBRESOURCES.iter().filter(|s| s.parent == r.plural);
            let subresources = subresources.map(|s| {
                let mut subresource = json!({
                    "name": format!("{}/{}", r.plural, s.name),
                    "singularName": "",
                    "namespaced": r.namespaced,
                    "kind": s.kind,
                    "verbs": s.verbs,
                });
                if let Some((group, version)) = s.group_version {
                    subresource["group"] = json!(group);
                    subresource["version"] = json!(version);
                }
                subresource
            });
            std::iter::once(resource)
                .chain(subresources)
                .collect::<Vec<_>>()
        })
        .collect();
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    })
}

/// Every group version served, core first: `("", "v1")`, `("apps", "v1")`...
pub fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut names: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES {
        if !names.contains(&(r.group, r.version)) {
            names.push((r.group, r.version));
        }
    }
    names
}

/// The URL path of a group version: `api/v1`, `apis/apps/v1`.
pub fn group_version_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The media type of an aggregated discovery document.
// K8S: staging/src/k8s.io/api/apidiscovery/v2/types.go (APIGroupDiscoveryList), and
// staging/src/k8s.io/client-go/discovery/discovery_client.go (AcceptV2: what clients ask for)
pub const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether an `Accept` header asks for the aggregated documents (v2; kubesim serves no
/// v2beta1, so a client asking only for that gets the plain lists, as from an older server).
pub fn wants_aggregated(accept: &str) -> bool {
    accept.split(',').any(|media| {
        let mut parts = media.split(';').map(str::trim);
        let json = parts.next() == Some("application/json");
        let params: Vec<&str> = parts.collect();
        json && ["g=apidiscovery.k8s.io", "v=v2", "as=APIGroupDiscoveryList"]
            .iter()
            .all(|p| params.contains(p))
    })
}

/// `/api` (`core`) or `/apis` aggregated: every group with its versions and their resources.
// K8S: staging/src/k8s.io/apiserver/pkg/endpoints/discovery/aggregated/handler.go and
// staging/src/k8s.io/api/apidiscovery/v2/types.go (APIGroupDiscovery, APIResourceDiscovery)
pub fn aggregated(core: bool) -> Value {
    let items: Vec<Value> = group_versions()
        .into_iter()
        .filter(|(group, _)| group.is_empty() == core)
        .map(|(group, version)| {
            let resources: Vec<Value> = RESOURCES
                .iter()
                .filter(|r| r.group == group && r.version == version)
                .map(resource_discovery)
                .collect();
            let mut metadata = json!({"creationTimestamp": null});
            if !group.is_empty() {
                metadata["name"] = json!(group);
            }
            json!({"metadata": metadata, "versions": [{"version": version,
                "resources": resources, "freshness": "Current"}]})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {}, "items": items})
}

/// One resource as aggregated discovery lists it, with its subresources.
fn resource_discovery(r: &Resource) -> Value {
    let scope = if r.namespaced {
        "Namespaced"
    } else {
        "Cluster"
    };
    let mut resource = json!({
        "resource": r.plural,
        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
        "scope": scope,
        "singularResource": r.singular,
        "verbs": r.verbs,
    });
    add_names(&mut resource, r);
    let subresources: Vec<Value> = SUBRESOURCES
        .iter()
        .filter(|s| s.parent == r.plural)
        .map(|s| subresource_discovery(r, s))
        .collect();
    if !subresources.is_empty() {
        resource["subresources"] = json!(subresources);
    }
    resource
}

/// The resource's short names and categories, when it has any (both listings omit empty ones).
fn add_names(resource: &mut Value, r: &Resource) {
    if !r.short_names.is_empty() {
        resource["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        resource["categories"] = json!(r.categories);
    }
}

fn subresource_discovery(r: &Resource, s: &Subresource) -> Value {
    let (group, version) = s.group_version.unwrap_or((r.group, r.version));
    json!({
        "subresource": s.name,
        "responseKind": {"group": group, "version": version, "kind": s.kind},
        "verbs": s.verbs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectls_accept_header_asks_for_the_aggregated_documents() {
        let kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert!(wants_aggregated(kubectl));
        assert!(!wants_aggregated(
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
        ));
        assert!(!wants_aggregated("application/json"));
    }

    #[test]
    fn aggregated_discovery_lists_each_resource_with_its_scope_and_subresources() {
        let core = aggregated(true);
        assert_eq!(core["items"].as_array().unwrap().len(), 1);
        let resources = core["items"][0]["versions"][0]["resources"]
            .as_array()
            .unwrap();
        let pods = resources.iter().find(|r| r["resource"] == "pods").unwrap();
        assert_eq!(pods["scope"], "Namespaced");
        assert_eq!(pods["shortNames"], json!(["po"]));
        assert_eq!(
            pods["subresources"][0],
            json!({"subresource": "eviction", "verbs": ["create"],
                "responseKind": {"group": "policy", "version": "v1", "kind": "Eviction"}})
        );
        let nodes = resources.iter().find(|r| r["resource"] == "nodes").unwrap();
        assert_eq!(nodes["scope"], "Cluster");
        let groups = aggregated(false);
        let apps = groups["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["metadata"]["name"] == "apps")
            .unwrap();
        assert_eq!(apps["versions"][0]["version"], "v1");
    }
}
