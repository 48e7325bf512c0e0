//! The root filesystem real containers run in: Debian's statically linked busybox with every
//! applet as a symlink, built once under the kubesim-owned directory and shared read-only by
//! every container. Images whose shell is busybox's (`busybox`, `busybox:1.36`, `alpine`) map to
//! it; real mode pulls no images.

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
}
