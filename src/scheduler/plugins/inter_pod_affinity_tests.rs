//! Upstream's test tables, ported case by case with upstream's case names and expectations:
//! interpodaffinity/filtering_test.go (TestRequiredAffinitySingleNode,
//! TestRequiredAffinityMultipleNodes) and scoring_test.go (TestPreferredAffinity,
//! TestPreferredAffinityWithHardPodAffinitySymmetricWeight).

use k8s_openapi::api::core::v1::{Affinity, PodAffinityTerm};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::*;
use crate::scheduler::plugins::testing::*;

/// What a filter case expects of a node: `None` fits, else the code and reason.
type Want = Option<(Code, &'static str)>;

const FITS: Want = None;
const AFFINITY: Want = Some((
    Code::UnschedulableAndUnresolvable,
    ERR_REASON_AFFINITY_RULES_NOT_MATCH,
));
const ANTI: Want = Some((
    Code::Unschedulable,
    ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
));
const EXISTING: Want = Some((
    Code::Unschedulable,
    ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
));

struct FilterCase {
    name: &'static str,
    pod: TestPod,
    pods: Vec<TestPod>,
    nodes: Vec<TestNode>,
    /// `None`: PreFilter returns Skip. Otherwise one entry per node checked.
    want: Option<Vec<Want>>,
}

/// Runs PreFilter, then Filter on the first `checked` nodes; `None` when PreFilter skipped.
fn run_filter(
    case: &FilterCase,
    namespaces: &NamespaceLabels,
    checked: usize,
) -> Option<Vec<Want>> {
    let plugin = InterPodAffinity::default();
    let nodes = views(&case.nodes, &case.pods);
    let state = plugin
        .pre_filter(&case.pod.incoming(), &nodes, namespaces)
        .unwrap_or_else(|s| panic!("{}: PreFilter failed: {s:?}", case.name))?;
    let statuses = nodes.iter().take(checked).map(|n| plugin.filter(&state, n));
    Some(
        statuses
            .map(|s| s.map(|s| (s.code, leak(s.reason))))
            .collect(),
    )
}

/// Lets reasons be compared with the `&'static str` constants.
fn leak(reason: String) -> &'static str {
    Box::leak(reason.into_boxed_str())
}

fn check_filter_cases(cases: Vec<FilterCase>, namespaces: &NamespaceLabels) {
    for case in &cases {
        let checked = case.want.as_ref().map_or(case.nodes.len(), Vec::len);
        assert_eq!(
            run_filter(case, namespaces, checked),
            case.want,
            "{}",
            case.name
        );
    }
}

/// A term with its namespace fields set.
fn with_namespaces(
    term: PodAffinityTerm,
    namespaces: Option<&[&str]>,
    namespace_selector: Option<LabelSelector>,
) -> PodAffinityTerm {
    PodAffinityTerm {
        namespaces: namespaces.map(|n| n.iter().map(|s| s.to_string()).collect()),
        namespace_selector,
        ..term
    }
}

fn team1_selector() -> LabelSelector {
    selector(vec![req("team", "In", &["team1"])])
}

// K8S: interpodaffinity/filtering_test.go (TestRequiredAffinitySingleNode)
#[test]
fn required_affinity_single_node() {
    let pod_label = [("service", "securityscan")];
    let pod_label2 = [("security", "S1")];
    let existing = || pod().labels(&pod_label).node("node1");
    let node1 = || node("node1").labels(&[("region", "r1"), ("zone", "z11")]);
    let in_service = |topology_key| term_in("service", topology_key, &["securityscan", "value2"]);
    let anti_virus = || term_in("service", "node", &["antivirusscan", "value2"]);
    let operators = |second: &str| {
        pod()
            .labels(&pod_label2)
            .required_affinity(term(
                selector(vec![
                    req("service", "Exists", &[]),
                    req("wrongkey", "DoesNotExist", &[]),
                ]),
                "region",
            ))
            .required_affinity(term(
                selector(vec![
                    req("service", "In", &[second]),
                    req("service", "NotIn", &["WrongValue"]),
                ]),
                "region",
            ))
    };
    let case = |name, pod, pods, want: Option<Want>| FilterCase {
        name,
        pod,
        pods,
        nodes: vec![node1()],
        want: want.map(|w| vec![w]),
    };
    let cases = vec![
        case(
            "A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods",
            pod(),
            vec![],
            None,
        ),
        case(
            "satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that matches the existing pod",
            pod().labels(&pod_label2).required_affinity(in_service("region")),
            vec![existing()],
            Some(FITS),
        ),
        case(
            "satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in operator in labelSelector that matches the existing pod",
            pod().labels(&pod_label2)
                .required_affinity(term_not_in("service", "region", &["securityscan3", "value3"])),
            vec![existing()],
            Some(FITS),
        ),
        case(
            "Does not satisfy the PodAffinity with labelSelector because of diff Namespace",
            pod().labels(&pod_label2)
                .required_affinity(with_namespaces(in_service(""), Some(&["DiffNameSpace"]), None)),
            vec![pod().namespace("ns").label("service", "securityscan").node("node1")],
            Some(AFFINITY),
        ),
        case(
            "Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod",
            pod().labels(&pod_label)
                .required_affinity(term_in("service", "", &["antivirusscan", "value2"])),
            vec![existing()],
            Some(AFFINITY),
        ),
        case(
            "satisfies the PodAffinity with different label Operators in multiple RequiredDuringSchedulingIgnoredDuringExecution ",
            operators("securityscan"),
            vec![existing()],
            Some(FITS),
        ),
        case(
            "The labelSelector requirements(items of matchExpressions) are ANDed, the pod cannot schedule onto the node because one of the matchExpression item don't match.",
            operators("securityscan2"),
            vec![existing()],
            Some(AFFINITY),
        ),
        case(
            "satisfies the PodAffinity and PodAntiAffinity with the existing pod",
            pod().labels(&pod_label2)
                .required_affinity(in_service("region"))
                .required_anti_affinity(anti_virus()),
            vec![existing()],
            Some(FITS),
        ),
        case(
            "satisfies the PodAffinity and PodAntiAffinity and PodAntiAffinity symmetry with the existing pod",
            pod().labels(&pod_label2)
                .required_affinity(in_service("region"))
                .required_anti_affinity(anti_virus()),
            vec![existing().required_anti_affinity(anti_virus())],
            Some(FITS),
        ),
        case(
            "satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod",
            pod().labels(&pod_label2)
                .required_affinity(in_service("region"))
                .required_anti_affinity(in_service("zone")),
            vec![existing()],
            Some(ANTI),
        ),
        case(
            "satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the existing pod",
            pod().labels(&pod_label)
                .required_affinity(in_service("region"))
                .required_anti_affinity(anti_virus()),
            vec![existing().required_anti_affinity(in_service("zone"))],
            Some(EXISTING),
        ),
        FilterCase {
            name: "pod matches its own Label in PodAffinity and that matches the existing pod Labels",
            pod: pod().labels(&pod_label)
                .required_affinity(term_not_in("service", "region", &["securityscan", "value2"])),
            pods: vec![pod().label("service", "securityscan").node("node2")],
            // node2 is not in the snapshot upstream: only its pods are; it has no labels.
            nodes: vec![node1(), node("node2")],
            want: Some(vec![AFFINITY]),
        },
        case(
            "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. doesn't satisfy PodAntiAffinity symmetry with the existing pod",
            pod().labels(&pod_label),
            vec![existing().required_anti_affinity(in_service("zone"))],
            Some(EXISTING),
        ),
        case(
            "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. satisfy PodAntiAffinity symmetry with the existing pod",
            pod().labels(&pod_label),
            vec![existing()
                .required_anti_affinity(term_not_in("service", "zone", &["securityscan", "value2"]))],
            None,
        ),
        case(
            "satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity symmetry with incoming pod",
            pod().labels(&pod_label)
                .required_anti_affinity(term_exists("service", "region"))
                .required_anti_affinity(term_exists("security", "region")),
            vec![pod().labels(&pod_label2).node("node1")
                .required_anti_affinity(term_exists("security", "zone"))],
            Some(ANTI),
        ),
        case(
            "PodAntiAffinity symmetry check a1: incoming pod and existing pod partially match each other on AffinityTerms",
            pod().labels(&pod_label)
                .required_anti_affinity(term_exists("service", "zone"))
                .required_anti_affinity(term_exists("security", "zone")),
            vec![pod().labels(&pod_label2).node("node1")
                .required_anti_affinity(term_exists("security", "zone"))],
            Some(ANTI),
        ),
        case(
            "PodAntiAffinity symmetry check a2: incoming pod and existing pod partially match each other on AffinityTerms",
            pod().labels(&pod_label2).required_anti_affinity(term_exists("security", "zone")),
            vec![existing()
                .required_anti_affinity(term_exists("service", "zone"))
                .required_anti_affinity(term_exists("security", "zone"))],
            Some(EXISTING),
        ),
        case(
            "PodAntiAffinity symmetry check b1: incoming pod and existing pod partially match each other on AffinityTerms",
            pod().labels(&[("abc", ""), ("xyz", "")])
                .required_anti_affinity(term_exists("abc", "zone"))
                .required_anti_affinity(term_exists("def", "zone")),
            vec![pod().labels(&[("def", ""), ("xyz", "")]).node("node1")
                .required_anti_affinity(term_exists("abc", "zone"))
                .required_anti_affinity(term_exists("def", "zone"))],
            Some(ANTI),
        ),
        case(
            "PodAntiAffinity symmetry check b2: incoming pod and existing pod partially match each other on AffinityTerms",
            pod().labels(&[("def", ""), ("xyz", "")])
                .required_anti_affinity(term_exists("abc", "zone"))
                .required_anti_affinity(term_exists("def", "zone")),
            vec![pod().labels(&[("abc", ""), ("xyz", "")]).node("node1")
                .required_anti_affinity(term_exists("abc", "zone"))
                .required_anti_affinity(term_exists("def", "zone"))],
            Some(ANTI),
        ),
        case(
            "affinity with NamespaceSelector",
            pod().labels(&pod_label2).required_affinity(with_namespaces(
                in_service("region"),
                None,
                Some(team1_selector()),
            )),
            vec![existing().namespace("subteam1.team1")],
            Some(FITS),
        ),
        case(
            "affinity with non-matching NamespaceSelector",
            pod().labels(&pod_label2).required_affinity(with_namespaces(
                in_service("region"),
                None,
                Some(team1_selector()),
            )),
            vec![existing().namespace("subteam1.team2")],
            Some(AFFINITY),
        ),
        case(
            "anti-affinity with matching NamespaceSelector",
            pod().namespace("subteam1.team1").labels(&pod_label2).required_anti_affinity(
                with_namespaces(in_service("zone"), None, Some(team1_selector())),
            ),
            vec![existing().namespace("subteam2.team1")],
            Some(ANTI),
        ),
        case(
            "anti-affinity with matching all NamespaceSelector",
            pod().namespace("subteam1.team1").labels(&pod_label2).required_anti_affinity(
                with_namespaces(in_service("zone"), None, Some(LabelSelector::default())),
            ),
            vec![existing().namespace("subteam2.team1")],
            Some(ANTI),
        ),
        case(
            "anti-affinity with non-matching NamespaceSelector",
            pod().namespace("subteam1.team1").labels(&pod_label2).required_anti_affinity(
                with_namespaces(in_service("zone"), None, Some(team1_selector())),
            ),
            vec![existing().namespace("subteam1.team2")],
            Some(FITS),
        ),
    ];
    check_filter_cases(cases, &team_namespaces());
}

// K8S: interpodaffinity/filtering_test.go (TestRequiredAffinityMultipleNodes)
#[test]
fn required_affinity_multiple_nodes() {
    let rg_china = [("region", "China")];
    let rg_china_az1 = [("region", "China"), ("az", "az1")];
    let rg_india = [("region", "India")];
    let china_india = || {
        vec![
            node("nodeA").labels(&rg_china),
            node("nodeB").labels(&rg_china_az1),
            node("nodeC").labels(&rg_india),
        ]
    };
    let r1 = |name: &'static str, zone| {
        node(name).labels(&[("region", "r1"), ("zone", zone), ("hostname", name)])
    };
    let r1_z1_z2 = || vec![r1("nodeA", "z1"), r1("nodeB", "z2")];
    let case = |name, pod, pods, nodes, want: Option<Vec<Want>>| FilterCase {
        name,
        pod,
        pods,
        nodes,
        want,
    };
    let cases = vec![
        case(
            "A pod can be scheduled onto all the nodes that have the same topology key & label value with one of them has an existing pod that matches the affinity rules",
            pod().required_affinity(term_in("foo", "region", &["bar"])),
            vec![pod().node("node1").label("foo", "bar")],
            vec![
                node("node1").labels(&rg_china),
                node("node2").labels(&rg_china_az1),
                node("node3").labels(&rg_india),
            ],
            Some(vec![FITS, FITS, AFFINITY]),
        ),
        case(
            "The affinity rule is to schedule all of the pods of this collection to the same zone. The first pod of the collection should not be blocked from being scheduled onto any node, even there's no existing pod that matches the rule anywhere.",
            pod().labels(&[("foo", "bar"), ("service", "securityscan")])
                .required_affinity(term_in("foo", "zone", &["bar"]))
                .required_affinity(term_in("service", "zone", &["securityscan"])),
            vec![pod().node("nodeA").label("foo", "bar")],
            vec![
                node("nodeA").labels(&[("zone", "az1"), ("hostname", "h1")]),
                node("nodeB").labels(&[("zone", "az2"), ("hostname", "h2")]),
            ],
            Some(vec![FITS, FITS]),
        ),
        case(
            "The first pod of the collection can only be scheduled on nodes labelled with the requested topology keys",
            pod().labels(&[("foo", "bar"), ("service", "securityscan")])
                .required_affinity(term_in("foo", "zone", &["bar"]))
                .required_affinity(term_in("service", "zone", &["securityscan"])),
            vec![pod().node("nodeA").label("foo", "bar")],
            vec![
                node("nodeA").labels(&[("zoneLabel", "az1"), ("hostname", "h1")]),
                node("nodeB").labels(&[("zoneLabel", "az2"), ("hostname", "h2")]),
            ],
            Some(vec![AFFINITY, AFFINITY]),
        ),
        case(
            "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB.",
            pod().required_anti_affinity(term_in("foo", "region", &["abc"])),
            vec![pod().node("nodeA").label("foo", "abc")],
            vec![
                node("nodeA").labels(&[("region", "r1"), ("hostname", "nodeA")]),
                node("nodeB").labels(&[("region", "r1"), ("hostname", "nodeB")]),
            ],
            Some(vec![ANTI, ANTI]),
        ),
        case(
            "This test ensures that anti-affinity matches a pod when any term of the anti-affinity rule matches a pod.",
            pod().required_anti_affinity(term_in("foo", "region", &["abc"]))
                .required_anti_affinity(term_in("service", "zone", &["securityscan"])),
            vec![pod().node("nodeA").labels(&[("foo", "abc"), ("service", "securityscan")])],
            r1_z1_z2(),
            Some(vec![ANTI, ANTI]),
        ),
        case(
            "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB but can be scheduled onto nodeC",
            pod().required_anti_affinity(term_in("foo", "region", &["abc"])),
            vec![pod().node("nodeA").label("foo", "abc")],
            china_india(),
            Some(vec![ANTI, ANTI, FITS]),
        ),
        case(
            "NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that matches the inter pod affinity rule. The pod can not be scheduled onto nodeA, nodeB, but can be scheduled onto nodeC (NodeC has an existing pod that match the inter pod affinity rule but in different namespace)",
            pod().namespace("NS1").label("foo", "123")
                .required_anti_affinity(term_in("foo", "region", &["bar"])),
            vec![
                pod().node("nodeA").namespace("NS1").label("foo", "bar"),
                pod().node("nodeC").namespace("NS2")
                    .required_anti_affinity(term_in("foo", "region", &["123"])),
            ],
            china_india(),
            Some(vec![ANTI, ANTI, FITS]),
        ),
        case(
            "Test existing pod's anti-affinity: if an existing pod has a term with invalid topologyKey, labelSelector of the term is firstly checked, and then topologyKey of the term is also checked",
            pod().label("foo", ""),
            vec![pod().node("nodeA").required_anti_affinity(term_exists("foo", "invalid-node-label"))],
            vec![r1("nodeA", "z1"), r1("nodeB", "z1")],
            None,
        ),
        case(
            "Test incoming pod's anti-affinity: even if labelSelector matches, we still check if topologyKey matches",
            pod().node("nodeA").required_anti_affinity(term_exists("foo", "invalid-node-label")),
            vec![pod().node("nodeA").label("foo", "")],
            vec![r1("nodeA", "z1"), r1("nodeB", "z1")],
            Some(vec![FITS, FITS]),
        ),
        case(
            "Test existing pod's anti-affinity: incoming pod wouldn't considered as a fit as it violates each existingPod's terms on all nodes",
            pod().label("foo", "").label("bar", ""),
            vec![
                pod().node("nodeA").required_anti_affinity(term_exists("foo", "zone")),
                pod().node("nodeA").required_anti_affinity(term_exists("bar", "region")),
            ],
            r1_z1_z2(),
            Some(vec![EXISTING, EXISTING]),
        ),
        case(
            "Test incoming pod's anti-affinity: incoming pod wouldn't considered as a fit as it at least violates one anti-affinity rule of existingPod",
            pod().required_anti_affinity(term_exists("foo", "zone"))
                .required_anti_affinity(term_exists("bar", "region")),
            vec![pod().node("nodeA").label("foo", ""), pod().node("nodeB").label("bar", "")],
            r1_z1_z2(),
            Some(vec![ANTI, ANTI]),
        ),
        case(
            "Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey",
            pod().label("foo", "").label("bar", ""),
            vec![pod().node("nodeA")
                .required_anti_affinity(term_exists("foo", "invalid-node-label"))
                .required_anti_affinity(term_exists("bar", "zone"))],
            r1_z1_z2(),
            Some(vec![EXISTING, FITS]),
        ),
        case(
            "Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when one term has invalid topologyKey",
            pod().required_anti_affinity(term_exists("foo", "invalid-node-label"))
                .required_anti_affinity(term_exists("bar", "zone")),
            vec![pod().node("nodeA").labels(&[("foo", ""), ("bar", "")])],
            r1_z1_z2(),
            Some(vec![ANTI, FITS]),
        ),
        case(
            "Test existing pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when all terms have valid topologyKey",
            pod().label("foo", "").label("bar", ""),
            vec![pod().node("nodeA")
                .required_anti_affinity(term_exists("foo", "region"))
                .required_anti_affinity(term_exists("bar", "zone"))],
            r1_z1_z2(),
            Some(vec![EXISTING, EXISTING]),
        ),
        case(
            "Test incoming pod's anti-affinity: only when labelSelector and topologyKey both match, it's counted as a single term match - case when all terms have valid topologyKey",
            pod().required_anti_affinity(term_exists("foo", "region"))
                .required_anti_affinity(term_exists("bar", "zone")),
            vec![pod().node("nodeA").labels(&[("foo", ""), ("bar", "")])],
            r1_z1_z2(),
            Some(vec![ANTI, ANTI]),
        ),
        case(
            "Test existing pod's anti-affinity: existingPod on nodeA and nodeB has at least one anti-affinity term matches incoming pod, so incoming pod can only be scheduled to nodeC",
            pod().label("foo", "").label("bar", ""),
            vec![
                pod().node("nodeA")
                    .required_anti_affinity(term_exists("foo", "zone"))
                    .required_anti_affinity(term_exists("labelA", "zone")),
                pod().node("nodeB")
                    .required_anti_affinity(term_exists("bar", "zone"))
                    .required_anti_affinity(term_exists("labelB", "zone")),
            ],
            vec![r1("nodeA", "z1"), r1("nodeB", "z2"), r1("nodeC", "z3")],
            Some(vec![EXISTING, EXISTING, FITS]),
        ),
        case(
            "Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys match",
            pod().required_affinity(term_exists("foo", "region"))
                .required_affinity(term_exists("bar", "zone")),
            vec![pod().node("nodeA").labels(&[("foo", ""), ("bar", "")])],
            vec![r1("nodeA", "z1"), r1("nodeB", "z1")],
            Some(vec![FITS, FITS]),
        ),
        case(
            "Test incoming pod's affinity: firstly check if all affinityTerms match, and then check if all topologyKeys match, and the match logic should be satisfied on the same pod",
            pod().required_affinity(term_exists("foo", "region"))
                .required_affinity(term_exists("bar", "zone")),
            vec![pod().node("nodeA").label("foo", ""), pod().node("nodeB").label("bar", "")],
            r1_z1_z2(),
            Some(vec![AFFINITY, AFFINITY]),
        ),
    ];
    let ns1 = NamespaceLabels::from([("NS1".to_string(), Labels::new())]);
    check_filter_cases(cases, &ns1);
}

#[test]
fn invalid_incoming_selector_fails_pre_filter_unresolvable() {
    let bad = term(selector(vec![req("service", "In", &[])]), "region");
    let incoming = pod().required_affinity(bad);
    let status = InterPodAffinity::default()
        .pre_filter(&incoming.incoming(), &[], &NamespaceLabels::new())
        .unwrap_err();
    assert_eq!(status.code, Code::UnschedulableAndUnresolvable);
    assert!(
        status
            .reason
            .starts_with("parsing pod: requiredAffinityTerms: "),
        "{}",
        status.reason
    );
}

#[test]
fn match_label_keys_use_each_owners_labels() {
    // The incoming pod wants to be with pods of its own revision; only "rev 2" pods count.
    let with_rev = PodAffinityTerm {
        match_label_keys: Some(vec!["rev".into()]),
        ..term_exists("app", "zone")
    };
    let incoming = pod()
        .labels(&[("app", "web"), ("rev", "2")])
        .required_affinity(with_rev.clone());
    let pods = vec![pod().node("a").labels(&[("app", "web"), ("rev", "1")])];
    let nodes = vec![node("a").label("zone", "z1"), node("b").label("zone", "z2")];
    let case = |name, pods: Vec<TestPod>, want| FilterCase {
        name,
        pod: incoming.clone(),
        pods,
        nodes: nodes.clone(),
        want: Some(want),
    };
    // No rev-2 pod anywhere: the first pod of its revision may go anywhere.
    let mut cases = vec![case(
        "first of its revision",
        pods.clone(),
        vec![FITS, FITS],
    )];
    let mut with_rev2 = pods;
    with_rev2.push(pod().node("b").labels(&[("app", "web"), ("rev", "2")]));
    cases.push(case("joins its revision", with_rev2, vec![AFFINITY, FITS]));
    // An existing pod's mismatchLabelKeys use the existing pod's own value.
    let away_from_other_teams = PodAffinityTerm {
        mismatch_label_keys: Some(vec!["team".into()]),
        ..term_exists("app", "zone")
    };
    cases.push(FilterCase {
        name: "existing pod repels other teams",
        pod: pod().labels(&[("app", "web"), ("team", "blue")]),
        pods: vec![pod()
            .node("a")
            .labels(&[("app", "web"), ("team", "red")])
            .required_anti_affinity(away_from_other_teams)],
        nodes,
        want: Some(vec![EXISTING, FITS]),
    });
    check_filter_cases(cases, &NamespaceLabels::new());
}

struct ScoreCase {
    name: &'static str,
    pod: TestPod,
    pods: Vec<TestPod>,
    nodes: Vec<TestNode>,
    /// `None`: PreScore returns Skip. Otherwise the normalised scores, in node order.
    want: Option<Vec<i64>>,
}

/// PreScore over all nodes, then Score and NormalizeScore; `None` when PreScore skipped.
fn run_score(
    plugin: &InterPodAffinity,
    case: &ScoreCase,
    namespaces: &NamespaceLabels,
) -> Option<Vec<i64>> {
    let nodes = views(&case.nodes, &case.pods);
    let state = plugin
        .pre_score(&case.pod.incoming(), &nodes, namespaces)
        .unwrap_or_else(|s| panic!("{}: PreScore failed: {s:?}", case.name))?;
    let mut scores: Vec<NodeScore> = nodes
        .iter()
        .map(|n| NodeScore {
            name: n.name,
            score: plugin.score(&state, n),
        })
        .collect();
    plugin.normalize_score(&mut scores);
    Some(scores.iter().map(|s| s.score).collect())
}

fn check_score_cases(plugin: &InterPodAffinity, cases: &[ScoreCase], namespaces: &NamespaceLabels) {
    for case in cases {
        assert_eq!(
            run_score(plugin, case, namespaces),
            case.want,
            "{}",
            case.name
        );
    }
}

/// Upstream's fixtures of TestPreferredAffinity.
struct Preferred;

impl Preferred {
    fn stay_with_s1_in_region() -> Affinity {
        preferred(
            vec![weighted(5, term_in("security", "region", &["S1"]))],
            vec![],
        )
    }
    fn stay_with_s2_in_region() -> Affinity {
        preferred(
            vec![weighted(6, term_in("security", "region", &["S2"]))],
            vec![],
        )
    }
    fn affinity3() -> Affinity {
        preferred(
            vec![
                weighted(
                    8,
                    term(
                        selector(vec![
                            req("security", "NotIn", &["S1"]),
                            req("security", "In", &["S2"]),
                        ]),
                        "region",
                    ),
                ),
                weighted(
                    2,
                    term(
                        selector(vec![
                            req("security", "Exists", &[]),
                            req("wrongkey", "DoesNotExist", &[]),
                        ]),
                        "region",
                    ),
                ),
            ],
            vec![],
        )
    }
    fn hard_affinity(p: TestPod) -> TestPod {
        p.required_affinity(term_in("security", "region", &["S1", "value2"]))
            .required_affinity(term(
                selector(vec![
                    req("security", "Exists", &[]),
                    req("wrongkey", "DoesNotExist", &[]),
                ]),
                "region",
            ))
    }
    fn away_from_s1_in_az() -> Affinity {
        preferred(
            vec![],
            vec![weighted(5, term_in("security", "az", &["S1"]))],
        )
    }
    fn away_from_s2_in_az() -> Affinity {
        preferred(
            vec![],
            vec![weighted(5, term_in("security", "az", &["S2"]))],
        )
    }
    fn stay_with_s1_in_region_away_from_s2_in_az() -> Affinity {
        preferred(
            vec![weighted(8, term_in("security", "region", &["S1"]))],
            vec![weighted(5, term_in("security", "az", &["S2"]))],
        )
    }
    fn namespace_selector_term() -> PodAffinityTerm {
        with_namespaces(
            term_in("security", "region", &["S1"]),
            Some(&["subteam2.team2"]),
            Some(team1_selector()),
        )
    }
    fn affinity_namespace_selector() -> Affinity {
        preferred(vec![weighted(5, Self::namespace_selector_term())], vec![])
    }
    fn anti_affinity_namespace_selector() -> Affinity {
        preferred(vec![], vec![weighted(5, Self::namespace_selector_term())])
    }
}

// K8S: interpodaffinity/scoring_test.go (TestPreferredAffinity)
#[test]
fn preferred_affinity() {
    type P = Preferred;
    let s1 = [("security", "S1")];
    let s2 = [("security", "S2")];
    let china = |name| node(name).label("region", "China");
    let india = |name| node(name).label("region", "India");
    let az = |name, zone| node(name).label("az", zone);
    let china_az1 = |name| node(name).labels(&[("region", "China"), ("az", "az1")]);
    let three = || vec![china("node1"), india("node2"), az("node3", "az1")];
    let on = |name, labels: &[(&str, &str)]| pod().node(name).labels(labels);
    let in_ns = |name, ns| pod().node(name).namespace(ns).labels(&s1);
    let namespaced = || {
        vec![
            in_ns("node1", "subteam1.team1"),
            in_ns("node1", "subteam1.team1"),
            in_ns("node1", "subteam1.team2"),
            in_ns("node2", "subteam2.team1"),
        ]
    };
    let namespaced_both = || {
        vec![
            in_ns("node1", "subteam1.team1"),
            in_ns("node1", "subteam1.team1"),
            in_ns("node1", "subteam2.team2"),
            in_ns("node2", "subteam2.team1"),
        ]
    };
    let case = |name, pod, pods, nodes, want: Option<Vec<i64>>| ScoreCase {
        name,
        pod,
        pods,
        nodes,
        want,
    };
    let cases = vec![
        case(
            "all nodes are same priority as Affinity is nil",
            pod().labels(&s1),
            vec![],
            three(),
            None,
        ),
        case(
            "Affinity: pod that matches topology key & pods in nodes will get high score comparing to otherswhich doesn't match either pods in nodes or in topology key",
            pod().labels(&s1).affinity(P::stay_with_s1_in_region()),
            vec![on("node1", &s1), on("node2", &s2), on("node3", &s1)],
            three(),
            Some(vec![100, 0, 0]),
        ),
        case(
            "All the nodes that have the same topology key & label value with one of them has an existing pod that match the affinity rules, have the same score",
            pod().affinity(P::stay_with_s1_in_region()),
            vec![on("node1", &s1)],
            vec![china("node1"), china_az1("node2"), india("node3")],
            Some(vec![100, 100, 0]),
        ),
        case(
            "Affinity: nodes in one region has more matching pods comparing to other region, so the region which has more matches will get high score",
            pod().labels(&s1).affinity(P::stay_with_s2_in_region()),
            vec![
                on("node1", &s2),
                on("node1", &s2),
                on("node2", &s2),
                on("node3", &s2),
                on("node4", &s2),
                on("node5", &s2),
            ],
            vec![china("node1"), india("node2"), china("node3"), china("node4"), india("node5")],
            Some(vec![100, 0, 100, 100, 0]),
        ),
        case(
            "Affinity: different Label operators and values for pod affinity scheduling preference, including some match failures ",
            pod().labels(&s1).affinity(P::affinity3()),
            vec![on("node1", &s1), on("node2", &s2), on("node3", &s1)],
            three(),
            Some(vec![20, 100, 0]),
        ),
        case(
            "Affinity symmetry: considered only the preferredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry",
            pod().labels(&s2),
            vec![
                on("node1", &s1).affinity(P::stay_with_s1_in_region()),
                on("node2", &s2).affinity(P::stay_with_s2_in_region()),
            ],
            three(),
            Some(vec![0, 100, 0]),
        ),
        case(
            "Affinity symmetry with namespace selector",
            pod().namespace("subteam1.team1").labels(&s1),
            vec![
                on("node1", &s1).affinity(P::affinity_namespace_selector()),
                on("node2", &s2).affinity(P::stay_with_s2_in_region()),
            ],
            three(),
            Some(vec![100, 0, 0]),
        ),
        case(
            "AntiAffinity symmetry with namespace selector",
            pod().namespace("subteam1.team1").labels(&s1),
            vec![
                on("node1", &s1).affinity(P::anti_affinity_namespace_selector()),
                on("node2", &s2).affinity(P::stay_with_s2_in_region()),
            ],
            three(),
            Some(vec![0, 100, 100]),
        ),
        case(
            "Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry",
            pod().labels(&s1),
            vec![P::hard_affinity(on("node1", &s1)), P::hard_affinity(on("node2", &s2))],
            three(),
            Some(vec![100, 100, 0]),
        ),
        case(
            "Anti Affinity: pod that does not match existing pods in node will get high score ",
            pod().labels(&s1).affinity(P::away_from_s1_in_az()),
            vec![on("node1", &s1), on("node2", &s2)],
            vec![az("node1", "az1"), china("node2")],
            Some(vec![0, 100]),
        ),
        case(
            "Anti Affinity: pod that does not match topology key & match the pods in nodes will get higher score comparing to others ",
            pod().labels(&s1).affinity(P::away_from_s1_in_az()),
            vec![on("node1", &s1), on("node2", &s1)],
            vec![az("node1", "az1"), china("node2")],
            Some(vec![0, 100]),
        ),
        case(
            "Anti Affinity: one node has more matching pods comparing to other node, so the node which has more unmatches will get high score",
            pod().labels(&s1).affinity(P::away_from_s1_in_az()),
            vec![on("node1", &s1), on("node1", &s1), on("node2", &s2)],
            vec![az("node1", "az1"), india("node2")],
            Some(vec![0, 100]),
        ),
        case(
            "Anti Affinity symmetry: the existing pods in node which has anti affinity match will get high score",
            pod().labels(&s2),
            vec![
                on("node1", &s1).affinity(P::away_from_s2_in_az()),
                on("node2", &s2).affinity(P::away_from_s1_in_az()),
            ],
            vec![az("node1", "az1"), az("node2", "az2")],
            Some(vec![0, 100]),
        ),
        case(
            "Affinity and Anti Affinity: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity",
            pod().labels(&s1).affinity(P::stay_with_s1_in_region_away_from_s2_in_az()),
            vec![on("node1", &s1), on("node2", &s1)],
            vec![china("node1"), az("node2", "az1")],
            Some(vec![100, 0]),
        ),
        case(
            "Affinity and Anti Affinity: considering both affinity and anti-affinity, the pod to schedule and existing pods have the same labels",
            pod().labels(&s1).affinity(P::stay_with_s1_in_region_away_from_s2_in_az()),
            vec![
                on("node1", &s1),
                on("node1", &s1),
                on("node2", &s1),
                on("node3", &s1),
                on("node3", &s1),
                on("node4", &s1),
                on("node5", &s1),
            ],
            vec![china_az1("node1"), india("node2"), china("node3"), china("node4"), india("node5")],
            Some(vec![100, 0, 100, 100, 0]),
        ),
        case(
            "Affinity and Anti Affinity and symmetry: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity & symmetry",
            pod().labels(&s1).affinity(P::stay_with_s1_in_region_away_from_s2_in_az()),
            vec![
                on("node1", &s1),
                on("node2", &s2),
                pod().node("node3").affinity(P::stay_with_s1_in_region_away_from_s2_in_az()),
                pod().node("node4").affinity(P::away_from_s1_in_az()),
            ],
            vec![china("node1"), az("node2", "az1"), india("node3"), az("node4", "az2")],
            Some(vec![100, 0, 100, 0]),
        ),
        case(
            "Avoid panic when partial nodes in a topology don't have pods with affinity",
            pod().labels(&s1),
            vec![
                on("node1", &s1),
                pod().node("node2").affinity(P::stay_with_s1_in_region_away_from_s2_in_az()),
            ],
            vec![china("node1"), china("node2")],
            Some(vec![0, 0]),
        ),
        case(
            "Affinity with pods matching NamespaceSelector",
            pod().namespace("subteam1.team1").labels(&s1).affinity(P::affinity_namespace_selector()),
            namespaced(),
            vec![china("node1"), india("node2")],
            Some(vec![100, 0]),
        ),
        case(
            "Affinity with pods matching both NamespaceSelector and Namespaces fields",
            pod().namespace("subteam1.team1").labels(&s1).affinity(P::affinity_namespace_selector()),
            namespaced_both(),
            vec![china("node1"), india("node2")],
            Some(vec![100, 0]),
        ),
        case(
            "Affinity with pods matching NamespaceSelector",
            pod().namespace("subteam1.team1").labels(&s1).affinity(P::anti_affinity_namespace_selector()),
            namespaced(),
            vec![china("node1"), india("node2")],
            Some(vec![0, 100]),
        ),
        case(
            "Affinity with pods matching both NamespaceSelector and Namespaces fields",
            pod().namespace("subteam1.team1").labels(&s1).affinity(P::anti_affinity_namespace_selector()),
            namespaced_both(),
            vec![china("node1"), india("node2")],
            Some(vec![0, 100]),
        ),
        case(
            "Do not ignore preferred terms of existing pods",
            pod().labels(&s2),
            vec![
                on("node1", &s1).affinity(P::stay_with_s1_in_region_away_from_s2_in_az()),
                on("node2", &s2).affinity(P::stay_with_s2_in_region()),
            ],
            vec![china("node1"), india("node2")],
            Some(vec![0, 100]),
        ),
        case("No nodes to score", pod().labels(&s2), vec![], vec![], None),
    ];
    check_score_cases(&InterPodAffinity::default(), &cases, &team_namespaces());

    let ignoring = InterPodAffinity {
        ignore_preferred_terms_of_existing_pods: true,
        ..InterPodAffinity::default()
    };
    let ignore_case = ScoreCase {
        name: "Ignore preferred terms of existing pods",
        pod: pod().labels(&s2),
        pods: vec![
            on("node1", &s1).affinity(P::stay_with_s1_in_region_away_from_s2_in_az()),
            on("node2", &s2).affinity(P::stay_with_s2_in_region()),
        ],
        nodes: vec![china("node1"), india("node2")],
        want: None,
    };
    check_score_cases(&ignoring, &[ignore_case], &team_namespaces());
}

// K8S: interpodaffinity/scoring_test.go (TestPreferredAffinityWithHardPodAffinitySymmetricWeight)
#[test]
fn preferred_affinity_with_hard_pod_affinity_symmetric_weight() {
    let hard = || {
        with_namespaces(
            term_in("service", "region", &["S1"]),
            Some(&["", "subteam2.team2"]),
            Some(team1_selector()),
        )
    };
    let existing = |name| pod().node(name).required_affinity(hard());
    let nodes = || {
        vec![
            node("node1").label("region", "China"),
            node("node2").label("region", "India"),
            node("node3").label("az", "az1"),
        ]
    };
    let case = |name, namespace, weight: i32, want: Option<Vec<i64>>| {
        let plugin = InterPodAffinity {
            hard_pod_affinity_weight: weight,
            ..InterPodAffinity::default()
        };
        let case = ScoreCase {
            name,
            pod: pod().namespace(namespace).label("service", "S1"),
            pods: vec![existing("node1"), existing("node2")],
            nodes: nodes(),
            want,
        };
        (plugin, case)
    };
    let cases = [
        case("with default weight", "", 1, Some(vec![100, 100, 0])),
        case("with zero weight", "", 0, None),
        case("with no matching namespace", "subteam1.team2", 1, None),
        case(
            "with matching NamespaceSelector",
            "subteam1.team1",
            1,
            Some(vec![100, 100, 0]),
        ),
        case(
            "with matching Namespaces",
            "subteam2.team2",
            1,
            Some(vec![100, 100, 0]),
        ),
    ];
    for (plugin, case) in cases {
        check_score_cases(&plugin, &[case], &team_namespaces());
    }
}

#[test]
fn normalize_truncates_the_float_quotient_like_upstream() {
    let mut scores = [0, 29, 100].map(|score| NodeScore { name: "n", score });
    InterPodAffinity::default().normalize_score(&mut scores);
    assert_eq!(scores.map(|s| s.score), [0, 28, 100]);
}
