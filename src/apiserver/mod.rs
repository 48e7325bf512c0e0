//! The API server: the start of the one place that validates, defaults, admits and stores API
//! objects (issue 18 grows it into that place).
//!
//! Today it holds the API's table of resources, its defaults and its validation. The manifest decoder applies them to
//! each object it reads, before converting it to kubesim's model, so that whatever a real API
//! server refuses kubesim refuses with the same words; neither module knows about files, so
//! moving the call into the object's way to the store changes neither.

pub mod defaults;
pub mod limits;
pub mod read;
pub mod resources;
pub mod tables;
pub mod validation;
