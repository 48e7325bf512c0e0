//! The built-in catalogue of common images: what they run (their real ENTRYPOINT and CMD), how
//! big they are to pull, the tags their registry serves, the programs they hold, and how the
//! servers they start behave.

pub use super::image_facts::{Programs, Tags};
use super::image_facts::{BUSYBOX_APPLETS, DEBIAN_PROGRAMS, STANDARD_PATH};
use super::Routes;

const MIB: u64 = 1024 * 1024;

/// An image kubesim knows, with its real configuration.
#[derive(Debug, PartialEq, Eq)]
pub struct Image {
    /// Normalized repository: "nginx", "polinux/stress", "registry.k8s.io/liveness".
    pub repository: &'static str,
    /// Other repositories that are the same image ("registry.k8s.io/busybox" for busybox).
    pub aliases: &'static [&'static str],
    /// Compressed linux/amd64 size, as a registry reports it (drives pull time).
    pub size_bytes: u64,
    /// The image's ENTRYPOINT.
    pub entrypoint: &'static [&'static str],
    /// The image's CMD.
    pub cmd: &'static [&'static str],
    /// The tags its registry serves.
    pub tags: Tags,
    /// The programs in its file system.
    pub programs: Programs,
}

const fn image(
    repository: &'static str,
    size_bytes: u64,
    entrypoint: &'static [&'static str],
    cmd: &'static [&'static str],
) -> Image {
    Image {
        repository,
        aliases: &[],
        size_bytes,
        entrypoint,
        cmd,
        tags: Tags::ANY,
        programs: Programs::Unknown,
    }
}

impl Image {
    const fn tagged(
        mut self,
        names: &'static [&'static str],
        lines: &'static [&'static str],
        variants: &'static [&'static str],
    ) -> Image {
        self.tags = Tags {
            names,
            lines,
            variants,
        };
        self
    }

    const fn holding(mut self, programs: Programs) -> Image {
        self.programs = programs;
        self
    }
}

/// A Debian-based image: the base's programs and the image's own (`own` in its `PATH`,
/// `files` by absolute path).
const fn debian(own: &'static str, files: &'static [&'static str]) -> Programs {
    Programs::Known {
        dirs: STANDARD_PATH,
        names: [DEBIAN_PROGRAMS, own],
        files,
    }
}

const ENTRYPOINT_SH: &[&str] = &["docker-entrypoint.sh"];
const NGINX_CMD: &[&str] = &["nginx", "-g", "daemon off;"];

/// BusyBox's applets, all in /bin (the busybox image).
const BUSYBOX: Programs = Programs::Known {
    dirs: &["/bin"],
    names: [BUSYBOX_APPLETS, ""],
    files: &[],
};

/// Alpine: BusyBox's applets spread over its `PATH`, apk and the musl tools.
// DEVIATION: every applet is taken to be in each directory of Alpine's PATH (Alpine links
// each to one of them).
const ALPINE: Programs = Programs::Known {
    dirs: STANDARD_PATH,
    names: [
        BUSYBOX_APPLETS,
        "apk getconf getent iconv ldconfig ldd scanelf ssl_client",
    ],
    files: &[],
};

/// Variant words of the Debian-based official images' tags.
const DEBIAN_VARIANTS: &[&str] = &[
    "alpine", "bookworm", "bullseye", "buster", "stretch", "trixie", "slim",
];
const BUSYBOX_LINES: &[&str] = &[
    "1.24.2", "1.25.1", "1.26.2", "1.27.2", "1.28.4", "1.29.3", "1.30.1", "1.31.1", "1.32.1",
    "1.33.1", "1.34.1", "1.35.0", "1.36.1", "1.37.0",
];
const NGINX_LINES: &[&str] = &[
    "1.7.12", "1.8.1", "1.9.15", "1.10.3", "1.11.13", "1.12.2", "1.13.12", "1.14.2", "1.15.12",
    "1.16.1", "1.17.10", "1.18.0", "1.19.10", "1.20.2", "1.21.6", "1.22.1", "1.23.4", "1.24.0",
    "1.25.5", "1.26.3", "1.27.5", "1.28.0", "1.29.1",
];
const ALPINE_LINES: &[&str] = &[
    "3.1.4", "3.2.3", "3.3.3", "3.4.6", "3.5.3", "3.6.5", "3.7.3", "3.8.5", "3.9.6", "3.10.9",
    "3.11.13", "3.12.12", "3.13.12", "3.14.10", "3.15.11", "3.16.9", "3.17.10", "3.18.12",
    "3.19.8", "3.20.7", "3.21.4", "3.22.1",
];
const REDIS_LINES: &[&str] = &[
    "2.6.17", "2.8.23", "3.0.7", "3.2.12", "4.0.14", "5.0.14", "6.0.20", "6.2.19", "7.0.15",
    "7.2.10", "7.4.5", "8.0.3", "8.2.1",
];
const MYSQL_LINES: &[&str] = &[
    "5.5.62", "5.6.51", "5.7.44", "8.0.43", "8.1.0", "8.2.0", "8.3.0", "8.4.6", "9.0.1", "9.1.0",
    "9.2.0", "9.3.0", "9.4.0",
];
const POSTGRES_LINES: &[&str] = &[
    "9.6.24", "10.23", "11.22", "12.22", "13.22", "14.19", "15.14", "16.10", "17.6", "18.0",
];
const DEBIAN_NAMES: &[&str] = &[
    "latest",
    "stable",
    "oldstable",
    "oldoldstable",
    "testing",
    "unstable",
    "sid",
    "experimental",
    "rc",
    "wheezy",
    "jessie",
    "stretch",
    "buster",
    "bullseye",
    "bookworm",
    "trixie",
    "forky",
];
const UBUNTU_NAMES: &[&str] = &[
    "latest", "rolling", "devel", "trusty", "xenial", "bionic", "focal", "jammy", "noble",
    "oracular", "plucky", "questing",
];
const UBUNTU_LINES: &[&str] = &[
    "12.04", "14.04", "16.04", "18.04", "20.04", "22.04", "24.04", "24.10", "25.04", "25.10",
];

#[rustfmt::skip]
static IMAGES: &[Image] = &[
    //    repository                                 size          ENTRYPOINT                  CMD
    image("nginx",                                   72_000_000,  &["/docker-entrypoint.sh"], NGINX_CMD)
        .tagged(&["latest", "stable", "mainline"], NGINX_LINES, &["alpine", "perl", "slim", "otel", "bookworm", "trixie"])
        .holding(debian("nginx nginx-debug envsubst curl", &["/docker-entrypoint.sh"])),
    image("httpd",                                   58_000_000,  &[],                        &["httpd-foreground"])
        .tagged(&["latest"], &["2.2.34", "2.4.65"], DEBIAN_VARIANTS)
        .holding(Programs::Known {
            dirs: &["/usr/local/apache2/bin", "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"],
            names: [DEBIAN_PROGRAMS, "httpd httpd-foreground apachectl ab htpasswd htdigest htcacheclean rotatelogs logresolve"],
            files: &[],
        }),
    image("redis",                                   45_000_000,  ENTRYPOINT_SH,              &["redis-server"])
        .tagged(&["latest"], REDIS_LINES, DEBIAN_VARIANTS)
        .holding(debian("docker-entrypoint.sh gosu redis-server redis-cli redis-benchmark redis-check-aof redis-check-rdb redis-sentinel", &[])),
    image("memcached",                               32_000_000,  ENTRYPOINT_SH,              &["memcached"])
        .tagged(&["latest"], &["1.4.39", "1.5.22", "1.6.39"], DEBIAN_VARIANTS)
        .holding(debian("docker-entrypoint.sh memcached", &[])),
    image("mysql",                                   170_000_000, ENTRYPOINT_SH,              &["mysqld"])
        .tagged(&["latest", "lts", "innovation"], MYSQL_LINES, &["oracle", "oraclelinux", "debian", "bookworm"]),
    image("postgres",                                150_000_000, ENTRYPOINT_SH,              &["postgres"])
        .tagged(&["latest"], POSTGRES_LINES, DEBIAN_VARIANTS)
        .holding(debian("docker-entrypoint.sh docker-ensure-initdb.sh gosu postgres psql pg_ctl initdb pg_dump pg_dumpall pg_restore pg_isready createdb dropdb createuser dropuser", &[])),
    Image { aliases: &["registry.k8s.io/busybox"], ..image("busybox", 2_200_000, &[], &["sh"]) }
        .tagged(&["latest", "stable", "unstable", "musl", "glibc", "uclibc"], BUSYBOX_LINES, &["musl", "glibc", "uclibc"])
        .holding(BUSYBOX),
    image("alpine",                                  3_600_000,   &[],                        &["/bin/sh"])
        .tagged(&["latest", "edge"], ALPINE_LINES, &[])
        .holding(ALPINE),
    image("ubuntu",                                  29_000_000,  &[],                        &["/bin/bash"])
        .tagged(UBUNTU_NAMES, UBUNTU_LINES, &[])
        .holding(debian("", &[])),
    image("debian",                                  48_000_000,  &[],                        &["bash"])
        .tagged(DEBIAN_NAMES, &["6.0.10", "7.11", "8.11", "9.13", "10.13", "11.11", "12.12", "13.1"], &["slim", "backports"])
        .holding(debian("", &[])),
    image("centos",                                  76_000_000,  &[],                        &["/bin/bash"])
        .tagged(&["latest", "centos5", "centos6", "centos7", "centos8"], &["5.11", "6.10", "7.9.2009", "8.4.2105"], &[]),
    image("fedora",                                  65_000_000,  &[],                        &["/bin/bash"])
        .tagged(&["latest", "rawhide"], &["43"], &[]),
    image("polinux/stress",                          4_000_000,   &[],                        &["/usr/local/bin/stress"]),
    image("registry.k8s.io/liveness",                2_500_000,   &[],                        &[]),
    image("registry.k8s.io/pause",                   320_000,     &["/pause"],                &[])
        .tagged(&["latest"], &["0.8.0", "1.0", "2.0", "3.10.1"], &[])
        .holding(Programs::Known { dirs: &[], names: ["", ""], files: &["/pause"] }),
    image("luksa/kubia",                             250_000_000, &["node", "app.js"],        &[]),
    image("registry.k8s.io/e2e-test-images/agnhost", 50_000_000,  &["/agnhost"],              &["pause"]),
];

/// Docker Hub official images that exist but whose behaviour is not modelled: pulls succeed.
const OTHER_OFFICIAL: &str = "adminer amazonlinux archlinux bash caddy cassandra consul couchdb \
    docker drupal eclipse-temurin elasticsearch ghost golang gradle haproxy hello-world influxdb \
    jenkins joomla kibana kong logstash mariadb maven mongo mongo-express nats neo4j nextcloud \
    node openjdk perl php phpmyadmin python rabbitmq redmine registry rockylinux ruby rust solr \
    sonarqube telegraf tomcat traefik vault wordpress zookeeper";

/// The repository an image reference names, normalized: no tag or digest, Docker Hub's
/// `docker.io/library/` dropped, and the old Kubernetes registries (k8s.gcr.io,
/// gcr.io/google-containers) mapped to registry.k8s.io, where they redirect.
pub fn repository(image: &str) -> String {
    let image = image.split('@').next().unwrap_or(image);
    let name_start = image.rfind('/').map_or(0, |slash| slash + 1);
    let image = match image[name_start..].find(':') {
        Some(colon) => &image[..name_start + colon],
        None => image,
    };
    let image = ["docker.io/", "index.docker.io/"]
        .iter()
        .find_map(|hub| image.strip_prefix(hub))
        .unwrap_or(image);
    let image = image.strip_prefix("library/").unwrap_or(image);
    for old in [
        "k8s.gcr.io/",
        "gcr.io/google-containers/",
        "gcr.io/google_containers/",
    ] {
        if let Some(rest) = image.strip_prefix(old) {
            return format!("registry.k8s.io/{rest}");
        }
    }
    image.to_string()
}

/// Finds an image by any reference: "nginx", "nginx:1.14", "docker.io/library/nginx:latest",
/// "k8s.gcr.io/liveness", "busybox@sha256:...".
pub fn lookup(image: &str) -> Option<&'static Image> {
    let repository = repository(image);
    IMAGES
        .iter()
        .find(|known| known.repository == repository || known.aliases.contains(&&*repository))
}

/// The argv a container runs, by Kubernetes' rules: `command` replaces the image ENTRYPOINT
/// and then the image CMD is ignored; `args` replaces CMD; argv = entrypoint ++ cmd. An image
/// not in the catalogue contributes nothing (an empty argv makes an unsupported process).
pub fn argv(image: &str, command: &[String], args: &[String]) -> Vec<String> {
    let owned = |words: &[&str]| {
        words
            .iter()
            .map(|word| word.to_string())
            .collect::<Vec<_>>()
    };
    let known = lookup(image);
    let entrypoint = match command {
        [] => known.map_or(Vec::new(), |image| owned(image.entrypoint)),
        _ => command.to_vec(),
    };
    let cmd = match (command, args) {
        (_, [_, ..]) => args.to_vec(),
        ([], []) => known.map_or(Vec::new(), |image| owned(image.cmd)),
        _ => Vec::new(),
    };
    [entrypoint, cmd].concat()
}

/// Why runc cannot exec the container's PID 1 (`argv[0]`) in a catalogued image, as runc
/// words it: a bare name is looked up in the image's `PATH`, a path must exist as it is.
/// `None` when the program is there, or the image's programs are not known.
// K8S: runc libcontainer/standard_init_linux.go (exec.LookPath of the process's first
// argument: "exec: %q: executable file not found in $PATH"; "stat %s: no such file or
// directory" for a path); measured with runc 1.1.5
// DEVIATION: the lookup uses the image's own PATH, not a PATH the pod's env overrides.
pub fn missing_executable(image: &str, argv: &[String]) -> Option<String> {
    let programs = &lookup(image)?.programs;
    let program = argv.first()?;
    if program.contains('/') {
        let path = super::resolve("/", program);
        return (!programs.has_file(&path))
            .then(|| format!("exec: \"{program}\": stat {program}: no such file or directory"));
    }
    let found = programs
        .path()
        .iter()
        .any(|dir| programs.has_file(&format!("{dir}/{program}")));
    (!found && *programs != Programs::Unknown)
        .then(|| format!("exec: \"{program}\": executable file not found in $PATH"))
}

/// Whether Docker Hub has the image's repository. A catalogue miss is no failure, since users
/// run their own images; the rule: a repository is missing iff it is a single path component
/// (a Docker Hub library image) that is neither in the catalogue nor in a list of ~50 other
/// official images. So `redis123` and `ngnix` are missing, `myregistry.io/team/app:v1` and
/// `khk9346/kubia` are not. Tags are [`Image::tags`]' business.
pub fn exists(image: &str) -> bool {
    let repository = repository(image);
    repository.contains('/')
        || lookup(&repository).is_some()
        || OTHER_OFFICIAL
            .split_whitespace()
            .any(|name| name == repository)
}

/// How a server program that images run behaves (looked up by program name, see `programs`).
pub(super) struct Daemon {
    /// Program basename, with the first argument for multi-command binaries ("node app.js");
    /// the liveness image's "/server" only by that exact path.
    pub(super) program: &'static str,
    pub(super) port: Option<u16>,
    pub(super) http: Option<Routes>,
    /// From exec until it accepts connections; memory ramps up over this time.
    pub(super) startup_ms: u64,
    pub(super) memory_bytes: u64,
    /// Exit code on SIGTERM; `None` when PID 1 ignores it.
    pub(super) sigterm: Option<i32>,
    /// At least one must be set (non-empty, or `NAME=value` exactly), or it prints
    /// `missing_env_error` and exits 1.
    pub(super) needs_env: &'static [&'static str],
    pub(super) missing_env_error: &'static [&'static str],
}

const fn daemon(
    program: &'static str,
    port: Option<u16>,
    http: Option<Routes>,
    startup_ms: u64,
    memory_bytes: u64,
    sigterm: Option<i32>,
) -> Daemon {
    Daemon {
        program,
        port,
        http,
        startup_ms,
        memory_bytes,
        sigterm,
        needs_env: &[],
        missing_env_error: &[],
    }
}

impl Daemon {
    const fn needing(
        mut self,
        needs_env: &'static [&'static str],
        missing_env_error: &'static [&'static str],
    ) -> Daemon {
        self.needs_env = needs_env;
        self.missing_env_error = missing_env_error;
        self
    }
}

/// A Go program without a SIGTERM handler, as PID 1: the runtime re-raises the signal, the
/// kernel ignores it for PID 1, and the runtime then exits 2.
const GO_SIGTERM: Option<i32> = Some(2);
const PAGES: &[&str] = &["/", "/index.html"];
const PAGES_50X: &[&str] = &["/", "/index.html", "/50x.html"];
const LIVENESS: Routes = Routes::HealthyFor { ms: 10_000 };

#[rustfmt::skip]
static DAEMONS: &[Daemon] = &[
    //     program             port         HTTP                          startup  memory      SIGTERM
    daemon("nginx",            Some(80),    Some(Routes::Pages(PAGES_50X)), 50,    10 * MIB,   Some(0)),
    daemon("httpd-foreground", Some(80),    Some(Routes::Pages(PAGES)),   100,     12 * MIB,   Some(0)),
    daemon("redis-server",     Some(6379),  None,                         20,      4 * MIB,    Some(0)),
    daemon("memcached",        Some(11211), None,                         10,      2 * MIB,    Some(0)),
    daemon("mysqld",           Some(3306),  None,                         15_000,  400 * MIB,  Some(0))
        .needing(&["MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD"], &[
            "[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified",
            "    You need to specify one of the following as an environment variable:",
            "    - MYSQL_ROOT_PASSWORD",
            "    - MYSQL_ALLOW_EMPTY_PASSWORD",
            "    - MYSQL_RANDOM_ROOT_PASSWORD",
        ]),
    daemon("postgres",         Some(5432),  None,                         3_000,   40 * MIB,   Some(0))
        .needing(&["POSTGRES_PASSWORD", "POSTGRES_HOST_AUTH_METHOD=trust"], &[
            "Error: Database is uninitialized and superuser password is not specified.",
            "       You must specify POSTGRES_PASSWORD to a non-empty value for the",
            "       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\".",
            "",
            "       You may also use \"POSTGRES_HOST_AUTH_METHOD=trust\" to allow all",
            "       connections without a password. This is *not* recommended.",
            "",
            "       See PostgreSQL documentation about \"trust\":",
            "       https://www.postgresql.org/docs/current/auth-trust.html",
        ]),
    daemon("/server",          Some(8080),  Some(LIVENESS),               5,       4 * MIB,    GO_SIGTERM),
    daemon("agnhost liveness", Some(8080),  Some(LIVENESS),               5,       6 * MIB,    GO_SIGTERM),
    daemon("agnhost netexec",  Some(8080),  Some(Routes::Any),            10,      10 * MIB,   GO_SIGTERM),
    daemon("agnhost pause",    None,        None,                         1,       MIB,        Some(0)),
    daemon("pause",            None,        None,                         1,       MIB / 4,    Some(0)),
    daemon("node app.js",      Some(8080),  Some(Routes::Any),            300,     30 * MIB,   None),
];

/// The behaviour of a server program, by [`Daemon::program`] key.
pub(super) fn daemon_for(program: &str) -> Option<&'static Daemon> {
    DAEMONS.iter().find(|daemon| daemon.program == program)
}
