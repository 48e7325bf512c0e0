//! Upstream's test tables, ported case by case with upstream's case names and expectations:
//! podtopologyspread/filtering_test.go (TestSingleConstraint, TestMultipleConstraints) and
//! scoring_test.go (TestPodTopologySpreadScore, TestPreScoreSkip).
//!
//! Upstream's node affinity and taints become the snapshot's booleans: a node the incoming pod's
//! `nodeSelector`/node affinity rejects is built with `affinity_mismatch()`, a node with the
//! `node.kubernetes.io/unschedulable:NoSchedule` taint with `untolerated_taint()`.

use k8s_openapi::api::core::v1::TopologySpreadConstraint;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::*;
use crate::scheduler::plugins::testing::*;

const DNS: &str = "DoNotSchedule";
const SA: &str = "ScheduleAnyway";
const OK: Option<Code> = None;
const U: Option<Code> = Some(Code::Unschedulable);
const UU: Option<Code> = Some(Code::UnschedulableAndUnresolvable);

fn foo() -> Option<LabelSelector> {
    Some(exists("foo"))
}

fn bar() -> Option<LabelSelector> {
    Some(exists("bar"))
}

/// A pod labelled `foo` on a node.
fn foo_on(node: &str) -> TestPod {
    pod().node(node).label("foo", "")
}

/// Pods labelled `foo`: `counts[i]` of them on node `names[i]`.
fn foo_pods(names: &[&str], counts: &[usize]) -> Vec<TestPod> {
    names
        .iter()
        .zip(counts)
        .flat_map(|(name, &count)| (0..count).map(move |_| foo_on(name)))
        .collect()
}

/// node-a and node-b in zone1, node-x and node-y in zone2, each also labelled `node: <name>`.
fn zoned_nodes() -> Vec<TestNode> {
    [
        ("node-a", "zone1"),
        ("node-b", "zone1"),
        ("node-x", "zone2"),
        ("node-y", "zone2"),
    ]
    .map(|(name, zone)| node(name).label("zone", zone).label("node", name))
    .to_vec()
}

/// Nodes labelled only `node: <name>`.
fn named_nodes(names: &[&str]) -> Vec<TestNode> {
    names
        .iter()
        .map(|name| node(name).label("node", name))
        .collect()
}

fn with_policies(
    constraint: TopologySpreadConstraint,
    node_affinity_policy: Option<&str>,
    node_taints_policy: Option<&str>,
) -> TopologySpreadConstraint {
    TopologySpreadConstraint {
        node_affinity_policy: node_affinity_policy.map(str::to_owned),
        node_taints_policy: node_taints_policy.map(str::to_owned),
        ..constraint
    }
}

fn min_domains(constraint: TopologySpreadConstraint, min: i32) -> TopologySpreadConstraint {
    TopologySpreadConstraint {
        min_domains: Some(min),
        ..constraint
    }
}

struct FilterCase {
    name: &'static str,
    pod: TestPod,
    nodes: Vec<TestNode>,
    pods: Vec<TestPod>,
    /// Per node, in node order: `None` fits, else the status code.
    want: Vec<Option<Code>>,
}

/// PreFilter over all nodes, then Filter on each; a skipped PreFilter lets every node pass.
fn filter_codes(case: &FilterCase) -> Vec<Option<Code>> {
    let plugin = PodTopologySpread;
    let nodes = views(&case.nodes, &case.pods);
    let state = plugin
        .pre_filter(&case.pod.incoming(), &nodes)
        .unwrap_or_else(|s| panic!("{}: PreFilter failed: {s:?}", case.name));
    let Some(state) = state else {
        return vec![None; nodes.len()];
    };
    nodes
        .iter()
        .map(|n| plugin.filter(&state, n).map(|s| s.code))
        .collect()
}

fn check_filter_cases(cases: &[FilterCase]) {
    for case in cases {
        assert_eq!(filter_codes(case), case.want, "{}", case.name);
    }
}

// K8S: podtopologyspread/filtering_test.go (TestSingleConstraint)
#[test]
fn single_constraint() {
    let foo_pod = || pod().label("foo", "");
    let on_zone = |c| foo_pod().spread(spread(c, "zone", DNS, foo()));
    let on_node = |c| foo_pod().spread(spread(c, "node", DNS, foo()));
    let abxy = ["node-a", "node-b", "node-x", "node-y"];
    let spread_2103 = || foo_pods(&abxy, &[2, 1, 0, 3]);
    let case = |name, pod, nodes, pods, want: &[Option<Code>]| FilterCase {
        name,
        pod,
        nodes,
        pods,
        want: want.to_vec(),
    };
    let node_selector_foo = || {
        named_nodes(&["node-a", "node-b", "node-x"])
            .into_iter()
            .map(|n| n.label("foo", ""))
            .chain([node("node-y").label("node", "node-y").affinity_mismatch()])
            .collect::<Vec<_>>()
    };
    let tainted_y = || {
        named_nodes(&["node-a", "node-b", "node-x"])
            .into_iter()
            .map(|n| n.label("foo", ""))
            .chain([node("node-y").label("node", "node-y").untolerated_taint()])
            .collect::<Vec<_>>()
    };
    let spread_110_1 = || foo_pods(&["node-a", "node-b", "node-y"], &[1, 1, 1]);
    let ignore_affinity = || {
        foo_pod().spread(with_policies(
            spread(1, "node", DNS, foo()),
            Some("Ignore"),
            None,
        ))
    };
    let cases = [
        case("no existing pods", on_zone(1), zoned_nodes(), vec![], &[OK, OK, OK, OK]),
        case(
            "no existing pods, incoming pod doesn't match itself",
            foo_pod().spread(spread(1, "zone", DNS, bar())),
            zoned_nodes(),
            vec![],
            &[OK, OK, OK, OK],
        ),
        case(
            "existing pods in a different namespace do not count",
            on_zone(1),
            zoned_nodes(),
            vec![
                foo_on("node-a").namespace("ns1"),
                foo_on("node-a").namespace("ns2"),
                foo_on("node-x"),
                foo_on("node-y"),
            ],
            &[OK, OK, U, U],
        ),
        case(
            "existing pods do not match null selector",
            foo_pod().spread(spread(1, "zone", DNS, None)),
            zoned_nodes(),
            vec![foo_on("node-x"), foo_on("node-y")],
            &[OK, OK, OK, OK],
        ),
        case(
            "pods spread across zones as 3/3, all nodes fit",
            on_zone(1),
            zoned_nodes(),
            spread_2103(),
            &[OK, OK, OK, OK],
        ),
        case(
            "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
            on_zone(1),
            vec![
                node("node-a").label("zone", "zone1").label("node", "node-a"),
                node("node-b").label("zon", "zone1").label("node", "node-b"),
                node("node-x").label("zone", "zone2").label("node", "node-x"),
                node("node-y").label("zone", "zone2").label("node", "node-y"),
            ],
            foo_pods(&abxy, &[1, 1, 1, 1]),
            &[OK, UU, U, U],
        ),
        case(
            "pod cannot be scheduled as all nodes don't have label 'rack'",
            foo_pod().spread(spread(1, "rack", DNS, foo())),
            vec![
                node("node-a").label("zone", "zone1").label("node", "node-a"),
                node("node-x").label("zone", "zone2").label("node", "node-x"),
            ],
            vec![],
            &[UU, UU],
        ),
        case(
            "pods spread across nodes as 2/1/0/3, only node-x fits",
            on_node(1),
            zoned_nodes(),
            spread_2103(),
            &[U, U, OK, U],
        ),
        case(
            "pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit",
            on_node(2),
            zoned_nodes(),
            spread_2103(),
            &[U, OK, OK, U],
        ),
        case(
            "pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
            pod().label("bar", "").spread(spread(1, "node", DNS, foo())),
            zoned_nodes(),
            spread_2103(),
            &[U, OK, OK, U],
        ),
        case(
            "incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits",
            on_node(1),
            zoned_nodes()
                .into_iter()
                .map(|n| if ["node-b", "node-x"].contains(&n.name()) { n.affinity_mismatch() } else { n })
                .collect(),
            spread_2103(),
            // Upstream's note: in a real cluster NodeAffinity would reject node-b and node-x.
            &[OK, OK, OK, U],
        ),
        case(
            "terminating Pods should be excluded",
            on_node(1),
            named_nodes(&["node-a", "node-b"]),
            vec![foo_on("node-a").terminating(), foo_on("node-b")],
            &[OK, U],
        ),
        case(
            "incoming pod has nodeAffinity, pods spread as 0/~2~/0/1, hence node-a fits",
            on_zone(1),
            zoned_nodes()
                .into_iter()
                .map(|n| if n.name() == "node-b" { n.affinity_mismatch() } else { n })
                .collect(),
            foo_pods(&abxy, &[0, 2, 0, 1]),
            &[OK, OK, U, U],
        ),
        case(
            "pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains < minDomains, then the third node fits",
            foo_pod().spread(min_domains(spread(2, "node", DNS, foo()), 4)),
            named_nodes(&["node-a", "node-b", "node-c"]),
            foo_pods(&["node-a", "node-b", "node-c"], &[2, 2, 1]),
            &[U, U, OK],
        ),
        case(
            "pods spread across nodes as 2/2/1, maxSkew is 2, and the number of domains > minDomains, then the all nodes fit",
            foo_pod().spread(min_domains(spread(2, "node", DNS, foo()), 2)),
            named_nodes(&["node-a", "node-b", "node-c"]),
            foo_pods(&["node-a", "node-b", "node-c"], &[2, 2, 1]),
            &[OK, OK, OK],
        ),
        case(
            "pods spread across zone as 2/1, maxSkew is 2 and the number of domains < minDomains, then the third and fourth nodes fit",
            foo_pod().spread(min_domains(spread(2, "zone", DNS, foo()), 3)),
            zoned_nodes(),
            foo_pods(&abxy, &[1, 1, 0, 1]),
            &[U, U, OK, OK],
        ),
        case(
            "pods spread across zone as 2/1, maxSkew is 2 and the number of domains > minDomains, then the all nodes fit",
            foo_pod().spread(min_domains(spread(2, "zone", DNS, foo()), 1)),
            zoned_nodes(),
            foo_pods(&abxy, &[1, 1, 0, 1]),
            &[OK, OK, OK, OK],
        ),
        case(
            "NodeAffinityPolicy honored with labelSelectors",
            on_node(1),
            node_selector_foo(),
            spread_110_1(),
            &[U, U, OK, OK],
        ),
        case(
            "NodeAffinityPolicy ignored with labelSelectors",
            ignore_affinity(),
            node_selector_foo(),
            spread_110_1(),
            &[U, U, OK, U],
        ),
        case(
            "NodeAffinityPolicy honored with nodeAffinity",
            on_node(1),
            node_selector_foo(),
            spread_110_1(),
            &[U, U, OK, OK],
        ),
        case(
            "NodeAffinityPolicy ignored with labelSelectors",
            ignore_affinity(),
            node_selector_foo(),
            spread_110_1(),
            &[U, U, OK, U],
        ),
        case(
            "NodeTaintsPolicy honored",
            foo_pod().spread(with_policies(spread(1, "node", DNS, foo()), None, Some("Honor"))),
            tainted_y(),
            spread_110_1(),
            &[U, U, OK, OK],
        ),
        case("NodeTaintsPolicy ignored", on_node(1), tainted_y(), spread_110_1(), &[U, U, OK, U]),
    ];
    check_filter_cases(&cases);
}

// K8S: podtopologyspread/filtering_test.go (TestMultipleConstraints)
#[test]
fn multiple_constraints() {
    let zone_node = |zone_selector, node_selector| {
        pod()
            .label("foo", "")
            .spread(spread(1, "zone", DNS, zone_selector))
            .spread(spread(1, "node", DNS, node_selector))
    };
    let foo_bar =
        |zone_selector, node_selector| zone_node(zone_selector, node_selector).label("bar", "");
    let abxy = ["node-a", "node-b", "node-x", "node-y"];
    let with = |p: TestPod, labels: &[&str]| labels.iter().fold(p, |p, l| p.label(l, ""));
    let on = |node: &str, labels: &[&str]| with(pod().node(node), labels);
    let case = |name, pod, nodes, pods, want: &[Option<Code>]| FilterCase {
        name,
        pod,
        nodes,
        pods,
        want: want.to_vec(),
    };
    // Zoned nodes that also carry `foo`, except where `plain` says; `y` is tainted if `taint_y`.
    let inclusion_nodes = |plain: &[&str], taint_y: bool| {
        zoned_nodes()
            .into_iter()
            .map(|n| {
                let n = if plain.contains(&n.name()) {
                    n
                } else {
                    n.label("foo", "")
                };
                if taint_y && n.name() == "node-y" {
                    n.untolerated_taint()
                } else {
                    n
                }
            })
            .collect::<Vec<_>>()
    };
    // The incoming pod's nodeSelector `foo: ""` rejects the nodes without `foo`.
    let selecting_foo = |nodes: Vec<TestNode>, plain: &[&str]| {
        nodes
            .into_iter()
            .map(|n| {
                if plain.contains(&n.name()) {
                    n.affinity_mismatch()
                } else {
                    n
                }
            })
            .collect::<Vec<_>>()
    };
    let spread_11_1 = || foo_pods(&["node-a", "node-b", "node-y"], &[1, 1, 1]);
    let cases = [
        case(
            "two Constraints on zone and node, spreads = [3/3, 2/1/0/3]",
            zone_node(foo(), foo()),
            zoned_nodes(),
            foo_pods(&abxy, &[2, 1, 0, 3]),
            &[U, U, OK, U],
        ),
        case(
            "two Constraints on zone and node, spreads = [3/4, 2/1/0/4]",
            zone_node(foo(), foo()),
            zoned_nodes(),
            foo_pods(&abxy, &[2, 1, 0, 4]),
            &[U, U, U, U],
        ),
        case(
            "Constraints hold different labelSelectors, spreads = [1/0, 1/0/0/1]",
            foo_bar(foo(), bar()),
            zoned_nodes(),
            vec![on("node-a", &["foo"]), on("node-y", &["bar"])],
            &[U, U, OK, U],
        ),
        case(
            "Constraints hold different labelSelectors, spreads = [1/0, 0/0/1/1]",
            foo_bar(foo(), bar()),
            zoned_nodes(),
            vec![on("node-a", &["foo"]), on("node-x", &["bar"]), on("node-y", &["bar"])],
            &[U, U, U, U],
        ),
        case(
            "Constraints hold different labelSelectors, spreads = [2/3, 1/0/0/1]",
            foo_bar(foo(), bar()),
            zoned_nodes(),
            vec![
                on("node-a", &["foo"]),
                on("node-a", &["foo", "bar"]),
                on("node-y", &["foo"]),
                on("node-y", &["foo", "bar"]),
                on("node-y", &["foo"]),
            ],
            &[U, OK, U, U],
        ),
        case(
            "Constraints hold different labelSelectors but pod doesn't match itself on 'zone' constraint",
            pod().label("bar", "")
                .spread(spread(1, "zone", DNS, foo()))
                .spread(spread(1, "node", DNS, bar())),
            zoned_nodes(),
            vec![on("node-a", &["foo"]), on("node-x", &["bar"]), on("node-y", &["bar"])],
            &[OK, OK, U, U],
        ),
        case(
            "two Constraints on zone and node, absence of label 'node' on node-x, spreads = [1/1, 1/0/0/1]",
            zone_node(foo(), foo()),
            vec![
                node("node-a").label("zone", "zone1").label("node", "node-a"),
                node("node-b").label("zone", "zone1").label("node", "node-b"),
                node("node-x").label("zone", "zone2"),
                node("node-y").label("zone", "zone2").label("node", "node-y"),
            ],
            vec![foo_on("node-a"), foo_on("node-y")],
            &[U, OK, UU, U],
        ),
        case(
            "two node inclusion Constraints, zone: honor/ignore, node: ignore/ignore",
            pod().label("foo", "")
                .spread(spread(1, "zone", DNS, foo()))
                .spread(with_policies(spread(1, "node", DNS, foo()), Some("Ignore"), None)),
            selecting_foo(inclusion_nodes(&["node-y"], false), &["node-y"]),
            spread_11_1(),
            &[U, U, OK, U],
        ),
        case(
            "two node inclusion Constraints, zone: honor/honor, node: honor/ignore",
            pod().label("foo", "")
                .spread(with_policies(spread(1, "zone", DNS, foo()), None, Some("Honor")))
                .spread(spread(1, "node", DNS, foo())),
            inclusion_nodes(&["node-y"], true),
            spread_11_1(),
            &[U, U, OK, U],
        ),
        case(
            "two node inclusion Constraints, zone: honor/ignore, node: honor/ignore",
            zone_node(foo(), foo()),
            selecting_foo(inclusion_nodes(&["node-b"], true), &["node-b"]),
            spread_11_1(),
            &[U, OK, OK, U],
        ),
        case(
            "two node inclusion Constraints, zone: honor/honor, node: ignore/ignore",
            pod().label("foo", "")
                .spread(with_policies(spread(1, "zone", DNS, foo()), None, Some("Honor")))
                .spread(with_policies(spread(1, "node", DNS, foo()), Some("Ignore"), None)),
            selecting_foo(inclusion_nodes(&["node-b"], true), &["node-b"]),
            spread_11_1(),
            &[U, U, OK, U],
        ),
        case(
            "two Constraints on zone, spreads = [3/3, 2/1]",
            pod().labels(&[("foo", ""), ("bar", "")])
                .spread(spread(1, "zone", DNS, bar()))
                .spread(spread(1, "zone", DNS, foo())),
            zoned_nodes(),
            vec![
                on("node-a", &["foo", "bar"]),
                on("node-a", &["foo"]),
                on("node-b", &["foo", "bar"]),
                on("node-y", &["foo"]),
                on("node-y", &["foo", "bar"]),
                on("node-y", &["foo"]),
            ],
            &[U, U, OK, OK],
        ),
        case(
            "two Constraints on zone, spreads = [3/4, 2/1]",
            pod().labels(&[("foo", ""), ("bar", "")])
                .spread(spread(1, "zone", DNS, bar()))
                .spread(spread(1, "zone", DNS, foo())),
            zoned_nodes(),
            vec![
                on("node-a", &["foo", "bar"]),
                on("node-a", &["foo"]),
                on("node-b", &["foo", "bar"]),
                on("node-y", &["foo"]),
                on("node-y", &["foo", "bar"]),
                on("node-y", &["foo"]),
                on("node-y", &["foo"]),
            ],
            &[U, U, U, U],
        ),
    ];
    check_filter_cases(&cases);
}

#[test]
fn filter_reasons_are_upstreams() {
    let incoming = pod().label("foo", "").spread(spread(1, "zone", DNS, foo()));
    let nodes = vec![
        node("a").label("zone", "z1"),
        node("b").label("zone", "z2"),
        node("c"),
    ];
    let pods = vec![foo_on("a")];
    let views = views(&nodes, &pods);
    let state = PodTopologySpread
        .pre_filter(&incoming.incoming(), &views)
        .unwrap()
        .unwrap();
    let reasons: Vec<Option<String>> = views
        .iter()
        .map(|n| PodTopologySpread.filter(&state, n).map(|s| s.reason))
        .collect();
    let want = [
        Some(ERR_REASON_CONSTRAINTS_NOT_MATCH.to_string()),
        None,
        Some(ERR_REASON_NODE_LABEL_NOT_MATCH.to_string()),
    ];
    assert_eq!(reasons, want);
}

#[test]
fn system_defaults_never_filter() {
    let nodes = named_nodes(&["node-a"]);
    let skipped =
        PodTopologySpread.pre_filter(&pod().label("foo", "").incoming(), &views(&nodes, &[]));
    assert_eq!(skipped, Ok(None));
}

struct ScoreCase {
    name: &'static str,
    pod: TestPod,
    pods: Vec<TestPod>,
    /// The candidates (nodes that passed filtering), scored in this order.
    nodes: Vec<TestNode>,
    /// Nodes that failed filtering: their pods still count.
    failed: Vec<TestNode>,
    want: Vec<i64>,
}

/// PreScore, Score and NormalizeScore over the candidates, counting pods on all nodes.
fn scores(case: &ScoreCase, default_selector: Option<&LabelSelector>) -> Option<Vec<i64>> {
    let plugin = PodTopologySpread;
    let all: Vec<TestNode> = case.nodes.iter().chain(&case.failed).cloned().collect();
    let nodes = views(&all, &case.pods);
    let candidates: Vec<&NodeView> = nodes.iter().take(case.nodes.len()).collect();
    let state = plugin
        .pre_score(&case.pod.incoming(), &nodes, &candidates, default_selector)
        .unwrap_or_else(|s| panic!("{}: PreScore failed: {s:?}", case.name))?;
    let mut scores: Vec<NodeScore> = candidates
        .iter()
        .map(|n| NodeScore {
            name: n.name,
            score: plugin.score(&state, n),
        })
        .collect();
    plugin.normalize_score(&state, &mut scores);
    Some(scores.iter().map(|s| s.score).collect())
}

// K8S: podtopologyspread/scoring_test.go (TestPodTopologySpreadScore)
#[test]
fn pod_topology_spread_score() {
    let foo_pod = || pod().label("foo", "");
    let host = |c| foo_pod().spread(spread(c, LABEL_HOSTNAME, SA, foo()));
    let zoned = |names: &[(&str, &str)]| {
        names
            .iter()
            .map(|(n, zone)| node(n).label("zone", zone).label(LABEL_HOSTNAME, n))
            .collect::<Vec<_>>()
    };
    let abxy = ["node-a", "node-b", "node-x", "node-y"];
    let abcd = ["node-a", "node-b", "node-c", "node-d"];
    let zone_and_host = |zone_selector, host_selector| {
        pod()
            .labels(&[("foo", ""), ("bar", "")])
            .spread(spread(1, "zone", SA, zone_selector))
            .spread(spread(1, LABEL_HOSTNAME, SA, host_selector))
    };
    let with =
        |node: &str, labels: &[&str]| labels.iter().fold(pod().node(node), |p, l| p.label(l, ""));
    let mixed = || {
        vec![
            with("node-a", &["foo"]),
            with("node-b", &["foo", "bar"]),
            with("node-y", &["foo"]),
            with("node-y", &["bar"]),
        ]
    };
    let case = |name, pod, pods, nodes, failed, want: &[i64]| ScoreCase {
        name,
        pod,
        pods,
        nodes,
        failed,
        want: want.to_vec(),
    };
    let node_abc = |mismatch_c: bool, taint_c: bool| {
        named_nodes(&["node-a", "node-b", "node-c"])
            .into_iter()
            .map(|n| match n.name() {
                "node-c" if mismatch_c => n.affinity_mismatch(),
                "node-c" if taint_c => n.untolerated_taint(),
                _ => n,
            })
            .collect::<Vec<_>>()
    };
    let on_node = |policy: Option<&str>, taints: Option<&str>| {
        foo_pod().spread(with_policies(spread(1, "node", SA, foo()), policy, taints))
    };
    let p2111 = || foo_pods(&["node-a", "node-b", "node-c"], &[2, 1, 1]);
    let cases = [
        case("one constraint on node, no existing pods", host(1), vec![], hosts_only(&["node-a", "node-b"]), vec![], &[100, 100]),
        case(
            "one constraint on node, only one node is candidate",
            host(1),
            foo_pods(&["node-a", "node-b"], &[2, 1]),
            hosts_only(&["node-a"]),
            hosts_only(&["node-b"]),
            &[100],
        ),
        case(
            "one constraint on node, all nodes have the same number of matching pods",
            host(1),
            foo_pods(&["node-a", "node-b"], &[1, 1]),
            hosts_only(&["node-a", "node-b"]),
            vec![],
            &[100, 100],
        ),
        case(
            "one constraint on node, all 4 nodes are candidates",
            host(1),
            foo_pods(&abcd, &[2, 1, 0, 3]),
            hosts_only(&abcd),
            vec![],
            &[20, 60, 100, 0],
        ),
        case(
            "one constraint on node, null selector",
            foo_pod().spread(spread(1, LABEL_HOSTNAME, SA, None)),
            foo_pods(&abcd, &[2, 1, 0, 3]),
            hosts_only(&abcd),
            vec![],
            &[100, 100, 100, 100],
        ),
        case(
            "one constraint on node, all 4 nodes are candidates, maxSkew=2",
            host(2),
            foo_pods(&abcd, &[2, 1, 0, 3]),
            hosts_only(&abcd),
            vec![],
            &[33, 66, 100, 16],
        ),
        case(
            "one constraint on node, all 4 nodes are candidates, maxSkew=3",
            host(3),
            foo_pods(&abcd, &[4, 3, 2, 1]),
            hosts_only(&abcd),
            vec![],
            &[44, 66, 77, 100],
        ),
        case(
            "one constraint on node, 3 out of 4 nodes are candidates",
            host(1),
            foo_pods(&abxy, &[4, 2, 1, 3]),
            hosts_only(&["node-a", "node-b", "node-x"]),
            hosts_only(&["node-y"]),
            &[33, 83, 100],
        ),
        case(
            "one constraint on node, 3 out of 4 nodes are candidates, one node doesn't match topology key",
            host(1),
            foo_pods(&abxy, &[4, 2, 1, 3]),
            vec![
                node("node-a").label(LABEL_HOSTNAME, "node-a"),
                node("node-b").label("n", "node-b"),
                node("node-x").label(LABEL_HOSTNAME, "node-x"),
            ],
            hosts_only(&["node-y"]),
            &[16, 0, 100],
        ),
        case(
            "one constraint on zone, 3 out of 4 nodes are candidates",
            foo_pod().spread(spread(1, "zone", SA, foo())),
            foo_pods(&abxy, &[4, 2, 1, 3]),
            zoned(&[("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2")]),
            zoned(&[("node-y", "zone2")]),
            &[75, 75, 100],
        ),
        case(
            "two Constraints on zone and node, 2 out of 4 nodes are candidates",
            foo_pod().spread(spread(1, "zone", SA, foo())).spread(spread(1, LABEL_HOSTNAME, SA, foo())),
            foo_pods(&abxy, &[2, 1, 2, 4]),
            zoned(&[("node-a", "zone1"), ("node-x", "zone2")]),
            zoned(&[("node-b", "zone1"), ("node-y", "zone2")]),
            &[100, 63],
        ),
        case(
            "two Constraints on zone and node, with different labelSelectors",
            zone_and_host(foo(), bar()),
            mixed(),
            zoned(&[("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2"), ("node-y", "zone2")]),
            vec![],
            &[60, 20, 100, 60],
        ),
        case(
            "two Constraints on zone and node, with different labelSelectors, some nodes have 0 pods",
            zone_and_host(foo(), bar()),
            vec![with("node-b", &["bar"]), with("node-x", &["foo"]), with("node-y", &["foo", "bar"])],
            zoned(&[("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2"), ("node-y", "zone2")]),
            vec![],
            &[100, 60, 40, 0],
        ),
        case(
            "two Constraints on zone and node, with different labelSelectors, 3 out of 4 nodes are candidates",
            zone_and_host(foo(), bar()),
            mixed(),
            zoned(&[("node-a", "zone1"), ("node-b", "zone1"), ("node-x", "zone2")]),
            zoned(&[("node-y", "zone2")]),
            &[50, 25, 100],
        ),
        case(
            "existing pods in a different namespace do not count",
            host(1),
            vec![foo_on("node-a").namespace("ns1"), foo_on("node-a"), foo_on("node-b"), foo_on("node-b")],
            hosts_only(&["node-a", "node-b"]),
            vec![],
            &[100, 33],
        ),
        case(
            "terminating Pods should be excluded",
            host(1),
            vec![foo_on("node-a").terminating(), foo_on("node-b")],
            hosts_only(&["node-a", "node-b"]),
            vec![],
            &[100, 0],
        ),
        case(
            "minDomains has no effect when ScheduleAnyway",
            foo_pod().spread(min_domains(spread(2, "node", SA, foo()), 10)),
            foo_pods(&["node-a", "node-b", "node-c"], &[2, 2, 1]),
            named_nodes(&["node-a", "node-b", "node-c"]),
            vec![],
            &[75, 75, 100],
        ),
        case("NodeAffinityPolicy honoed with labelSelectors", on_node(None, None), p2111(), node_abc(true, false), vec![], &[0, 33, 100]),
        case("NodeAffinityPolicy ignored with labelSelectors", on_node(Some("Ignore"), None), p2111(), node_abc(true, false), vec![], &[66, 100, 100]),
        case("NodeAffinityPolicy honoed with nodeAffinity", on_node(None, None), p2111(), node_abc(true, false), vec![], &[0, 33, 100]),
        case("NodeAffinityPolicy ignored with nodeAffinity", on_node(Some("Ignore"), None), p2111(), node_abc(true, false), vec![], &[66, 100, 100]),
        case("NodeTaintsPolicy honored", on_node(None, Some("Honor")), p2111(), node_abc(false, true), vec![], &[0, 33, 100]),
        case("NodeTaintsPolicy ignored", on_node(None, None), p2111(), node_abc(false, true), vec![], &[66, 100, 100]),
        case(
            "matchLabelKeys ANDed with LabelSelector when LabelSelector is empty",
            pod().labels(&[("foo", ""), ("bar", "")])
                .spread(TopologySpreadConstraint {
                    match_label_keys: Some(vec!["foo".into()]),
                    ..spread(1, "zone", SA, Some(LabelSelector::default()))
                })
                .spread(TopologySpreadConstraint {
                    match_label_keys: Some(vec!["bar".into()]),
                    ..spread(1, LABEL_HOSTNAME, SA, Some(LabelSelector::default()))
                }),
            vec![with("node-a", &["foo"]), with("node-b", &["foo", "bar"]), with("node-c", &["foo"]), with("node-c", &["bar"])],
            zoned(&[("node-a", "zone1"), ("node-b", "zone1"), ("node-c", "zone2"), ("node-d", "zone2")]),
            vec![],
            &[60, 20, 60, 100],
        ),
        case(
            "matchLabelKeys ANDed with LabelSelector when LabelSelector isn't empty",
            pod().labels(&[("foo", ""), ("bar", ""), ("baz", "")])
                .spread(spread(1, "zone", SA, foo()))
                .spread(TopologySpreadConstraint {
                    match_label_keys: Some(vec!["baz".into()]),
                    ..spread(1, LABEL_HOSTNAME, SA, bar())
                }),
            vec![
                with("node-a", &["foo"]),
                with("node-b", &["foo", "bar", "baz"]),
                with("node-c", &["foo"]),
                with("node-c", &["bar"]),
                with("node-c", &["bar", "baz"]),
            ],
            zoned(&[("node-a", "zone1"), ("node-b", "zone1"), ("node-c", "zone2"), ("node-d", "zone2")]),
            vec![],
            &[60, 20, 60, 100],
        ),
    ];
    for case in &cases {
        assert_eq!(scores(case, None), Some(case.want.clone()), "{}", case.name);
    }

    // Upstream builds the default selector from a Service selecting `foo: ""`.
    let service_selector = LabelSelector {
        match_labels: Some(labels(&[("foo", "")])),
        match_expressions: None,
    };
    let defaults = case(
        "system defaulting, nodes don't have zone, pods match service",
        foo_pod(),
        foo_pods(&abcd, &[4, 3, 2, 1]),
        hosts_only(&abcd),
        vec![],
        &[44, 66, 77, 100],
    );
    assert_eq!(
        scores(&defaults, Some(&service_selector)),
        Some(defaults.want.clone()),
        "{}",
        defaults.name
    );
}

#[test]
fn system_defaults_count_zoneless_nodes_as_one_zone() {
    // K8S: scoring_test.go (TestPreScoreStateEmptyNodes, "system default constraints and a
    // replicaset"): nodes without a zone form the "" zone, so the zone weight is ln(2 + 2).
    let service_selector = exists("foo");
    let nodes = vec![
        node("node-a")
            .label(LABEL_HOSTNAME, "node-a")
            .label(LABEL_TOPOLOGY_ZONE, "mars"),
        node("node-b")
            .label(LABEL_HOSTNAME, "node-b")
            .label(LABEL_TOPOLOGY_ZONE, "mars"),
        node("node-c").label(LABEL_HOSTNAME, "node-c"),
        node("node-d").label(LABEL_HOSTNAME, "node-d"),
    ];
    let incoming = pod()
        .namespace("default")
        .labels(&[("foo", "tar"), ("baz", "sup")]);
    let views = views(&nodes, &[]);
    let candidates: Vec<&NodeView> = views.iter().collect();
    let state = PodTopologySpread
        .pre_score(
            &incoming.incoming(),
            &views,
            &candidates,
            Some(&service_selector),
        )
        .unwrap()
        .unwrap();
    let weights: Vec<f64> = state
        .constraints
        .iter()
        .map(|c| c.topology_normalizing_weight)
        .collect();
    assert_eq!(weights, [6f64.ln(), 4f64.ln()]);
    assert!(state.ignored_nodes.is_empty());
}

// K8S: podtopologyspread/scoring_test.go (TestPreScoreSkip)
#[test]
fn pre_score_skip() {
    let nodes = hosts_only(&["node-a", "node-b"]);
    let views = views(&nodes, &[]);
    let candidates: Vec<&NodeView> = views.iter().collect();
    let no_soft = pod().namespace("default");
    let result = PodTopologySpread.pre_score(&no_soft.incoming(), &views, &candidates, None);
    assert_eq!(
        result,
        Ok(None),
        "the pod doesn't have soft topology spread Constraints"
    );
    let empty_owner_selector = LabelSelector::default();
    let result = PodTopologySpread.pre_score(
        &no_soft.incoming(),
        &views,
        &candidates,
        Some(&empty_owner_selector),
    );
    assert_eq!(
        result,
        Ok(None),
        "an empty default selector means no owner: no defaults"
    );
}

/// Nodes labelled only with their hostname.
fn hosts_only(names: &[&str]) -> Vec<TestNode> {
    names
        .iter()
        .map(|n| node(n).label(LABEL_HOSTNAME, n))
        .collect()
}

#[test]
fn empty_selector_counts_no_pods_but_matches_the_incoming_pod() {
    // K8S: common.go (countPodsMatchSelector returns 0 for an empty selector), while Filter's
    // self-match uses Matches, which an empty selector passes: every skew is 0 + 1 - 0.
    let incoming =
        pod()
            .label("foo", "")
            .spread(spread(1, "zone", DNS, Some(LabelSelector::default())));
    let case = FilterCase {
        name: "empty selector",
        pod: incoming,
        nodes: zoned_nodes(),
        pods: foo_pods(&["node-a"], &[3]),
        want: vec![OK, OK, OK, OK],
    };
    check_filter_cases(&[case]);
}
