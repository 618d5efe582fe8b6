//! What the worker needs from the platform: settings, HTTP out, WebCrypto, replies, the
//! order objects' binding, the page rate limit, the one error type and the one guard.

pub mod config;
pub mod errors;
pub mod forward;
pub mod guard;
pub mod limits;
pub mod outbound;
pub mod reply;
pub mod webcrypto;

pub use errors::Error;
