//! ResourceQuota: what each object charges (`pods`, `requests.cpu`, `count/deployments.apps`...),
//! the admission check that refuses what would go over a namespace's quota, and the usage the
//! quota controller writes to `status.used`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::apiserver::resources::{self, Resource};
use crate::model::resources::{list_from_json, list_to_json, ResourceList};
use crate::model::{ClusterState, Container, PodSpec, Quantity};

/// A quota's name with its `status.hard` and `status.used`, and the scopes that narrow the pods
/// it counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Quota {
    pub name: String,
    pub hard: ResourceList,
    pub used: ResourceList,
    /// `spec.scopes` (as `Exists` selectors) and `spec.scopeSelector.matchExpressions`: a pod
    /// is counted only if it matches all of them; objects other than pods never are.
    pub scopes: Vec<Scope>,
}

/// One scope selector: a scope name, an operator and, for `In`/`NotIn`, values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    pub name: String,
    pub operator: String,
    pub values: Vec<String>,
}

impl Scope {
    /// Whether the pod is in this scope.
    // K8S: pkg/quota/v1/evaluator/core/pods.go (podMatchesScopeFunc, IsTerminating,
    // podMatchesSelector)
    // DEVIATION: CrossNamespacePodAffinity never matches (such terms are not simulated).
    pub fn matches(&self, spec: &PodSpec) -> bool {
        let terminating = spec.api.active_deadline_seconds.is_some_and(|s| s >= 0);
        let best_effort = spec.qos_class() == crate::model::pod::QosClass::BestEffort;
        match self.name.as_str() {
            "Terminating" => terminating,
            "NotTerminating" => !terminating,
            "BestEffort" => best_effort,
            "NotBestEffort" => !best_effort,
            "PriorityClass" => {
                let class = spec
                    .priority_class_name
                    .as_deref()
                    .filter(|c| !c.is_empty());
                match (self.operator.as_str(), class) {
                    ("Exists", class) => class.is_some(),
                    ("DoesNotExist", class) => class.is_none(),
                    ("In", Some(class)) => self.values.iter().any(|v| v == class),
                    ("In", None) => false,
                    ("NotIn", Some(class)) => !self.values.iter().any(|v| v == class),
                    ("NotIn", None) => true,
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

impl Quota {
    /// Reads `spec.hard` (quantities were checked when the manifest was read), the scopes and
    /// the `status.used` written so far.
    // K8S: staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go
    // (getScopeSelectorsFromQuota)
    pub fn from_body(name: &str, body: &Value) -> Quota {
        let list = |pointer: &str| list_from_json(body.pointer(pointer));
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let plain = body.pointer("/spec/scopes").and_then(Value::as_array);
        let selected = body
            .pointer("/spec/scopeSelector/matchExpressions")
            .and_then(Value::as_array);
        let scopes = plain
            .into_iter()
            .flatten()
            .map(|s| Scope {
                name: text(s),
                operator: "Exists".into(),
                values: Vec::new(),
            })
            .chain(selected.into_iter().flatten().map(|e| {
                Scope {
                    name: text(&e["scopeName"]),
                    operator: text(&e["operator"]),
                    values: e["values"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(text)
                        .collect(),
                }
            }))
            .collect();
        Quota {
            name: name.to_string(),
            hard: list("/spec/hard"),
            used: list("/status/used"),
            scopes,
        }
    }

    /// Whether the quota counts a pod with this spec (`None`: another kind of object).
    // K8S: staging/src/k8s.io/apiserver/pkg/quota/v1/generic/evaluator.go (Matches: all
    // scopes must match; objects without a scope function match no scope)
    pub fn counts(&self, pod: Option<&PodSpec>) -> bool {
        match pod {
            Some(spec) => self.scopes.iter().all(|s| s.matches(spec)),
            None => self.scopes.is_empty(),
        }
    }
}

/// Quota on these makes every container state them (upstream calls it a mistake it keeps for
/// compatibility).
// K8S: pkg/quota/v1/evaluator/core/pods.go (validationSet)
const VALIDATION_SET: [&str; 6] = [
    "cpu",
    "memory",
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
];

/// A count of one, as upstream's `resource.NewQuantity(1, resource.DecimalSI)` (`1`).
fn one() -> Quantity {
    Quantity::from_value(1, crate::model::quantity::Format::DecimalSI)
}

/// Adds `b` into `a` per resource, keeping the first non-zero format (upstream `quota.Add`).
fn add(a: &mut ResourceList, b: &ResourceList) {
    for (name, q) in b {
        let sum = match a.get(name) {
            Some(s) => s.checked_add(q).unwrap_or_else(|| s.clone()),
            None => q.clone(),
        };
        a.insert(name.clone(), sum);
    }
}

/// What one container charges: `pods` and each of cpu, memory and ephemeral storage under its
/// plain, `requests.` and `limits.` names.
// K8S: pkg/quota/v1/evaluator/core/pods.go (podComputeUsageHelper)
fn compute_usage(requests: &ResourceList, limits: &ResourceList) -> ResourceList {
    let mut usage = ResourceList::from([("pods".to_string(), one())]);
    for resource in ["cpu", "memory", "ephemeral-storage"] {
        if let Some(q) = requests.get(resource) {
            usage.insert(resource.to_string(), q.clone());
            usage.insert(format!("requests.{resource}"), q.clone());
        }
        if let Some(q) = limits.get(resource) {
            usage.insert(format!("limits.{resource}"), q.clone());
        }
    }
    usage
}

/// A pod's effective requests or limits (`pick` chooses which): the app containers and
/// running sidecars summed, each plain init container (with the sidecars started before it)
/// taken when larger.
// K8S: staging/src/k8s.io/component-helpers/resource/helpers.go (AggregateContainerRequests,
// AggregateContainerLimits)
pub fn aggregate(spec: &PodSpec, pick: fn(&Container) -> &ResourceList) -> ResourceList {
    let mut total = ResourceList::new();
    for c in &spec.containers {
        add(&mut total, pick(c));
    }
    let mut sidecars = ResourceList::new();
    let mut init_peak = ResourceList::new();
    for c in &spec.init_containers {
        let mut during = pick(c).clone();
        if c.restart_policy_always {
            add(&mut total, pick(c));
            add(&mut sidecars, pick(c));
            during = sidecars.clone();
        } else {
            add(&mut during, &sidecars);
        }
        raise(&mut init_peak, &during);
    }
    raise(&mut total, &init_peak);
    total
}

/// Takes each resource of `b` into `a` when larger (upstream `maxResourceList`).
fn raise(a: &mut ResourceList, b: &ResourceList) {
    for (name, q) in b {
        if a.get(name).is_none_or(|have| have < q) {
            a.insert(name.clone(), q.clone());
        }
    }
}

/// What a pod charges: `count/pods` always; the compute resources and `pods` only while it is
/// not finished.
// K8S: pkg/quota/v1/evaluator/core/pods.go (PodUsageFunc, QuotaV1Pod)
// DEVIATION: a pod stuck terminating (its node down) is charged until it is removed; upstream
// stops charging it once twice its grace period has passed.
pub fn pod_usage(spec: &PodSpec, terminal: bool) -> ResourceList {
    let mut usage = ResourceList::from([("count/pods".to_string(), one())]);
    if !terminal {
        let requests = aggregate(spec, |c| &c.resources.requests);
        let limits = aggregate(spec, |c| &c.resources.limits);
        add(&mut usage, &compute_usage(&requests, &limits));
    }
    usage
}

/// What a stored object charges: `count/<resource>[.<group>]`, and the legacy names of the core
/// kinds (`services`, `configmaps`, `secrets`...) with the Service's node ports.
// K8S: pkg/quota/v1/evaluator/core/services.go (ServiceUsageFunc), staging/src/k8s.io/apiserver/
// pkg/quota/v1/generic/evaluator.go (ObjectCountQuotaResourceNameFor)
pub fn object_usage(resource: &Resource, body: &Value) -> ResourceList {
    let mut usage = ResourceList::from([(format!("count/{}", resource.group_resource()), one())]);
    let plural = resource.plural;
    let legacy = [
        "services",
        "configmaps",
        "secrets",
        "persistentvolumeclaims",
        "resourcequotas",
        "replicationcontrollers",
    ];
    if resource.group.is_empty() && legacy.contains(&plural) {
        usage.insert(plural.to_string(), one());
    }
    if resource.kind == "Service" {
        let type_ = body.pointer("/spec/type").and_then(Value::as_str);
        let ports = body
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .map_or(0, Vec::len) as i64;
        let fmt = crate::model::quantity::Format::DecimalSI;
        let (node_ports, balancers) = match type_ {
            Some("NodePort") => (ports, 0),
            Some("LoadBalancer") => (ports, 1),
            _ => (0, 0),
        };
        usage.insert(
            "services.nodeports".into(),
            Quantity::from_value(node_ports, fmt),
        );
        usage.insert(
            "services.loadbalancers".into(),
            Quantity::from_value(balancers, fmt),
        );
    }
    usage
}

/// The containers missing a request or limit some quota constrains, as upstream's message
/// (`must specify limits.cpu for: app; requests.memory for: app,init`).
// K8S: pkg/quota/v1/evaluator/core/pods.go (Constraints, enforcePodContainerConstraints)
fn missing(required: &[&str], spec: &PodSpec) -> Option<String> {
    let mut by_resource: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for c in spec.containers.iter().chain(&spec.init_containers) {
        let has = compute_usage(&c.resources.requests, &c.resources.limits);
        for resource in required.iter().filter(|r| !has.contains_key(**r)) {
            by_resource.entry(resource).or_default().insert(&c.name);
        }
    }
    let parts: Vec<String> = by_resource
        .iter()
        .map(|(r, names)| {
            format!(
                "{r} for: {}",
                names.iter().copied().collect::<Vec<_>>().join(",")
            )
        })
        .collect();
    (!parts.is_empty()).then(|| format!("must specify {}", parts.join("; ")))
}

/// `a=1,b=2` in name order (upstream `prettyPrint`).
fn pretty(list: &ResourceList, names: &[&String]) -> String {
    names
        .iter()
        .filter_map(|n| list.get(*n).map(|q| format!("{n}={q}")))
        .collect::<Vec<_>>()
        .join(",")
}

/// The quota admission check of a new object charging `usage`, against the namespace's quotas
/// in name order: first each quota's container constraints (pods only, `spec` given), then
/// whether any charged resource would go over. Returns the reason for `is forbidden: ...`.
// K8S: staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go
// (CheckRequest)
pub fn admit(quotas: &[Quota], usage: &ResourceList, spec: Option<&PodSpec>) -> Result<(), String> {
    let quotas: Vec<&Quota> = quotas.iter().filter(|q| q.counts(spec)).collect();
    if let Some(spec) = spec {
        for q in &quotas {
            let required: Vec<&str> = VALIDATION_SET
                .into_iter()
                .filter(|r| q.hard.contains_key(*r))
                .collect();
            if let Some(why) = missing(&required, spec) {
                return Err(format!("failed quota: {}: {why}", q.name));
            }
        }
    }
    for q in &quotas {
        let requested: ResourceList = usage
            .iter()
            .filter(|(n, v)| q.hard.contains_key(*n) && !v.is_zero())
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        let mut after = q.used.clone();
        add(&mut after, &requested);
        let exceeded: Vec<&String> = requested
            .keys()
            .filter(|n| after.get(*n).is_some_and(|v| Some(v) > q.hard.get(*n)))
            .collect();
        if !exceeded.is_empty() {
            return Err(format!(
                "exceeded quota: {}, requested: {}, used: {}, limited: {}",
                q.name,
                pretty(&requested, &exceeded),
                pretty(&q.used, &exceeded),
                pretty(&q.hard, &exceeded)
            ));
        }
    }
    Ok(())
}

/// A quota's `status.used`: zero for each resource it limits, plus what the given charges add.
// K8S: staging/src/k8s.io/apiserver/pkg/quota/v1/generic/evaluator.go (CalculateUsageStats),
// pkg/controller/resourcequota/resource_quota_controller.go (syncResourceQuota)
pub fn used<'a>(
    hard: &ResourceList,
    charges: impl Iterator<Item = &'a ResourceList>,
) -> ResourceList {
    let zero = Quantity::from_value(0, crate::model::quantity::Format::DecimalSI);
    let mut used: ResourceList = hard.keys().map(|n| (n.clone(), zero.clone())).collect();
    for charge in charges {
        let relevant: ResourceList = charge
            .iter()
            .filter(|(n, _)| hard.contains_key(*n))
            .map(|(n, q)| (n.clone(), q.clone()))
            .collect();
        add(&mut used, &relevant);
    }
    used
}

/// The namespace's quotas, in name order, with their usage as last written.
pub fn in_namespace(state: &ClusterState, namespace: &str) -> Vec<Quota> {
    state
        .objects_in("ResourceQuota", namespace)
        .map(|object| Quota::from_body(&object.name, &object.body))
        .collect()
}

/// Writes `status.hard` and `status.used` of the namespace's quotas from the pods and objects
/// it holds now, as the quota controller does when something it counts changes.
// K8S: pkg/controller/resourcequota/resource_quota_controller.go (syncResourceQuota,
// replenishment on pod and object changes)
// DEVIATION: the usage is recalculated at the instant of the change; upstream's controller
// catches up through its informers a moment later (admission charges new objects at once in
// both).
pub fn refresh(state: &mut ClusterState, namespace: &str) {
    let keys: Vec<(String, String, String)> = state
        .objects_in("ResourceQuota", namespace)
        .map(|o| {
            (
                "ResourceQuota".to_string(),
                namespace.to_string(),
                o.name.clone(),
            )
        })
        .collect();
    if keys.is_empty() {
        return;
    }
    // Each charge with the pod it comes from (none for other objects), for the scopes.
    let mut charges: Vec<(Option<std::sync::Arc<PodSpec>>, ResourceList)> = state
        .pods_by_name()
        .map(|(_, p)| p)
        .filter(|p| p.meta.namespace == namespace)
        .map(|p| (Some(p.spec.clone()), pod_usage(&p.spec, p.is_terminal())))
        .collect();
    charges.extend(
        state
            .objects
            .iter()
            .filter(|((_, ns, _), _)| ns == namespace)
            .map(|(_, o)| (None, object_usage(resources::of_kind(&o.kind), &o.body))),
    );
    for key in keys {
        let Some(object) = state.objects.get_mut(&key) else {
            continue;
        };
        let quota = Quota::from_body(&object.name, &object.body);
        let counted = charges
            .iter()
            .filter(|(pod, _)| quota.counts(pod.as_deref()))
            .map(|(_, charge)| charge);
        let used = used(&quota.hard, counted);
        object.body["status"] = serde_json::json!({
            "hard": list_to_json(&quota.hard),
            "used": list_to_json(&used),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(containers: Value) -> PodSpec {
        let api = serde_json::from_value(json!({ "containers": containers })).unwrap();
        crate::manifest::pod_from_template(&api, "test").unwrap()
    }

    fn list(pairs: &[(&str, &str)]) -> ResourceList {
        pairs
            .iter()
            .map(|(n, q)| (n.to_string(), q.parse().unwrap()))
            .collect()
    }

    fn quota(name: &str, hard: &[(&str, &str)], used: &[(&str, &str)]) -> Quota {
        Quota {
            name: name.into(),
            hard: list(hard),
            used: list(used),
            scopes: Vec::new(),
        }
    }

    #[test]
    fn a_pod_charges_its_summed_requests_and_limits() {
        let spec = pod(json!([
            {"name": "a", "image": "nginx", "resources": {"requests": {"cpu": "250m", "memory": "1Gi"}}},
            {"name": "b", "image": "nginx", "resources": {"limits": {"cpu": "500m"}}}
        ]));
        let usage = pod_usage(&spec, false);
        let text: Vec<String> = usage.iter().map(|(n, q)| format!("{n}={q}")).collect();
        assert_eq!(
            text,
            [
                "count/pods=1",
                "cpu=750m",
                "limits.cpu=500m",
                "memory=1Gi",
                "pods=1",
                "requests.cpu=750m",
                "requests.memory=1Gi"
            ]
        );
        assert_eq!(pod_usage(&spec, true), list(&[("count/pods", "1")]));
    }

    #[test]
    fn over_quota_is_refused_with_upstreams_message() {
        let spec = pod(json!([{"name": "app", "image": "nginx",
            "resources": {"requests": {"memory": "2Gi"}}}]));
        let q = quota(
            "mem",
            &[("requests.memory", "2Gi")],
            &[("requests.memory", "1Gi")],
        );
        assert_eq!(
            admit(&[q], &pod_usage(&spec, false), Some(&spec)),
            Err("exceeded quota: mem, requested: requests.memory=2Gi, used: requests.memory=1Gi, limited: requests.memory=2Gi".to_string())
        );
        let q = quota("pods", &[("pods", "3")], &[("pods", "3")]);
        assert_eq!(
            admit(&[q], &pod_usage(&spec, false), Some(&spec)),
            Err(
                "exceeded quota: pods, requested: pods=1, used: pods=3, limited: pods=3"
                    .to_string()
            )
        );
    }

    #[test]
    fn constrained_resources_must_be_stated_by_every_container() {
        let spec = pod(json!([
            {"name": "c1", "image": "nginx", "resources": {"requests": {"cpu": "100m"}}},
            {"name": "c2", "image": "nginx"}
        ]));
        let q = quota(
            "compute",
            &[("limits.cpu", "2"), ("requests.cpu", "1")],
            &[],
        );
        assert_eq!(
            admit(&[q], &pod_usage(&spec, false), Some(&spec)),
            Err(
                "failed quota: compute: must specify limits.cpu for: c1,c2; requests.cpu for: c2"
                    .to_string()
            )
        );
    }

    #[test]
    fn used_starts_at_zero_and_keeps_the_first_format() {
        let hard = list(&[("requests.memory", "2Gi"), ("pods", "3")]);
        let a = list(&[("requests.memory", "512Mi"), ("pods", "1")]);
        let used = used(&hard, [&a, &a].into_iter());
        assert_eq!(used["requests.memory"].to_string(), "1Gi");
        assert_eq!(used["pods"].to_string(), "2");
        let none = super::used(&hard, std::iter::empty());
        assert_eq!(none["pods"].to_string(), "0");
    }

    #[test]
    fn scoped_quotas_count_only_the_pods_in_scope() {
        let q = Quota::from_body(
            "high",
            &json!({"spec": {"hard": {"pods": "1"},
                "scopeSelector": {"matchExpressions": [
                    {"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]}},
                "status": {"used": {"pods": "1"}}}),
        );
        let mut high = pod(json!([{"name": "a", "image": "nginx"}]));
        let plain = high.clone();
        high.priority_class_name = Some("high".into());
        assert_eq!(
            admit(
                std::slice::from_ref(&q),
                &pod_usage(&high, false),
                Some(&high)
            ),
            Err("exceeded quota: high, requested: pods=1, used: pods=1, limited: pods=1".into())
        );
        assert_eq!(
            admit(
                std::slice::from_ref(&q),
                &pod_usage(&plain, false),
                Some(&plain)
            ),
            Ok(())
        );
        // Objects other than pods are never in a scoped quota.
        assert!(!q.counts(None));
        let best_effort = Quota::from_body(
            "be",
            &json!({"spec": {"hard": {"pods": "0"}, "scopes": ["BestEffort"]}}),
        );
        assert!(best_effort.counts(Some(&plain)));
        let sized = pod(json!([{"name": "a", "image": "nginx",
            "resources": {"requests": {"cpu": "100m"}}}]));
        assert!(!best_effort.counts(Some(&sized)));
    }

    #[test]
    fn objects_charge_their_count_and_legacy_names() {
        let usage = object_usage(resources::of_kind("Deployment"), &json!({}));
        assert_eq!(usage, list(&[("count/deployments.apps", "1")]));
        let svc = json!({"spec": {"type": "NodePort", "ports": [{"port": 80}]}});
        let usage = object_usage(resources::of_kind("Service"), &svc);
        assert_eq!(usage["services"], "1".parse().unwrap());
        assert_eq!(usage["services.nodeports"], "1".parse().unwrap());
        assert_eq!(usage["count/services"], "1".parse().unwrap());
    }
}
