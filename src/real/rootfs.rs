//! The root filesystem real containers run in: Debian's statically linked busybox with every
//! applet as a symlink, built once under the kubesim-owned directory and shared read-only by
//! every container. Images whose shell is busybox's (`busybox`, `busybox:1.36`, `alpine`) map to
//! it; real mode pulls no images.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use super::{layout, RealError};

/// The repositories whose images are served by the busybox root filesystem.
const BUSYBOX_IMAGES: [&str; 2] = ["busybox", "alpine"];

/// Checks that `image` maps to the busybox root filesystem. A reference's registry, path, tag
/// and digest do not matter, only its last path component: `docker.io/library/busybox:1.36`.
// DEVIATION: real mode pulls no images; only busybox-compatible ones can run.
pub fn check_image(image: &str) -> Result<(), RealError> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let name = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let repository = name.split(':').next().unwrap_or(name);
    if BUSYBOX_IMAGES.contains(&repository) {
        Ok(())
    } else {
        Err(RealError::Image(format!(
            "image \"{image}\" cannot run in real mode: only busybox and alpine images map to the busybox-static root filesystem"
        )))
    }
}

/// The host's system directories: an image root filesystem that is one of them, or holds one
/// (the host's `/` itself, or a bind mount of it), would give containers the host.
const HOST_DIRS: [&str; 22] = [
    "bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "media", "mnt", "opt",
    "proc", "root", "run", "sbin", "srv", "sys", "tmp", "usr", "var", "snap",
];

/// Pseudo filesystems, under which no directory is a root filesystem.
const PSEUDO: [&str; 3] = ["/proc", "/sys", "/dev"];

/// The mount points every container's `config.json` mounts on: the runtime would create them
/// in the root filesystem if they were missing.
const MOUNT_POINTS: [&str; 4] = ["proc", "dev", "sys", "tmp"];

/// Checks the directory `dir` a scenario names (`spec.imageRootfs[image]`) as a read-only
/// root filesystem for `image` and returns its canonical path (symbolic links and `..`
/// resolved, so none can sneak past): it must be no host system directory, hold none of the
/// host's, be an unpacked filesystem, and have the mount points containers need, since
/// kubesim creates nothing in it (the runtime would otherwise).
pub fn check_image_rootfs(image: &str, dir: &Path) -> Result<PathBuf, RealError> {
    check_image_rootfs_on(image, dir, Path::new("/"))
}

/// [`check_image_rootfs`] against the host root `host` (a test's stand-in for `/`).
fn check_image_rootfs_on(image: &str, dir: &Path, host: &Path) -> Result<PathBuf, RealError> {
    let field = format!("spec.imageRootfs[\"{image}\"]");
    let refuse =
        |why: String, what_to_do: &str| RealError::Refused(format!("{field}: {why}; {what_to_do}"));
    let unpacked = "name a directory holding the image's unpacked filesystem (docker export IMAGE | tar -x -C DIR)";
    let canonical = dir
        .canonicalize()
        .map_err(|e| refuse(format!("{} cannot be read ({e})", dir.display()), unpacked))?;
    let shown = if canonical == dir {
        dir.display().to_string()
    } else {
        format!("{} (that is {})", dir.display(), canonical.display())
    };
    let same =
        |a: &Path, b: &Path| match (std::fs::symlink_metadata(a), std::fs::symlink_metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        };
    if canonical == host || same(&canonical, host) {
        return Err(refuse(
            format!("{shown} is the host's root directory"),
            unpacked,
        ));
    }
    for pseudo in PSEUDO {
        if canonical.starts_with(host.join(&pseudo[1..])) {
            return Err(refuse(
                format!("{shown} is in the host's {pseudo}, which holds no root filesystem"),
                unpacked,
            ));
        }
    }
    for name in HOST_DIRS {
        let system = host.join(name);
        if canonical == system || same(&canonical, &system) {
            return Err(refuse(format!("{shown} is the host's /{name}"), unpacked));
        }
        if same(&canonical.join(name), &system) {
            return Err(refuse(
                format!("{shown} holds the host's /{name} (a mount of the host's root?)"),
                unpacked,
            ));
        }
    }
    if !canonical.join("bin").is_dir() && !canonical.join("usr/bin").is_dir() {
        return Err(refuse(
            format!("{shown} is not a root filesystem (no bin/ or usr/bin/ in it)"),
            unpacked,
        ));
    }
    let missing: Vec<&str> = MOUNT_POINTS
        .into_iter()
        .filter(|m| !std::fs::symlink_metadata(canonical.join(m)).is_ok_and(|m| m.is_dir()))
        .collect();
    if !missing.is_empty() {
        let dirs: Vec<String> = missing
            .iter()
            .map(|m| canonical.join(m).display().to_string())
            .collect();
        return Err(refuse(
            format!(
                "{shown} has no {} directory, where containers mount {}",
                missing
                    .iter()
                    .map(|m| format!("{m}/"))
                    .collect::<Vec<_>>()
                    .join(", "),
                missing
                    .iter()
                    .map(|m| format!("/{m}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            &format!(
                "kubesim creates nothing in an image's root filesystem: create them (mkdir {})",
                dirs.join(" ")
            ),
        ));
    }
    Ok(canonical)
}

/// Builds the root filesystem under `root` unless it is there, and returns its path. Built in a
/// private directory and renamed into place, so concurrent sessions never see half of one.
/// `root` is created if needed.
pub fn ensure(root: &Path, busybox: &Path) -> Result<PathBuf, RealError> {
    let rootfs = layout::within(root, &["rootfs"])?;
    if rootfs.is_dir() {
        return Ok(rootfs);
    }
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let partial = layout::within(
        root,
        &[&format!("rootfs.{}-{n}.partial", std::process::id())],
    )?;
    if let Err(e) = build(&partial, busybox) {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(e);
    }
    match std::fs::rename(&partial, &rootfs) {
        Ok(()) => Ok(rootfs),
        // Another session renamed its copy first: use that one.
        Err(_) if rootfs.is_dir() => {
            let _ = std::fs::remove_dir_all(&partial);
            Ok(rootfs)
        }
        Err(e) => Err(RealError::io(format!("renaming {}", partial.display()))(e)),
    }
}

/// Lays out a busybox root filesystem at `dir`.
fn build(dir: &Path, busybox: &Path) -> Result<(), RealError> {
    let io = |what: &Path| RealError::io(format!("building {}", what.display()));
    for sub in ["bin", "dev", "etc", "proc", "root", "sys", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(io(&dir.join(sub)))?;
    }
    let bin = dir.join("bin");
    std::fs::copy(busybox, bin.join("busybox")).map_err(io(&bin))?;
    let list = Command::new(busybox)
        .arg("--list")
        .output()
        .map_err(RealError::io(format!(
            "running {} --list",
            busybox.display()
        )))?;
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        if applet != "busybox" && !applet.contains('/') && !applet.is_empty() {
            std::os::unix::fs::symlink("busybox", bin.join(applet)).map_err(io(&bin))?;
        }
    }
    let etc = dir.join("etc");
    for (file, text) in [
        (
            "passwd",
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
        ),
        ("group", "root:x:0:\nnogroup:x:65534:\n"),
        ("hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost\n"),
    ] {
        std::fs::write(etc.join(file), text).map_err(io(&etc))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busybox_and_alpine_references_map_to_the_rootfs() {
        for image in [
            "busybox",
            "busybox:1.36",
            "docker.io/library/busybox:latest",
            "alpine:3.20",
            "registry.k8s.io/busybox@sha256:abc",
        ] {
            assert!(check_image(image).is_ok(), "{image}");
        }
    }

    #[test]
    fn other_images_are_refused_by_name() {
        assert_eq!(
            check_image("nginx:1.27").unwrap_err().to_string(),
            "image \"nginx:1.27\" cannot run in real mode: only busybox and alpine images map to the busybox-static root filesystem"
        );
        assert!(check_image("localhost:5000/busyboxy").is_err());
    }

    /// A minimal unpacked filesystem in `dir`, with the mount points containers need.
    fn unpacked(dir: &Path) {
        for sub in ["bin", "proc", "dev", "sys", "tmp"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
    }

    const UNPACKED: &str = "name a directory holding the image's unpacked filesystem (docker export IMAGE | tar -x -C DIR)";

    fn refusal(dir: &Path) -> String {
        check_image_rootfs("app:1", dir).unwrap_err().to_string()
    }

    #[test]
    fn the_hosts_root_and_system_directories_are_refused_however_named() {
        let field = "real mode refused: spec.imageRootfs[\"app:1\"]";
        assert_eq!(
            refusal(Path::new("/")),
            format!("{field}: / is the host's root directory; {UNPACKED}")
        );
        assert_eq!(
            refusal(Path::new("/etc")),
            format!("{field}: /etc is the host's /etc; {UNPACKED}")
        );
        assert_eq!(
            refusal(Path::new("/tmp/../usr")),
            format!("{field}: /tmp/../usr (that is /usr) is the host's /usr; {UNPACKED}")
        );
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("image");
        std::os::unix::fs::symlink("/", &link).unwrap();
        assert_eq!(
            refusal(&link),
            format!(
                "{field}: {} (that is /) is the host's root directory; {UNPACKED}",
                link.display()
            )
        );
        assert_eq!(
            refusal(Path::new("/proc/self")),
            format!(
                "{field}: /proc/self (that is /proc/{}) is in the host's /proc, which holds no root filesystem; {UNPACKED}",
                std::process::id()
            )
        );
    }

    // A directory holding the host's own system directories (as a bind mount of `/` would) is
    // told by the files' identity, not their names: here a stand-in host whose `bin` link is
    // hard-linked into the image.
    #[test]
    fn a_directory_holding_the_hosts_system_directories_is_refused() {
        let host = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(host.path().join("usr/bin")).unwrap();
        std::os::unix::fs::symlink("usr/bin", host.path().join("bin")).unwrap();
        let image = host.path().join("images/app");
        unpacked(&image);
        std::fs::remove_dir(image.join("bin")).unwrap();
        std::fs::hard_link(host.path().join("bin"), image.join("bin")).unwrap();
        std::fs::create_dir_all(image.join("usr/bin")).unwrap();
        let err = check_image_rootfs_on("app:1", &image, host.path())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!(
                "real mode refused: spec.imageRootfs[\"app:1\"]: {} holds the host's /bin (a mount of the host's root?); {UNPACKED}",
                image.display()
            )
        );
        std::fs::remove_file(image.join("bin")).unwrap();
        assert_eq!(
            check_image_rootfs_on("app:1", &image, host.path()).unwrap(),
            image
        );
    }

    #[test]
    fn an_image_without_its_mount_points_is_refused_and_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("app");
        unpacked(&image);
        assert_eq!(check_image_rootfs("app:1", &image).unwrap(), image);
        std::fs::remove_dir(image.join("proc")).unwrap();
        std::fs::remove_dir(image.join("tmp")).unwrap();
        let d = image.display();
        assert_eq!(
            refusal(&image),
            format!("real mode refused: spec.imageRootfs[\"app:1\"]: {d} has no proc/, tmp/ directory, where containers mount /proc, /tmp; kubesim creates nothing in an image's root filesystem: create them (mkdir {d}/proc {d}/tmp)")
        );
        assert!(!image.join("proc").exists());
        std::fs::remove_dir(image.join("bin")).unwrap();
        assert_eq!(
            refusal(&image),
            format!("real mode refused: spec.imageRootfs[\"app:1\"]: {d} is not a root filesystem (no bin/ or usr/bin/ in it); {UNPACKED}")
        );
    }
}
