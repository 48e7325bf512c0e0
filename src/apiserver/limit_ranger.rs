//! The LimitRanger admission plugin: a namespace's LimitRanges fill in the requests and limits
//! a container leaves out, then reject containers outside their min, max and limit/request
//! ratio. Runs on pod creation only, as upstream (containers cannot change afterwards).

use k8s_openapi::apimachinery::pkg::api::resource::Quantity as ApiQuantity;
use serde_json::Value;

use crate::model::resources::{list_from_json, ResourceList};
use crate::model::{PodSpec, Quantity};

/// The annotation naming what the plugin filled in.
// K8S: plugin/pkg/admission/limitranger/admission.go (limitRangerAnnotation)
pub const ANNOTATION: &str = "kubernetes.io/limit-ranger";

/// One `spec.limits` item with its quantities parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Item {
    /// `Container`, `Pod` or `PersistentVolumeClaim`.
    pub type_: String,
    pub min: ResourceList,
    pub max: ResourceList,
    pub default: ResourceList,
    pub default_request: ResourceList,
    pub max_limit_request_ratio: ResourceList,
}

const FIELDS: [&str; 5] = [
    "min",
    "max",
    "default",
    "defaultRequest",
    "maxLimitRequestRatio",
];

/// The items of a LimitRange body (defaults already applied). Quantities were checked when the
/// manifest was read; an unreadable one is left out.
pub fn items(body: &Value) -> Vec<Item> {
    let list = |item: &Value, field: &str| list_from_json(item.get(field));
    body.pointer("/spec/limits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|item| {
            let [min, max, default, default_request, ratio] = FIELDS.map(|f| list(item, f));
            Item {
                type_: item["type"].as_str().unwrap_or_default().to_string(),
                min,
                max,
                default,
                default_request,
                max_limit_request_ratio: ratio,
            }
        })
        .collect()
}

/// Fills in the requests and limits the containers (then init containers) leave out from the
/// `Container` items' `defaultRequest` and `default`, in both views of the spec, and returns the
/// annotation value naming what was set (`None` when nothing was).
// K8S: plugin/pkg/admission/limitranger/admission.go (defaultContainerResourceRequirements,
// mergeContainerResources, mergePodResourceRequirements)
pub fn mutate(items: &[Item], spec: &mut PodSpec) -> Option<String> {
    let mut defaults = (ResourceList::new(), ResourceList::new());
    for item in items.iter().filter(|i| i.type_ == "Container") {
        defaults.0.extend(item.default_request.clone());
        defaults.1.extend(item.default.clone());
    }
    let mut notes = Vec::new();
    let api_init = spec.api.init_containers.iter_mut().flatten();
    let views = spec
        .containers
        .iter_mut()
        .zip(spec.api.containers.iter_mut())
        .map(|c| ("container", c))
        .chain(
            spec.init_containers
                .iter_mut()
                .zip(api_init)
                .map(|c| ("init container", c)),
        );
    for (prefix, (container, api)) in views {
        let api = api.resources.get_or_insert_with(Default::default);
        let set_requests = fill(
            &mut container.resources.requests,
            &mut api.requests,
            &defaults.0,
        );
        let set_limits = fill(
            &mut container.resources.limits,
            &mut api.limits,
            &defaults.1,
        );
        for (set, what) in [(set_requests, "request"), (set_limits, "limit")] {
            if !set.is_empty() {
                notes.push(format!(
                    "{} {what} for {prefix} {}",
                    set.join(", "),
                    container.name
                ));
            }
        }
    }
    (!notes.is_empty()).then(|| format!("LimitRanger plugin set: {}", notes.join("; ")))
}

/// Adds the defaults missing from `list` (and its API twin); returns their names, sorted.
fn fill(
    list: &mut ResourceList,
    api: &mut Option<std::collections::BTreeMap<String, ApiQuantity>>,
    defaults: &ResourceList,
) -> Vec<String> {
    let mut set = Vec::new();
    for (name, q) in defaults {
        if !list.contains_key(name) {
            list.insert(name.clone(), q.clone());
            api.get_or_insert_with(Default::default)
                .insert(name.clone(), ApiQuantity(q.to_string()));
            set.push(name.clone());
        }
    }
    set
}

/// The violations of one LimitRange by the pod, as upstream words them, joined as its error
/// aggregate prints them (`[a, b]` for more than one). `None` when the pod complies.
// K8S: plugin/pkg/admission/limitranger/admission.go (PodValidateLimitFunc)
// DEVIATION: resources are checked in name order; upstream walks Go maps, so with several
// violations its order varies from run to run.
pub fn validate(items: &[Item], spec: &PodSpec) -> Option<String> {
    let mut errors = Vec::new();
    for item in items {
        match item.type_.as_str() {
            "Container" => {
                for c in spec.containers.iter().chain(&spec.init_containers) {
                    check(
                        item,
                        "Container",
                        &c.resources.requests,
                        &c.resources.limits,
                        &mut errors,
                    );
                }
            }
            // K8S: plugin/pkg/admission/limitranger/admission.go (podRequests, podLimits)
            "Pod" => {
                let requests = super::quota::aggregate(spec, |c| &c.resources.requests);
                let limits = super::quota::aggregate(spec, |c| &c.resources.limits);
                check(item, "Pod", &requests, &limits, &mut errors);
            }
            _ => {}
        }
    }
    aggregate(errors)
}

/// Upstream's `utilerrors.NewAggregate(...).Error()`: one message as is, several deduplicated
/// inside brackets.
fn aggregate(errors: Vec<String>) -> Option<String> {
    let mut unique: Vec<String> = Vec::new();
    for e in errors {
        if !unique.contains(&e) {
            unique.push(e);
        }
    }
    match unique.len() {
        0 => None,
        1 => unique.pop(),
        _ => Some(format!("[{}]", unique.join(", "))),
    }
}

fn check(
    item: &Item,
    kind: &str,
    requests: &ResourceList,
    limits: &ResourceList,
    errors: &mut Vec<String>,
) {
    let bounds: [(&ResourceList, Constraint); 3] = [
        (&item.min, min_constraint),
        (&item.max, max_constraint),
        (&item.max_limit_request_ratio, ratio_constraint),
    ];
    for (list, constraint) in bounds {
        for (name, enforced) in list {
            let (request, limit) = (requests.get(name), limits.get(name));
            let observed = Observed {
                kind,
                name,
                enforced,
                request,
                limit,
                values: comparable([request, limit, Some(enforced)]),
            };
            errors.extend(constraint(&observed));
        }
    }
}

/// A min, max or ratio check, answering upstream's message when violated.
type Constraint = fn(&Observed) -> Option<String>;

/// One resource of a container (or pod) against one bound of an item.
struct Observed<'a> {
    kind: &'a str,
    name: &'a str,
    enforced: &'a Quantity,
    request: Option<&'a Quantity>,
    limit: Option<&'a Quantity>,
    /// Request, limit and bound at a common precision.
    values: [i64; 3],
}

/// Values compared at milli precision when none would overflow it, else whole units.
// K8S: plugin/pkg/admission/limitranger/admission.go (requestLimitEnforcedValues)
fn comparable(values: [Option<&Quantity>; 3]) -> [i64; 3] {
    const MAX_MILLI_VALUE: i64 = i64::MAX / 1000;
    let whole = values.map(|q| q.map(Quantity::value).unwrap_or(0));
    if whole.iter().all(|v| *v <= MAX_MILLI_VALUE) {
        values.map(|q| q.map(Quantity::milli_value).unwrap_or(0))
    } else {
        whole
    }
}

// K8S: plugin/pkg/admission/limitranger/admission.go (minConstraint)
fn min_constraint(o: &Observed) -> Option<String> {
    let [r, l, e] = o.values;
    let head = format!("minimum {} usage per {} is {}", o.name, o.kind, o.enforced);
    match (o.request, o.limit) {
        (None, _) => Some(format!("{head}.  No request is specified")),
        (Some(req), _) if r < e => Some(format!("{head}, but request is {req}")),
        (_, Some(lim)) if l < e => Some(format!("{head}, but limit is {lim}")),
        _ => None,
    }
}

// K8S: plugin/pkg/admission/limitranger/admission.go (maxConstraint)
fn max_constraint(o: &Observed) -> Option<String> {
    let [r, l, e] = o.values;
    let head = format!("maximum {} usage per {} is {}", o.name, o.kind, o.enforced);
    match (o.request, o.limit) {
        (_, None) => Some(format!("{head}.  No limit is specified")),
        (_, Some(lim)) if l > e => Some(format!("{head}, but limit is {lim}")),
        (Some(req), _) if r > e => Some(format!("{head}, but request is {req}")),
        _ => None,
    }
}

// K8S: plugin/pkg/admission/limitranger/admission.go (limitRequestRatioConstraint)
fn ratio_constraint(o: &Observed) -> Option<String> {
    let [r, l, _] = o.values;
    let head = format!(
        "{} max limit to request ratio per {} is {}",
        o.name, o.kind, o.enforced
    );
    if o.request.is_none() || r == 0 {
        return Some(format!(
            "{head}, but no request is specified or request is 0"
        ));
    }
    if o.limit.is_none() || l == 0 {
        return Some(format!("{head}, but no limit is specified or limit is 0"));
    }
    let observed = l as f64 / r as f64;
    let (scaled, max) = if o.enforced.value() <= i64::MAX / 1000 {
        (observed * 1000.0, o.enforced.milli_value() as f64)
    } else {
        (observed, o.enforced.value() as f64)
    };
    (scaled > max).then(|| format!("{head}, but provided ratio is {observed:.6}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn range(limits: Value) -> Vec<Item> {
        let mut body = json!({"spec": {"limits": limits}});
        crate::manifest::limit_range::apply_defaults(&mut body);
        items(&body)
    }

    fn pod(resources: Value) -> PodSpec {
        let api = serde_json::from_value(json!({
            "containers": [{"name": "app", "image": "nginx", "resources": resources}]
        }))
        .unwrap();
        crate::manifest::pod_from_template(&api, "test").unwrap()
    }

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    #[test]
    fn defaults_fill_missing_requests_and_limits_and_name_them() {
        let items = range(json!([{"type": "Container",
            "default": {"cpu": "500m", "memory": "512Mi"},
            "defaultRequest": {"cpu": "250m", "memory": "256Mi"}}]));
        let mut spec = pod(json!({}));
        let note = mutate(&items, &mut spec);
        assert_eq!(
            note.as_deref(),
            Some("LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app")
        );
        let r = &spec.containers[0].resources;
        assert_eq!(r.requests["cpu"], q("250m"));
        assert_eq!(r.requests["memory"], q("256Mi"));
        assert_eq!(r.limits["memory"], q("512Mi"));
        let api = spec.api.containers[0].resources.as_ref().unwrap();
        assert_eq!(api.requests.as_ref().unwrap()["memory"].0, "256Mi");
        assert_eq!(api.limits.as_ref().unwrap()["cpu"].0, "500m");
    }

    #[test]
    fn a_default_limit_alone_becomes_the_default_request() {
        let items = range(json!([{"type": "Container", "default": {"memory": "512Mi"}}]));
        assert_eq!(items[0].default_request["memory"], q("512Mi"));
        let mut spec = pod(json!({}));
        mutate(&items, &mut spec);
        assert_eq!(spec.containers[0].resources.requests["memory"], q("512Mi"));
        assert_eq!(spec.requests().memory, 512 << 20);
    }

    #[test]
    fn a_given_limit_keeps_its_defaulted_request_and_max_becomes_the_default() {
        // The API defaulted the request from the limit before admission: the LimitRange's
        // defaultRequest does not replace it.
        let items = range(json!([{"type": "Container", "max": {"memory": "1Gi"},
            "defaultRequest": {"memory": "100Mi"}}]));
        assert_eq!(items[0].default["memory"], q("1Gi"));
        let mut spec = pod(json!({"limits": {"memory": "300Mi"}}));
        assert_eq!(mutate(&items, &mut spec), None);
        assert_eq!(spec.containers[0].resources.requests["memory"], q("300Mi"));
    }

    #[test]
    fn violations_use_upstreams_words() {
        let items = range(json!([{"type": "Container", "max": {"memory": "1Gi"}}]));
        let spec = pod(json!({"limits": {"memory": "2Gi"}}));
        assert_eq!(
            validate(&items, &spec).as_deref(),
            Some("maximum memory usage per Container is 1Gi, but limit is 2Gi")
        );
        let items = range(json!([{"type": "Container", "min": {"cpu": "200m"}}]));
        let spec = pod(json!({"requests": {"cpu": "100m"}}));
        assert_eq!(
            validate(&items, &spec).as_deref(),
            Some("minimum cpu usage per Container is 200m, but request is 100m")
        );
        let spec = pod(json!({}));
        assert_eq!(
            validate(&items, &spec).as_deref(),
            Some("minimum cpu usage per Container is 200m.  No request is specified")
        );
        let items = range(json!([{"type": "Container", "maxLimitRequestRatio": {"cpu": "2"}}]));
        let spec = pod(json!({"requests": {"cpu": "100m"}, "limits": {"cpu": "500m"}}));
        assert_eq!(
            validate(&items, &spec).as_deref(),
            Some(
                "cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000"
            )
        );
    }

    #[test]
    fn several_violations_print_as_an_aggregate() {
        let items = range(json!([{"type": "Pod", "max": {"cpu": "1", "memory": "1Gi"}}]));
        let spec = pod(json!({"limits": {"cpu": "2", "memory": "2Gi"}}));
        assert_eq!(
            validate(&items, &spec).as_deref(),
            Some("[maximum cpu usage per Pod is 1, but limit is 2, maximum memory usage per Pod is 1Gi, but limit is 2Gi]")
        );
    }
}
