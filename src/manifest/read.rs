//! Reading an input file whole, with a size limit, as UTF-8 text whose first bad byte is named
//! by line and column.
//!
//! kubectl reads a file of any size; kubesim holds every input in memory (and a YAML file's
//! objects several times over), so each kind of file has a stated ceiling instead, checked while
//! reading (a `/dev/zero` or a pipe has no size to ask for up front).

use std::io::Read;
use std::path::Path;

use super::error::InputError;

/// A kind of input file and the most kubesim reads of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The most bytes a file of this kind may hold.
    pub bytes: u64,
    /// The kind of file, for the error.
    pub what: &'static str,
}

/// Scenarios, manifests, latency profiles and scheduler configurations: 16 MiB. The API
/// server takes at most 3 MiB per object (kube-apiserver's `MaxRequestBodyBytes`) and a scenario
/// carries many objects; 16 MiB of YAML is far beyond any hand-written file yet keeps its decoded
/// form within a few hundred MiB.
// K8S: staging/src/k8s.io/apiserver/pkg/server/config.go (MaxRequestBodyBytes: 3 * 1024 * 1024)
pub const YAML: Limit = Limit {
    bytes: 16 << 20,
    what: "YAML files",
};

/// Traces and a sweep's results (kubesim's own JSON output, read back by `report`, `diff` and
/// `sweep merge`): 1 GiB, as a long simulated run legitimately writes hundreds of MiB.
pub const TRACE: Limit = Limit {
    bytes: 1 << 30,
    what: "traces",
};

/// Why a file could not be read as text.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be opened or read; the caller words it for its kind of file.
    Io(std::io::Error),
    /// It is too large or not UTF-8: an error naming the file (and line) as it is.
    Refused(InputError),
}

impl ReadError {
    /// The error for the user: a refusal as it is, an I/O failure worded by `io` from its reason
    /// (`no such file`, or the system's words).
    pub fn into_input(self, io: impl FnOnce(String) -> InputError) -> InputError {
        match self {
            ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
                io("no such file".to_string())
            }
            ReadError::Io(e) => io(e.to_string()),
            ReadError::Refused(e) => e,
        }
    }
}

/// `bytes` in the largest binary unit that divides it (`16 MiB`, `1 GiB`).
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b => format!("{b} bytes"),
    }
}

/// The file's text, refused past `limit` or at its first byte that is not UTF-8.
pub fn text(path: &Path, limit: Limit) -> Result<String, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let mut bytes = Vec::new();
    file.take(limit.bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    let label = path.display().to_string();
    if bytes.len() as u64 > limit.bytes {
        return Err(ReadError::Refused(InputError::file(
            &label,
            format!(
                "larger than {}, the most kubesim reads of {}",
                size(limit.bytes),
                limit.what
            ),
        )));
    }
    utf8(bytes, &label).map_err(ReadError::Refused)
}

/// The bytes as text, or an error at the line and column (in bytes) of the first one that is
/// not UTF-8, worded as go-yaml's reader words it.
// K8S: gopkg.in/yaml.v2 readerc.go (yaml_parser_update_buffer: "invalid leading UTF-8 octet",
// "invalid trailing UTF-8 octet", "incomplete UTF-8 octet sequence")
pub fn utf8(bytes: Vec<u8>, file: &str) -> Result<String, InputError> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let line_start = bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        let lead = bytes[at];
        let problem = match e.utf8_error().error_len() {
            None => format!("incomplete UTF-8 octet sequence from 0x{lead:02x}"),
            Some(_) if (0x80..0xC0).contains(&lead) || lead >= 0xF8 => {
                format!("invalid leading UTF-8 octet 0x{lead:02x}")
            }
            Some(_) => format!("invalid trailing UTF-8 octet after 0x{lead:02x}"),
        };
        InputError::at(
            file,
            line,
            at - line_start + 1,
            format!("{problem}: not UTF-8 text (a binary file?)"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(bytes: &[u8]) -> String {
        utf8(bytes.to_vec(), "f.yaml").unwrap_err().to_string()
    }

    #[test]
    fn the_first_bad_byte_is_named_by_line_and_column() {
        assert_eq!(utf8(b"a: \xc3\xa9\n".to_vec(), "f.yaml").unwrap(), "a: é\n");
        assert_eq!(
            refused(b"a: 1\nbb: \xff\n"),
            "f.yaml:2:5: invalid leading UTF-8 octet 0xff: not UTF-8 text (a binary file?)"
        );
        assert_eq!(
            refused(b"\x80"),
            "f.yaml:1:1: invalid leading UTF-8 octet 0x80: not UTF-8 text (a binary file?)"
        );
        assert_eq!(
            refused(b"x\n\xc3("),
            "f.yaml:2:1: invalid trailing UTF-8 octet after 0xc3: not UTF-8 text (a binary file?)"
        );
        assert_eq!(
            refused(b"x\xe2\x82"),
            "f.yaml:1:2: incomplete UTF-8 octet sequence from 0xe2: not UTF-8 text (a binary file?)"
        );
    }

    #[test]
    fn files_past_the_limit_are_refused_while_reading() {
        let small = Limit {
            bytes: 4,
            what: "tests",
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "1234").unwrap();
        assert_eq!(text(&path, small).unwrap(), "1234");
        std::fs::write(&path, "12345").unwrap();
        let Err(ReadError::Refused(e)) = text(&path, small) else {
            panic!("refused")
        };
        assert_eq!(
            e.message,
            "larger than 4 bytes, the most kubesim reads of tests"
        );
        // A device with no size: the limit still holds.
        let Err(ReadError::Refused(_)) = text(Path::new("/dev/zero"), small) else {
            panic!("refused")
        };
        let missing = text(&dir.path().join("none"), small).unwrap_err();
        let e = missing.into_input(|why| InputError::file("none", format!("cannot read: {why}")));
        assert_eq!(e.to_string(), "none: cannot read: no such file");
        assert_eq!(size(YAML.bytes), "16 MiB");
        assert_eq!(size(TRACE.bytes), "1 GiB");
    }
}
