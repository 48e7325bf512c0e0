//! `kubesim serve`: a Kubernetes API over HTTP in front of the simulation, for real kubectl,
//! client libraries and controllers, on a clock the user controls (`kubesim clock`).
//!
//! The HTTP side (axum on a small tokio runtime) only checks the bearer token and hands each
//! request to the driver thread, which owns the simulation and answers one request at a time
//! at the simulated instant it arrives.

pub mod clock;
mod discovery;
mod driver;
mod exec;
pub mod kubeconfig;
mod openapi;
mod rest;
mod tls;
mod watch;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::mpsc;

use axum::body::{to_bytes, Body};
use axum::extract::State;
use axum::http::{header, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;

pub use driver::{ClockCommand, Session};
use driver::{Command, Driver};
use rest::{ApiRequest, ApiResponse, Payload};

use crate::scenario::Scenario;
use crate::sim::Simulation;

/// The path of the clock's control endpoint (not a Kubernetes API path).
pub const CLOCK_PATH: &str = "/kubesim/v1/clock";

/// The largest request body read (kube-apiserver's limit is 3 MiB for an object).
// K8S: staging/src/k8s.io/apiserver/pkg/server/config.go (MaxRequestBodyBytes: 3 MiB)
const MAX_BODY: usize = 3 * 1024 * 1024;

/// How `kubesim serve` runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub kubeconfig: PathBuf,
    /// The address to listen on: 127.0.0.1 unless `--listen` says otherwise.
    pub listen: std::net::IpAddr,
    /// 0: a free port.
    pub port: u16,
    pub paused: bool,
    pub speed: f64,
    pub seed: u64,
}

#[derive(Clone)]
struct Shared {
    commands: mpsc::Sender<Command>,
    token: std::sync::Arc<str>,
}

/// Serves `scenario` until interrupted (SIGINT or SIGTERM), writing the trace to `trace`;
/// returns what the session did.
pub fn serve(
    mut scenario: Scenario,
    options: &Options,
    trace: Option<std::fs::File>,
) -> std::io::Result<Session> {
    // A served cluster runs until stopped, not for the scenario's span.
    scenario.duration = crate::engine::SimDuration::from_millis(u64::MAX / 4);
    let listener = std::net::TcpListener::bind(SocketAddr::from((options.listen, options.port)))?;
    listener.set_nonblocking(true)?;
    let address = listener.local_addr()?;
    let certificates = tls::generate(options.listen).map_err(std::io::Error::other)?;
    // Clients on this machine reach any address through the loopback one.
    let local = SocketAddr::from((Ipv4Addr::LOCALHOST, address.port()));
    let server = match options.listen.is_unspecified() {
        true => format!("https://{local}"),
        false => format!("https://{address}"),
    };
    let token = kubeconfig::new_token();
    kubeconfig::write(
        &options.kubeconfig,
        &kubeconfig::Access {
            server: server.clone(),
            authority: certificates.authority.clone(),
            token: token.clone(),
        },
    )?;
    let path = std::path::absolute(&options.kubeconfig)?;
    println!("export KUBECONFIG={}", path.display());
    let pace = if options.paused {
        "paused".to_string()
    } else {
        format!("{}x", options.speed)
    };
    eprintln!(
        "kubesim serve: {} on {server}, clock {pace}; Ctrl-C stops",
        scenario.name
    );
    let (commands, received) = mpsc::channel();
    let clock = clock::Clock::new(std::time::Instant::now(), options.speed, options.paused);
    let seed = options.seed;
    let driver = std::thread::spawn(move || {
        let trace = trace.map(|f| Box::new(std::io::BufWriter::new(f)) as Box<dyn std::io::Write>);
        let sim = Simulation::new(scenario.setup(), seed, trace)?;
        Driver::new(sim, clock, address.to_string()).run(received)
    });
    let shared = Shared {
        commands,
        token: token.into(),
    };
    let app = axum::Router::new().fallback(handle).with_state(shared);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let config = axum_server::tls_rustls::RustlsConfig::from_pem(
            certificates.server.into_bytes(),
            certificates.key.into_bytes(),
        )
        .await?;
        let handle = axum_server::Handle::new();
        let stopping = handle.clone();
        tokio::spawn(async move {
            stopped().await;
            stopping.graceful_shutdown(Some(std::time::Duration::from_secs(1)));
        });
        axum_server::from_tcp_rustls(listener, config)?
            .handle(handle)
            .serve(app.into_make_service())
            .await
    })?;
    drop(runtime);
    driver.join().expect("the driver thread does not panic")
}

/// Resolves on SIGINT or SIGTERM.
async fn stopped() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("a SIGTERM handler can be installed");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

async fn handle(State(shared): State<Shared>, request: Request<Body>) -> Response {
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t == &*shared.token);
    if !authorized {
        // K8S: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go
        // (the unauthorized handler's Status)
        return json_response(&rest::status(401, "Unauthorized", "Unauthorized"));
    }
    if let Some(pod) = exec_target(request.uri().path()) {
        return exec_request(shared, request, pod).await;
    }
    let (parts, body) = request.into_parts();
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(body) => body.to_vec(),
        Err(_) => {
            return json_response(&rest::status(
                413,
                "RequestEntityTooLarge",
                "the request body is larger than 3 MiB",
            ))
        }
    };
    let api = api_request(&parts, body);
    let (reply, answer) = oneshot::channel();
    let command = if api.path == CLOCK_PATH {
        match clock_command(&api) {
            Ok(command) => Command::Clock(command, reply),
            Err(response) => return json_response(&response),
        }
    } else {
        Command::Api(api, reply)
    };
    if shared.commands.send(command).is_err() {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    match answer.await {
        Ok(ApiResponse {
            code,
            body: Payload::Stream(events),
        }) => {
            use tokio_stream::StreamExt;
            let stream = tokio_stream::wrappers::UnboundedReceiverStream::new(events)
                .map(Ok::<_, std::convert::Infallible>);
            let code = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
            (
                code,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Ok(response) => json_response(&response),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// The request as the API sees it.
fn api_request(parts: &axum::http::request::Parts, body: Vec<u8>) -> ApiRequest {
    let header_text = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let query = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    ApiRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query,
        accept: header_text(header::ACCEPT),
        content_type: header_text(header::CONTENT_TYPE),
        user_agent: header_text(header::USER_AGENT),
        body,
    }
}

/// The namespace and name of the pod a `pods/exec` path names.
fn exec_target(path: &str) -> Option<(String, String)> {
    match crate::apiserver::paths::route(path)? {
        crate::apiserver::paths::Route::Resource {
            resource,
            namespace: Some(namespace),
            name: Some(name),
            subresource: Some("exec"),
        } if resource.kind == "Pod" => Some((namespace.to_string(), name.to_string())),
        _ => None,
    }
}

/// `pods/exec`: the driver answers at the current instant; a refusal is sent as plain HTTP,
/// a command's run over the upgraded WebSocket.
async fn exec_request(shared: Shared, request: Request<Body>, pod: (String, String)) -> Response {
    use axum::extract::ws::WebSocketUpgrade;
    use axum::extract::FromRequestParts;
    let (mut parts, _) = request.into_parts();
    let spdy = parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("spdy"));
    let socket = WebSocketUpgrade::from_request_parts(&mut parts, &())
        .await
        .ok();
    let transport = match &socket {
        Some(socket) => exec::Transport::WebSocket(exec::Protocol::negotiate(
            socket.requested_protocols().filter_map(|v| v.to_str().ok()),
        )),
        None if spdy => exec::Transport::Spdy,
        None => exec::Transport::Plain,
    };
    let api = api_request(&parts, Vec::new());
    let (reply, answer) = oneshot::channel();
    let command = Command::Exec(api, transport, pod, reply);
    if shared.commands.send(command).is_err() {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    match (answer.await, socket, transport) {
        (Ok(exec::Outcome::Frames(frames)), Some(socket), exec::Transport::WebSocket(Some(p))) => {
            socket
                .protocols([p.name()])
                .on_upgrade(move |socket| send_frames(socket, frames))
        }
        (Ok(exec::Outcome::Refused(response)), _, _) => json_response(&response),
        _ => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// Sends `frames`, then closes the socket and waits (a little) for the client to close its
/// side, so that the client reads every frame before the connection goes.
// K8S: staging/src/k8s.io/apiserver/pkg/util/proxy/websocket.go (finish: the status, a close
// frame, then wait for the client to close)
async fn send_frames(mut socket: axum::extract::ws::WebSocket, frames: Vec<bytes::Bytes>) {
    use axum::extract::ws::{CloseFrame, Message};
    for frame in frames {
        if socket.send(Message::Binary(frame)).await.is_err() {
            return;
        }
    }
    let close = CloseFrame {
        code: axum::extract::ws::close_code::NORMAL,
        reason: "".into(),
    };
    if socket.send(Message::Close(Some(close))).await.is_err() {
        return;
    }
    let closed = async {
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), closed).await;
}

/// The clock command a request to [`CLOCK_PATH`] asks for: GET reads the clock, POST with
/// `{"action": "advance", "by": "5m"}` (or pause, resume, `speed` with `"speed": 60`) sets it.
fn clock_command(request: &ApiRequest) -> Result<ClockCommand, ApiResponse> {
    if request.method == "GET" {
        return Ok(ClockCommand::Now);
    }
    let bad = |message: String| rest::status(400, "BadRequest", &message);
    let body: serde_json::Value = serde_json::from_slice(&request.body)
        .map_err(|e| bad(format!("bad clock request: {e}")))?;
    match body["action"].as_str() {
        Some("pause") => Ok(ClockCommand::Pause),
        Some("resume") => Ok(ClockCommand::Resume),
        Some("advance") => {
            let text = body["by"].as_str().unwrap_or_default();
            let by = crate::model::duration::GoDuration::parse(text)
                .ok()
                .and_then(|d| u64::try_from(d.as_nanos() / 1_000_000).ok())
                .ok_or_else(|| {
                    bad(format!(
                        "invalid duration \"{text}\" (a Go duration: 30s, 5m, 1h)"
                    ))
                })?;
            Ok(ClockCommand::Advance(
                crate::engine::SimDuration::from_millis(by),
            ))
        }
        Some("speed") => match body["speed"].as_f64() {
            Some(speed) if speed > 0.0 && speed.is_finite() => Ok(ClockCommand::Speed(speed)),
            _ => Err(bad(
                "speed must be a positive number of simulated seconds per second".into(),
            )),
        },
        _ => Err(bad(
            "action must be one of advance, pause, resume, speed".into()
        )),
    }
}

fn json_response(response: &ApiResponse) -> Response {
    let code = StatusCode::from_u16(response.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match &response.body {
        Payload::Json(value) => {
            let body = serde_json::to_vec(value).expect("JSON values serialize");
            (code, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Payload::Aggregated(value) => {
            let body = serde_json::to_vec(value).expect("JSON values serialize");
            (code, [(header::CONTENT_TYPE, discovery::AGGREGATED)], body).into_response()
        }
        Payload::Text(text) => {
            (code, [(header::CONTENT_TYPE, "text/plain")], text.clone()).into_response()
        }
        Payload::Stream(_) => unreachable!("streams are answered by stream_response"),
    }
}
