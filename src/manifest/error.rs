//! Errors about the user's input files: always with the file, and where known the line, the
//! column and the field, plus one line on what to do.

use std::fmt;

/// A problem in an input file, located as precisely as the parser allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    /// The 1-based line and column.
    pub position: Option<(usize, usize)>,
    pub message: String,
    /// What to change, when the mistake is a known one.
    pub hint: Option<String>,
    /// The object's other problems, each located on its own, printed after this one: an
    /// object is refused with all its problems at once.
    pub more: Box<[InputError]>,
    /// Whether the API server refused the object as Invalid: the messages are then kubectl's
    /// own lines, which commands that name no file print as they are.
    pub invalid: bool,
}

impl InputError {
    /// An error about a whole file (missing, unreadable).
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        InputError {
            file: file.to_string(),
            position: None,
            message: message.into(),
            hint: None,
            more: Box::default(),
            invalid: false,
        }
    }

    /// An error at a position of a file.
    pub fn at(file: &str, line: usize, column: usize, message: impl Into<String>) -> Self {
        InputError {
            file: file.to_string(),
            position: Some((line, column)),
            message: message.into(),
            hint: None,
            more: Box::default(),
            invalid: false,
        }
    }

    /// kubectl's own lines for the problem and the ones after it, without the file.
    pub fn kubectl_text(&self) -> String {
        let lines: Vec<&str> = std::iter::once(self)
            .chain(self.more.iter())
            .map(|e| e.message.as_str())
            .collect();
        lines.join("\n")
    }

    /// Adds what to do about it.
    pub fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        for next in self.more.iter() {
            write!(f, "\n{next}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}
