//! The few system calls real mode needs that std does not wrap, each behind a safe function.
//! Every `unsafe` block in `real` lives here, is one call long and says why it is sound.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

/// Turns a `-1` return into the calling thread's `errno`.
fn check(ret: libc::c_long) -> io::Result<libc::c_long> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// The effective user id: real mode needs root to create namespaces and cgroups.
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Makes this process the reaper of its orphaned descendants: a container's init, re-parented
/// when `crun create` exits, becomes our child, so `waitpid` yields its real exit status.
pub fn become_child_subreaper() -> io::Result<()> {
    // SAFETY: PR_SET_CHILD_SUBREAPER takes one integer argument and touches no memory of ours.
    check(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong) }.into())?;
    Ok(())
}

/// Sends `signal` to process `pid`.
pub fn kill(pid: i32, signal: i32) -> io::Result<()> {
    // SAFETY: kill only reads its two integer arguments.
    check(unsafe { libc::kill(pid, signal) }.into())?;
    Ok(())
}

/// A file descriptor referring to one process: it becomes readable when the process exits, and
/// unlike a pid it cannot come to mean another process.
#[derive(Debug)]
pub struct Pidfd(OwnedFd);

impl Pidfd {
    /// Opens a pidfd for `pid`.
    pub fn open(pid: i32) -> io::Result<Pidfd> {
        // SAFETY: pidfd_open takes a pid and flags (0) and returns a new descriptor or -1.
        let fd = check(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })?;
        // SAFETY: the descriptor was just returned to us and nothing else owns it.
        Ok(Pidfd(unsafe { OwnedFd::from_raw_fd(fd as i32) }))
    }

    /// Waits up to `timeout` (forever when `None`) for the process to exit; true when it has.
    pub fn wait_exit(&self, timeout: Option<Duration>) -> io::Result<bool> {
        let mut pfd = libc::pollfd {
            fd: self.0.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as i32);
        loop {
            // SAFETY: `pfd` is a valid pollfd for the duration of the call and nfds is 1.
            match check(unsafe { libc::poll(&mut pfd, 1, ms) }.into()) {
                Ok(n) => return Ok(n > 0),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// A pipe, both ends close-on-exec (a child gets an end only as its stdio): `(read, write)`.
// std::io::pipe would do, from Rust 1.87 on; the crate's MSRV is older.
pub fn pipe() -> io::Result<(std::fs::File, std::fs::File)> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` holds the two descriptors pipe2 writes, and outlives the call.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }.into())?;
    // SAFETY: both descriptors were just returned to us and nothing else owns them.
    Ok(unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    })
}

/// Reaps child `pid` if it has exited and returns its wait status; `None` while it runs.
/// Only this pid is waited for: a `waitpid(-1)` would steal std's children.
pub fn try_reap(pid: i32) -> io::Result<Option<i32>> {
    let mut status = 0;
    // SAFETY: `status` outlives the call; WNOHANG makes it return at once.
    let got =
        check(unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG | libc::__WALL) }.into())?;
    Ok((got == pid as libc::c_long).then_some(status))
}

/// The exit code a shell (and the kubelet) reports for a wait status: the code itself, or 128
/// plus the number of the signal that killed the process.
pub fn exit_code(status: i32) -> i32 {
    if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        libc::WEXITSTATUS(status)
    }
}

/// Moves the calling thread into the network namespace `netns` (an open namespace file). Only
/// this thread changes namespace, so callers use a thread of their own.
pub fn enter_netns(netns: &std::fs::File) -> io::Result<()> {
    // SAFETY: the descriptor is open for the whole call; setns only changes this thread.
    check(unsafe { libc::setns(netns.as_raw_fd(), libc::CLONE_NEWNET) }.into())?;
    Ok(())
}

/// What a forked child must do, before exec'ing the runtime, to hide a cgroup2 mount from it:
/// a private mount namespace in which the mount is detached. The host's mounts are untouched.
pub struct HideMount {
    root: CString,
    target: CString,
}

impl HideMount {
    /// Prepares to hide the mount at `target` (allocating now: the child must not allocate).
    pub fn new(target: &std::path::Path) -> HideMount {
        use std::os::unix::ffi::OsStrExt;
        HideMount {
            root: CString::new("/").expect("no NUL"),
            target: CString::new(target.as_os_str().as_bytes()).expect("paths have no NUL"),
        }
    }

    /// Runs in the forked child (`CommandExt::pre_exec`): only async-signal-safe calls.
    pub fn apply(&self) -> io::Result<()> {
        // SAFETY: unshare takes flags only; it affects the child alone.
        check(unsafe { libc::unshare(libc::CLONE_NEWNS) }.into())?;
        // SAFETY: both strings are NUL-terminated and live in `self`; a NULL source, type and
        // data are allowed when only changing propagation.
        check(
            unsafe {
                libc::mount(
                    std::ptr::null(),
                    self.root.as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                )
            }
            .into(),
        )?;
        // SAFETY: `target` is NUL-terminated and lives in `self`; propagation is private now,
        // so the detach stays in this namespace.
        check(unsafe { libc::umount2(self.target.as_ptr(), libc::MNT_DETACH) }.into())?;
        Ok(())
    }
}

/// Takes an exclusive lock on the open file or directory `file` without waiting: false when
/// another open description holds it. The kernel drops the lock when its holder exits, however
/// it exits.
pub fn try_lock_exclusive(file: &std::fs::File) -> io::Result<bool> {
    // SAFETY: flock only reads the descriptor, which `file` keeps open, and the flags.
    match check(unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) }.into()) {
        Ok(_) => Ok(true),
        Err(e) if e.raw_os_error() == Some(libc::EWOULDBLOCK) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_shell_convention() {
        assert_eq!(exit_code(3 << 8), 3);
        assert_eq!(exit_code(libc::SIGKILL), 137);
        assert_eq!(exit_code(libc::SIGTERM), 143);
    }
}
