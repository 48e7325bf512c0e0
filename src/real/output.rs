//! Container output, streamed as a containerd shim streams it and kept as the kubelet keeps it:
//! each container's stdout and stderr are one pipe that a thread of ours drains, a chunk at a
//! time, into the container's log file, which rotates at `containerLogMaxSize` keeping at most
//! `containerLogMaxFiles` files. Nothing is ever read whole into memory: `kubectl logs` reads
//! the current file only (at most [`MAX_SIZE`]), and an exec's output is cut at [`EXEC_LIMIT`].

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The size at which a container's log is rotated: the kubelet's `containerLogMaxSize`.
// K8S: pkg/kubelet/apis/config/v1beta1/defaults.go (ContainerLogMaxSize "10Mi")
pub const MAX_SIZE: u64 = 10 << 20;

/// How many log files a container keeps, the current one included: `containerLogMaxFiles`.
// K8S: pkg/kubelet/apis/config/v1beta1/defaults.go (ContainerLogMaxFiles 5)
pub const MAX_FILES: usize = 5;

/// How much of an exec'd command's output is kept (stdout and stderr together); the rest is
/// read and dropped, so a command printing without end never blocks nor grows memory.
// K8S: pkg/probe/exec/exec.go (maxReadLength = 10 KiB, through ioutils.LimitWriter)
pub const EXEC_LIMIT: usize = 10 << 10;

/// How much a drain reads at once: a pipe's default capacity.
const CHUNK: usize = 64 << 10;

/// A thread copying a pipe to its sink until every writer has closed the pipe. Dropping it
/// leaves the thread to end on its own, when the last writer (the container's last process)
/// is gone.
#[derive(Debug)]
pub struct Drain {
    /// Disconnected when the thread ends: it holds the only sender and never sends.
    ended: Receiver<()>,
}

impl Drain {
    /// Waits up to `timeout` for the pipe's writers to be gone and the last of the output
    /// copied; false when some writer still holds the pipe open.
    pub fn wait(&self, timeout: Duration) -> bool {
        matches!(
            self.ended.recv_timeout(timeout),
            Err(RecvTimeoutError::Disconnected) | Ok(())
        )
    }
}

/// Starts draining `pipe` into the container log at `path` (created now), rotating it.
pub fn into_log(pipe: File, path: &Path) -> io::Result<Drain> {
    let mut log = RotatingLog::create(path, MAX_SIZE, MAX_FILES)?;
    Ok(drain(pipe, move |chunk| log.write(chunk)))
}

/// The first bytes of a command's output, and whether more came.
#[derive(Debug, Default)]
pub struct Capped {
    kept: Vec<u8>,
    cut: bool,
}

impl Capped {
    /// The kept output as text; when some was dropped, a last line says so and where.
    // DEVIATION: the kubelet's exec prober cuts the output silently; the mark tells a reader
    // of the trace (the probe's `Unhealthy` event) that the message is not the whole output.
    pub fn text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.kept).into_owned();
        if self.cut {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&format!(
                "[kubesim: output truncated to its first {} bytes]",
                self.kept.len()
            ));
        }
        text
    }
}

/// Starts draining `pipe`, keeping its first `limit` bytes in the returned buffer.
pub fn capped(pipe: File, limit: usize) -> (Drain, Arc<Mutex<Capped>>) {
    let kept = Arc::new(Mutex::new(Capped::default()));
    let sink = kept.clone();
    let drain = drain(pipe, move |chunk| {
        let mut capped = sink.lock().unwrap_or_else(|p| p.into_inner());
        let room = limit.saturating_sub(capped.kept.len());
        capped
            .kept
            .extend_from_slice(&chunk[..room.min(chunk.len())]);
        capped.cut |= chunk.len() > room;
        Ok(())
    });
    (drain, kept)
}

/// A thread reading `pipe` a chunk at a time into `sink` until end of file; a sink that fails
/// (the disk is full, the run's directory is gone) leaves the rest read and dropped, so the
/// container never blocks on a full pipe.
fn drain(mut pipe: File, mut sink: impl FnMut(&[u8]) -> io::Result<()> + Send + 'static) -> Drain {
    let (alive, ended) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        let _alive = alive;
        let mut buf = vec![0u8; CHUNK];
        let mut sinking = true;
        loop {
            match pipe.read(&mut buf) {
                Ok(0) => return,
                Ok(n) if sinking => sinking = sink(&buf[..n]).is_ok(),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    });
    Drain { ended }
}

/// What `kubectl logs` shows of a container: its current log file (at most [`MAX_SIZE`]
/// bytes), by line.
// K8S: pkg/kubelet/kuberuntime/logs/logs.go (ReadLogs reads the container's LogPath, the
// current file; rotated files are not read)
pub fn current_lines(path: &Path) -> Vec<String> {
    let mut bytes = Vec::new();
    if let Ok(file) = File::open(path) {
        // The drain may be appending: read no more than a full file.
        let _ = file.take(MAX_SIZE).read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Removes a container's log and its rotated files, as the kubelet's log manager's `Clean`
/// removes `<log>*`.
// K8S: pkg/kubelet/logs/container_log_manager.go (Clean)
pub fn remove(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let name = name.to_string_lossy().into_owned();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(&name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A container log that rotates as the kubelet's container log manager rotates it: the
/// current file is renamed `<log>.<n>` and a new one opened, after the oldest rotated files
/// are removed so that, with the current one, at most `max_files` are left.
// K8S: pkg/kubelet/logs/container_log_manager.go (rotateLog: removeExcessLogs keeps
// MaxFiles-2 rotated files, oldest removed first; rotateLatestLog renames the current one and
// has the runtime reopen it; `kubectl logs` reads only the current file)
// DEVIATION: upstream checks sizes every 10 s (containerLogMonitorInterval) and rotates a file
// that reached containerLogMaxSize, so a fast writer outgrows it in between; here the writer
// rotates before a write would outgrow it, so no file ever exceeds it.
// DEVIATION: rotated files are named `<log>.<n>`, n counting rotations from 1, not
// `<log>.<YYYYMMDD-hhmmss>`: a fast writer rotates several times a second, and such names
// would collide. They are not gzip-compressed (upstream compresses all but the newest), and
// the log holds raw output, not CRI lines (`<time> stdout F <line>`).
struct RotatingLog {
    path: PathBuf,
    file: File,
    size: u64,
    max_size: u64,
    max_files: usize,
    /// The rotated files, oldest first.
    rotated: VecDeque<PathBuf>,
    rotations: u64,
}

impl RotatingLog {
    fn create(path: &Path, max_size: u64, max_files: usize) -> io::Result<RotatingLog> {
        Ok(RotatingLog {
            path: path.to_path_buf(),
            file: File::create(path)?,
            size: 0,
            max_size,
            max_files,
            rotated: VecDeque::new(),
            rotations: 0,
        })
    }

    /// Appends `data`, rotating first whenever it would outgrow the file. The file is cut
    /// after the last newline that fits, so lines do not straddle files; a line longer than a
    /// whole file is cut where the file is full.
    fn write(&mut self, mut data: &[u8]) -> io::Result<()> {
        loop {
            let room = (self.max_size - self.size) as usize;
            if data.len() <= room {
                self.file.write_all(data)?;
                self.size += data.len() as u64;
                return Ok(());
            }
            let cut = match data[..room].iter().rposition(|&b| b == b'\n') {
                Some(newline) => newline + 1,
                None if self.size == 0 => room,
                None => 0,
            };
            self.file.write_all(&data[..cut])?;
            data = &data[cut..];
            self.rotate()?;
        }
    }

    fn rotate(&mut self) -> io::Result<()> {
        while self.rotated.len() > self.max_files.saturating_sub(2) {
            if let Some(oldest) = self.rotated.pop_front() {
                std::fs::remove_file(oldest)?;
            }
        }
        self.rotations += 1;
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!(".{}", self.rotations));
        let rotated = PathBuf::from(name);
        std::fs::rename(&self.path, &rotated)?;
        self.rotated.push_back(rotated);
        self.file = File::create(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files in `dir` with their sizes, by name.
    fn sizes(dir: &Path) -> Vec<(String, u64)> {
        let mut found: Vec<(String, u64)> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name, e.metadata().unwrap().len())
            })
            .collect();
        found.sort();
        found
    }

    fn files(dir: &Path) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| {
                let text = std::fs::read_to_string(e.path()).unwrap();
                (e.file_name().to_string_lossy().into_owned(), text)
            })
            .collect();
        found.sort();
        found
    }

    fn owned(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
        pairs.iter().map(|(n, s)| (n.to_string(), *s)).collect()
    }

    // containerLogMaxSize 10Mi, containerLogMaxFiles 5: a file is rotated only once a write
    // would take it past 10485760 bytes, and the fifth rotation removes the first rotated file.
    #[test]
    fn a_log_rotates_at_10mi_keeping_5_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.log");
        let mut log = RotatingLog::create(&path, MAX_SIZE, MAX_FILES).unwrap();
        let mut line = vec![b'y'; 1023];
        line.push(b'\n');
        let mebibyte = line.repeat(1024);
        for _ in 0..10 {
            log.write(&mebibyte).unwrap();
        }
        assert_eq!(sizes(dir.path()), owned(&[("0.log", 10485760)]));
        log.write(b"y\n").unwrap();
        assert_eq!(
            sizes(dir.path()),
            owned(&[("0.log", 2), ("0.log.1", 10485760)])
        );
        // Four more files' worth: each rotation cuts after the last whole line that fits,
        // and the fifth rotation, making 0.log.5, removes 0.log.1.
        for _ in 0..40 {
            log.write(&mebibyte).unwrap();
        }
        assert_eq!(
            sizes(dir.path()),
            owned(&[
                ("0.log", 1024),
                ("0.log.2", 2 + 10485760 - 1024),
                ("0.log.3", 10485760),
                ("0.log.4", 10485760),
                ("0.log.5", 10485760),
            ])
        );
    }

    #[test]
    fn a_log_is_cut_after_its_last_whole_line_and_long_lines_are_split() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.log");
        let mut log = RotatingLog::create(&path, 8, 3).unwrap();
        for chunk in [
            "aaa\n",
            "bbb\n",
            "ccc\n",
            "ddd\nee",
            "e\nfff\n",
            "0123456789ab",
        ] {
            log.write(chunk.as_bytes()).unwrap();
        }
        // Three files at most: the current one and two rotated.
        assert_eq!(
            files(dir.path()),
            [
                ("0.log".to_string(), "89ab".to_string()),
                ("0.log.3".to_string(), "eee\nfff\n".to_string()),
                ("0.log.4".to_string(), "01234567".to_string()),
            ]
        );
        assert_eq!(current_lines(&path), ["89ab"]);
        remove(&path);
        assert_eq!(files(dir.path()), []);
    }

    #[test]
    fn an_exec_keeps_only_the_first_bytes_of_its_output_and_says_so() {
        let (reader, mut writer) = crate::real::sys::pipe().unwrap();
        let (drain, kept) = capped(reader, 4);
        writer.write_all(b"abcdefgh").unwrap();
        drop(writer);
        assert!(drain.wait(Duration::from_secs(5)));
        assert_eq!(
            kept.lock().unwrap().text(),
            "abcd\n[kubesim: output truncated to its first 4 bytes]"
        );
        let (reader, mut writer) = crate::real::sys::pipe().unwrap();
        let (drain, kept) = capped(reader, 4);
        writer.write_all(b"abc\n").unwrap();
        drop(writer);
        assert!(drain.wait(Duration::from_secs(5)));
        assert_eq!(kept.lock().unwrap().text(), "abc\n");
    }

    #[test]
    fn a_drain_ends_when_the_last_writer_closes_the_pipe() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.log");
        let (reader, mut writer) = crate::real::sys::pipe().unwrap();
        let drain = into_log(reader, &path).unwrap();
        writer.write_all(b"one\ntwo\n").unwrap();
        let second = writer.try_clone().unwrap();
        drop(writer);
        assert!(!drain.wait(Duration::from_millis(50)), "a writer holds it");
        drop(second);
        assert!(drain.wait(Duration::from_secs(5)));
        assert_eq!(current_lines(&path), ["one", "two"]);
    }
}
