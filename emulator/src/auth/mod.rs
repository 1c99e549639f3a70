//! Who is calling: the SigV4 credential scope of each request.
//!
//! Today this reads the scope (access key, date, region, service) without verifying the
//! signature; signature verification and principals build on it.

pub mod scope;
pub mod sigv4;

pub use scope::CredentialScope;
