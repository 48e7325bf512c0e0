//! One real-mode session: its pods' sandboxes and containers, all under one run directory and
//! one cgroup subtree, removed when the session ends (or by `kubesim real --cleanup` if it
//! crashed).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::bundle::{self, BundleSpec, PodNamespaces, ProcessSpec, Resources};
use super::cleanup::{self, Cleaned};
use super::layout::RunLayout;
use super::oci::{ExecEnd, OciRuntime};
use super::output::Drain;
use super::supervisor::{self, Init, OomCounter};
use super::{rootfs, Host, RealError, Sandbox};
use crate::apiserver::validation::{field, names};
use crate::kubelet::runtime::ProbeOutcome;

pub use super::supervisor::Exit;

/// How long a deleted container's output may take to reach its log.
const DRAIN_WAIT: Duration = Duration::from_secs(1);

/// A session: creates sandboxes and containers, and removes them all when it ends.
pub struct Run {
    host: Host,
    layout: RunLayout,
    runtime: OciRuntime,
    rootfs: PathBuf,
    /// Root filesystems the scenario names for images, by image reference.
    image_rootfs: BTreeMap<String, PathBuf>,
    /// What the start-up sweep did.
    swept: Cleaned,
}

impl Run {
    /// Starts a session under the kubesim-owned directory `root`: becomes the subreaper of
    /// container inits, removes what crashed or interrupted sessions left (see [`Run::swept`]),
    /// records the run and builds the root filesystem if needed (the run recorded first, so
    /// `--cleanup` sees it live and leaves the root filesystem alone).
    pub fn begin(host: &Host, root: &Path) -> Result<Run, RealError> {
        supervisor::become_subreaper()?;
        let swept = cleanup::stale(root)?;
        let layout = RunLayout::create(root, host)?;
        let rootfs = rootfs::ensure(root, &host.busybox).inspect_err(|_| {
            let _ = cleanup::run(&layout.dir);
        })?;
        let runtime = OciRuntime::new(
            &host.runtime_binary,
            &layout.record.state,
            host.mount_to_hide(),
        );
        Ok(Run {
            host: host.clone(),
            layout,
            runtime,
            rootfs,
            image_rootfs: BTreeMap::new(),
            swept,
        })
    }

    /// What the start-up sweep removed of earlier sessions, and the live ones it left.
    pub fn swept(&self) -> &Cleaned {
        &self.swept
    }

    /// Runs `image` (a reference exactly as pods name it) from the root filesystem directory
    /// `dir` instead of busybox-static's, read-only and as it is: a directory that is not a
    /// root filesystem, or is the host's, is refused (see [`rootfs::check_image_rootfs`]).
    pub fn use_rootfs(&mut self, image: &str, dir: &Path) -> Result<(), RealError> {
        let dir = rootfs::check_image_rootfs(image, dir)?;
        self.image_rootfs.insert(image.to_string(), dir);
        Ok(())
    }

    /// The run's directory (bundles, runtime state, the record).
    pub fn dir(&self) -> &Path {
        &self.layout.dir
    }

    /// The run's cgroup directories, one per hierarchy.
    pub fn cgroups(&self) -> &[PathBuf] {
        &self.layout.record.cgroups
    }

    /// Starts the sandbox of pod `pod` in `namespace`: a process that owns the pod's network,
    /// IPC and UTS namespaces (loopback up) for its containers to join. Both names are checked
    /// as the API server checks them first: paths and cgroups are made of them.
    pub fn sandbox(&self, namespace: &str, pod: &str) -> Result<Sandbox, RealError> {
        check_name(namespace, "metadata.namespace", names::dns1123_label)?;
        check_name(pod, "metadata.name", names::dns1123_subdomain)?;
        // DEVIATION: busybox `sleep` stands in for the pause image's process; it is never
        // signalled gracefully, only deleted with the pod.
        let process = ProcessSpec::command(&["sleep", "1000000000"]);
        // K8S: pkg/kubelet/leaky/leaky.go (PodInfraContainerName "POD" names the sandbox),
        // a name no app container can have.
        let pause = self.create(
            (namespace, pod),
            "POD",
            &process,
            Resources::default(),
            &self.rootfs,
            PodNamespaces::Own,
        )?;
        // Held as soon as they exist: the created pause process owns them, waiting to start.
        let mut sandbox = Sandbox::new(namespace, pod, pause)?;
        sandbox.start()?;
        Ok(sandbox)
    }

    /// Creates container `name` of `sandbox`'s pod from `image` (it waits for `start`).
    pub fn create_container(
        &self,
        sandbox: &Sandbox,
        name: &str,
        image: &str,
        process: &ProcessSpec,
        resources: Resources,
    ) -> Result<Container, RealError> {
        check_name(name, "spec.containers[].name", names::dns1123_label)?;
        let rootfs = match self.image_rootfs.get(image) {
            Some(dir) => dir,
            None => {
                rootfs::check_image(image)?;
                &self.rootfs
            }
        };
        let join = PodNamespaces::JoinSandbox(sandbox.shared_namespaces());
        let pod = (sandbox.namespace(), sandbox.pod());
        self.create(pod, name, process, resources, rootfs, join)
    }

    /// Creates container `name` of pod `namespace/pod`, all three names checked already.
    fn create(
        &self,
        (namespace, pod): (&str, &str),
        name: &str,
        process: &ProcessSpec,
        resources: Resources,
        rootfs: &Path,
        namespaces: PodNamespaces,
    ) -> Result<Container, RealError> {
        let id = container_id(namespace, pod, name)?;
        let bundle_dir = self.layout.bundle(&id)?;
        let cgroups_path = format!("{}/{namespace}/{pod}/{name}", self.layout.cgroup);
        let spec = BundleSpec {
            process,
            resources,
            rootfs,
            cgroups_path: &cgroups_path,
            namespaces,
            hostname: crate::kubelet::pod_hostname(pod),
        };
        bundle::write(&bundle_dir, &spec).map_err(RealError::io(format!(
            "writing the bundle {}",
            bundle_dir.display()
        )))?;
        let log = next_log(&bundle_dir);
        let (pid, drain) = self.runtime.create(&id, &bundle_dir, &log)?;
        Ok(Container {
            init: Init::adopt(pid)?,
            oom: OomCounter::new(
                self.host.cgroups.mode,
                &self.host.cgroups.memory,
                &cgroups_path,
            ),
            runtime: self.runtime.clone(),
            id,
            bundle: bundle_dir,
            log,
            drain,
            exit: None,
        })
    }

    /// Ends the session: removes every container, cgroup, bundle and state it made.
    pub fn finish(self) -> Result<Cleaned, RealError> {
        cleanup::run(&self.layout.dir)
    }
}

impl Drop for Run {
    /// Leaves nothing behind however the session ends (a second cleanup finds nothing).
    fn drop(&mut self) {
        let _ = cleanup::run(&self.layout.dir);
    }
}

/// Refuses `value` unless it passes `rule` (the API server's check of the field `field`): real
/// mode builds paths and cgroups from names, and trusts none it did not check.
fn check_name(value: &str, field: &str, rule: fn(&str) -> Vec<String>) -> Result<(), RealError> {
    let problems = rule(value);
    if problems.is_empty() {
        return Ok(());
    }
    let error = field::Error::invalid(
        field::Path::new(&[field]),
        field::BadValue::Str(value.to_string()),
        &problems.join(", "),
    );
    Err(RealError::Refused(format!(
        "{error}; real mode makes paths and cgroups only of names the API server accepts"
    )))
}

/// The longest file name Linux takes (`NAME_MAX`): a container id names the runtime's state
/// directory and the bundle's.
const NAME_MAX: usize = 255;

/// The runtime's id for container `name` of pod `namespace/pod`: `<namespace>_<pod>_<name>`,
/// unique in the run since none of the three names can hold a `_`.
fn container_id(namespace: &str, pod: &str, name: &str) -> Result<String, RealError> {
    let id = format!("{namespace}_{pod}_{name}");
    if id.len() > NAME_MAX {
        // DEVIATION: the CRI's container ids are random 64-hex-digit strings; real mode's name
        // the pod, which the API lets be longer than a file name.
        return Err(RealError::Refused(format!(
            "container {name} of pod {namespace}/{pod}: its runtime id {namespace}_{pod}_{name} is {} bytes, over the {NAME_MAX} a file name can have; shorten the pod's name",
            id.len()
        )));
    }
    Ok(id)
}

/// The log file of a container's next run in `bundle`: `<n>.log`, `n` one past the newest run
/// of the container whose log is kept (the kubelet keeps the latest ones), so `n` counts its
/// restarts as the kubelet's `<restartCount>.log` does.
// K8S: pkg/kubelet/kuberuntime/helpers.go (buildContainerLogsPath: `<restartCount>.log`)
fn next_log(bundle: &Path) -> PathBuf {
    let newest = std::fs::read_dir(bundle)
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".log")?.parse::<u64>().ok()
        })
        .max();
    bundle.join(format!("{}.log", newest.map_or(0, |n| n + 1)))
}

/// One container: created, then started, then exited or stopped.
pub struct Container {
    id: String,
    bundle: PathBuf,
    /// Its log file (rotated ones beside it), which outlives it until `output::remove`.
    log: PathBuf,
    /// The thread streaming its output into `log`.
    drain: Drain,
    runtime: OciRuntime,
    init: Init,
    oom: OomCounter,
    exit: Option<Exit>,
}

impl Container {
    /// The runtime's id for the container: `<namespace>_<pod>_<name>`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The init's pid on this host.
    pub fn pid(&self) -> i32 {
        self.init.pid()
    }

    /// Whether the init still runs (see [`Init::running`]).
    pub fn running(&self) -> bool {
        self.init.running()
    }

    /// Starts the container's process (CRI StartContainer).
    pub fn start(&mut self) -> Result<(), RealError> {
        self.runtime.start(&self.id)
    }

    /// Waits up to `timeout` (forever when `None`) for the process to exit: how it ended.
    pub fn wait(&mut self, timeout: Option<Duration>) -> Result<Option<Exit>, RealError> {
        if self.exit.is_none() {
            if let Some(code) = self.init.wait(timeout)? {
                // Before any delete: removing the cgroup loses the counter.
                self.exit = Some(self.oom.classify(code));
            }
        }
        Ok(self.exit)
    }

    /// Stops the process as the kubelet does: SIGTERM, then SIGKILL once `grace` has passed.
    // K8S: pkg/kubelet/kuberuntime/kuberuntime_container.go (killContainer: StopContainer with
    // the grace period as timeout; the runtime sends SIGTERM, then SIGKILL)
    pub fn stop(&mut self, grace: Duration) -> Result<Exit, RealError> {
        for (signal, timeout) in [("TERM", Some(grace)), ("KILL", None)] {
            if let Some(exit) = self.wait(Some(Duration::ZERO))? {
                return Ok(exit);
            }
            if let Err(e) = self.runtime.kill(&self.id, signal) {
                // It may have exited between the wait and the kill.
                return self.wait(Some(Duration::from_secs(1)))?.ok_or(e);
            }
            if let Some(exit) = self.wait(timeout)? {
                return Ok(exit);
            }
        }
        unreachable!("waiting without a timeout returns an exit")
    }

    /// Sends `signal` (`TERM`, `KILL`) to the container's init through the runtime.
    pub fn signal(&self, signal: &str) -> Result<(), RealError> {
        self.runtime.kill(&self.id, signal)
    }

    /// Its log file: what the process prints (stdout and stderr), rotated beside it.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Runs `command` in the container for at most `timeout`.
    pub fn exec(&self, command: &[String], timeout: Duration) -> Result<ExecEnd, RealError> {
        self.runtime.exec(&self.id, command, timeout, &self.bundle)
    }

    /// An exec probe: success when the command exits 0; its output otherwise.
    // K8S: pkg/probe/exec/exec.go (exit code 0 succeeds; a timeout fails with
    // "command %q timed out")
    pub fn exec_probe(
        &self,
        command: &[String],
        timeout: Duration,
    ) -> Result<ProbeOutcome, RealError> {
        Ok(match self.exec(command, timeout)? {
            ExecEnd::Exited { code: 0, .. } => Ok(()),
            ExecEnd::Exited { output, .. } => Err(output.trim_end().to_string()),
            ExecEnd::TimedOut => Err(format!("command \"{}\" timed out", command.join(" "))),
        })
    }

    /// Deletes the container (killing it if it runs) and reaps its init.
    pub fn remove(mut self) -> Result<Exit, RealError> {
        let exit = match self.wait(Some(Duration::ZERO))? {
            Some(exit) => exit,
            None => {
                self.runtime.kill(&self.id, "KILL")?;
                self.wait(None)?
                    .expect("waiting without a timeout returns an exit")
            }
        };
        self.runtime.delete_force(&self.id)?;
        // Its processes are gone: the last of their output reaches the log.
        self.drain.wait(DRAIN_WAIT);
        Ok(exit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_api_server_would_refuse_build_no_path() {
        assert_eq!(
            check_name("../etc", "metadata.name", names::dns1123_subdomain)
                .unwrap_err()
                .to_string(),
            "real mode refused: metadata.name: Invalid value: \"../etc\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'); real mode makes paths and cgroups only of names the API server accepts"
        );
        for (value, rule) in [
            ("a/b", names::dns1123_label as fn(&str) -> Vec<String>),
            ("a_b", names::dns1123_label),
            ("", names::dns1123_label),
            ("web.v1", names::dns1123_label),
            ("..", names::dns1123_subdomain),
            ("Web", names::dns1123_subdomain),
        ] {
            assert!(check_name(value, "f", rule).is_err(), "{value}");
        }
        assert!(check_name("team-a", "f", names::dns1123_label).is_ok());
        assert!(check_name("web.v1", "f", names::dns1123_subdomain).is_ok());
    }

    #[test]
    fn a_runs_log_is_named_for_its_restart_count_after_the_newest_kept() {
        let bundle = tempfile::tempdir().unwrap();
        assert_eq!(next_log(bundle.path()), bundle.path().join("0.log"));
        // The kubelet dropped run 0 (and its log); runs 1 and 2 are kept, 2 rotated once.
        for name in ["1.log", "2.log", "2.log.1", "config.json", "pid"] {
            std::fs::write(bundle.path().join(name), "").unwrap();
        }
        assert_eq!(next_log(bundle.path()), bundle.path().join("3.log"));
    }

    #[test]
    fn container_ids_hold_the_namespace_and_fit_a_file_name() {
        assert_eq!(
            container_id("team-a", "web", "app").unwrap(),
            "team-a_web_app"
        );
        assert_ne!(
            container_id("team-a", "web", "app").unwrap(),
            container_id("team-b", "web", "app").unwrap()
        );
        let pod = "p".repeat(250);
        assert_eq!(
            container_id("default", &pod, "app").unwrap_err().to_string(),
            format!("real mode refused: container app of pod default/{pod}: its runtime id default_{pod}_app is 262 bytes, over the 255 a file name can have; shorten the pod's name")
        );
    }
}
