//! What a registry answers when containerd pulls an image: the catalogue knows its images'
//! tags, a scenario declares other images (whether they exist, their tags, whether they are
//! private), Docker Hub refuses library repositories that do not exist, and a registry host
//! one or two letters away from a well-known one does not resolve. Every other image is
//! assumed to pull, and the kubelet keeps a list of those assumptions for the run summary.

use super::behaviour::catalogue;
use super::images;

/// An image a scenario declares in `spec.images`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredImage {
    /// The reference as written, without tag or digest (`registry.example.com/team/app`).
    pub name: String,
    /// The tags it has; `None`: any tag.
    pub tags: Option<Vec<String>>,
    /// `false`: the repository does not exist.
    pub exists: bool,
    /// Pulls need credentials (an `imagePullSecrets` entry naming an existing Secret).
    pub private: bool,
}

/// How a pull goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pull {
    /// The image is known (catalogued or declared) and the registry serves it.
    Served,
    /// Nothing says whether the image exists: kubesim assumes it does.
    Assumed,
    /// The registry (or DNS) refuses it, with containerd's error as the kubelet quotes it.
    Refused(String),
}

/// Registry hosts that resolve. Any host not in the list and not under one of
/// [`KNOWN_DOMAINS`] is assumed to exist unless it is a misspelling of one of them.
const KNOWN_HOSTS: &[&str] = &[
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "registry.k8s.io",
    "k8s.gcr.io",
    "gcr.io",
    "ghcr.io",
    "quay.io",
    "mcr.microsoft.com",
    "public.ecr.aws",
    "registry.gitlab.com",
    "nvcr.io",
    "docker.elastic.co",
    "registry.redhat.io",
    "registry.access.redhat.com",
    "lscr.io",
    "cgr.dev",
];

/// Domains whose subdomains are registries (`us-docker.pkg.dev`, `x.azurecr.io`).
const KNOWN_DOMAINS: &[&str] = &[".gcr.io", ".pkg.dev", ".amazonaws.com", ".azurecr.io"];

/// The parts of a fully qualified reference (`docker.io/library/nginx:1.25`).
struct Reference {
    /// As containerd names it: `docker.io/library/nginx:1.25`.
    full: String,
    /// `docker.io`.
    host: String,
    /// `library/nginx`.
    path: String,
    /// `1.25`; `None` for a digest reference.
    tag: Option<String>,
    /// `1.25` or `sha256:...`: what the manifest URL ends in.
    object: String,
}

impl Reference {
    fn parse(image: &str) -> Reference {
        let full = images::fully_qualified(image);
        let (host, rest) = full.split_once('/').unwrap_or(("docker.io", &full));
        let (name, tag, object) = match rest.split_once('@') {
            Some((name, digest)) => (name, None, digest.to_string()),
            None => {
                let name_start = rest.rfind('/').map_or(0, |i| i + 1);
                match rest[name_start..].find(':') {
                    Some(colon) => {
                        let tag = &rest[name_start + colon + 1..];
                        (
                            &rest[..name_start + colon],
                            Some(tag.to_string()),
                            tag.to_string(),
                        )
                    }
                    None => (rest, Some("latest".into()), "latest".into()),
                }
            }
        };
        Reference {
            host: host.to_string(),
            path: name.to_string(),
            tag,
            object,
            full: full.clone(),
        }
    }

    fn on_docker_hub(&self) -> bool {
        matches!(self.host.as_str(), "docker.io" | "index.docker.io")
    }

    /// The host containerd sends requests to (Docker Hub's API is at registry-1.docker.io).
    fn api_host(&self) -> &str {
        if self.on_docker_hub() {
            "registry-1.docker.io"
        } else {
            &self.host
        }
    }

    /// containerd's wrapping of a resolver error.
    // K8S: containerd internal/cri/server/images/image_pull.go ("failed to pull and unpack
    // image %q"), core/remotes/docker/resolver.go ("failed to resolve reference %q")
    fn failed(&self, why: &str) -> String {
        format!(
            "failed to pull and unpack image \"{0}\": failed to resolve reference \"{0}\": {why}",
            self.full
        )
    }

    /// The manifest does not exist: containerd maps it to gRPC NotFound, which the kubelet
    /// quotes with the status prefix.
    fn not_found(&self) -> String {
        format!(
            "rpc error: code = NotFound desc = {}",
            self.failed(&format!("{}: not found", self.full))
        )
    }

    /// Docker Hub answers 401 for a repository that does not exist or is private.
    fn hub_denied(&self) -> String {
        self.failed("pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed")
    }

    /// A registry with token authentication refuses an anonymous token for a private
    /// repository.
    // DEVIATION: the token endpoint and status are each registry's own (ghcr.io answers 403
    // at /token, ACR 401 at /oauth2/token); kubesim writes a generic `/token` and 401.
    fn token_denied(&self) -> String {
        let scope = self.path.replace('/', "%2F");
        self.failed(&format!(
            "failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://{host}/token?scope=repository%3A{scope}%3Apull&service={host}: 401 Unauthorized",
            host = self.host
        ))
    }

    /// The registry's host name does not resolve.
    // DEVIATION: the resolver address is the node's (a kubeadm node with systemd-resolved
    // asks 127.0.0.53); kubesim always names that one.
    fn no_such_host(&self) -> String {
        let host = self.api_host();
        let path = &self.path;
        let object = &self.object;
        self.failed(&format!(
            "failed to do request: Head \"https://{host}/v2/{path}/manifests/{object}\": dial tcp: lookup {host} on 127.0.0.53:53: no such host"
        ))
    }

    fn host_resolves(&self) -> bool {
        let host = self.host.split(':').next().unwrap_or_default();
        let known = |h: &str| {
            KNOWN_HOSTS.contains(&h) || KNOWN_DOMAINS.iter().any(|domain| h.ends_with(domain))
        };
        known(host)
            || !KNOWN_HOSTS
                .iter()
                .any(|known| strsim::levenshtein(host, known) <= 2)
    }
}

/// What pulling `image` gets, given the scenario's `declared` images and whether the pod has
/// `credentials` (an `imagePullSecrets` entry naming a Secret that exists).
// DEVIATION: credentials are never checked against the registry: any existing pull Secret
// opens a private image.
pub fn pull(image: &str, declared: &[DeclaredImage], credentials: bool) -> Pull {
    let reference = Reference::parse(image);
    if !reference.host_resolves() {
        return Pull::Refused(reference.no_such_host());
    }
    let repository = catalogue::repository(image);
    let tag_served = |has: &dyn Fn(&str) -> bool| reference.tag.as_deref().is_none_or(has);
    if let Some(known) = declared
        .iter()
        .find(|d| catalogue::repository(&d.name) == repository)
    {
        let missing = if reference.on_docker_hub() {
            reference.hub_denied()
        } else {
            reference.not_found()
        };
        return if !known.exists {
            Pull::Refused(missing)
        } else if known.private && !credentials {
            Pull::Refused(if reference.on_docker_hub() {
                reference.hub_denied()
            } else {
                reference.token_denied()
            })
        } else if !tag_served(&|tag| {
            known
                .tags
                .as_ref()
                .is_none_or(|t| t.iter().any(|k| k == tag))
        }) {
            Pull::Refused(reference.not_found())
        } else {
            Pull::Served
        };
    }
    if let Some(known) = catalogue::lookup(image) {
        return if tag_served(&|tag| known.tags.has(tag)) {
            Pull::Served
        } else {
            Pull::Refused(reference.not_found())
        };
    }
    if !catalogue::exists(image) {
        return Pull::Refused(reference.hub_denied());
    }
    Pull::Assumed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(image: &str) -> String {
        match pull(image, &[], false) {
            Pull::Refused(why) => why,
            other => panic!("{image}: {other:?}"),
        }
    }

    #[test]
    fn containerd_errors_for_images_that_cannot_exist() {
        assert_eq!(
            refused("nginx:1.99.99"),
            "rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.99.99\": failed to resolve reference \"docker.io/library/nginx:1.99.99\": docker.io/library/nginx:1.99.99: not found"
        );
        assert_eq!(
            refused("ngnix"),
            "failed to pull and unpack image \"docker.io/library/ngnix:latest\": failed to resolve reference \"docker.io/library/ngnix:latest\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
        );
        assert_eq!(
            refused("docker.ioo/library/nginx:1.25"),
            "failed to pull and unpack image \"docker.ioo/library/nginx:1.25\": failed to resolve reference \"docker.ioo/library/nginx:1.25\": failed to do request: Head \"https://docker.ioo/v2/library/nginx/manifests/1.25\": dial tcp: lookup docker.ioo on 127.0.0.53:53: no such host"
        );
        assert!(refused("regsitry.k8s.io/pause:3.10").contains("lookup regsitry.k8s.io on"));
    }

    #[test]
    fn known_images_pull_and_unknown_ones_are_assumed() {
        for image in [
            "nginx",
            "nginx:1.25.3-alpine",
            "busybox:1.28",
            "docker.io/library/redis:7.2",
            "nginx@sha256:0123",
            "gcr.io/google-containers/busybox",
        ] {
            assert_eq!(pull(image, &[], false), Pull::Served, "{image}");
        }
        for image in [
            "myregistry.io/team/app:v1",
            "khk9346/kubia",
            "mongo:6",
            "us-docker.pkg.dev/p/r/app:1",
        ] {
            assert_eq!(pull(image, &[], false), Pull::Assumed, "{image}");
        }
    }

    #[test]
    fn declared_images_exist_have_tags_and_may_be_private() {
        let declared = [
            DeclaredImage {
                name: "registry.example.com/team/app".into(),
                tags: Some(vec!["v1".into()]),
                exists: true,
                private: true,
            },
            DeclaredImage {
                name: "acme/tool".into(),
                tags: None,
                exists: false,
                private: false,
            },
        ];
        let app = "registry.example.com/team/app:v1";
        assert_eq!(pull(app, &declared, true), Pull::Served);
        assert_eq!(
            pull(app, &declared, false),
            Pull::Refused("failed to pull and unpack image \"registry.example.com/team/app:v1\": failed to resolve reference \"registry.example.com/team/app:v1\": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://registry.example.com/token?scope=repository%3Ateam%2Fapp%3Apull&service=registry.example.com: 401 Unauthorized".into())
        );
        assert!(matches!(
            pull("registry.example.com/team/app:v2", &declared, true),
            Pull::Refused(why) if why.ends_with("registry.example.com/team/app:v2: not found")
        ));
        assert!(matches!(
            pull("acme/tool:1.0", &declared, false),
            Pull::Refused(why) if why.ends_with("insufficient_scope: authorization failed")
        ));
    }
}
