//! A pod's sandbox: the process owning the pod's network, IPC and UTS namespaces, and the
//! probes the kubelet makes into that network namespace. Probes reach only the pod's own
//! loopback (127.0.0.1): a thread of ours enters the namespace, so no traffic ever leaves it.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::run::Container;
use super::sys;
use crate::kubelet::runtime::ProbeOutcome;

/// A running pod sandbox.
pub struct Sandbox {
    pod: String,
    pause: Container,
}

impl Sandbox {
    pub(super) fn new(pod: &str, pause: Container) -> Sandbox {
        Sandbox {
            pod: pod.to_string(),
            pause,
        }
    }

    /// The pod's name.
    pub fn pod(&self) -> &str {
        &self.pod
    }

    /// The pid whose namespaces the pod's containers join.
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
    }

    /// An httpGet probe of `path` on `port` on the pod's loopback.
    // K8S: pkg/probe/http/http.go (2xx and 3xx succeed; "HTTP probe failed with statuscode: %d"),
    // pkg/probe/http/request.go (User-Agent kube-probe/<major.minor>, Accept */*)
    pub fn http_probe(&self, port: u16, path: &str, timeout: Duration) -> ProbeOutcome {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let url = format!("http://{addr}{path}");
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: kube-probe/1.34\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        );
        self.in_netns(move || {
            let deadline = Instant::now() + timeout;
            let fail = |e: std::io::Error| format!("Get \"{url}\": dial tcp {addr}: {}", dial_error(&e));
            let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(fail)?;
            let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
            let timed_out = |_| {
                format!("Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
            };
            stream.set_read_timeout(Some(left)).map_err(timed_out)?;
            stream.write_all(request.as_bytes()).map_err(timed_out)?;
            let mut head = [0u8; 64];
            let mut len = 0;
            while len < 12 {
                match stream.read(&mut head[len..]).map_err(timed_out)? {
                    0 => break,
                    n => len += n,
                }
            }
            let status = std::str::from_utf8(&head[..len])
                .ok()
                .and_then(|h| h.split_whitespace().nth(1))
                .and_then(|code| code.parse::<u16>().ok())
                .ok_or_else(|| format!("Get \"{url}\": malformed HTTP response"))?;
            if (200..400).contains(&status) {
                Ok(())
            } else {
                Err(format!("HTTP probe failed with statuscode: {status}"))
            }
        })
    }

    /// Runs `probe` on a fresh thread inside the pod's network namespace (entering a namespace
    /// changes only the calling thread, so ours never leaves the host's).
    fn in_netns(&self, probe: impl FnOnce() -> ProbeOutcome + Send + 'static) -> ProbeOutcome {
        let netns = PathBuf::from(format!("/proc/{}/ns/net", self.pid()));
        std::thread::spawn(move || {
            sys::enter_netns(&netns).map_err(|e| format!("entering {}: {e}", netns.display()))?;
            probe()
        })
        .join()
        .unwrap_or_else(|_| Err("the probe thread panicked".to_string()))
    }
}

/// How Go's dialer words a connection error.
fn dial_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connect: connection refused".to_string(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => "i/o timeout".to_string(),
        _ => format!("connect: {e}"),
    }
}
