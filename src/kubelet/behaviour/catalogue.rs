//! The built-in catalogue of common images: what they run (their real ENTRYPOINT and CMD), how
//! big they are to pull, and how the servers they start behave.

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
    }
}

const ENTRYPOINT_SH: &[&str] = &["docker-entrypoint.sh"];
const NGINX_CMD: &[&str] = &["nginx", "-g", "daemon off;"];

#[rustfmt::skip]
static IMAGES: &[Image] = &[
    //    repository                                 size          ENTRYPOINT                  CMD
    image("nginx",                                   72_000_000,  &["/docker-entrypoint.sh"], NGINX_CMD),
    image("httpd",                                   58_000_000,  &[],                        &["httpd-foreground"]),
    image("redis",                                   45_000_000,  ENTRYPOINT_SH,              &["redis-server"]),
    image("memcached",                               32_000_000,  ENTRYPOINT_SH,              &["memcached"]),
    image("mysql",                                   170_000_000, ENTRYPOINT_SH,              &["mysqld"]),
    image("postgres",                                150_000_000, ENTRYPOINT_SH,              &["postgres"]),
    Image { aliases: &["registry.k8s.io/busybox"], ..image("busybox", 2_200_000, &[], &["sh"]) },
    image("alpine",                                  3_600_000,   &[],                        &["/bin/sh"]),
    image("ubuntu",                                  29_000_000,  &[],                        &["/bin/bash"]),
    image("debian",                                  48_000_000,  &[],                        &["bash"]),
    image("centos",                                  76_000_000,  &[],                        &["/bin/bash"]),
    image("fedora",                                  65_000_000,  &[],                        &["/bin/bash"]),
    image("polinux/stress",                          4_000_000,   &[],                        &["/usr/local/bin/stress"]),
    image("registry.k8s.io/liveness",                2_500_000,   &[],                        &[]),
    image("registry.k8s.io/pause",                   320_000,     &["/pause"],                &[]),
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

/// Whether pulling the image succeeds. A catalogue miss is no failure, since users run their
/// own images; the rule: a pull fails iff the repository is a single path component (a Docker
/// Hub library image) that is neither in the catalogue nor in a list of ~50 other official
/// images. So `redis123` and `ngnix` fail, `myregistry.io/team/app:v1` and `khk9346/kubia` pull.
/// Nonexistent tags (`nginx:1.99999`) are out of scope and pull.
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
