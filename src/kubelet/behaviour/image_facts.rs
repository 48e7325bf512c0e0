//! What the catalogue's images hold beyond their configuration: the tags their registry
//! serves, and the programs in their file systems (what runc can exec as PID 1).
//!
//! Tags are known by release line, not tag by tag: a version tag exists when a line of the
//! image's releases covers it (see [`Tags::has`]). The lines are the newest release of each
//! line as of September 2025.

/// The tags a registry serves for an image.
#[derive(Debug, PartialEq, Eq)]
pub struct Tags {
    /// Tags that are names, not versions: `latest`, `stable`, `bookworm`.
    pub names: &'static [&'static str],
    /// The newest release of each line (`1.25.5`): a version tag exists when it is a release
    /// of one of them (`1`, `1.25`, `1.25.3`), see [`Tags::has`].
    pub lines: &'static [&'static str],
    /// Words a tag may carry after a `-` (`alpine`, `perl`, `slim`), matched as prefixes so
    /// that `alpine3.22` counts as `alpine`; date stamps (all digits) are accepted after a
    /// `-` too (`bookworm-20250908`).
    pub variants: &'static [&'static str],
}

impl Tags {
    /// Any tag exists: kubesim does not know the image's tags.
    pub const ANY: Tags = Tags {
        names: &[],
        lines: &[],
        variants: &[],
    };

    /// Whether the registry serves `tag`: its first word (before the first `-`) is a name, a
    /// version some line covers, or a variant word, and every later word is a variant.
    pub fn has(&self, tag: &str) -> bool {
        if self.names.is_empty() && self.lines.is_empty() {
            return true;
        }
        let mut words = tag.split('-');
        let first = words.next().unwrap_or_default();
        let first_ok =
            self.names.contains(&first) || self.covers(first) || self.is_named_variant(first);
        first_ok
            && words.all(|word| {
                self.is_named_variant(word)
                    || (!word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()))
            })
    }

    fn is_named_variant(&self, word: &str) -> bool {
        self.variants
            .iter()
            .any(|variant| word.starts_with(variant))
    }

    /// A version `a.b.c` is covered by a line `x.y.z` when it has no more parts, every part
    /// but its last equals the line's, and its last is no higher than the line's (`1.25.3`
    /// and `1.25` by `1.25.5`; `1.6` and `1` by `1.29.1`).
    fn covers(&self, version: &str) -> bool {
        let Some(parts) = numbers(version) else {
            return false;
        };
        self.lines.iter().any(|line| {
            let line = numbers(line).expect("lines are versions");
            let last = parts.len() - 1;
            parts.len() <= line.len() && parts[..last] == line[..last] && parts[last] <= line[last]
        })
    }
}

/// `1.25.3` → [1, 25, 3]; `None` unless it is dot-separated numbers.
fn numbers(version: &str) -> Option<Vec<u32>> {
    version.split('.').map(|part| part.parse().ok()).collect()
}

/// The programs in an image's file system, where runc looks for PID 1.
#[derive(Debug, PartialEq, Eq)]
pub enum Programs {
    /// kubesim does not know what the image holds: every command is taken to exist.
    Unknown,
    /// `names` (two whitespace-separated lists: a base image's and the image's own) are in
    /// each of `dirs`; `files` are further executables by absolute path.
    // DEVIATION: a listed name is taken to be in every directory of `dirs` (Debian's merged
    // /usr puts /bin and /usr/bin together, /usr/local/bin holds the image's own programs).
    Known {
        dirs: &'static [&'static str],
        names: [&'static str; 2],
        files: &'static [&'static str],
    },
}

impl Programs {
    /// Whether the file system has an executable at the absolute `path`.
    pub fn has_file(&self, path: &str) -> bool {
        match self {
            Programs::Unknown => true,
            Programs::Known { dirs, names, files } => {
                files.contains(&path)
                    || path.rsplit_once('/').is_some_and(|(dir, name)| {
                        let dir = if dir.is_empty() { "/" } else { dir };
                        dirs.contains(&dir)
                            && names
                                .iter()
                                .flat_map(|list| list.split_whitespace())
                                .any(|n| n == name)
                    })
            }
        }
    }

    /// Whether the image's `sh` is BusyBox's ash (its applets are the image's base programs).
    pub fn has_busybox_shell(&self) -> bool {
        matches!(self, Programs::Known { names: [base, _], .. } if *base == BUSYBOX_APPLETS)
    }

    /// The directories of the image's `PATH` that a bare command name is looked up in.
    pub fn path(&self) -> &'static [&'static str] {
        match self {
            Programs::Unknown => &[],
            Programs::Known { dirs, .. } => dirs,
        }
    }
}

/// The `PATH` Docker's official Debian and Alpine images set.
pub const STANDARD_PATH: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// BusyBox's applets as the official busybox image installs them (all in /bin): busybox's
/// defconfig list, with the applets added up to 1.37.
pub const BUSYBOX_APPLETS: &str = "[ [[ acpid add-shell addgroup adduser adjtimex ar arch arp \
    arping ascii ash awk base32 base64 basename bc blkdiscard blkid blockdev bootchartd brctl \
    bunzip2 busybox bzcat bzip2 cal cat chat chattr chgrp chmod chown chpasswd chpst chroot \
    chrt chvt cksum clear cmp comm conspy cp cpio crc32 crond crontab cryptpw cttyhack cut \
    date dc dd deallocvt delgroup deluser depmod devmem df dhcprelay diff dirname dmesg dnsd \
    dnsdomainname dos2unix dpkg dpkg-deb du dumpkmap dumpleases echo ed egrep eject env \
    envdir envuidgid expand expr factor fakeidentd fallocate false fatattr fbset fbsplash \
    fdflush fdformat fdisk fgconsole fgrep find findfs flash_eraseall flash_lock flash_unlock \
    flashcp flock fold free freeramdisk fsck fsck.minix fsfreeze fstrim fsync ftpd ftpget \
    ftpput fuser getopt getty grep groups gunzip gzip halt hd hdparm head hexdump hexedit \
    hostid hostname httpd hush hwclock i2cdetect i2cdump i2cget i2cset i2ctransfer id \
    ifconfig ifdown ifenslave ifplugd ifup inetd init inotifyd insmod install ionice iostat ip \
    ipaddr ipcalc ipcrm ipcs iplink ipneigh iproute iprule iptunnel kbd_mode kill killall \
    killall5 klogd last less link linux32 linux64 linuxrc ln loadfont loadkmap logger login \
    logname logread losetup lpd lpq lpr ls lsattr lsmod lsof lspci lsscsi lsusb lzcat lzma \
    lzop lzopcat makedevs makemime man md5sum mdev mesg microcom mim mkdir mkdosfs mke2fs \
    mkfifo mkfs.ext2 mkfs.minix mkfs.reiser mkfs.vfat mknod mkpasswd mkswap mktemp modinfo \
    modprobe more mount mountpoint mpstat mt mv nameif nbd-client nc netstat nice nl nmeter \
    nohup nologin nproc nsenter nslookup ntpd nuke od openvt partprobe passwd paste patch \
    pgrep pidof ping ping6 pipe_progress pivot_root pkill pmap popmaildir poweroff powertop \
    printenv printf ps pscan pstree pwd pwdx raidautorun rdate rdev readlink readprofile \
    realpath reboot reformime remove-shell renice reset resize resume rev rm rmdir rmmod \
    route rpm rpm2cpio rtcwake run-init run-parts runlevel runsv runsvdir rx script \
    scriptreplay sed seedrng sendmail seq setarch setconsole setfattr setfont setkeycodes \
    setlogcons setpriv setserial setsid setuidgid sh sha1sum sha256sum sha3sum sha512sum \
    showkey shred shuf slattach sleep smemcap softlimit sort split ssl_client \
    start-stop-daemon stat strings stty su sulogin sum sv svc svlogd svok swapoff swapon \
    switch_root sync sysctl syslogd tac tail tar taskset tc tcpsvd tee telnet telnetd test \
    tftp tftpd time timeout top touch tr traceroute traceroute6 tree true truncate ts tsort \
    tty ttysize tunctl tune2fs ubiattach ubidetach ubimkvol ubirename ubirmvol ubirsvol \
    ubiupdatevol udhcpc udhcpc6 udhcpd udpsvd uevent umount uname uncompress unexpand uniq \
    unix2dos unlink unlzma unlzop unshare unxz unzip uptime users usleep uudecode uuencode \
    vconfig vi vlock volname w wall watch watchdog wc wget which who whoami whois xargs xxd \
    xz xzcat yes zcat zcip";

/// The programs of the Debian bookworm base (its essential and required packages, as
/// `dpkg -L` lists them, with the alternatives `awk`, `pager` and `which`), which the
/// Debian-based official images start from.
pub const DEBIAN_PROGRAMS: &str = "[ add-shell addpart agetty apt apt-cache apt-cdrom \
    apt-config apt-get apt-key apt-mark arch awk b2sum base32 base64 basename basenc bash \
    bashbug blkdiscard blkid blkzone blockdev captoinfo cat chage chcon chcpu chfn chgpasswd \
    chgrp chmem chmod choom chown chpasswd chroot chrt chsh cksum clear clear_console cmp comm \
    cp cpgr cppw csplit ctrlaltdel cut dash date dd deb-systemd-helper deb-systemd-invoke \
    debconf debconf-apt-progress debconf-communicate debconf-copydb debconf-escape \
    debconf-set-selections debconf-show delpart df diff diff3 dir dircolors dirname dmesg \
    dnsdomainname domainname dpkg dpkg-deb dpkg-divert dpkg-maintscript-helper \
    dpkg-preconfigure dpkg-query dpkg-realpath dpkg-reconfigure dpkg-split dpkg-statoverride \
    dpkg-trigger du echo egrep env expand expiry expr factor faillog fallocate false fgrep \
    find findfs findmnt flock fmt fold fsck fsck.cramfs fsck.minix fsfreeze fstab-decode \
    fstrim getconf getent getopt getty gpasswd gpgv grep groupadd groupdel groupmems groupmod \
    groups grpck grpconv grpunconv gunzip gzexe gzip hardlink head hostid hostname i386 iconv \
    iconvconfig id infocmp infotocap install installkernel invoke-rc.d ionice ipcmk ipcrm \
    ipcs ischroot isosize join killall5 last lastb lastlog ld.so ldattach ldconfig ldd link \
    linux32 linux64 ln locale localedef logger login logname losetup ls lsblk lscpu lsipc \
    lslocks lslogins lsmem lsns mawk mcookie md5sum mesg mkdir mkfifo mkfs mkfs.bfs \
    mkfs.cramfs mkfs.minix mknod mkswap mktemp more mount mountpoint mv namei nawk newgrp \
    newusers nice nisdomainname nl nohup nologin nproc nsenter numfmt od pager partx passwd \
    paste pathchk perl pidof pinky pivot_root pldd pr printenv printf prlimit ptx pwck pwconv \
    pwd pwunconv rbash readlink readprofile realpath remove-shell renice reset resizepart rev \
    rgrep rm rmdir rtcwake run-parts runcon runuser savelog script scriptlive scriptreplay \
    sdiff sed seq service setarch setpriv setsid setterm sg sh sha1sum sha224sum sha256sum \
    sha384sum sha512sum shred shuf sleep sort split start-stop-daemon stat stdbuf stty su \
    sulogin sum swaplabel swapoff swapon switch_root sync tabs tac tail tar taskset tee \
    tempfile test tic timeout toe touch tput tr true truncate tset tsort tty tzselect \
    uclampset umount uname uncompress unexpand uniq unlink unshare update-alternatives \
    update-passwd update-rc.d update-shells useradd userdel usermod users utmpdump vdir vigr \
    vipw wall wc wdctl whereis which who whoami wipefs x86_64 xargs yes ypdomainname zcat \
    zcmp zdiff zdump zegrep zfgrep zforce zgrep zic zless zmore znew zramctl";

#[cfg(test)]
mod tests {
    use super::*;

    const NGINX_LIKE: Tags = Tags {
        names: &["latest", "stable"],
        lines: &["1.14.2", "1.25.5", "1.29.1"],
        variants: &["alpine", "perl"],
    };

    #[test]
    fn version_tags_exist_within_a_release_line() {
        for (tag, exists) in [
            ("latest", true),
            ("1.14.2", true),
            ("1.14", true),
            ("1", true),
            ("1.25.3-alpine", true),
            ("stable-alpine-perl", true),
            ("1.29-alpine3.22", true),
            ("alpine", true),
            ("1.99.99", false),
            ("1.25.6", false),
            ("1.14.2.1", false),
            ("2", false),
            ("1.25-ubuntu", false),
            ("v1.25", false),
        ] {
            assert_eq!(NGINX_LIKE.has(tag), exists, "{tag}");
        }
        assert!(Tags::ANY.has("anything"));
    }

    #[test]
    fn programs_are_found_by_path_or_in_path_directories() {
        let busybox = Programs::Known {
            dirs: &["/bin"],
            names: [BUSYBOX_APPLETS, ""],
            files: &[],
        };
        assert!(busybox.has_file("/bin/sleep"));
        assert!(!busybox.has_file("/bin/slep"));
        assert!(!busybox.has_file("/usr/bin/sleep"));
        let pause = Programs::Known {
            dirs: &[],
            names: ["", ""],
            files: &["/pause"],
        };
        assert!(pause.has_file("/pause"));
        assert!(!pause.has_file("/bin/sh"));
    }
}
