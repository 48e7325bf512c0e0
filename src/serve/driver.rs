//! The thread that owns the simulation: it plays events as the clock reaches them and answers
//! each request at the simulated instant it arrives, one at a time, so that the cluster is
//! never seen half-way through an instant.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::oneshot;

use super::clock::Clock;
use super::discovery;
use super::exec::{self, Outcome, Transport};
use super::openapi;
use super::rest::{self, ApiRequest, ApiResponse};
use super::watch::{WatchStart, Watches};
use crate::apiserver::paths::{self, Route};
use crate::apiserver::{protobuf, requests, Status};
use crate::engine::{SimDuration, SimTime};
use crate::model::time::rfc3339;
use crate::scenario::record::Recorded;
use crate::scenario::request::{self, ApiCall};
use crate::sim::{Simulation, Step, StepAction};
use std::rc::Rc;

/// What the HTTP side asks of the simulation.
pub enum Command {
    Api(ApiRequest, oneshot::Sender<ApiResponse>),
    Clock(ClockCommand, oneshot::Sender<ApiResponse>),
    /// `pods/exec` for the pod (namespace, name), asked to be upgraded as the transport says.
    Exec(
        ApiRequest,
        Transport,
        (String, String),
        oneshot::Sender<Outcome>,
    ),
}

/// `kubesim clock`'s verbs.
#[derive(Debug, Clone, PartialEq)]
pub enum ClockCommand {
    Now,
    Advance(SimDuration),
    Pause,
    Resume,
    Speed(f64),
}

/// The longest the driver sleeps without looking at the clock.
const IDLE: Duration = Duration::from_secs(1);

/// The simulation and where its clock stands.
pub struct Driver {
    sim: Simulation,
    clock: Clock,
    /// Every event up to this instant has been handled (`None` before t=0's).
    handled_through: Option<SimTime>,
    /// `host:port`, for `/api`'s server address.
    address: String,
    /// The open watches, by query.
    watches: Vec<Watches>,
    /// Every write handled, at its instant, for `--record`.
    recorded: Vec<Recorded>,
}

/// What a served session leaves: the writes it handled and the instant it stopped at.
pub struct Session {
    pub recorded: Vec<Recorded>,
    pub end: SimTime,
}

impl Driver {
    pub fn new(sim: Simulation, clock: Clock, address: String) -> Self {
        Driver {
            sim,
            clock,
            handled_through: None,
            address,
            watches: Vec::new(),
            recorded: Vec::new(),
        }
    }

    /// Plays the simulation and answers commands until every sender is gone; then finishes
    /// the trace and tells what the session did.
    pub fn run(mut self, commands: Receiver<Command>) -> std::io::Result<Session> {
        loop {
            self.catch_up()?;
            let now = Instant::now();
            let wait = self
                .sim
                .next_event_time()
                .and_then(|t| self.clock.wall_until(now, t))
                .map_or(IDLE, |d| d.min(IDLE));
            match commands.recv_timeout(wait) {
                Ok(Command::Api(request, reply)) => {
                    let response = self.api(&request)?;
                    let _ = reply.send(response);
                }
                Ok(Command::Exec(request, transport, (namespace, name), reply)) => {
                    self.catch_up()?;
                    let outcome = exec::answer(&self.sim, &request, transport, &namespace, &name);
                    let _ = reply.send(outcome);
                }
                Ok(Command::Clock(command, reply)) => {
                    let response = self.clock_command(command)?;
                    let _ = reply.send(response);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        let end = self.handled_through.unwrap_or(SimTime::ZERO);
        self.sim.finish()?;
        Ok(Session {
            recorded: self.recorded,
            end,
        })
    }

    /// Handles every event the clock has reached; with watches open, one instant at a time,
    /// telling them after each.
    fn catch_up(&mut self) -> std::io::Result<()> {
        let target = self.clock.sim_now(Instant::now());
        if self.handled_through.is_some_and(|t| target <= t) {
            // Nothing happened since the watches were last told; only their time runs out.
            let now = Instant::now();
            self.watches.retain_mut(|w| w.expire(now));
            return Ok(());
        }
        while !self.watches.is_empty() {
            match self.sim.next_event_time() {
                Some(next) if next <= target => {
                    self.sim.run_until(next)?;
                    self.tell_watches();
                }
                _ => break,
            }
        }
        self.sim.run_until(target)?;
        self.handled_through = Some(target);
        self.tell_watches();
        Ok(())
    }

    fn tell_watches(&mut self) {
        let now = Instant::now();
        let sim = &self.sim;
        self.watches.retain_mut(|w| w.notify(sim, now));
    }

    /// A watch request: the stream of its events, starting with the objects there are now
    /// unless it names a resourceVersion (and with `sendInitialEvents`, even if it does).
    fn watch(&mut self, request: &ApiRequest, route: &Route<'_>) -> ApiResponse {
        let query = match rest::Query::of(request, route) {
            Ok(query) => query,
            Err(refused) => return refused,
        };
        let start = if request.flag("sendInitialEvents") {
            WatchStart::WithObjectsAndBookmark
        } else if request
            .param("resourceVersion")
            .is_some_and(|v| !v.is_empty() && v != "0")
        {
            WatchStart::FromNow
        } else {
            WatchStart::WithObjects
        };
        let deadline = request
            .param("timeoutSeconds")
            .and_then(|s| s.parse::<u64>().ok())
            .map(|s| Instant::now() + Duration::from_secs(s));
        let (sender, events) = tokio::sync::mpsc::unbounded_channel();
        let key = Watches::key(
            &request.path,
            request.param("labelSelector"),
            request.param("fieldSelector"),
            query.table.as_deref(),
        );
        let now = Instant::now();
        let sim = &self.sim;
        // The query's watches, told the current state; or new ones if none is open.
        let open = self
            .watches
            .iter()
            .position(|w| w.has_key(&key))
            .filter(|&i| self.watches[i].notify(sim, now));
        let watches = match open {
            Some(i) => &mut self.watches[i],
            None => {
                self.watches.retain(|w| !w.has_key(&key));
                self.watches.push(Watches::new(key, query, sim));
                self.watches.last_mut().expect("just pushed")
            }
        };
        watches.open(sender, deadline, start, sim);
        ApiResponse {
            code: 200,
            body: rest::Payload::Stream(events),
        }
    }

    fn api(&mut self, request: &ApiRequest) -> std::io::Result<ApiResponse> {
        self.catch_up()?;
        let Some(route) = paths::route(&request.path) else {
            return Ok(rest::no_route());
        };
        Ok(match (request.method.as_str(), &route) {
            ("GET", Route::Version) => ApiResponse::ok(rest::version()),
            ("GET", Route::CoreVersions | Route::Groups)
                if discovery::wants_aggregated(&request.accept) =>
            {
                let core = matches!(route, Route::CoreVersions);
                ApiResponse {
                    code: 200,
                    body: rest::Payload::Aggregated(discovery::aggregated(core)),
                }
            }
            ("GET", Route::CoreVersions) => {
                ApiResponse::ok(discovery::core_versions(&self.address))
            }
            ("GET", Route::Groups) => ApiResponse::ok(discovery::groups()),
            ("GET", Route::OpenApiRoot) => ApiResponse::ok(openapi::root()),
            ("GET", Route::OpenApi { group, version }) => {
                ApiResponse::ok(openapi::document(group, version))
            }
            ("GET", Route::GroupVersion { group, version }) => {
                ApiResponse::ok(discovery::group_version(group, version))
            }
            ("GET", Route::Resource { .. }) if is_watch(request) => self.watch(request, &route),
            (
                "GET",
                Route::Resource {
                    namespace: Some(namespace),
                    name: Some(name),
                    subresource: Some("log"),
                    resource,
                },
            ) if resource.kind == "Pod" => rest::logs(&self.sim, request, namespace, name),
            (
                "GET",
                Route::Resource {
                    namespace: Some(namespace),
                    name: Some(name),
                    subresource: Some("scale"),
                    resource,
                },
            ) => match requests::get_scale(&self.sim.state, resource, namespace, name) {
                Ok(scale) => ApiResponse::ok(scale),
                Err(status) => status_response(&status),
            },
            ("GET", Route::Resource { .. }) => match rest::Query::of(request, &route) {
                Ok(query) => rest::read(&self.sim, &query),
                Err(refused) => refused,
            },
            ("POST" | "PUT" | "PATCH" | "DELETE", Route::Resource { .. }) => self.write(request)?,
            (method, _) => rest::not_allowed(method),
        })
    }

    /// A write (create, update, patch, delete, scale, eviction), run as a timeline step at
    /// the instant the request arrived (a millisecond later if events were handled at that
    /// instant already, so that it comes first at its instant, as a timeline entry does).
    fn write(&mut self, request: &ApiRequest) -> std::io::Result<ApiResponse> {
        let protobuf = request.content_type.starts_with(protobuf::MEDIA_TYPE);
        let apply = request::media_type(&request.content_type) == request::APPLY;
        let body = if request.body.is_empty() {
            None
        } else if protobuf {
            match protobuf::decode(&request.body) {
                Ok(body) => Some(body),
                Err(status) => return Ok(status_response(&status)),
            }
        } else if apply {
            // An apply's body is YAML (JSON is YAML).
            let text = String::from_utf8_lossy(&request.body);
            match crate::apiserver::patch::parse(&text) {
                Ok(body) => Some(body),
                Err(why) => return Ok(rest::status(400, "BadRequest", &why)),
            }
        } else {
            match serde_json::from_slice::<serde_json::Value>(&request.body) {
                Ok(body) => Some(body),
                Err(e) => {
                    return Ok(rest::status(
                        400,
                        "BadRequest",
                        &format!("the body of the request could not be decoded: {e}"),
                    ))
                }
            }
        };
        // A decoded protobuf body is recorded (and replayed) as the JSON it stands for.
        let content_type = match protobuf {
            true => "application/json",
            false => &request.content_type,
        };
        let force = match request.param("force") {
            None => None,
            Some(force) => match force.parse::<bool>() {
                Ok(force) => Some(force),
                Err(_) => {
                    let why = format!("force: invalid value {force:?}: expected true or false");
                    return Ok(rest::status(400, "BadRequest", &why));
                }
            },
        };
        let call = ApiCall::new(&request.method, &request.path, content_type, body)
            .with_query(request.field_manager(apply), force);
        let call = Rc::new(call);
        let at = self.request_instant();
        self.sim.handle_first_at(Step {
            at,
            line: call.line(),
            action: StepAction::Run(call.clone()),
        })?;
        self.handled_through = Some(SimTime::from_millis(at.as_millis() - 1));
        self.clock.catch_up(Instant::now(), at);
        self.recorded.push((at, call.to_value()));
        self.tell_watches();
        Ok(match call.answer() {
            Some(Ok((code, object))) => ApiResponse {
                code,
                body: rest::Payload::Json(object),
            },
            Some(Err(status)) => status_response(&status),
            None => rest::no_route(),
        })
    }

    /// The instant a mutating request is handled at: now on the clock, but after every
    /// instant whose events were handled already.
    fn request_instant(&self) -> SimTime {
        let now = self.clock.sim_now(Instant::now());
        match self.handled_through {
            Some(t) if now <= t => SimTime::from_millis(t.as_millis() + 1),
            _ => now.max(SimTime::from_millis(1)),
        }
    }

    fn clock_command(&mut self, command: ClockCommand) -> std::io::Result<ApiResponse> {
        let now = Instant::now();
        match command {
            ClockCommand::Now => {}
            ClockCommand::Advance(by) => self.clock.advance(now, by),
            ClockCommand::Pause => self.clock.pause(now),
            ClockCommand::Resume => self.clock.resume(now),
            ClockCommand::Speed(speed) => self.clock.set_speed(now, speed),
        }
        self.catch_up()?;
        let at = self.handled_through.unwrap_or(SimTime::ZERO);
        Ok(ApiResponse::ok(json!({
            "now": at.to_string(),
            "milliseconds": at.as_millis(),
            "time": rfc3339(at),
            "paused": self.clock.paused(),
            "speed": self.clock.speed(),
            "watches": self.watches.iter().map(Watches::count).sum::<usize>(),
        })))
    }
}

fn status_response(status: &Status) -> ApiResponse {
    ApiResponse {
        code: status.code,
        body: rest::Payload::Json(status.to_json()),
    }
}

fn is_watch(request: &ApiRequest) -> bool {
    request.flag("watch")
}
