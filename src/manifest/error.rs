//! Errors about the user's input files: always with the file, and where known the line, the
//! column and the field, plus one line on what to do.

use std::fmt;

/// A problem in an input file, located as precisely as the parser allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    /// 1-based.
    pub line: Option<usize>,
    /// 1-based.
    pub column: Option<usize>,
    pub message: String,
    /// What to change, when the mistake is a known one.
    pub hint: Option<String>,
}

impl InputError {
    /// An error about a whole file (missing, unreadable).
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        InputError {
            file: file.to_string(),
            line: None,
            column: None,
            message: message.into(),
            hint: None,
        }
    }

    /// An error at a position of a file.
    pub fn at(file: &str, line: usize, column: usize, message: impl Into<String>) -> Self {
        InputError {
            file: file.to_string(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
            hint: None,
        }
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
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}
