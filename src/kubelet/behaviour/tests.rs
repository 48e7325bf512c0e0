use std::collections::BTreeMap;

use super::catalogue::{argv, exists, lookup, missing_executable};
use super::*;

const MIB: u64 = 1024 * 1024;

/// A cluster whose DNS resolves exactly these names.
struct Dns(Vec<&'static str>);

impl World for Dns {
    fn resolve(&self, name: &str) -> Option<String> {
        self.0.contains(&name).then(|| "10.96.0.42".to_string())
    }
}

const NO_DNS: Dns = Dns(Vec::new());

/// A container as the kubelet would drive it: applies each step's time and memory.
struct Container {
    process: Process,
    fs: Fs,
    output: Vec<String>,
    listening: BTreeMap<u16, Server>,
    memory: u64,
    now: u64,
}

impl Container {
    fn new(argv: Vec<String>, env: &[(&str, &str)]) -> Container {
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Container {
            process: Process::spawn(argv, env),
            fs: Fs::for_container("default", "web-1", ""),
            output: Vec::new(),
            listening: BTreeMap::new(),
            memory: 0,
            now: 0,
        }
    }

    fn step_in(&mut self, world: &dyn World) -> Step {
        let mut ctx = Ctx {
            fs: &mut self.fs,
            world,
            output: &mut self.output,
            errors: None,
            listening: &mut self.listening,
            memory: &mut self.memory,
            now_ms: self.now,
        };
        let step = self.process.resume(&mut ctx);
        match step {
            Step::Sleep { ms } => self.now += ms,
            Step::Allocate { bytes, ms } => {
                self.memory += bytes;
                self.now += ms;
            }
            _ => {}
        }
        step
    }

    fn step(&mut self) -> Step {
        self.step_in(&NO_DNS)
    }

    fn probe(&mut self, command: &[&str], timeout_ms: u64) -> ProbeRun {
        let env = BTreeMap::new();
        run_to_completion(
            words(command),
            env,
            &mut self.fs,
            &NO_DNS,
            self.now,
            timeout_ms,
        )
    }
}

fn words(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| word.to_string()).collect()
}

fn sh(script: &str) -> Container {
    Container::new(words(&["sh", "-c", script]), &[])
}

/// Runs a script that finishes at once; its exit code and output.
fn run(script: &str) -> (Step, Vec<String>) {
    let mut container = sh(script);
    (container.step(), container.output)
}

fn sleep(ms: u64) -> Step {
    Step::Sleep { ms }
}

#[test]
fn liveness_exec_exercise() {
    let script = "touch /tmp/healthy; sleep 30; rm -rf /tmp/healthy; sleep 600";
    let argv = argv("busybox", &[], &words(&["/bin/sh", "-c", script]));
    assert_eq!(argv, words(&["/bin/sh", "-c", script]));
    let mut container = Container::new(argv, &[]);
    assert_eq!(container.step(), sleep(30_000));
    assert!(container.fs.exists("/tmp/healthy"));
    let healthy = ProbeRun::Exited {
        code: 0,
        output: vec![],
        elapsed_ms: 0,
    };
    assert_eq!(container.probe(&["cat", "/tmp/healthy"], 1000), healthy);
    assert_eq!(container.step(), sleep(600_000));
    assert!(!container.fs.exists("/tmp/healthy"));
    let missing = "cat: can't open '/tmp/healthy': No such file or directory";
    let failed = ProbeRun::Exited {
        code: 1,
        output: words(&[missing]),
        elapsed_ms: 0,
    };
    assert_eq!(container.probe(&["cat", "/tmp/healthy"], 1000), failed);
    assert_eq!(container.process.on_sigterm(), None);
    assert_eq!(container.step(), Step::Exit { code: 0 });
}

#[test]
fn init_container_waits_for_its_service() {
    let script = "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for myservice; sleep 2; done";
    let argv = argv("busybox:1.28", &words(&["sh", "-c", script]), &[]);
    let mut container = Container::new(argv, &[]);
    container.fs = Fs::for_container("prod", "myapp-pod", "");
    for _ in 0..3 {
        assert_eq!(container.step(), sleep(2000));
    }
    let waiting = container
        .output
        .iter()
        .filter(|line| *line == "waiting for myservice");
    assert_eq!(waiting.count(), 3);
    let failure = "nslookup: can't resolve 'myservice.prod.svc.cluster.local'";
    assert!(container.output.contains(&failure.to_string()));
    let dns = Dns(vec!["myservice.prod.svc.cluster.local"]);
    assert_eq!(container.step_in(&dns), Step::Exit { code: 0 });
    let answer = "Name:      myservice.prod.svc.cluster.local";
    assert_eq!(container.output.last().unwrap(), "Address 1: 10.96.0.42");
    assert!(container.output.contains(&answer.to_string()));
}

#[test]
fn echo_and_sleep_one_liners() {
    let mut app = sh("echo The app is running! && sleep 3600");
    assert_eq!(app.step(), sleep(3_600_000));
    assert_eq!(app.output, words(&["The app is running!"]));
    let mut hello = sh("sleep 2; echo helloworld01;");
    assert_eq!(hello.step(), sleep(2000));
    assert!(hello.output.is_empty());
    assert_eq!(hello.step(), Step::Exit { code: 0 });
    assert_eq!(hello.output, words(&["helloworld01"]));
    let mut centos = Container::new(argv("centos:7", &words(&["sleep", "10000"]), &[]), &[]);
    assert_eq!(centos.step(), sleep(10_000_000));
    assert_eq!(sh("sleep 1.5 2m").step(), sleep(121_500));
    assert_eq!(sh("sleep infinity").step(), Step::Forever { busy: false });
}

#[test]
fn stress_allocates_holds_and_frees() {
    let args = words(&["--vm", "1", "--vm-bytes", "500M", "--vm-hang", "1"]);
    let argv = argv("polinux/stress", &words(&["stress"]), &args);
    let mut stress = Container::new(argv, &[]);
    let allocate = Step::Allocate {
        bytes: 500 * MIB,
        ms: 1000,
    };
    assert_eq!(stress.step(), allocate);
    assert_eq!(stress.memory, 500 * MIB);
    assert_eq!(stress.step(), sleep(1000));
    assert_eq!(stress.step(), allocate);
    assert_eq!(stress.memory, 500 * MIB, "freed before allocating again");
    let dispatch = "stress: info: [1] dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd";
    assert_eq!(stress.output, words(&[dispatch]));
    assert_eq!(stress.process.on_sigterm(), None);

    let mut timed = Container::new(
        words(&["stress", "--vm", "2", "--vm-bytes=128M", "-t", "1s"]),
        &[],
    );
    for _ in 0..3 {
        assert_eq!(
            timed.step(),
            Step::Allocate {
                bytes: 256 * MIB,
                ms: 256
            }
        );
    }
    assert_eq!(
        timed.step(),
        Step::Allocate {
            bytes: 232 * MIB,
            ms: 232
        }
    );
    assert_eq!(timed.step(), Step::Exit { code: 0 });
    assert_eq!(timed.memory, 0);
    assert_eq!(
        Container::new(words(&["stress", "--cpu", "1"]), &[]).step(),
        Step::Forever { busy: true }
    );
}

// busybox 1.35 `dd`: its input block is faulted in by the first read, reused after; the
// records lines on stderr at the end (measured against `busybox dd` on this host).
#[test]
fn dd_allocates_its_block_copies_count_blocks_and_exits() {
    let mut oom = sh("dd if=/dev/zero of=/dev/null bs=200M count=1; echo done");
    let block = Step::Allocate {
        bytes: 200 * MIB,
        ms: 112,
    };
    assert_eq!(oom.step(), block);
    assert_eq!(oom.memory, 200 * MIB);
    assert_eq!(oom.step(), Step::Exit { code: 0 });
    assert_eq!(
        oom.output,
        words(&["1+0 records in", "1+0 records out", "done"])
    );

    let mut random = sh("dd if=/dev/urandom of=/dev/null bs=64M count=3 status=none");
    let first = Step::Allocate {
        bytes: 64 * MIB,
        ms: 250,
    };
    assert_eq!(random.step(), first);
    assert_eq!(random.step(), sleep(500));
    assert_eq!(random.step(), Step::Exit { code: 0 });
    assert_eq!(random.output, Vec::<String>::new());
    assert_eq!(random.memory, 0, "its block is freed at exit");

    // Separate blocks: 2 x 1k read into a 2M output block, written once, partly full.
    let mut small = sh("dd if=/dev/zero of=/dev/null ibs=1k obs=2M count=2");
    let under_a_page = Step::Allocate { bytes: 0, ms: 1 };
    assert_eq!(small.step(), under_a_page);
    assert_eq!(small.step(), sleep(1));
    assert_eq!(small.step(), Step::Exit { code: 0 });
    assert_eq!(small.output, words(&["2+0 records in", "0+1 records out"]));
    let (_, output) = run("dd if=/dev/zero of=/dev/null bs=1kB count=0");
    assert_eq!(output, words(&["0+0 records in", "0+0 records out"]));
    let (step, output) = run("dd if=/dev/zero of=/dev/null bs=12Q count=1");
    assert_eq!(step, Step::Exit { code: 1 });
    assert_eq!(output, words(&["dd: invalid number '12Q'"]));

    // Endless: the block once, then copying forever.
    let mut endless = sh("dd if=/dev/zero of=/dev/null bs=32M");
    let block = Step::Allocate {
        bytes: 32 * MIB,
        ms: 18,
    };
    assert_eq!(endless.step(), block);
    assert_eq!(endless.step(), Step::Forever { busy: true });

    for (script, why) in [
        (
            "dd if=/tmp/x of=/dev/null count=1",
            "dd if=/tmp/x of=/dev/null count=1",
        ),
        (
            "dd if=/dev/zero of=/tmp/x bs=1M count=1",
            "dd if=/dev/zero of=/tmp/x bs=1M count=1",
        ),
        (
            "dd if=/dev/zero bs=1M count=1",
            "dd if=/dev/zero bs=1M count=1",
        ),
        (
            "dd if=/dev/zero of=/dev/null conv=sync",
            "dd if=/dev/zero of=/dev/null conv=sync",
        ),
    ] {
        let mut dd = sh(script);
        assert_eq!(dd.step(), Step::Forever { busy: false }, "{script}");
        let why = format!("unsupported dd invocation \"{why}\"");
        assert_eq!(dd.process.unsupported(), Some(why.as_str()));
    }
}

#[test]
fn busy_and_sleeping_loops() {
    assert_eq!(
        sh("while true; do :; done").step(),
        Step::Forever { busy: true }
    );
    assert_eq!(
        sh("until false; do echo x > /dev/null; done").step(),
        Step::Forever { busy: true }
    );
    let mut ticking = sh("while true; do date; sleep 1; done");
    for second in 1..=3 {
        assert_eq!(ticking.step(), sleep(1000));
        assert_eq!(ticking.output.len(), second);
    }
    assert_eq!(ticking.output[2], "Wed Jan  1 00:00:02 UTC 2025");
    let dd = argv(
        "busybox",
        &words(&["dd", "if=/dev/zero", "of=/dev/null"]),
        &[],
    );
    assert_eq!(Container::new(dd, &[]).step(), Step::Forever { busy: true });
    assert_eq!(
        sh("tail -f /dev/null").step(),
        Step::Forever { busy: false }
    );
}

#[test]
fn unsupported_commands_and_constructs_are_named() {
    let mut curl = sh("echo start; curl http://web");
    assert_eq!(curl.step(), Step::Forever { busy: false });
    assert_eq!(
        curl.process.unsupported(),
        Some("unsupported command \"curl\"")
    );
    assert_eq!(curl.output, words(&["start"]));
    let mut case = sh("case $X in a) echo a;; esac");
    assert_eq!(case.step(), Step::Forever { busy: false });
    assert_eq!(
        case.process.unsupported(),
        Some("unsupported shell construct: \"case\"")
    );
    let mut background = sh("sleep 10 & wait");
    background.step();
    assert!(background
        .process
        .unsupported()
        .unwrap()
        .contains("background"));
    let mut nothing = Container::new(argv("example.com/app", &[], &[]), &[]);
    assert_eq!(nothing.step(), Step::Forever { busy: false });
    assert!(nothing
        .process
        .unsupported()
        .unwrap()
        .contains("no command"));
}

#[test]
fn catalogue_argv_lookup_and_pulls() {
    let nginx = words(&["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"]);
    assert_eq!(argv("nginx:1.14", &[], &[]), nginx);
    assert_eq!(argv("nginx", &words(&["sh"]), &[]), words(&["sh"]));
    assert_eq!(
        argv("redis", &[], &words(&["--port", "7000"])),
        words(&["docker-entrypoint.sh", "--port", "7000"])
    );
    assert_eq!(argv("busybox", &[], &[]), words(&["sh"]));
    assert_eq!(
        argv("example.com/app", &[], &words(&["run"])),
        words(&["run"])
    );
    assert_eq!(argv("example.com/app", &[], &[]), Vec::<String>::new());
    let liveness = lookup("registry.k8s.io/liveness").unwrap();
    for name in [
        "k8s.gcr.io/liveness",
        "gcr.io/google-containers/liveness:latest",
        "registry.k8s.io/liveness@sha256:0123",
    ] {
        assert_eq!(lookup(name), Some(liveness), "{name}");
    }
    assert_eq!(
        lookup("docker.io/library/nginx:latest").unwrap().repository,
        "nginx"
    );
    assert_eq!(lookup("k8s.gcr.io/busybox").unwrap().repository, "busybox");
    assert_eq!(lookup("centos:7").unwrap().size_bytes, 76_000_000);
    assert_eq!(lookup("localhost:5000/nginx"), None);
    for (image, pulls) in [
        ("redis123", false),
        ("ngnix", false),
        ("redis", true),
        ("mongo:6", true),
        ("myregistry.io/team/app:v1", true),
        ("khk9346/kubia", true),
    ] {
        assert_eq!(exists(image), pulls, "{image}");
    }
}

#[test]
fn exec_probes_run_to_completion() {
    let mut container = sh("echo hi > /tmp/x; sleep 3600");
    container.step();
    let exited = |code, output: &[&str], elapsed_ms| ProbeRun::Exited {
        code,
        output: words(output),
        elapsed_ms,
    };
    assert_eq!(
        container.probe(&["cat", "/tmp/x"], 1000),
        exited(0, &["hi"], 0)
    );
    assert_eq!(
        container.probe(&["ls", "/tmp/x"], 1000),
        exited(0, &["/tmp/x"], 0)
    );
    let missing = "ls: /tmp/healthy: No such file or directory";
    assert_eq!(
        container.probe(&["ls", "/tmp/healthy"], 1000),
        exited(1, &[missing], 0)
    );
    assert_eq!(
        container.probe(&["sh", "-c", "sleep 5"], 1000),
        ProbeRun::TimedOut
    );
    assert_eq!(container.probe(&["sleep", "1"], 1000), exited(0, &[], 1000));
    let unsupported = ProbeRun::Unsupported("unsupported command \"pg_isready\"".to_string());
    assert_eq!(container.probe(&["pg_isready"], 1000), unsupported);
}

#[test]
fn exit_codes() {
    assert_eq!(run("exit 3").0, Step::Exit { code: 3 });
    assert_eq!(run("false").0, Step::Exit { code: 1 });
    assert_eq!(run("! true").0, Step::Exit { code: 1 });
    assert_eq!(
        Container::new(words(&["sh", "-c", "exit 1"]), &[]).step(),
        Step::Exit { code: 1 }
    );
    assert_eq!(run("sh -c 'exit 4'; echo $?").1, words(&["4"]));
    assert_eq!(run("false && echo a || echo b").1, words(&["b"]));
    assert_eq!(run("true && echo a || echo b").1, words(&["a"]));
    assert_eq!(run("ls /nope; echo $?").1[1], "1");
    assert_eq!(run("(exit 5); echo $?; exit 256").1, words(&["5"]));
    assert_eq!(run("[ 3 -gt 10 ]").0, Step::Exit { code: 1 });
    assert_eq!(
        run("test -d /tmp -a ! -f /tmp/nope").0,
        Step::Exit { code: 0 }
    );
}

#[test]
fn shell_language() {
    let script = r#"
        X=world; greeting="hello  $X"   # comment
        echo "$greeting" '$X' \$X ${X}s ${UNSET:-dflt}
        for n in 1 2 3; do
          if [ "$n" = 2 ]; then echo two; elif [ $n -eq 3 ]; then echo three; else echo one; fi
        done
        mkdir -p /data/a && cd /data && echo first > a/f.txt && echo second >> a/f.txt
        cat a/f.txt | wc -l; grep -q second a/f.txt && echo found
        echo `hostname` $(echo $(pwd)) "$(printf '%s-%s' x y)"
        ls /missing 2>&1 >/dev/null | wc -l
        echo -n partial; echo " line"; printf 'a\tb\n'
    "#;
    let (step, output) = run(script);
    assert_eq!(step, Step::Exit { code: 0 });
    let expected = [
        "hello  world $X $X worlds dflt",
        "one",
        "two",
        "three",
        "2",
        "found",
        "web-1 /data x-y",
        "1",
        "partial line",
        "a\tb",
    ];
    assert_eq!(output, words(&expected));
}

#[test]
fn environment_and_child_shells() {
    let mut container = Container::new(
        words(&[
            "sh",
            "-c",
            "X=1; export Y=2; sh -c 'echo \"[$X][$Y][$FOO]\"'; printenv FOO",
        ]),
        &[("FOO", "bar")],
    );
    assert_eq!(container.step(), Step::Exit { code: 0 });
    assert_eq!(container.output, words(&["[][2][bar]", "bar"]));
    let (_, output) = run("sh -c 'echo $0 $1 $#' name one");
    assert_eq!(output, words(&["name one 1"]));
    let (_, output) = run("X=0; X=1 printenv X; echo \"[$X]\"");
    assert_eq!(output, words(&["1", "[0]"]));
}

#[test]
fn plain_distribution_images_exit_at_once() {
    for image in [
        "busybox",
        "alpine:3.19",
        "ubuntu",
        "centos:7",
        "debian",
        "fedora",
    ] {
        let mut container = Container::new(argv(image, &[], &[]), &[]);
        assert_eq!(container.step(), Step::Exit { code: 0 }, "{image}");
    }
}

#[test]
fn servers_listen_and_answer() {
    let mut nginx = Container::new(argv("nginx", &[], &[]), &[]);
    assert_eq!(
        nginx.step(),
        Step::Allocate {
            bytes: 10 * MIB,
            ms: 50
        }
    );
    assert!(nginx.listening.is_empty(), "refused while starting");
    assert_eq!(nginx.step(), Step::Forever { busy: false });
    let server = &nginx.listening[&80];
    assert_eq!(server.http_status("/", 60, &nginx.fs), Some(200));
    assert_eq!(server.http_status("/missing", 60, &nginx.fs), Some(404));
    assert_eq!(nginx.process.on_sigterm(), Some(0));
    let mut forked = Container::new(words(&["nginx"]), &[]);
    assert_eq!(
        forked.step(),
        Step::Exit { code: 0 },
        "daemon on: the master forks"
    );

    let mut liveness = Container::new(argv("k8s.gcr.io/liveness", &[], &words(&["/server"])), &[]);
    assert_eq!(
        liveness.step(),
        Step::Allocate {
            bytes: 4 * MIB,
            ms: 5
        }
    );
    assert_eq!(liveness.step(), Step::Forever { busy: false });
    let server = &liveness.listening[&8080];
    assert_eq!(
        server.http_status("/healthz", 10_000, &liveness.fs),
        Some(200)
    );
    assert_eq!(
        server.http_status("/healthz", 10_001, &liveness.fs),
        Some(500)
    );
    assert_eq!(server.http_status("/", 1, &liveness.fs), Some(404));
    assert_eq!(liveness.process.on_sigterm(), Some(2));

    let mut redis = Container::new(argv("redis:7", &[], &[]), &[]);
    redis.step();
    redis.step();
    assert_eq!(
        redis.listening[&6379].http_status("/", 100, &redis.fs),
        None
    );

    let mut exec = sh("mkdir /www; echo hi > /www/index.html; exec httpd -f -p 8080 -h /www");
    assert_eq!(exec.step(), Step::Allocate { bytes: MIB, ms: 1 });
    exec.step();
    assert_eq!(
        exec.listening[&8080].http_status("/", 5, &exec.fs),
        Some(200)
    );
    assert_eq!(
        exec.listening[&8080].http_status("/x", 5, &exec.fs),
        Some(404)
    );
    assert_eq!(exec.process.on_sigterm(), None);
    let mut wrapped = sh("nginx -g 'daemon off;'");
    wrapped.step();
    assert_eq!(
        wrapped.process.on_sigterm(),
        Some(0),
        "sh -c execs a lone command"
    );
}

#[test]
fn databases_need_their_password() {
    let mut mysql = Container::new(argv("mysql:8", &[], &[]), &[]);
    assert_eq!(mysql.step(), Step::Exit { code: 1 });
    let error =
        "[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified";
    assert_eq!(mysql.output[0], error);
    let mut mysql = Container::new(argv("mysql", &[], &[]), &[("MYSQL_ROOT_PASSWORD", "pw")]);
    assert_eq!(
        mysql.step(),
        Step::Allocate {
            bytes: 400 * MIB,
            ms: 15_000
        }
    );
    mysql.step();
    assert!(mysql.listening.contains_key(&3306));
    let mut postgres = Container::new(
        argv("postgres", &[], &[]),
        &[("POSTGRES_HOST_AUTH_METHOD", "md5")],
    );
    assert_eq!(postgres.step(), Step::Exit { code: 1 });
    let mut trusted = Container::new(
        argv("postgres", &[], &[]),
        &[("POSTGRES_HOST_AUTH_METHOD", "trust")],
    );
    assert_eq!(
        trusted.step(),
        Step::Allocate {
            bytes: 40 * MIB,
            ms: 3000
        }
    );
}

#[test]
fn date_counts_from_2025() {
    let mut container = sh("sleep 59d; date; sleep 306d; date; date +%s");
    container.step();
    container.step();
    container.step();
    let expected = [
        "Sat Mar  1 00:00:00 UTC 2025",
        "Thu Jan  1 00:00:00 UTC 2026",
        "1767225600",
    ];
    assert_eq!(container.output, words(&expected));
}

#[test]
fn files_and_their_errors() {
    let script = "echo a > /f; echo b >> /f; tail -n 1 /f; rm /nope; rm -f /nope; mkdir /tmp; \
        touch /x/y; cd /nope; echo hi > /x/y; rm -rf /; ls /";
    let expected = [
        "b",
        "rm: can't remove '/nope': No such file or directory",
        "mkdir: can't create directory '/tmp': File exists",
        "touch: /x/y: No such file or directory",
        "sh: cd: can't cd to /nope: No such file or directory",
        "sh: can't create /x/y: nonexistent directory",
    ];
    assert_eq!(run(script), (Step::Exit { code: 0 }, words(&expected)));
}

#[test]
fn commands_run_for_exec_keep_stderr_apart_line_by_line() {
    let mut fs = Fs::for_container("default", "web-1", "");
    let mut errors = Vec::new();
    let script = "echo -n a; echo -n b >&2; echo c; echo d >&2; cat /nope";
    let argv = words(&["sh", "-c", script]);
    let run = run_command(
        argv,
        BTreeMap::new(),
        &mut fs,
        &NO_DNS,
        (0, 1000),
        Some(&mut errors),
    );
    let output = words(&["ac"]);
    let expected = ProbeRun::Exited {
        code: 1,
        output,
        elapsed_ms: 0,
    };
    assert_eq!(run, expected);
    let missing = "cat: can't open '/nope': No such file or directory";
    assert_eq!(errors, words(&["bd", missing]));
}

#[test]
fn pid_1_must_be_a_program_the_image_holds() {
    let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let missing = |image: &str, command: &[&str]| missing_executable(image, &words(command));
    assert_eq!(
        missing("busybox", &["slep", "10"]),
        Some("exec: \"slep\": executable file not found in $PATH".to_string())
    );
    assert_eq!(missing("busybox:1.36", &["sleep", "10"]), None);
    assert_eq!(missing("busybox", &["/bin/sleep"]), None);
    assert_eq!(
        missing("busybox", &["/usr/bin/sleep"]),
        Some(
            "exec: \"/usr/bin/sleep\": stat /usr/bin/sleep: no such file or directory".to_string()
        )
    );
    assert_eq!(missing_executable("nginx", &argv("nginx", &[], &[])), None);
    assert_eq!(missing("nginx:1.27", &["curl", "-s", "localhost"]), None);
    assert!(missing("nginx", &["wget"]).is_some());
    assert_eq!(missing("registry.k8s.io/pause:3.10", &["/pause"]), None);
    assert!(missing("registry.k8s.io/pause:3.10", &["sh"]).is_some());
    // Images whose programs kubesim does not know run whatever they are given.
    assert_eq!(missing("mysql:8.0", &["no-such-program"]), None);
    assert_eq!(missing("example.com/shop/api", &["server"]), None);
}

// Measured with busybox 1.35's sh: `sh -c 'slep 3; echo rc=$?'` prints "sh: slep: not found"
// then "rc=127"; `/bin/slep` the same with its path. A command an unknown image may hold stays
// uninterpreted, and so does one BusyBox has but kubesim does not play.
#[test]
fn a_command_the_image_lacks_is_not_found_by_busybox_sh() {
    let in_image = |image: &str, script: &str| {
        let mut container = sh(script);
        container.fs = Fs::for_container("default", "web-1", image);
        container
    };
    let mut typo = in_image(
        "busybox:1.36",
        "echo a; slep 3; echo rc=$?; /bin/slep; echo rc=$?",
    );
    assert_eq!(typo.step(), Step::Exit { code: 0 });
    assert_eq!(
        typo.output,
        words(&[
            "a",
            "sh: slep: not found",
            "rc=127",
            "sh: /bin/slep: not found",
            "rc=127"
        ])
    );
    let mut alpine = in_image("alpine:3.20", "nginx");
    assert_eq!(alpine.step(), Step::Exit { code: 127 });
    assert_eq!(alpine.output, words(&["sh: nginx: not found"]));
    let mut unknown = in_image("example.com/team/app:v1", "slep 3");
    assert_eq!(unknown.step(), Step::Forever { busy: false });
    assert_eq!(
        unknown.process.unsupported(),
        Some("unsupported command \"slep\"")
    );
    let mut wget = in_image("busybox", "wget http://web");
    assert_eq!(wget.step(), Step::Forever { busy: false });
    assert_eq!(
        wget.process.unsupported(),
        Some("unsupported command \"wget\"")
    );
}
