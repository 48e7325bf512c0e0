//! The container's filesystem, as far as scripts and exec probes can see it.

use std::collections::BTreeMap;
use std::fmt;

use super::image_facts::Programs;

/// Why a filesystem operation failed; displays as the libc `strerror` text busybox prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsError {
    /// ENOENT: the path (or its directory) is missing.
    NotFound,
    /// EISDIR: a file operation on a directory.
    IsDir,
    /// ENOTDIR: a path goes through a file.
    NotDir,
    /// EEXIST: `mkdir` of an existing path.
    Exists,
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FsError::NotFound => "No such file or directory",
            FsError::IsDir => "Is a directory",
            FsError::NotDir => "Not a directory",
            FsError::Exists => "File exists",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    Dir,
    File(String),
}

/// A container's simulated filesystem: directories and text files by absolute path, so exec
/// probes (`cat /tmp/healthy`) see what the container's own script created or removed.
/// Paths are resolved against `/`; writes to `/dev/null` vanish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fs {
    entries: BTreeMap<String, Entry>,
    /// The programs the container's image holds (the catalogue's record), where the shell
    /// looks its commands up; `None` when kubesim does not know the image.
    programs: Option<&'static Programs>,
}

/// `path` made absolute against `cwd`, with `.`, `..` and repeated slashes removed.
pub fn resolve(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

pub(super) fn parent(path: &str) -> String {
    resolve(path, "..")
}

impl Fs {
    /// The filesystem a pod's container starts with, as the runtime and kubelet seed it:
    /// `/tmp`, `/root`, `/etc/hostname` (the pod name), the service account's `namespace` file
    /// (no trailing newline, like the projected volume), `/dev/null` and `/dev/zero`; and
    /// `image`'s programs, when the catalogue knows them.
    pub fn for_container(namespace: &str, pod_name: &str, image: &str) -> Fs {
        let mut fs = Fs {
            entries: BTreeMap::from([("/".to_string(), Entry::Dir)]),
            programs: super::catalogue::lookup(image).map(|known| &known.programs),
        };
        let dirs = [
            "/tmp",
            "/root",
            "/etc",
            "/dev",
            "/var/run/secrets/kubernetes.io/serviceaccount",
        ];
        for dir in dirs {
            fs.mkdir(dir, true)
                .expect("a fresh tree has room for every directory");
        }
        let files = [
            (
                "/etc/hostname",
                format!("{}\n", crate::kubelet::pod_hostname(pod_name)),
            ),
            (
                "/var/run/secrets/kubernetes.io/serviceaccount/namespace",
                namespace.to_string(),
            ),
            ("/dev/null", String::new()),
            ("/dev/zero", String::new()),
        ];
        for (path, content) in files {
            fs.entries.insert(path.to_string(), Entry::File(content));
        }
        fs
    }

    /// Whether BusyBox's shell finds no `program` to run: neither a file of the container's
    /// nor, for a bare name, one in the image's `PATH`. False when the image's programs or
    /// its shell are not known (kubesim then cannot tell).
    // DEVIATION: only BusyBox's ash (busybox and alpine images) is modelled here; Debian's
    // dash and bash word the failure differently and stay uninterpreted.
    pub fn lacks_program(&self, cwd: &str, program: &str) -> bool {
        let Some(programs) = self
            .programs
            .filter(|programs| programs.has_busybox_shell())
        else {
            return false;
        };
        if program.contains('/') {
            let path = resolve(cwd, program);
            return !self.entries.contains_key(&path) && !programs.has_file(&path);
        }
        !programs
            .path()
            .iter()
            .any(|dir| programs.has_file(&format!("{dir}/{program}")))
    }

    /// Whether anything (file or directory) is at `path`.
    pub fn exists(&self, path: &str) -> bool {
        self.entries.contains_key(&resolve("/", path))
    }

    /// Whether `path` is a directory (for `cd`, `test -d`, `mkdir -p`).
    pub fn is_dir(&self, path: &str) -> bool {
        self.entries.get(&resolve("/", path)) == Some(&Entry::Dir)
    }

    /// The content of the file at `path`; `None` when missing or a directory.
    pub fn read(&self, path: &str) -> Option<&str> {
        match self.entries.get(&resolve("/", path)) {
            Some(Entry::File(content)) => Some(content),
            _ => None,
        }
    }

    /// Writes (or with `append`, appends) `content` to a file, creating it in an existing directory.
    pub fn write(&mut self, path: &str, content: &str, append: bool) -> Result<(), FsError> {
        let path = resolve("/", path);
        if path == "/dev/null" {
            return Ok(());
        }
        match self.entries.get(&parent(&path)) {
            None => return Err(FsError::NotFound),
            Some(Entry::File(_)) => return Err(FsError::NotDir),
            Some(Entry::Dir) => {}
        }
        match self
            .entries
            .entry(path)
            .or_insert(Entry::File(String::new()))
        {
            Entry::Dir => Err(FsError::IsDir),
            Entry::File(old) => {
                if !append {
                    old.clear();
                }
                old.push_str(content);
                Ok(())
            }
        }
    }

    /// Removes a file, or a directory with everything under it when `recursive` (like `rm -r`).
    pub fn remove(&mut self, path: &str, recursive: bool) -> Result<(), FsError> {
        let path = resolve("/", path);
        match self.entries.get(&path) {
            None => Err(FsError::NotFound),
            Some(Entry::Dir) if !recursive => Err(FsError::IsDir),
            Some(_) => {
                let under = format!("{}/", path.trim_end_matches('/'));
                // The root itself always stays, as `rm -rf /` leaves it.
                let gone = |key: &str| key != "/" && (key == path || key.starts_with(&under));
                self.entries.retain(|key, _| !gone(key));
                Ok(())
            }
        }
    }

    /// Creates a directory; with `parents`, also its missing ancestors and no error if it exists.
    pub fn mkdir(&mut self, path: &str, parents: bool) -> Result<(), FsError> {
        let path = resolve("/", path);
        match self.entries.get(&path) {
            Some(Entry::Dir) if parents => return Ok(()),
            Some(_) => return Err(FsError::Exists),
            None => {}
        }
        let up = parent(&path);
        match self.entries.get(&up) {
            Some(Entry::Dir) => {}
            Some(Entry::File(_)) => return Err(FsError::NotDir),
            None if parents => self.mkdir(&up, true)?,
            None => return Err(FsError::NotFound),
        }
        self.entries.insert(path, Entry::Dir);
        Ok(())
    }

    /// The names in a directory, sorted; `None` when `dir` is not a directory.
    pub fn list(&self, dir: &str) -> Option<Vec<&str>> {
        let dir = resolve("/", dir);
        if !self.is_dir(&dir) {
            return None;
        }
        let under = format!("{}/", dir.trim_end_matches('/'));
        let names = self.entries.range(under.clone()..);
        let names = names.take_while(|(key, _)| key.starts_with(&under));
        Some(
            names
                .map(|(key, _)| &key[under.len()..])
                .filter(|name| !name.is_empty() && !name.contains('/'))
                .collect(),
        )
    }
}
