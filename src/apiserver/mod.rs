//! The API server: the start of the one place that validates, defaults, admits and stores API
//! objects (issue 18 grows it into that place).
//!
//! Today it holds the API's table of resources, its defaults and its validation, the admission
//! plugins that need no simulation (LimitRanger in [`limit_ranger`], ResourceQuota in [`quota`])
//! and the patch types ([`patch`]). The manifest decoder applies defaults and validation to
//! each object it reads, before converting it to kubesim's model, so that whatever a real API
//! server refuses kubesim refuses with the same words; neither module knows about files, so
//! moving the call into the object's way to the store changes neither.

pub mod admission;
pub mod defaults;
pub mod limit_ranger;
pub mod limits;
pub mod patch;
pub mod quota;
pub mod requests;
pub mod resources;
mod server;
mod status;
pub mod validation;

pub use server::{ApiServer, Effect};
pub use status::{Details, Status};
