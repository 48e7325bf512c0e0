//! Sets of field paths, as server-side apply counts fields: which fields of an object a field
//! manager owns, what a write changed, where two managers disagree. A set is a tree whose
//! nodes are object fields (`f:replicas`) and the items of keyed lists (`k:{"name":"web"}`);
//! it reads and writes the `FieldsV1` form `metadata.managedFields` stores.
//!
//! The walks here also merge an applied configuration into the live object and remove the
//! fields a manager stopped applying, as structured merge does.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// One step of a path: an object's field, or the item of a keyed list with those key values.
// K8S: sigs.k8s.io/structured-merge-diff/v4/fieldpath/element.go (PathElement: FieldName,
// Key; the Value and Index forms belong to set-lists and atomic lists' items, which kubesim's
// lists never are)
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Element {
    Field(String),
    /// The key fields and values as compact JSON with sorted names: `{"name":"web"}`.
    Key(String),
}

impl Element {
    /// `.replicas`, `[name="web"]`, as a conflict names its path.
    // K8S: sigs.k8s.io/structured-merge-diff/v4/fieldpath/element.go (PathElement.String)
    fn display(&self) -> String {
        match self {
            Element::Field(name) => format!(".{name}"),
            Element::Key(json) => {
                let fields: Map<String, Value> = serde_json::from_str(json).unwrap_or_default();
                let pairs: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("[{}]", pairs.join(","))
            }
        }
    }
}

/// A path as a conflict shows it: `.spec.template.spec.containers[name="web"].image`.
pub fn display(path: &[Element]) -> String {
    path.iter().map(Element::display).collect()
}

/// A set of paths: whether this node's own path is in the set, and the sets below it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet {
    member: bool,
    children: BTreeMap<Element, FieldSet>,
}

impl FieldSet {
    pub fn is_empty(&self) -> bool {
        !self.member && self.children.values().all(FieldSet::is_empty)
    }

    fn insert(&mut self, path: &[Element]) {
        match path.split_first() {
            None => self.member = true,
            Some((first, rest)) => self.children.entry(first.clone()).or_default().insert(rest),
        }
    }

    fn contains(&self, path: &[Element]) -> bool {
        match path.split_first() {
            None => self.member,
            Some((first, rest)) => self.children.get(first).is_some_and(|c| c.contains(rest)),
        }
    }

    /// The paths in either set.
    pub fn union(&self, other: &FieldSet) -> FieldSet {
        let mut out = self.clone();
        for path in other.paths() {
            out.insert(&path);
        }
        out
    }

    /// The paths of this set that `other` lacks.
    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        self.filtered(|path| !other.contains(path))
    }

    /// The paths in both sets.
    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        self.filtered(|path| other.contains(path))
    }

    fn filtered(&self, keep: impl Fn(&[Element]) -> bool) -> FieldSet {
        let mut out = FieldSet::default();
        for path in self.paths().into_iter().filter(|p| keep(p)) {
            out.insert(&path);
        }
        out
    }

    /// Every path of the set, in structured merge's order: at each level the members first,
    /// then the sets below, each in element order.
    // K8S: sigs.k8s.io/structured-merge-diff/v4/fieldpath/set.go (Set.Iterate)
    pub fn paths(&self) -> Vec<Vec<Element>> {
        let mut out = Vec::new();
        self.collect(&mut Vec::new(), &mut out);
        out
    }

    fn collect(&self, prefix: &mut Vec<Element>, out: &mut Vec<Vec<Element>>) {
        for (element, child) in &self.children {
            if child.member {
                out.push([prefix.as_slice(), std::slice::from_ref(element)].concat());
            }
        }
        for (element, child) in &self.children {
            prefix.push(element.clone());
            let mut below = FieldSet::default();
            below.children.clone_from(&child.children);
            below.collect(prefix, out);
            prefix.pop();
        }
    }

    /// The set as `fieldsV1`: `{"f:spec": {"f:replicas": {}}}`, `"."` marking a node that is
    /// itself a member and has members below.
    // K8S: sigs.k8s.io/structured-merge-diff/v4/fieldpath/serialize.go
    pub fn to_fields_v1(&self) -> Value {
        let mut map = Map::new();
        if self.member && !self.children.is_empty() {
            map.insert(".".into(), Value::Object(Map::new()));
        }
        for (element, child) in &self.children {
            if child.is_empty() {
                continue;
            }
            let name = match element {
                Element::Field(name) => format!("f:{name}"),
                Element::Key(json) => format!("k:{json}"),
            };
            map.insert(name, child.to_fields_v1());
        }
        Value::Object(map)
    }

    /// A `fieldsV1` read back; what it cannot read (another form, a `v:` or `i:` element) is
    /// left out.
    pub fn from_fields_v1(value: &Value) -> FieldSet {
        let Some(map) = value.as_object() else {
            return FieldSet::default();
        };
        let mut set = FieldSet {
            member: map.is_empty() || map.contains_key("."),
            children: BTreeMap::new(),
        };
        for (name, child) in map {
            let element = if let Some(field) = name.strip_prefix("f:") {
                Element::Field(field.to_string())
            } else if let Some(key) = name.strip_prefix("k:") {
                match serde_json::from_str::<Map<String, Value>>(key) {
                    Ok(fields) => Element::Key(Value::Object(fields).to_string()),
                    Err(_) => continue,
                }
            } else {
                continue;
            };
            set.children
                .insert(element, FieldSet::from_fields_v1(child));
        }
        set
    }
}

/// The fields of an object a write speaks for: every leaf (a scalar, an atomic list or
/// object, an empty object) and every item of a keyed list, without the fields the server
/// sets (name, uid, generation, managedFields...) and without the status.
// K8S: sigs.k8s.io/structured-merge-diff/v4/typed/tofieldset.go and
// staging/src/k8s.io/apimachinery/pkg/util/managedfields/internal/stripmeta.go (the metadata
// fields left out); pkg/registry/apps/deployment/strategy.go (GetResetFields: the status is
// not the main resource's)
pub fn set_of(object: &Value) -> FieldSet {
    let mut set = FieldSet::default();
    walk_set(
        &owned_part(object),
        &mut Vec::new(),
        &mut Vec::new(),
        &mut set,
    );
    set
}

/// The object without what no manager owns.
fn owned_part(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(map) = object.as_object_mut() {
        for server in ["apiVersion", "kind", "status"] {
            map.remove(server);
        }
    }
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for server in SERVER_METADATA {
            meta.remove(*server);
        }
    }
    object
}

/// The metadata fields the server sets, never owned by a manager.
const SERVER_METADATA: &[&str] = &[
    "name",
    "namespace",
    "creationTimestamp",
    "selfLink",
    "uid",
    "generation",
    "managedFields",
    "resourceVersion",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

fn walk_set(value: &Value, names: &mut Vec<String>, path: &mut Vec<Element>, set: &mut FieldSet) {
    match value {
        Value::Object(map) if !map.is_empty() && !atomic(names) => {
            walk_fields(map, names, path, set);
        }
        Value::Array(items) if list_keys(names).is_some() => {
            let keys = list_keys(names).unwrap_or_default();
            for item in items {
                path.push(key_of(item, &keys));
                set.insert(path);
                if let Some(fields) = item.as_object() {
                    walk_fields(fields, names, path, set);
                }
                path.pop();
            }
        }
        _ => set.insert(path),
    }
}

fn walk_fields(
    map: &Map<String, Value>,
    names: &mut Vec<String>,
    path: &mut Vec<Element>,
    set: &mut FieldSet,
) {
    for (name, child) in map {
        names.push(name.clone());
        path.push(Element::Field(name.clone()));
        walk_set(child, names, path, set);
        path.pop();
        names.pop();
    }
}

/// Objects that are one value for ownership: label selectors.
// K8S: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go (LabelSelector is
// +structType=atomic) and core/v1 types.go (ServiceSpec.Selector is +mapType=atomic)
// DEVIATION: kubesim knows the atomic fields by name, not from the kinds' OpenAPI schemas.
fn atomic(names: &[String]) -> bool {
    names.last().is_some_and(|n| {
        matches!(
            n.as_str(),
            "selector" | "labelSelector" | "namespaceSelector"
        )
    })
}

/// The key fields of the list at `names` (field names from the root), for keyed lists.
// K8S: staging/src/k8s.io/api/core/v1/types.go (+listType=map +listMapKey: a container's and a
// service's ports are keyed by port and protocol, the others by the strategic merge key)
// DEVIATION: the keys are strategic merge's (see patch.rs), not read from OpenAPI schemas.
fn list_keys(names: &[String]) -> Option<Vec<&'static str>> {
    let path: Vec<&str> = names.iter().map(String::as_str).collect();
    Some(match super::patch::merge_key(&path)? {
        "containerPort" => vec!["containerPort", "protocol"],
        "port" => vec!["port", "protocol"],
        key => vec![key],
    })
}

/// The element of a keyed list's item: its key fields (a port's protocol defaults to TCP).
// K8S: staging/src/k8s.io/api/core/v1/types.go (ContainerPort.Protocol, ServicePort.Protocol:
// +default="TCP", which structured merge fills in for the key)
fn key_of(item: &Value, keys: &[&str]) -> Element {
    let fields: Map<String, Value> = keys
        .iter()
        .filter_map(|k| match item.get(*k) {
            Some(v) => Some((k.to_string(), v.clone())),
            None if *k == "protocol" => Some((k.to_string(), Value::from("TCP"))),
            None => None,
        })
        .collect();
    Element::Key(Value::Object(fields).to_string())
}

/// The value at `path` in `object`.
fn lookup<'v>(object: &'v Value, path: &[Element], names: &mut Vec<String>) -> Option<&'v Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(object);
    };
    let (child, name) = match first {
        Element::Field(name) => (object.get(name)?, Some(name.clone())),
        Element::Key(_) => {
            let keys = list_keys(names)?;
            let items = object.as_array()?;
            (items.iter().find(|i| key_of(i, &keys) == *first)?, None)
        }
    };
    let pushed = name.is_some();
    names.extend(name);
    let found = lookup(child, rest, names);
    if pushed {
        names.pop();
    }
    found
}

/// What a write changed, from the object before it to the object after.
// K8S: sigs.k8s.io/structured-merge-diff/v4/typed/compare.go (Comparison)
#[derive(Debug, Default, PartialEq)]
pub struct Comparison {
    /// Leaves present in both with another value, and fields that appeared.
    pub changed: FieldSet,
    pub removed: FieldSet,
}

/// How `after` differs from `before` (`None`: the object did not exist).
pub fn compare(before: Option<&Value>, after: &Value) -> Comparison {
    let old = before.map(set_of).unwrap_or_default();
    let new = set_of(after);
    let (before, after) = (before.map(owned_part), owned_part(after));
    let modified = new.intersection(&old).filtered(|path| {
        let leaf = |v: &Value| lookup(v, path, &mut Vec::new()).cloned();
        let was = before.as_ref().and_then(leaf);
        let is = leaf(&after);
        // A keyed list's item that has fields below is compared by them.
        let item = matches!(path.last(), Some(Element::Key(_)));
        !item && was != is
    });
    Comparison {
        changed: modified.union(&new.difference(&old)),
        removed: old.difference(&new),
    }
}

/// The live object with an applied configuration merged in: objects merge field by field,
/// keyed lists item by item (new items after the live ones), everything else is replaced.
// K8S: sigs.k8s.io/structured-merge-diff/v4/typed/merge.go
pub fn merge(live: &Value, applied: &Value) -> Value {
    merge_at(live, applied, &mut Vec::new())
}

fn merge_at(live: &Value, applied: &Value, names: &mut Vec<String>) -> Value {
    match (live, applied) {
        (Value::Object(live), Value::Object(applied)) if !atomic(names) => {
            let mut out = live.clone();
            for (name, value) in applied {
                names.push(name.clone());
                let merged = match live.get(name) {
                    Some(old) => merge_at(old, value, names),
                    None => value.clone(),
                };
                names.pop();
                out.insert(name.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(live), Value::Array(applied)) if list_keys(names).is_some() => {
            let keys = list_keys(names).unwrap_or_default();
            let mut out: Vec<Value> = live
                .iter()
                .map(|item| {
                    let key = key_of(item, &keys);
                    match applied.iter().find(|a| key_of(a, &keys) == key) {
                        Some(new) => merge_at(item, new, names),
                        None => item.clone(),
                    }
                })
                .collect();
            let fresh = applied.iter().filter(|a| {
                let key = key_of(a, &keys);
                !live.iter().any(|item| key_of(item, &keys) == key)
            });
            out.extend(fresh.cloned());
            Value::Array(out)
        }
        (_, applied) => applied.clone(),
    }
}

/// `object` without the fields of `dropped` (a manager applied them before and nobody owns
/// them now), unless a field below one is in `owned`; an object left empty by the removal
/// goes too.
// K8S: sigs.k8s.io/structured-merge-diff/v4/merge/update.go (prune: RemoveItems, then
// addBackOwnedItems)
pub fn remove(object: &mut Value, dropped: &FieldSet, owned: &FieldSet) {
    remove_at(object, dropped, owned, &mut Vec::new());
}

fn remove_at(value: &mut Value, dropped: &FieldSet, owned: &FieldSet, names: &mut Vec<String>) {
    let none = FieldSet::default();
    for (element, drop) in &dropped.children {
        let owned = owned.children.get(element).unwrap_or(&none);
        let whole = drop.member && owned.is_empty();
        match element {
            Element::Field(name) => {
                let Some(map) = value.as_object_mut() else {
                    continue;
                };
                if whole {
                    map.remove(name);
                    continue;
                }
                let Some(child) = map.get_mut(name) else {
                    continue;
                };
                names.push(name.clone());
                remove_at(child, drop, owned, names);
                names.pop();
                if child.as_object().is_some_and(Map::is_empty) && !owned.member {
                    map.remove(name);
                }
            }
            Element::Key(_) => {
                let keys = list_keys(names).unwrap_or_default();
                let Some(items) = value.as_array_mut() else {
                    continue;
                };
                let Some(at) = items.iter().position(|i| key_of(i, &keys) == *element) else {
                    continue;
                };
                if whole {
                    items.remove(at);
                } else {
                    remove_at(&mut items[at], drop, owned, names);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "uid": "u1", "labels": {"app": "web"}},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"spec": {"containers": [
                    {"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}
                ]}}
            },
            "status": {"replicas": 2}
        })
    }

    #[test]
    fn an_objects_set_has_its_leaves_and_keyed_items_in_fields_v1_form() {
        let set = set_of(&deployment());
        assert_eq!(
            set.to_fields_v1(),
            json!({
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {
                    "f:replicas": {},
                    "f:selector": {},
                    "f:template": {"f:spec": {"f:containers": {
                        "k:{\"name\":\"nginx\"}": {
                            ".": {}, "f:image": {}, "f:name": {},
                            "f:ports": {"k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {
                                ".": {}, "f:containerPort": {}
                            }}
                        }
                    }}}
                }
            })
        );
        assert_eq!(FieldSet::from_fields_v1(&set.to_fields_v1()), set);
    }

    #[test]
    fn paths_print_as_conflicts_name_them_members_first() {
        let set = set_of(&deployment());
        let printed: Vec<String> = set.paths().iter().map(|p| display(p)).collect();
        assert_eq!(
            printed,
            [
                ".metadata.labels.app",
                ".spec.replicas",
                ".spec.selector",
                ".spec.template.spec.containers[name=\"nginx\"]",
                ".spec.template.spec.containers[name=\"nginx\"].image",
                ".spec.template.spec.containers[name=\"nginx\"].name",
                ".spec.template.spec.containers[name=\"nginx\"].ports[containerPort=80,protocol=\"TCP\"]",
                ".spec.template.spec.containers[name=\"nginx\"].ports[containerPort=80,protocol=\"TCP\"].containerPort",
            ]
        );
    }

    #[test]
    fn set_operations_work_path_by_path() {
        let all = set_of(&deployment());
        let replicas = set_of(&json!({"spec": {"replicas": 1}}));
        assert_eq!(all.intersection(&replicas), replicas);
        let rest = all.difference(&replicas);
        assert!(!rest.contains(&[
            Element::Field("spec".into()),
            Element::Field("replicas".into())
        ]));
        assert_eq!(rest.union(&replicas), all);
        assert!(replicas.difference(&all).is_empty());
    }

    #[test]
    fn a_comparison_names_changed_and_removed_fields() {
        let before = deployment();
        let mut after = deployment();
        after["spec"]["replicas"] = json!(3);
        after["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.26");
        after["metadata"]["labels"] = json!({"tier": "front"});
        after["metadata"]["generation"] = json!(2);
        after["status"] = json!({"replicas": 3});
        let diff = compare(Some(&before), &after);
        let changed: Vec<String> = diff.changed.paths().iter().map(|p| display(p)).collect();
        assert_eq!(
            changed,
            [
                ".metadata.labels.tier",
                ".spec.replicas",
                ".spec.template.spec.containers[name=\"nginx\"].image"
            ]
        );
        assert_eq!(
            diff.removed,
            set_of(&json!({"metadata": {"labels": {"app": "web"}}}))
        );
        assert_eq!(compare(None, &before).changed, set_of(&before));
        assert_eq!(compare(Some(&before), &before), Comparison::default());
    }

    #[test]
    fn merge_joins_maps_and_keyed_lists_and_replaces_the_rest() {
        let applied = json!({"spec": {
            "selector": {"matchLabels": {"tier": "x"}},
            "template": {"spec": {"containers": [
                {"name": "nginx", "image": "nginx:1.26"},
                {"name": "sidecar", "image": "envoy:1"}
            ], "tolerations": [{"key": "a"}]}}
        }});
        let merged = merge(&deployment(), &applied);
        assert_eq!(merged["spec"]["replicas"], 2);
        assert_eq!(
            merged["spec"]["selector"],
            json!({"matchLabels": {"tier": "x"}})
        );
        assert_eq!(
            merged["spec"]["template"]["spec"]["containers"],
            json!([
                {"name": "nginx", "image": "nginx:1.26", "ports": [{"containerPort": 80}]},
                {"name": "sidecar", "image": "envoy:1"}
            ])
        );
        assert_eq!(
            merged["spec"]["template"]["spec"]["tolerations"],
            json!([{"key": "a"}])
        );
    }

    #[test]
    fn removal_drops_unowned_fields_and_the_objects_they_leave_empty() {
        let mut object = deployment();
        let dropped = set_of(&json!({
            "metadata": {"labels": {"app": "web"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [
                {"name": "nginx", "image": "x"}
            ]}}}
        }));
        // Another manager owns the container's image.
        let owned = set_of(&json!({"spec": {"template": {"spec": {"containers": [
            {"name": "nginx", "image": "x"}
        ]}}}}));
        remove(&mut object, &dropped.difference(&owned), &owned);
        assert_eq!(object["metadata"], json!({"name": "web", "uid": "u1"}));
        assert_eq!(object["spec"].get("replicas"), None);
        assert_eq!(
            object["spec"]["template"]["spec"]["containers"],
            json!([{"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}])
        );
        let mut object = deployment();
        let container = set_of(&json!({"spec": {"template": {"spec": {"containers": [
            {"name": "nginx"}
        ]}}}}));
        remove(&mut object, &container, &FieldSet::default());
        assert_eq!(object["spec"]["template"]["spec"]["containers"], json!([]));
    }
}
