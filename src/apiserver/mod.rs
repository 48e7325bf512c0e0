//! The API server: the one place that validates, defaults, admits and stores API objects
//! (issue 18 grows it into all of that).
//!
//! It holds the API's table of resources, its defaults and its validation, admission
//! ([`admission`], with LimitRanger in [`limit_ranger`] and ResourceQuota in [`quota`]), the
//! patch types ([`patch`]) and the requests on one object ([`requests`]: get, create, update,
//! patch, scale, delete; server-side apply and the field managers it keeps in [`managed`],
//! over the field sets of [`fieldpath`]), which answer with JSON or a [`Status`]. Requests work on an
//! [`ApiServer`] over the stored cluster and report what they changed as [`Effect`]s; the
//! simulation fans those out to the scheduler, the kubelets and the controllers, so nothing
//! here calls them (or imports `crate::sim`). The manifest decoder applies defaults and
//! validation to each object it reads, so that whatever a real API server refuses kubesim
//! refuses with the same words.

pub mod admission;
pub mod defaults;
pub mod fieldpath;
pub mod limit_ranger;
pub mod limits;
pub mod managed;
pub mod patch;
pub mod paths;
pub mod pod_streams;
pub mod protobuf;
pub mod quota;
pub mod read;
pub mod requests;
pub mod resources;
mod server;
mod status;
pub mod tables;
pub mod validation;

pub use server::{ApiServer, Effect};
pub use status::{Cause, Details, Status};
