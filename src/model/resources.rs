//! Resource lists (`cpu: 500m, memory: 1Gi`) and their dense numeric form.

use std::collections::BTreeMap;

use super::quantity::Quantity;

/// A Kubernetes `ResourceList`: resource name to quantity, ordered by name as the API server
/// serialises it. Keeps the user's quantities for display (`describe` prints `300Mi`, not bytes).
pub type ResourceList = BTreeMap<String, Quantity>;

/// The resources the scheduler and kubelet compute with, as integers in the units upstream uses:
/// CPU in millicores (`MilliValue()`), memory and storage in bytes (`Value()`), pods as a count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resources {
    pub milli_cpu: i64,
    pub memory: i64,
    pub ephemeral_storage: i64,
    pub pods: i64,
}

impl Resources {
    /// Reads the well-known resources from a list; absent ones are 0.
    // K8S: pkg/scheduler/framework/types.go (Resource.Add: cpu by MilliValue, others by Value)
    pub fn from_list(list: &ResourceList) -> Self {
        let value = |name: &str| list.get(name).map(Quantity::value).unwrap_or(0);
        Resources {
            milli_cpu: list.get("cpu").map(Quantity::milli_value).unwrap_or(0),
            memory: value("memory"),
            ephemeral_storage: value("ephemeral-storage"),
            pods: value("pods"),
        }
    }
}

/// Reads a resource list from API JSON (`{"cpu": "500m"}`); quantities that do not parse are
/// left out (objects are checked when their manifest is read).
pub fn list_from_json(value: Option<&serde_json::Value>) -> ResourceList {
    value
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, q)| Some((name.clone(), q.as_str()?.parse().ok()?)))
        .collect()
}

/// A resource list as API JSON, each quantity in its upstream string form.
pub fn list_to_json(list: &ResourceList) -> serde_json::Value {
    serde_json::Value::Object(
        list.iter()
            .map(|(n, q)| (n.clone(), serde_json::Value::String(q.to_string())))
            .collect(),
    )
}

impl std::ops::AddAssign for Resources {
    fn add_assign(&mut self, other: Self) {
        self.milli_cpu += other.milli_cpu;
        self.memory += other.memory;
        self.ephemeral_storage += other.ephemeral_storage;
        self.pods += other.pods;
    }
}

impl std::ops::SubAssign for Resources {
    fn sub_assign(&mut self, other: Self) {
        self.milli_cpu -= other.milli_cpu;
        self.memory -= other.memory;
        self.ephemeral_storage -= other.ephemeral_storage;
        self.pods -= other.pods;
    }
}
