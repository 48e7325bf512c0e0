use serde_json::json;

use super::*;

/// `kubectl create deployment web --image=nginx --replicas=2 --port=80` (kubectl 1.33), as
/// it reached `kubesim serve`.
const CREATE_DEPLOYMENT: &[u8] = include_bytes!("testdata/create-deployment.bin");
/// `kubectl create service clusterip svc --tcp=80:8080` (kubectl 1.33).
const CREATE_SERVICE: &[u8] = include_bytes!("testdata/create-service.bin");

/// A minimal protobuf writer for hand-made bodies.
fn varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn number(field: u32, n: i64) -> Vec<u8> {
    let mut out = Vec::new();
    varint(u64::from(field << 3), &mut out);
    varint(n as u64, &mut out);
    out
}

fn bytes(field: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(u64::from(field << 3 | 2), &mut out);
    varint(body.len() as u64, &mut out);
    out.extend_from_slice(body);
    out
}

fn message(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
    let type_meta = message(&[bytes(1, api_version.as_bytes()), bytes(2, kind.as_bytes())]);
    let mut out = MAGIC.to_vec();
    out.extend(message(&[bytes(1, &type_meta), bytes(2, raw)]));
    out
}

#[test]
fn kubectls_deployment_is_the_object_its_dry_run_prints() {
    // `kubectl create deployment web --image=nginx --replicas=2 --port=80 --dry-run=client
    // -o json`, less the `creationTimestamp: null` Go writes for a zero time.
    let expected = json!({
        "kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{
                    "name": "nginx", "image": "nginx",
                    "ports": [{"containerPort": 80}], "resources": {}
                }]}
            },
            "strategy": {}
        },
        "status": {}
    });
    assert_eq!(decode(CREATE_DEPLOYMENT).unwrap(), expected);
}

#[test]
fn kubectls_service_keeps_its_int_or_string_target_port() {
    let expected = json!({
        "kind": "Service", "apiVersion": "v1",
        "metadata": {"name": "svc", "labels": {"app": "svc"}},
        "spec": {
            "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
            "selector": {"app": "svc"},
            "type": "ClusterIP"
        },
        "status": {"loadBalancer": {}}
    });
    assert_eq!(decode(CREATE_SERVICE).unwrap(), expected);
}

#[test]
fn a_pointers_zero_is_kept_and_a_plain_zero_dropped() {
    // DeploymentSpec: replicas (a pointer) = 0, minReadySeconds (not one) = 0, paused = false.
    let spec = message(&[number(1, 0), number(5, 0), number(7, 0)]);
    let deployment = envelope("apps/v1", "Deployment", &bytes(2, &spec));
    let object = decode(&deployment).unwrap();
    assert_eq!(object["spec"], json!({"replicas": 0}));
}

#[test]
fn negative_numbers_strings_bytes_and_times() {
    // A Secret: data {k: "hi"} (bytes, base64 in JSON); an Event with a negative count and
    // its times.
    let entry = message(&[bytes(1, b"k"), bytes(2, b"hi")]);
    let secret = envelope("v1", "Secret", &bytes(2, &entry));
    assert_eq!(decode(&secret).unwrap()["data"], json!({"k": "aGk="}));

    let first = message(&[number(1, 1_735_689_605)]);
    let event_time = message(&[number(1, 1_735_689_605), number(2, 250_000_000)]);
    let event = message(&[number(8, -3), bytes(6, &first), bytes(10, &event_time)]);
    let object = decode(&envelope("v1", "Event", &event)).unwrap();
    assert_eq!(object["count"], json!(-3));
    assert_eq!(object["firstTimestamp"], json!("2025-01-01T00:00:05Z"));
    assert_eq!(object["eventTime"], json!("2025-01-01T00:00:05.250000Z"));
}

#[test]
fn inlined_messages_flatten_and_int_or_string_holds_a_name() {
    // A pod volume {name: v, emptyDir: {}} (VolumeSource inlined) and a probe's
    // httpGet port "http" (ProbeHandler inlined).
    let source = bytes(2, &[]);
    let volume = message(&[bytes(1, b"v"), bytes(2, &source)]);
    let port = message(&[number(1, 1), bytes(3, b"http")]);
    let http_get = message(&[bytes(1, b"/"), bytes(2, &port)]);
    let handler = bytes(2, &http_get);
    let probe = message(&[bytes(1, &handler), number(2, 5)]);
    let container = message(&[bytes(1, b"c"), bytes(10, &probe)]);
    let spec = message(&[bytes(1, &volume), bytes(2, &container)]);
    let object = decode(&envelope("v1", "Pod", &bytes(2, &spec))).unwrap();
    assert_eq!(
        object["spec"]["volumes"],
        json!([{"name": "v", "emptyDir": {}}])
    );
    assert_eq!(
        object["spec"]["containers"][0]["livenessProbe"],
        json!({"httpGet": {"path": "/", "port": "http"}, "initialDelaySeconds": 5})
    );
}

#[test]
fn delete_options_decode_in_any_group_version() {
    // DeleteOptions: gracePeriodSeconds (a pointer) = 0, propagationPolicy = Background.
    let options = message(&[number(1, 0), bytes(4, b"Background")]);
    let object = decode(&envelope("v1", "DeleteOptions", &options)).unwrap();
    assert_eq!(
        object,
        json!({"apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0, "propagationPolicy": "Background"})
    );
}

#[test]
fn what_cannot_be_decoded_is_refused_with_upstreams_reasons() {
    let not_protobuf = decode(b"{\"kind\": \"Pod\"}").unwrap_err();
    assert_eq!(
        (not_protobuf.code, not_protobuf.reason),
        (400, "BadRequest")
    );
    assert!(
        not_protobuf.message.contains("expected prefix"),
        "{}",
        not_protobuf.message
    );

    let unknown_kind = decode(&envelope("example.com/v1", "Widget", &[])).unwrap_err();
    assert_eq!(
        (unknown_kind.code, unknown_kind.reason),
        (415, "UnsupportedMediaType")
    );
    assert_eq!(
        unknown_kind.message,
        "kubesim does not read example.com/v1 Widget as protobuf; send the object as application/json"
    );

    let newer_field = decode(&envelope("v1", "Namespace", &number(99, 1))).unwrap_err();
    assert_eq!(
        newer_field.message,
        "kubesim cannot decode field 99 of core/v1.Namespace (it reads the fields of the Kubernetes 1.34 API); send the object as application/json"
    );

    let truncated = &CREATE_DEPLOYMENT[..CREATE_DEPLOYMENT.len() - 20];
    let truncated = decode(truncated).unwrap_err();
    assert_eq!((truncated.code, truncated.reason), (400, "BadRequest"));
}
