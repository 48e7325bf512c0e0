//! kubectl's output formats: `get` tables, `describe` pages, `-o json|yaml|name`.

pub mod describe;
pub mod describe_hpa;
pub mod describe_policy;
pub mod explain;
pub mod get;
pub mod table;
pub mod why;
