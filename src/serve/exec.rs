//! `pods/exec`: `kubectl exec POD -- CMD` over a WebSocket. The driver answers at the
//! simulated instant the request arrives, either with the API server's refusal (plain HTTP,
//! before any upgrade) or with the frames the socket then sends: the command's stdout and
//! stderr, and its end as a `Status` on the error channel.
//!
//! The simulated exec runs on a copy of the container's filesystem and changes nothing, so an
//! exec is neither recorded nor a step of the simulation.

use bytes::Bytes;
use serde_json::{json, Value};

use super::rest::{self, ApiRequest, ApiResponse};
use crate::apiserver::{pod_streams, resources, Status};
use crate::kubelet::EXEC_LIMIT;
use crate::sim::Simulation;

/// The remote-command subprotocols served over WebSocket: kube-apiserver's own, and the
/// kubelet's older binary ones that it passes through to the node.
// K8S: staging/src/k8s.io/apimachinery/pkg/util/remotecommand/constants.go, and
// pkg/kubelet/cri/streaming/remotecommand/websocket.go (the kubelet's "" / channel.k8s.io and
// v4.channel.k8s.io)
// DEVIATION: the base64 variants (base64.channel.k8s.io, v4.base64.channel.k8s.io) are not
// served; kubectl and the client libraries speak the binary ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `v5.channel.k8s.io`: v4, plus a signal to close a channel (kubectl ≥ 1.30).
    V5,
    /// `v4.channel.k8s.io`: the end of a command is a JSON `Status` with its exit code.
    V4,
    /// `channel.k8s.io` (or none named): the end is the error's text, nothing on success.
    V1,
}

impl Protocol {
    const NAMES: [(&'static str, Protocol); 3] = [
        ("v5.channel.k8s.io", Protocol::V5),
        ("v4.channel.k8s.io", Protocol::V4),
        ("channel.k8s.io", Protocol::V1),
    ];

    /// The first protocol the client offers that is served; the pre-v4 one when it names
    /// none.
    // K8S: staging/src/k8s.io/apimachinery/pkg/util/httpstream/wsstream/conn.go (handshake:
    // the client's order, and "" when the request names no protocol)
    pub fn negotiate<'a>(offered: impl IntoIterator<Item = &'a str>) -> Option<Protocol> {
        let offered: Vec<&str> = offered
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if offered.is_empty() {
            return Some(Protocol::V1);
        }
        offered.iter().find_map(|p| {
            let served = Self::NAMES.iter().find(|(name, _)| name == p);
            served.map(|(_, protocol)| *protocol)
        })
    }

    /// The name the server answers with.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, p)| *p == self)
            .map(|(name, _)| *name)
            .expect("every protocol has a name")
    }
}

/// How the request asks to be upgraded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A WebSocket, with the protocol negotiated (`None`: none served was offered).
    WebSocket(Option<Protocol>),
    /// SPDY/3.1, kubectl's older transport.
    Spdy,
    /// No upgrade asked for.
    Plain,
}

/// What an exec request comes to.
#[derive(Debug)]
pub enum Outcome {
    /// Refused before any upgrade: an HTTP answer.
    Refused(ApiResponse),
    /// Upgrade, send these binary frames in order and close.
    Frames(Vec<Bytes>),
}

/// The channels of the remote-command protocol, each frame's first byte.
// K8S: staging/src/k8s.io/apimachinery/pkg/util/remotecommand/constants.go
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const ERROR: u8 = 3;

/// A binary frame: its channel, then the data.
pub fn frame(channel: u8, data: &[u8]) -> Bytes {
    let mut frame = Vec::with_capacity(data.len() + 1);
    frame.push(channel);
    frame.extend_from_slice(data);
    frame.into()
}

/// Which of the streams the client asked for.
struct Streams {
    stdin: bool,
    stdout: bool,
    stderr: bool,
}

impl Streams {
    // K8S: pkg/apis/core/types.go (PodExecOptions, its booleans read as every query's)
    fn of(request: &ApiRequest) -> Streams {
        Streams {
            stdin: request.flag("stdin"),
            stdout: request.flag("stdout"),
            stderr: request.flag("stderr"),
        }
    }
}

/// Answers `pods/exec` for pod `name` in `namespace` at the simulation's instant: the API
/// server's checks, then the kubelet's, then the command run.
// K8S: pkg/registry/core/pod/rest/subresources.go (ExecREST.Connect) and
// staging/src/k8s.io/apiserver/pkg/util/proxy/translatinghandler.go (a v5 WebSocket is
// upgraded by the API server itself, which then reaches the kubelet; any other request goes
// through to the kubelet as it is)
pub fn answer(
    sim: &Simulation,
    request: &ApiRequest,
    transport: Transport,
    namespace: &str,
    name: &str,
) -> Outcome {
    let refused = |status: Status| Outcome::Refused(status.into());
    let Some(id) = sim.state.pod_id(namespace, name) else {
        return Outcome::Refused(rest::not_found(resources::of_kind("Pod"), name));
    };
    let pod = sim.state.pod(id).expect("an indexed pod exists");
    let container = match pod_streams::container(pod, request.param("container")) {
        Ok(container) => container,
        Err(status) => return refused(status),
    };
    if let Err(status) = pod_streams::host(pod) {
        return refused(status);
    }
    let protocol = match transport {
        Transport::WebSocket(Some(protocol)) => protocol,
        // K8S: staging/src/k8s.io/apimachinery/pkg/util/proxy/upgradeaware.go (UpgradeRequired)
        Transport::Plain => return refused(Status::bad_request("Upgrade request required")),
        // DEVIATION: kubesim serves exec over WebSocket only (kubectl 1.30 and later speak
        // it first and fall back to SPDY only when the upgrade fails).
        Transport::Spdy => {
            return refused(Status::bad_request(
                "kubesim serves pods/exec over WebSocket (v5.channel.k8s.io) only, not SPDY: use kubectl 1.30 or later, without KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false",
            ))
        }
        Transport::WebSocket(None) => {
            let served: Vec<&str> = Protocol::NAMES.iter().map(|(n, _)| *n).collect();
            return refused(Status::bad_request(format!(
                "requested protocol(s) are not supported; supports [{}]",
                served.join(" ")
            )));
        }
    };
    let streams = Streams::of(request);
    let command: Vec<String> = request
        .query
        .iter()
        .filter(|(k, _)| k == "command")
        .map(|(_, v)| v.clone())
        .collect();
    let ran = sim
        .kubelets()
        .exec(&sim.state, id, &container, &command, EXEC_LIMIT, sim.now());
    let ran = match (ran, protocol) {
        (Ok(ran), _) => ran,
        // K8S: pkg/kubelet/server/server.go (getExec: the kubelet's error as text, 500) and
        // staging/src/k8s.io/apiserver/pkg/util/proxy/streamtranslator.go (behind a v5
        // upgrade, the failed upgrade to the kubelet is an InternalError on the error channel)
        (Err(why), Protocol::V5) => {
            let why = format!("unable to upgrade connection: {why}");
            let status = json!({
                "metadata": {},
                "status": "Failure",
                "message": format!("Internal error occurred: {why}"),
                "reason": "InternalError",
                "details": {"causes": [{"message": why}]},
                "code": 500,
            });
            return Outcome::Frames(vec![opened(&streams), frame(ERROR, &status_bytes(&status))]);
        }
        (Err(why), _) => {
            return Outcome::Refused(ApiResponse {
                code: 500,
                body: rest::Payload::Text(why),
            })
        }
    };
    let mut frames = vec![opened(&streams)];
    // DEVIATION: the simulated commands read no input; a request for stdin (kubectl exec -i,
    // -it) is refused rather than left waiting for input that would change nothing.
    if streams.stdin {
        let status = failure(
            "kubesim serve runs exec commands without standard input: drop -i/-t and pass the input in the command, as in kubectl exec POD -- sh -c 'echo text | cat'",
        );
        frames.push(end_frame(protocol, &status));
        return Outcome::Frames(frames);
    }
    let ended = match ran.ended(&command) {
        Ok(ended) => ended,
        Err(why) => {
            frames.push(end_frame(protocol, &failure(&why)));
            return Outcome::Frames(frames);
        }
    };
    let text = |lines: &[String]| lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    if streams.stdout && !ended.stdout.is_empty() {
        frames.push(frame(STDOUT, text(&ended.stdout).as_bytes()));
    }
    if streams.stderr && !ended.stderr.is_empty() {
        frames.push(frame(STDERR, text(&ended.stderr).as_bytes()));
    }
    frames.push(end_frame(protocol, &exit_status(&command, ended.code)));
    Outcome::Frames(frames)
}

/// The empty frame that tells the client the streams are open, on the lowest channel it
/// reads.
// K8S: staging/src/k8s.io/apiserver/pkg/util/proxy/websocket.go (createWebSocketStreams)
fn opened(streams: &Streams) -> Bytes {
    let channel = match (streams.stdout, streams.stderr) {
        (true, _) => STDOUT,
        (false, true) => STDERR,
        (false, false) => ERROR,
    };
    frame(channel, &[])
}

/// How a command that exited with `code` ends: success, or a failure carrying the code.
// K8S: staging/src/k8s.io/apiserver/pkg/util/proxy/streamtranslator.go (codeExitToStatusError)
// and the runtime's exit error, e.g. containerd's internal/cri/server/streaming.go ("error
// executing command %v, exit code %d", the command printed as Go prints a []string)
fn exit_status(command: &[String], code: i32) -> Value {
    if code == 0 {
        return json!({"metadata": {}, "status": "Success"});
    }
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!(
            "command terminated with non-zero exit code: error executing command [{}], exit code {code}",
            command.join(" ")
        ),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
    })
}

/// A failure kubesim reports in the words given (kubectl prints the message after `error:`).
fn failure(message: &str) -> Value {
    json!({
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "BadRequest",
        "code": 400,
    })
}

fn status_bytes(status: &Value) -> Vec<u8> {
    serde_json::to_vec(status).expect("JSON values serialize")
}

/// The error channel's last frame: the status as JSON from v4 on; before, a failure's message
/// alone and nothing for success.
// K8S: pkg/kubelet/cri/streaming/remotecommand/httpstream.go (v4WriteStatusFunc,
// v1WriteStatusFunc)
fn end_frame(protocol: Protocol, status: &Value) -> Bytes {
    match protocol {
        Protocol::V5 | Protocol::V4 => frame(ERROR, &status_bytes(status)),
        Protocol::V1 if status["status"] == "Success" => frame(ERROR, &[]),
        Protocol::V1 => frame(ERROR, status["message"].as_str().unwrap_or("").as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_the_channel_byte_then_the_data() {
        assert_eq!(frame(STDOUT, b"hi\n").as_ref(), b"\x01hi\n");
        assert_eq!(frame(ERROR, &[]).as_ref(), b"\x03");
        let command = ["sh", "-c", "exit 3"].map(String::from);
        let end = end_frame(Protocol::V5, &exit_status(&command, 3));
        assert_eq!(end[0], 3);
        let status: Value = serde_json::from_slice(&end[1..]).unwrap();
        assert_eq!(
            status,
            json!({
                "metadata": {},
                "status": "Failure",
                "message": "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",
                "reason": "NonZeroExitCode",
                "details": {"causes": [{"reason": "ExitCode", "message": "3"}]},
            })
        );
        let ok = end_frame(Protocol::V4, &exit_status(&command, 0));
        assert_eq!(ok.as_ref(), b"\x03{\"metadata\":{},\"status\":\"Success\"}");
        assert_eq!(
            end_frame(Protocol::V1, &exit_status(&command, 0)).as_ref(),
            b"\x03"
        );
        let v1 = end_frame(Protocol::V1, &exit_status(&command, 3));
        assert!(v1.ends_with(b"[sh -c exit 3], exit code 3"), "{v1:?}");
    }

    /// A pod whose container is up from about 5 s.
    const SCENARIO: &str = r#"
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: exec}
spec:
  duration: 1m
  manifests:
  - inline:
      apiVersion: v1
      kind: Pod
      metadata: {name: web}
      spec:
        containers:
        - {name: app, image: busybox, command: ['sh', '-c', 'sleep 3600']}
"#;

    fn answer_at(secs: u64, transport: Transport, query: &[(&str, &str)]) -> Outcome {
        let scenario =
            crate::scenario::load_str(SCENARIO, "exec.yaml", std::path::Path::new(".")).unwrap();
        let mut sim = Simulation::new(scenario.setup(), scenario.seed, None).unwrap();
        sim.run_until(crate::engine::SimTime::from_millis(secs * 1000))
            .unwrap();
        let request = ApiRequest::get("/api/v1/namespaces/default/pods/web/exec", query);
        answer(&sim, &request, transport, "default", "web")
    }

    #[test]
    fn a_v4_client_gets_frames_and_the_kubelets_refusal_before_the_upgrade() {
        let v4 = Transport::WebSocket(Some(Protocol::V4));
        let query = [
            ("command", "sh"),
            ("command", "-c"),
            ("command", "echo hi; exit 2"),
            ("stdout", "1"),
            ("stderr", "1"),
        ];
        match answer_at(0, v4, &query) {
            Outcome::Refused(ApiResponse {
                code: 500,
                body: rest::Payload::Text(text),
            }) => assert_eq!(text, "container not found (\"app\")"),
            other => panic!("{other:?}"),
        }
        let Outcome::Frames(frames) = answer_at(30, v4, &query) else {
            panic!("the container runs at 30 s");
        };
        assert_eq!(frames[..2], [frame(STDOUT, &[]), frame(STDOUT, b"hi\n")]);
        let end: Value = serde_json::from_slice(&frames[2][1..]).unwrap();
        assert_eq!(end["details"]["causes"][0]["message"], "2");
        assert_eq!(frames.len(), 3);
        match answer_at(30, Transport::Spdy, &query) {
            Outcome::Refused(response) => assert_eq!(response.code, 400),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_clients_first_served_protocol_is_chosen() {
        let negotiate = |offered: &[&str]| Protocol::negotiate(offered.iter().copied());
        assert_eq!(negotiate(&["v5.channel.k8s.io"]), Some(Protocol::V5));
        assert_eq!(
            negotiate(&["v4.channel.k8s.io, v5.channel.k8s.io"]),
            Some(Protocol::V4)
        );
        assert_eq!(
            negotiate(&["base64.channel.k8s.io", "channel.k8s.io"]),
            Some(Protocol::V1)
        );
        assert_eq!(negotiate(&[]), Some(Protocol::V1));
        assert_eq!(negotiate(&["v4.base64.channel.k8s.io"]), None);
        assert_eq!(Protocol::V5.name(), "v5.channel.k8s.io");
    }
}
