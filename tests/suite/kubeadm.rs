//! The kubeadm cluster plain manifests run on: the control plane's static pods on
//! `controlplane`, kube-proxy and flannel on every node, CoreDNS behind kube-dns, and
//! service/kubernetes, as `kubectl get -A` shows them on a fresh kubeadm v1.34 cluster.
// K8S: cmd/kubeadm/app/phases/controlplane/manifests.go, phases/addons/{dns,proxy}

use crate::common;

use common::{kubesim, stderr, stdout};

/// Writes `text` to a file in a temporary directory and returns both.
fn file(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap().to_string();
    (dir, path)
}

const POD_AND_SERVICE: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec:\n  containers:\n  - {name: web, image: nginx}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n";

#[test]
fn a_plain_manifest_runs_beside_the_kubeadm_add_ons() {
    let (_dir, f) = file("web.yaml", POD_AND_SERVICE);
    let o = kubesim(&["get", "pods", "-A", "-f", &f, "--at", "1m", "-o", "wide"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Host-network pods (the control plane, kube-proxy, flannel) have their node's address.
    assert_eq!(
        stdout(&o),
        "\
NAMESPACE      NAME                                   READY   STATUS    RESTARTS   AGE   IP             NODE           NOMINATED NODE   READINESS GATES\n\
default        web                                    1/1     Running   0          60s   10.244.2.2     node02         <none>           <none>\n\
kube-flannel   kube-flannel-ds-cfc48                  1/1     Running   0          60s   192.168.1.11   node01         <none>           <none>\n\
kube-flannel   kube-flannel-ds-w4d95                  1/1     Running   0          60s   192.168.1.12   node02         <none>           <none>\n\
kube-flannel   kube-flannel-ds-x5kq9                  1/1     Running   0          60s   192.168.1.10   controlplane   <none>           <none>\n\
kube-system    coredns-7f94f56b58-4gwbc               1/1     Running   0          60s   10.244.2.3     node02         <none>           <none>\n\
kube-system    coredns-7f94f56b58-n9rzv               1/1     Running   0          60s   10.244.1.2     node01         <none>           <none>\n\
kube-system    etcd-controlplane                      1/1     Running   0          60s   192.168.1.10   controlplane   <none>           <none>\n\
kube-system    kube-apiserver-controlplane            1/1     Running   0          60s   192.168.1.10   controlplane   <none>           <none>\n\
kube-system    kube-controller-manager-controlplane   1/1     Running   0          60s   192.168.1.10   controlplane   <none>           <none>\n\
kube-system    kube-proxy-2kqjh                       1/1     Running   0          60s   192.168.1.12   node02         <none>           <none>\n\
kube-system    kube-proxy-7r9wz                       1/1     Running   0          60s   192.168.1.11   node01         <none>           <none>\n\
kube-system    kube-proxy-b86qc                       1/1     Running   0          60s   192.168.1.10   controlplane   <none>           <none>\n\
kube-system    kube-scheduler-controlplane            1/1     Running   0          60s   192.168.1.10   controlplane   <none>           <none>\n\
"
    );
    let o = kubesim(&["get", "services", "-A", "-f", &f, "--at", "1m"]);
    // kube-dns holds 10.96.0.10; the user's Service gets the next free address.
    assert_eq!(
        stdout(&o),
        "NAMESPACE     NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)                  AGE\n\
         default       kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP                  60s\n\
         default       web          ClusterIP   10.96.0.11   <none>        80/TCP                   60s\n\
         kube-system   kube-dns     ClusterIP   10.96.0.10   <none>        53/UDP,53/TCP,9153/TCP   60s\n"
    );
    // `get pods` without -A shows the user's namespace only, as on a real cluster.
    let o = kubesim(&["get", "pods", "-f", &f, "--at", "1m"]);
    assert_eq!(
        stdout(&o),
        "NAME   READY   STATUS    RESTARTS   AGE\nweb    1/1     Running   0          60s\n"
    );
}

#[test]
fn describe_node_counts_the_control_planes_requests() {
    let (_dir, f) = file("web.yaml", POD_AND_SERVICE);
    let o = kubesim(&["describe", "node", "controlplane", "-f", &f, "--at", "1m"]);
    let text = stdout(&o);
    let from = text.find("Non-terminated Pods:").expect("pods section");
    assert_eq!(
        &text[from..],
        "Non-terminated Pods:          (6 in total)\n\
        \x20 Namespace                   Name                                    CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age\n\
        \x20 ---------                   ----                                    ------------  ----------  ---------------  -------------  ---\n\
        \x20 kube-flannel                kube-flannel-ds-x5kq9                   100m (5%)     0 (0%)      50Mi (1%)        0 (0%)         60s\n\
        \x20 kube-system                 etcd-controlplane                       100m (5%)     0 (0%)      100Mi (2%)       0 (0%)         60s\n\
        \x20 kube-system                 kube-apiserver-controlplane             250m (12%)    0 (0%)      0 (0%)           0 (0%)         60s\n\
        \x20 kube-system                 kube-controller-manager-controlplane    200m (10%)    0 (0%)      0 (0%)           0 (0%)         60s\n\
        \x20 kube-system                 kube-proxy-b86qc                        0 (0%)        0 (0%)      0 (0%)           0 (0%)         60s\n\
        \x20 kube-system                 kube-scheduler-controlplane             100m (5%)     0 (0%)      0 (0%)           0 (0%)         60s\n\
        Allocated resources:\n\
        \x20 (Total limits may be over 100 percent, i.e., overcommitted.)\n\
        \x20 Resource           Requests    Limits\n\
        \x20 --------           --------    ------\n\
        \x20 cpu                750m (37%)  0 (0%)\n\
        \x20 memory             150Mi (3%)  0 (0%)\n\
        \x20 ephemeral-storage  0 (0%)      0 (0%)\n\
        Events:              <none>\n"
    );
}

#[test]
fn the_add_ons_images_are_on_the_nodes_and_their_pods_start_at_once() {
    let (_dir, f) = file("web.yaml", POD_AND_SERVICE);
    let o = kubesim(&["get", "events", "-n", "kube-system", "-f", &f, "--at", "5s"]);
    let text = stdout(&o);
    assert!(!text.contains("Pulling"), "{text}");
    assert!(
        text.contains("Container image \"registry.k8s.io/coredns/coredns:v1.12.1\" already present on machine"),
        "{text}"
    );
    let o = kubesim(&["get", "pods", "-n", "kube-flannel", "-f", &f, "--at", "5s"]);
    assert!(
        stdout(&o)
            .lines()
            .skip(1)
            .all(|l| l.contains("1/1     Running")),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_scenario_asks_for_the_add_ons_and_needs_a_control_plane_node() {
    let scenario = |cluster: &str, nodes: &str| {
        format!("apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {{name: s}}\nspec:\n  cluster: {cluster}\n  nodes:\n{nodes}")
    };
    let workers = "  - {name: worker, count: 2}\n";
    let (_dir, f) = file("s.yaml", &scenario("kubeadm", workers));
    let o = kubesim(&["run", &f]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!("{f}:5:3: a kubeadm cluster needs a control-plane node: give one node group the label `node-role.kubernetes.io/control-plane: \"\"` (and usually its NoSchedule taint), or use `cluster: bare`\n")
    );
    let (_dir, f) = file("s.yaml", &scenario("bare", workers));
    let o = kubesim(&["get", "pods", "-A", "-f", &f, "--at", "1m"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains("kube-system"), "{}", stdout(&o));
    let nodes = "  - {name: cp, labels: {node-role.kubernetes.io/control-plane: \"\"}}\n  - {name: worker}\n";
    let (_dir, f) = file("s.yaml", &scenario("kubeadm", nodes));
    let o = kubesim(&["get", "pods", "-n", "kube-system", "-f", &f, "--at", "1m"]);
    let listed = stdout(&o);
    let names: Vec<&str> = listed
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.ends_with("-cp"))
        .collect();
    assert_eq!(
        names,
        [
            "etcd-cp",
            "kube-apiserver-cp",
            "kube-controller-manager-cp",
            "kube-scheduler-cp"
        ]
    );
}
