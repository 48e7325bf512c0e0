//! `kubectl describe pod|node`: the same sections, order and alignment as kubectl.

use std::fmt::Write as _;

use super::table::describe_text;
use crate::engine::SimTime;
use crate::model::pod::{Container, ContainerStatus, Probe, ProbeHandler};
use crate::model::time::{age, rfc1123z, rfc1123z_or_epoch};
use crate::model::{ClusterState, ContainerState, Event, Node, Pod};

pub(super) fn multiline(out: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        let _ = writeln!(out, "{title}:\t<none>");
        return;
    }
    for (i, item) in items.iter().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "{title}:\t{item}");
        } else {
            let _ = writeln!(out, "\t{item}");
        }
    }
}

pub(super) fn pairs(map: &std::collections::BTreeMap<String, String>, sep: &str) -> Vec<String> {
    map.iter().map(|(k, v)| format!("{k}{sep}{v}")).collect()
}

/// `kubectl describe pod NAME`.
// K8S: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describePod)
pub fn pod(state: &ClusterState, pod: &Pod, now: SimTime) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "Name:\t{}", pod.meta.name);
    let _ = writeln!(w, "Namespace:\t{}", pod.meta.namespace);
    let _ = writeln!(w, "Priority:\t{}", pod.spec.priority);
    if let Some(class) = &pod.spec.priority_class_name {
        let _ = writeln!(w, "Priority Class Name:\t{class}");
    }
    let _ = writeln!(w, "Service Account:\t{}", pod.spec.service_account_name);
    match &pod.node_name {
        Some(node) => {
            let _ = writeln!(
                w,
                "Node:\t{node}/{}",
                pod.status.host_ip.clone().unwrap_or_default()
            );
        }
        None => {
            let _ = writeln!(w, "Node:\t<none>");
        }
    }
    if let Some(t) = pod.status.start_time {
        let _ = writeln!(w, "Start Time:\t{}", rfc1123z(t));
    }
    multiline(w, "Labels", &pairs(&pod.meta.labels, "="));
    multiline(w, "Annotations", &pairs(&pod.meta.annotations, ": "));
    // K8S: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describePod: `lasts` is
    // translateTimestampSince of the deletionTimestamp, which lies ahead while the grace period
    // runs, so HumanDuration says `<invalid>` until the last second)
    match pod.meta.deletion {
        Some(deadline) if !pod.is_terminal() => {
            let _ = writeln!(w, "Status:\tTerminating (lasts {})", age(now, deadline));
            let _ = writeln!(
                w,
                "Termination Grace Period:\t{}s",
                pod.meta.deletion_grace_period_seconds.unwrap_or(0)
            );
        }
        _ => {
            let _ = writeln!(w, "Status:\t{}", pod.status.phase.as_str());
        }
    }
    if let Some(reason) = &pod.status.reason {
        let _ = writeln!(w, "Reason:\t{reason}");
    }
    if let Some(message) = &pod.status.message {
        let _ = writeln!(w, "Message:\t{message}");
    }
    let ip = pod.status.pod_ip.clone().unwrap_or_default();
    let _ = writeln!(w, "IP:\t{ip}");
    if ip.is_empty() {
        let _ = writeln!(w, "IPs:\t<none>");
    } else {
        let _ = writeln!(w, "IPs:\n  IP:\t{ip}");
    }
    // K8S: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describePod: Controlled By,
    // NominatedNodeName)
    if let Some(owner) = &pod.meta.owner {
        let _ = writeln!(w, "Controlled By:\t{}/{}", owner.kind, owner.name);
    }
    if let Some(node) = &pod.status.nominated_node_name {
        let _ = writeln!(w, "NominatedNodeName:\t{node}");
    }
    if !pod.spec.init_containers.is_empty() {
        let _ = writeln!(w, "Init Containers:");
        for (c, s) in pod.spec.init_containers.iter().zip(statuses(
            &pod.status.init_container_statuses,
            &pod.spec.init_containers,
        )) {
            container(w, c, s);
        }
    }
    let _ = writeln!(w, "Containers:");
    for (c, s) in pod.spec.containers.iter().zip(statuses(
        &pod.status.container_statuses,
        &pod.spec.containers,
    )) {
        container(w, c, s);
    }
    if !pod.status.conditions.is_empty() {
        let _ = writeln!(w, "Conditions:\n  Type\tStatus");
        for c in &pod.status.conditions {
            let _ = writeln!(w, "  {} \t{} ", c.type_, c.status);
        }
    }
    // DEVIATION: kubesim does not inject the service-account token volume, so pods show none.
    let _ = writeln!(w, "Volumes:\t<none>");
    let _ = writeln!(w, "QoS Class:\t{}", pod.status.qos_class.as_str());
    multiline(w, "Node-Selectors", &pairs(&pod.spec.node_selector, "="));
    let mut tolerations: Vec<_> = pod.spec.tolerations.iter().collect();
    tolerations.sort_by(|a, b| a.key.cmp(&b.key));
    let tolerations: Vec<String> = tolerations
        .into_iter()
        .map(|t| {
            let mut s = t.key.clone();
            if !t.value.is_empty() {
                s.push('=');
                s.push_str(&t.value);
            }
            if let Some(effect) = t.effect {
                s.push(':');
                s.push_str(effect.as_str());
            }
            if t.operator_exists {
                s.push_str(if s.is_empty() {
                    "op=Exists"
                } else {
                    " op=Exists"
                });
            }
            if let Some(secs) = t.toleration_seconds {
                s.push_str(&format!(" for {secs}s"));
            }
            s
        })
        .collect();
    multiline(w, "Tolerations", &tolerations);
    events(
        w,
        &state.events_for("Pod", &pod.meta.namespace, &pod.meta.name),
        now,
    );
    describe_text(&out)
}

fn statuses<'a>(
    statuses: &'a [ContainerStatus],
    containers: &[Container],
) -> Vec<Option<&'a ContainerStatus>> {
    containers
        .iter()
        .map(|c| statuses.iter().find(|s| s.name == c.name))
        .collect()
}

fn container(w: &mut String, c: &Container, status: Option<&ContainerStatus>) {
    let _ = writeln!(w, "  {}:", c.name);
    if let Some(s) = status {
        let _ = writeln!(w, "    Container ID:\t{}", s.container_id);
    }
    let _ = writeln!(w, "    Image:\t{}", c.image);
    if let Some(s) = status {
        let _ = writeln!(w, "    Image ID:\t{}", s.image_id);
    }
    let ports: Vec<String> = c
        .ports
        .iter()
        .map(|p| format!("{}/{}", p.container_port, p.protocol))
        .collect();
    let host_ports: Vec<String> = c
        .ports
        .iter()
        .map(|p| format!("{}/{}", p.host_port.unwrap_or(0), p.protocol))
        .collect();
    match ports.len() {
        0 => {
            let _ = writeln!(w, "    Port:\t<none>\n    Host Port:\t<none>");
        }
        1 => {
            let _ = writeln!(
                w,
                "    Port:\t{}\n    Host Port:\t{}",
                ports[0], host_ports[0]
            );
        }
        _ => {
            let _ = writeln!(
                w,
                "    Ports:\t{}\n    Host Ports:\t{}",
                ports.join(", "),
                host_ports.join(", ")
            );
        }
    }
    for (title, items) in [("Command", &c.command), ("Args", &c.args)] {
        if !items.is_empty() {
            let _ = writeln!(w, "    {title}:");
            for item in items {
                let _ = writeln!(w, "      {item}");
            }
        }
    }
    if let Some(s) = status {
        state(w, "State", &s.state);
        if let Some(last) = &s.last_state {
            state(w, "Last State", last);
        }
        let _ = writeln!(w, "    Ready:\t{}", if s.ready { "True" } else { "False" });
        let _ = writeln!(w, "    Restart Count:\t{}", s.restart_count);
    }
    for (title, list) in [
        ("Limits", &c.resources.limits),
        ("Requests", &c.resources.requests),
    ] {
        if !list.is_empty() {
            let _ = writeln!(w, "    {title}:");
            for (name, q) in list {
                let _ = writeln!(w, "      {name}:\t{q}");
            }
        }
    }
    for (title, probe) in [
        ("Liveness", &c.liveness_probe),
        ("Readiness", &c.readiness_probe),
        ("Startup", &c.startup_probe),
    ] {
        if let Some(p) = probe {
            let _ = writeln!(w, "    {title}:\t{}", describe_probe(p));
        }
    }
    let _ = writeln!(w, "    Environment:\t<none>");
    let _ = writeln!(w, "    Mounts:\t<none>");
}

fn state(w: &mut String, title: &str, s: &ContainerState) {
    match s {
        ContainerState::Waiting { reason, .. } => {
            let _ = writeln!(w, "    {title}:\tWaiting");
            if !reason.is_empty() {
                let _ = writeln!(w, "      Reason:\t{reason}");
            }
        }
        ContainerState::Running { started_at } => {
            let _ = writeln!(
                w,
                "    {title}:\tRunning\n      Started:\t{}",
                rfc1123z(*started_at)
            );
        }
        ContainerState::Terminated {
            exit_code,
            signal,
            reason,
            message,
            started_at,
            finished_at,
        } => {
            let _ = writeln!(w, "    {title}:\tTerminated");
            if !reason.is_empty() {
                let _ = writeln!(w, "      Reason:\t{reason}");
            }
            if let Some(m) = message {
                let _ = writeln!(w, "      Message:\t{m}");
            }
            let _ = writeln!(w, "      Exit Code:\t{exit_code}");
            if let Some(sig) = signal.filter(|s| *s > 0) {
                let _ = writeln!(w, "      Signal:\t{sig}");
            }
            let _ = writeln!(
                w,
                "      Started:\t{}\n      Finished:\t{}",
                rfc1123z_or_epoch(*started_at),
                rfc1123z(*finished_at)
            );
        }
    }
}

/// A probe as describe prints it: `exec [ls /tmp/healthy] delay=10s timeout=1s period=5s ...`.
// K8S: staging/src/k8s.io/kubectl/pkg/describe/describe.go (DescribeProbe)
pub fn describe_probe(p: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        p.initial_delay_seconds,
        p.timeout_seconds,
        p.period_seconds,
        p.success_threshold,
        p.failure_threshold
    );
    match &p.handler {
        ProbeHandler::Exec { command } => format!("exec [{}] {attrs}", command.join(" ")),
        ProbeHandler::HttpGet {
            path,
            port,
            host,
            scheme,
        } => {
            format!(
                "http-get {}://{host}:{port}{path} {attrs}",
                scheme.to_ascii_lowercase()
            )
        }
        ProbeHandler::TcpSocket { port, host } => format!("tcp-socket {host}:{port} {attrs}"),
        ProbeHandler::Grpc { port, service } => format!("grpc <pod>:{port} {service} {attrs}"),
    }
}

/// The Events section: `<none>`, or a table with `(xN over M)` for repeats.
pub(super) fn events(w: &mut String, events: &[&Event], now: SimTime) {
    if events.is_empty() {
        let _ = writeln!(w, "Events:\t<none>");
        return;
    }
    // A line without a tab ends the column block above, as kubectl's Flush does.
    let _ = writeln!(
        w,
        "Events:\n  Type\tReason\tAge\tFrom\tMessage\n  ----\t------\t----\t----\t-------"
    );
    for e in events {
        let interval = if e.count > 1 {
            format!(
                "{} (x{} over {})",
                age(now, e.last),
                e.count,
                age(now, e.first)
            )
        } else {
            age(now, e.first)
        };
        let _ = writeln!(
            w,
            "  {}\t{}\t{}\t{}\t{}",
            e.type_.as_str(),
            e.reason,
            interval,
            e.source,
            e.message.trim()
        );
    }
}

/// `kubectl describe node NAME`.
// K8S: staging/src/k8s.io/kubectl/pkg/describe/describe.go (describeNode)
pub fn node(state: &ClusterState, node: &Node, now: SimTime) -> String {
    let mut out = String::new();
    let w = &mut out;
    let roles = node.roles();
    let _ = writeln!(w, "Name:\t{}", node.meta.name);
    let _ = writeln!(
        w,
        "Roles:\t{}",
        if roles.is_empty() {
            "<none>".to_string()
        } else {
            roles.join(",")
        }
    );
    multiline(w, "Labels", &pairs(&node.meta.labels, "="));
    multiline(w, "Annotations", &pairs(&node.meta.annotations, ": "));
    let _ = writeln!(w, "CreationTimestamp:\t{}", rfc1123z(node.meta.creation));
    let mut taints: Vec<_> = node.taints.iter().collect();
    taints.sort_by_key(|t| format!("{},{}", t.effect, t.key));
    multiline(
        w,
        "Taints",
        &taints.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
    );
    let _ = writeln!(w, "Unschedulable:\t{}", node.unschedulable);
    let lease_time = node.lease_renewed(now);
    let _ = writeln!(
        w,
        "Lease:\n  HolderIdentity:\t{}\n  AcquireTime:\t<unset>\n  RenewTime:\t{}",
        node.meta.name,
        rfc1123z(lease_time)
    );
    let _ = writeln!(
        w,
        "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage"
    );
    let _ = writeln!(
        w,
        "  ----\t------\t-----------------\t------------------\t------\t-------"
    );
    for c in &node.conditions {
        let _ = writeln!(
            w,
            "  {} \t{} \t{} \t{} \t{} \t{}",
            c.type_,
            c.status,
            rfc1123z(c.last_heartbeat.max(now)),
            rfc1123z(c.last_transition),
            c.reason,
            c.message
        );
    }
    let _ = writeln!(
        w,
        "Addresses:\n  InternalIP:\t{}\n  Hostname:\t{}",
        node.internal_ip, node.meta.name
    );
    for (title, list) in [
        ("Capacity", &node.capacity),
        ("Allocatable", &node.allocatable),
    ] {
        let _ = writeln!(w, "{title}:");
        for (name, q) in list {
            let _ = writeln!(w, "  {name}:\t{q}");
        }
    }
    let info = &crate::model::node::NODE_INFO;
    let _ = writeln!(
        w,
        "System Info:\n  Machine ID:\t\n  System UUID:\t\n  Boot ID:\t\n  Kernel Version:\t{}\n  OS Image:\t{}\n  Operating System:\tlinux\n  Architecture:\tamd64\n  Container Runtime Version:\t{}\n  Kubelet Version:\t{}\n  Kube-Proxy Version:\t",
        info.kernel_version, info.os_image, info.container_runtime_version, info.kubelet_version
    );
    let _ = writeln!(
        w,
        "PodCIDR:\t{}\nPodCIDRs:\t{}",
        node.pod_cidr, node.pod_cidr
    );
    let pods: Vec<&Pod> = state
        .pods_by_name()
        .map(|(_, p)| p)
        .filter(|p| p.node_name.as_deref() == Some(node.meta.name.as_str()) && !p.is_terminal())
        .collect();
    let alloc = node.allocatable_resources();
    let percent = |v: i64, total: i64| {
        if total == 0 {
            0
        } else {
            (v as f64 / total as f64 * 100.0) as i64
        }
    };
    let _ = writeln!(w, "Non-terminated Pods:\t({} in total)", pods.len());
    let _ = writeln!(
        w,
        "  Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge"
    );
    let _ = writeln!(
        w,
        "  ---------\t----\t\t------------\t----------\t---------------\t-------------\t---"
    );
    let (mut cpu_req, mut cpu_lim, mut mem_req, mut mem_lim) = (0i64, 0i64, 0i64, 0i64);
    for p in &pods {
        let req = p.spec.requests();
        let lim = limits(p);
        cpu_req += req.milli_cpu;
        mem_req += req.memory;
        cpu_lim += lim.0;
        mem_lim += lim.1;
        let _ = writeln!(
            w,
            "  {}\t{}\t\t{} ({}%)\t{} ({}%)\t{} ({}%)\t{} ({}%)\t{}",
            p.meta.namespace,
            p.meta.name,
            milli(req.milli_cpu),
            percent(req.milli_cpu, alloc.milli_cpu),
            milli(lim.0),
            percent(lim.0, alloc.milli_cpu),
            bytes(req.memory),
            percent(req.memory, alloc.memory),
            bytes(lim.1),
            percent(lim.1, alloc.memory),
            age(now, p.meta.creation)
        );
    }
    let _ = writeln!(
        w,
        "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)"
    );
    let _ = writeln!(
        w,
        "  Resource\tRequests\tLimits\n  --------\t--------\t------"
    );
    let _ = writeln!(
        w,
        "  cpu\t{} ({}%)\t{} ({}%)",
        milli(cpu_req),
        percent(cpu_req, alloc.milli_cpu),
        milli(cpu_lim),
        percent(cpu_lim, alloc.milli_cpu)
    );
    let _ = writeln!(
        w,
        "  memory\t{} ({}%)\t{} ({}%)",
        bytes(mem_req),
        percent(mem_req, alloc.memory),
        bytes(mem_lim),
        percent(mem_lim, alloc.memory)
    );
    let _ = writeln!(w, "  ephemeral-storage\t0 (0%)\t0 (0%)");
    events(w, &state.events_for("Node", "", &node.meta.name), now);
    describe_text(&out)
}

fn limits(p: &Pod) -> (i64, i64) {
    p.spec.containers.iter().fold((0, 0), |(c, m), container| {
        let r = crate::model::Resources::from_list(&container.resources.limits);
        (c + r.milli_cpu, m + r.memory)
    })
}

fn milli(v: i64) -> String {
    crate::model::Quantity::from_milli(v).to_string()
}

fn bytes(v: i64) -> String {
    crate::model::Quantity::from_value(v, crate::model::quantity::Format::BinarySI).to_string()
}
