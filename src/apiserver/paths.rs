//! The API's URL paths: which resource, namespace, object and subresource a request names,
//! for both of the API's doors (`kubesim serve`'s HTTP and the timeline's recorded requests).

use super::resources::{Resource, RESOURCES};

/// What a path names.
#[derive(Debug, PartialEq)]
pub enum Route<'p> {
    Version,
    /// `/api`: the core group's versions.
    CoreVersions,
    /// `/apis`: the named groups.
    Groups,
    /// `/api/v1`, `/apis/apps/v1`: a group version's resources.
    GroupVersion {
        group: &'p str,
        version: &'p str,
    },
    /// `/openapi/v3`: where each group version's OpenAPI document is.
    OpenApiRoot,
    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/apps/v1`.
    OpenApi {
        group: &'p str,
        version: &'p str,
    },
    /// A collection, an object, or an object's subresource.
    Resource {
        resource: &'static Resource,
        namespace: Option<&'p str>,
        name: Option<&'p str>,
        subresource: Option<&'p str>,
    },
}

/// The route of a path, or `None` for a path the API does not serve (404).
// K8S: staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go (NewRequestInfo)
pub fn route(path: &str) -> Option<Route<'_>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["version"] => return Some(Route::Version),
        ["api"] => return Some(Route::CoreVersions),
        ["apis"] => return Some(Route::Groups),
        ["openapi", "v3"] => return Some(Route::OpenApiRoot),
        ["openapi", "v3", "api", version] => ("", *version, &[][..]),
        ["openapi", "v3", "apis", group, version] => (*group, *version, &[][..]),
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let in_group = |plural: &str| {
        RESOURCES
            .iter()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
    };
    if rest.is_empty() {
        let served = RESOURCES
            .iter()
            .any(|r| r.group == group && r.version == version);
        return served.then_some(if segments[0] == "openapi" {
            Route::OpenApi { group, version }
        } else {
            Route::GroupVersion { group, version }
        });
    }
    // `/namespaces/NS/pods...` is a namespaced path; `/namespaces` and `/namespaces/NS` are
    // the namespaces themselves.
    let (namespace, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(*ns), rest),
        _ => (None, rest),
    };
    let resource = in_group(rest[0])?;
    if namespace.is_some() && !resource.namespaced {
        return None;
    }
    match rest {
        [_] => Some(Route::Resource {
            resource,
            namespace,
            name: None,
            subresource: None,
        }),
        [_, name] | [_, name, ..] if rest.len() <= 3 => Some(Route::Resource {
            resource,
            namespace,
            name: Some(*name),
            subresource: rest.get(2).copied(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_resources_as_the_api_server_parses_them() {
        let pods = super::super::resources::of_kind("Pod");
        assert_eq!(
            route("/api/v1/namespaces/default/pods/web/log"),
            Some(Route::Resource {
                resource: pods,
                namespace: Some("default"),
                name: Some("web"),
                subresource: Some("log"),
            })
        );
        let namespaces = super::super::resources::of_kind("Namespace");
        assert_eq!(
            route("/api/v1/namespaces/kube-system"),
            Some(Route::Resource {
                resource: namespaces,
                namespace: None,
                name: Some("kube-system"),
                subresource: None,
            })
        );
        assert_eq!(
            route("/apis/apps/v1"),
            Some(Route::GroupVersion {
                group: "apps",
                version: "v1"
            })
        );
        assert_eq!(route("/apis/apps/v2"), None);
        assert_eq!(route("/api/v1/namespaces/default/nodes"), None);
        assert_eq!(route("/healthz"), None);
    }
}
