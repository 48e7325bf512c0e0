//! The files a report writes into its directory, when their names come from the input (a
//! scenario's `metadata.name`, a metric): each must name a file right inside the directory, so
//! that nothing a scenario says can make kubesim write elsewhere.

use std::path::{Path, PathBuf};

/// Why `name` is not a plain file name (one path component, so joining it to a directory
/// stays in that directory): empty, `.` or `..`, or holding a path separator or a NUL (an
/// absolute path holds a `/`). `None` when it is one.
pub fn not_plain(name: &str) -> Option<&'static str> {
    Some(match name {
        "" => "it is empty",
        "." | ".." => "it names a directory",
        _ if name.contains('/') => "it holds a `/`",
        _ if name.contains('\\') => "it holds a `\\`",
        _ if name.contains('\0') => "it holds a NUL",
        _ => return None,
    })
}

/// `dir/<name><suffix>` (`suffix` is kubesim's own, `.svg`), or why `name` cannot start a file
/// name there ([`not_plain`]).
// DEVIATION: none upstream; a refusal rather than a rewritten name, so that two inputs never
// write the same file and the name a user looks for is the name they gave.
pub fn under(dir: &Path, name: &str, suffix: &str) -> Result<PathBuf, String> {
    let Some(why) = not_plain(name) else {
        return Ok(dir.join(format!("{name}{suffix}")));
    };
    Err(format!(
        "{} cannot be a file name in {}: {why}",
        crate::apiserver::validation::field::go_quote(name),
        dir.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_join_the_directory() {
        let dir = Path::new("reports");
        assert_eq!(
            under(dir, "oom", ".svg").unwrap(),
            Path::new("reports/oom.svg")
        );
        assert_eq!(
            under(dir, "...", ".svg").unwrap(),
            Path::new("reports/....svg")
        );
        let refused = |name: &str| under(dir, name, ".svg").unwrap_err();
        assert_eq!(
            refused("../../escape"),
            "\"../../escape\" cannot be a file name in reports: it holds a `/`"
        );
        assert_eq!(
            refused("/etc/passwd"),
            "\"/etc/passwd\" cannot be a file name in reports: it holds a `/`"
        );
        assert_eq!(
            refused(""),
            "\"\" cannot be a file name in reports: it is empty"
        );
        assert_eq!(
            refused(".."),
            "\"..\" cannot be a file name in reports: it names a directory"
        );
        assert_eq!(
            refused("a\\b"),
            "\"a\\\\b\" cannot be a file name in reports: it holds a `\\`"
        );
        assert_eq!(
            refused("a\0b"),
            "\"a\\x00b\" cannot be a file name in reports: it holds a NUL"
        );
    }
}
