//! The kubeconfig `kubesim serve` writes for the clients, and the one `kubesim clock` reads.

use std::io::Write;
use std::path::Path;

/// The first line of every kubeconfig kubesim writes: a file that starts otherwise is the
/// user's, and is never overwritten.
const MARKER: &str = "# Written by kubesim serve";

/// A fresh bearer token: 32 hex digits from the operating system's randomness (not a
/// simulation stream: it guards the server, it does not shape the run).
pub fn new_token() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..16)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// What a client needs to reach a serve: its URL, the authority its certificate is signed by
/// (PEM), and the bearer token.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    pub server: String,
    pub authority: String,
    pub token: String,
}

/// Writes `path`: one cluster at `server`, one user with `token`, one current context, mode
/// 0600 (the token is a credential). Refuses to replace a file kubesim did not write.
pub fn write(path: &Path, access: &Access) -> std::io::Result<()> {
    use base64::Engine;
    let Access {
        server,
        authority,
        token,
    } = access;
    let authority = base64::engine::general_purpose::STANDARD.encode(authority);
    if let Ok(existing) = std::fs::read_to_string(path) {
        if !existing.starts_with(MARKER) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists and was not written by kubesim serve; give --kubeconfig a new file (kubesim never overwrites one of yours)",
                    path.display()
                ),
            ));
        }
    } else if path.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} exists and cannot be read as text", path.display()),
        ));
    }
    let text = format!(
        "{MARKER}; it is rewritten on each serve.
apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: {authority}
    server: {server}
  name: kubesim
contexts:
- context:
    cluster: kubesim
    namespace: default
    user: kubesim
  name: kubesim
current-context: kubesim
preferences: {{}}
users:
- name: kubesim
  user:
    token: {token}
"
    );
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// The access a kubeconfig kubesim wrote gives.
pub fn read(path: &Path) -> std::io::Result<Access> {
    use base64::Engine;
    let text = std::fs::read_to_string(path)?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    let authority = field("certificate-authority-data:")
        .and_then(|data| base64::engine::general_purpose::STANDARD.decode(data).ok())
        .and_then(|pem| String::from_utf8(pem).ok());
    match (
        text.starts_with(MARKER),
        field("server:"),
        authority,
        field("token:"),
    ) {
        (true, Some(server), Some(authority), Some(token)) => Ok(Access {
            server,
            authority,
            token,
        }),
        _ => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{} is not a kubeconfig written by kubesim serve (start one with: kubesim serve --kubeconfig {})",
                path.display(),
                path.display()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_kubeconfig_reads_back_and_a_users_file_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig");
        let access = |server: &str, token: &str| Access {
            server: server.to_string(),
            authority: "-----BEGIN CERTIFICATE-----\n".to_string(),
            token: token.to_string(),
        };
        write(&path, &access("https://127.0.0.1:1234", "abc")).unwrap();
        assert_eq!(
            read(&path).unwrap(),
            access("https://127.0.0.1:1234", "abc")
        );
        write(&path, &access("https://127.0.0.1:99", "def")).unwrap();
        assert_eq!(read(&path).unwrap().token, "def");
        let mine = dir.path().join("config");
        std::fs::write(&mine, "apiVersion: v1\n").unwrap();
        let refused = write(&mine, &access("https://x", "t")).unwrap_err();
        assert!(refused
            .to_string()
            .contains("was not written by kubesim serve"));
        assert_eq!(std::fs::read_to_string(&mine).unwrap(), "apiVersion: v1\n");
        assert_eq!(new_token().len(), 32);
    }
}
