//! `kubesim watch`: in a pseudo-terminal (the screen as a terminal emulator shows it), and as
//! plain `kubectl get -w` lines when the output is not a terminal.

use crate::common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{kubesim, stdout};
use portable_pty::{native_pty_system, CommandBuilder, PtySize};

// A probe kill restarts at once and shows no `Error` line in between (kuberuntime_manager.go's
// SyncPod: kill and start in one pass).
#[test]
fn plain_output_prints_each_pod_change_once_as_kubectl_get_w() {
    let out = kubesim(&[
        "watch",
        "pods",
        "-f",
        "scenarios/seeds/liveness-exam.yaml",
        "--speed",
        "0",
        "--until",
        "4m",
    ]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        "NAME            READY   STATUS              RESTARTS   AGE\n\
         liveness-exam   0/1     ContainerCreating   0          0s\n\
         liveness-exam   1/1     Running             0          1s\n\
         liveness-exam   1/1     Running             1 (0s ago)   70s\n\
         liveness-exam   1/1     Running             2 (0s ago)   2m20s\n\
         liveness-exam   1/1     Running             3 (0s ago)   3m30s\n"
    );
}

/// A running `kubesim watch` in a pseudo-terminal, its screen kept by a terminal emulator.
struct Terminal {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Terminal {
    fn start(args: &[&str]) -> Terminal {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 30,
                cols: 150,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_kubesim"));
        command.args(args);
        command.cwd(env!("CARGO_MANIFEST_DIR"));
        command.env("TERM", "xterm-256color");
        let child = pty.slave.spawn_command(command).expect("kubesim starts");
        let mut reader = pty.master.try_clone_reader().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(30).unwrap(),
            std::num::NonZeroU16::new(150).unwrap(),
            0,
        )));
        let feed = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().unwrap().process(&buf[..n]);
            }
        });
        let writer = pty.master.take_writer().unwrap();
        Terminal {
            screen,
            writer,
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `text` (the wait is generous: a busy machine is slow).
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.contents();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {text:?}; it shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }
}

#[test]
fn terminal_view_redraws_in_place_pauses_and_quits() {
    let mut term = Terminal::start(&[
        "watch",
        "pods",
        "-f",
        "scenarios/seeds/liveness-exam.yaml",
        "--speed",
        "120",
    ]);
    let screen = term.wait_for("Running");
    assert!(screen.contains("kubesim watch pods -f scenarios/seeds/liveness-exam.yaml"));
    assert!(screen.contains("NAME            READY   STATUS"));
    assert!(screen.contains("[q] quit"));
    term.press(" ");
    let paused = term.wait_for("PAUSED");
    // Paused: simulated time stands still while the view keeps redrawing.
    std::thread::sleep(Duration::from_millis(500));
    let clock = |s: &str| s.lines().next().unwrap_or_default().to_string();
    assert_eq!(clock(&paused), clock(&term.contents()));
    term.press("q");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = term.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "kubesim watch did not quit on q");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
}

#[test]
fn terminal_view_plays_to_the_end_of_the_scenario() {
    let mut term = Terminal::start(&[
        "watch",
        "pods",
        "-f",
        "scenarios/seeds/liveness-exam.yaml",
        "--speed",
        "0",
        "--until",
        "3m",
    ]);
    let screen = term.wait_for("end of scenario");
    assert!(screen.contains("simulated 3m / 3m"), "{screen}");
    assert!(
        screen.contains("liveness-exam   1/1     Running   2 (40s ago)   3m"),
        "{screen}"
    );
    term.press("q");
    let deadline = Instant::now() + Duration::from_secs(30);
    while term.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "kubesim watch did not quit on q");
        std::thread::sleep(Duration::from_millis(50));
    }
}
