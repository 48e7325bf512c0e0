//! A pod's sandbox: the process owning the pod's network, IPC and UTS namespaces, and the
//! probes the kubelet makes into that network namespace. Probes reach only the pod's own
//! loopback (127.0.0.1): a thread of ours enters the namespace, so no traffic ever leaves it.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::bundle::SandboxNamespaces;
use super::run::Container;
use super::{sys, RealError};
use crate::kubelet::runtime::ProbeOutcome;

/// A running pod sandbox.
pub struct Sandbox {
    namespace: String,
    pod: String,
    pause: Container,
    namespaces: HeldNamespaces,
}

/// The pause process's network, IPC and UTS namespace files, opened once, while it was known to
/// be the process real mode started. From then on the pod's namespaces are reached through
/// these descriptors only: containers join `/proc/<kubesim's pid>/fd/<n>` and probes `setns`
/// on the descriptor, so a pause process that dies, and whose pid is then recycled, can never
/// make them another process's (or the host's) namespaces.
///
/// Why descriptors and not pinns-style bind mounts of the files into the run directory: both
/// are safe, but a descriptor needs nothing undone. It closes with this process however that
/// ends (a SIGKILL included), so no cleanup path has a mount to find and unmount before it may
/// remove the run. Its path cannot be redirected either: kubesim's own pid is not reused while
/// kubesim lives, and the descriptor stays open as long as the sandbox, which outlives every
/// container created from it. crun and runc both open such a path to join the namespace.
struct HeldNamespaces {
    net: File,
    ipc: File,
    uts: File,
}

impl HeldNamespaces {
    /// Opens the namespace files of `pause`, then checks that it still runs: a pid names its
    /// process until that process is reaped, so the files opened were its.
    fn open(pause: &Container) -> Result<HeldNamespaces, RealError> {
        let pid = pause.pid();
        let open = |ns: &str| {
            let path = format!("/proc/{pid}/ns/{ns}");
            File::open(&path).map_err(RealError::io(format!("opening {path}")))
        };
        let held = HeldNamespaces {
            net: open("net")?,
            ipc: open("ipc")?,
            uts: open("uts")?,
        };
        if !pause.running() {
            return Err(RealError::Runtime {
                command: format!("holding the namespaces of the sandbox {}", pause.id()),
                stderr: format!("its process {pid} exited while they were opened"),
            });
        }
        Ok(held)
    }

    /// The paths containers join the namespaces by.
    fn paths(&self) -> SandboxNamespaces {
        let path = |file: &File| {
            PathBuf::from(format!(
                "/proc/{}/fd/{}",
                std::process::id(),
                file.as_raw_fd()
            ))
        };
        SandboxNamespaces {
            net: path(&self.net),
            ipc: path(&self.ipc),
            uts: path(&self.uts),
        }
    }
}

impl Sandbox {
    /// The sandbox of pause container `pause`, created (and maybe started): its namespaces are
    /// held from now on.
    pub(super) fn new(namespace: &str, pod: &str, pause: Container) -> Result<Sandbox, RealError> {
        let namespaces = HeldNamespaces::open(&pause)?;
        Ok(Sandbox {
            namespace: namespace.to_string(),
            pod: pod.to_string(),
            pause,
            namespaces,
        })
    }

    /// Starts the pause process.
    pub(super) fn start(&mut self) -> Result<(), RealError> {
        self.pause.start()
    }

    /// Whether the sandbox is ready: its pause process runs (CRI `SANDBOX_READY`). Once it
    /// has exited the kubelet recreates the sandbox.
    pub fn ready(&self) -> bool {
        self.pause.running()
    }

    /// The paths the pod's containers join its namespaces by (held descriptors).
    pub fn shared_namespaces(&self) -> SandboxNamespaces {
        self.namespaces.paths()
    }

    /// The pod's namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The pod's name.
    pub fn pod(&self) -> &str {
        &self.pod
    }

    /// The pause process's pid (its namespaces are reached through held descriptors only).
    pub fn pid(&self) -> i32 {
        self.pause.pid()
    }

    /// The sandbox container (deleted with the run).
    pub fn container(self) -> Container {
        self.pause
    }

    /// A tcpSocket probe of `port` on the pod's loopback.
    // K8S: pkg/probe/tcp/tcp.go (success when a connection opens)
    pub fn tcp_probe(&self, port: u16, timeout: Duration) -> ProbeOutcome {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        self.in_netns(move || match TcpStream::connect_timeout(&addr, timeout) {
            Ok(_) => Ok(()),
            Err(e) => Err(format!("dial tcp {addr}: {}", dial_error(&e))),
        })
        .and_then(|outcome| outcome)
    }

    /// An httpGet probe of `path` on `port` on the pod's loopback.
    // K8S: pkg/probe/http/http.go (2xx and 3xx succeed; "HTTP probe failed with statuscode: %d")
    pub fn http_probe(&self, port: u16, path: &str, timeout: Duration) -> ProbeOutcome {
        match self.http_get(port, path, timeout) {
            HttpAnswer::Status(status) if (200..400).contains(&status) => Ok(()),
            HttpAnswer::Status(status) => {
                Err(format!("HTTP probe failed with statuscode: {status}"))
            }
            HttpAnswer::Refused(why) | HttpAnswer::NoStatus(why) => Err(why),
        }
    }

    /// A GET of `path` on `port` on the pod's loopback, as the kubelet's prober sends it.
    // K8S: pkg/probe/http/request.go (User-Agent kube-probe/<major.minor>, Accept */*)
    pub fn http_get(&self, port: u16, path: &str, timeout: Duration) -> HttpAnswer {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let url = format!("http://{addr}{path}");
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: kube-probe/1.34\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        );
        let answer = self.in_netns(move || {
            let deadline = Instant::now() + timeout;
            let mut stream = match TcpStream::connect_timeout(&addr, timeout) {
                Ok(stream) => stream,
                Err(e) => {
                    return HttpAnswer::Refused(format!("Get \"{url}\": dial tcp {addr}: {}", dial_error(&e)))
                }
            };
            let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
            match read_status(&mut stream, request.as_bytes(), left) {
                Ok(Some(status)) => HttpAnswer::Status(status),
                Ok(None) => HttpAnswer::NoStatus(format!("Get \"{url}\": malformed HTTP response")),
                Err(_) => HttpAnswer::NoStatus(format!(
                    "Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
                )),
            }
        });
        answer.unwrap_or_else(HttpAnswer::Refused)
    }

    /// Runs `probe` on a fresh thread inside the pod's network namespace (entering a namespace
    /// changes only the calling thread, so ours never leaves the host's); an error when the
    /// namespace could not be entered.
    fn in_netns<T: Send>(&self, probe: impl FnOnce() -> T + Send) -> Result<T, String> {
        let netns = &self.namespaces.net;
        let pause = self.pause.id();
        std::thread::scope(|scope| {
            scope
                .spawn(move || {
                    sys::enter_netns(netns)
                        .map_err(|e| format!("entering the network namespace of {pause}: {e}"))?;
                    Ok(probe())
                })
                .join()
                .unwrap_or_else(|_| Err("the probe thread panicked".to_string()))
        })
    }
}

/// What an HTTP GET on a pod's loopback got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpAnswer {
    /// No connection (the message says why, as Go's client words it).
    Refused(String),
    /// Connected, but no status line came in time (the message says what happened).
    NoStatus(String),
    /// The response's status code.
    Status(u16),
}

/// Sends `request` and reads the status code of the response's first line (`None` when it
/// is not HTTP), waiting at most `timeout` for it.
fn read_status(
    stream: &mut TcpStream,
    request: &[u8],
    timeout: Duration,
) -> std::io::Result<Option<u16>> {
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(request)?;
    let mut head = [0u8; 64];
    let mut len = 0;
    while len < 12 {
        match stream.read(&mut head[len..])? {
            0 => break,
            n => len += n,
        }
    }
    Ok(std::str::from_utf8(&head[..len])
        .ok()
        .and_then(|h| h.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok()))
}

/// How Go's dialer words a connection error.
fn dial_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connect: connection refused".to_string(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => "i/o timeout".to_string(),
        _ => format!("connect: {e}"),
    }
}
