//! Who is calling: each request's SigV4 signature is parsed and, for keys the emulator
//! knows, verified with the key's secret; the key then names the caller.
//!
//! Unknown keys act as the account root unless the emulator is strict (then they are
//! refused with `UnrecognizedClientException`, as AWS refuses them). Unknown keys cannot
//! be verified: the emulator does not know their secret.

pub mod scope;
pub mod sigv4;

pub use scope::CredentialScope;

use crate::context::Caller;
use crate::iam::Iam;
use axum::http::StatusCode;
use sigv4::{SigV4Error, SignedRequest};
use time::OffsetDateTime;

/// Whether two secrets (session tokens, the admin token, secret keys) are equal, in time
/// that does not depend on where they differ (only on their lengths), so that timing
/// never reveals how much of a guess was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// Why a request could not be authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The signature is missing, malformed, wrong or expired.
    #[error("{0}")]
    Signature(SigV4Error),
    /// The access key (or the session token presented with it) is not one the emulator
    /// issued.
    #[error("The security token included in the request is invalid.")]
    InvalidToken,
    /// The session's credentials have expired.
    #[error("The security token included in the request is expired")]
    ExpiredToken,
}

impl AuthError {
    /// The error code: awsJson services and awsQuery (STS) name them differently.
    pub fn code(&self, query_protocol: bool) -> &'static str {
        match (self, query_protocol) {
            (AuthError::Signature(e), q) => e.code(q),
            (AuthError::InvalidToken, false) => "UnrecognizedClientException",
            (AuthError::InvalidToken, true) => "InvalidClientTokenId",
            (AuthError::ExpiredToken, false) => "ExpiredTokenException",
            (AuthError::ExpiredToken, true) => "ExpiredToken",
        }
    }

    /// The message AWS sends.
    pub fn message(&self) -> String {
        match self {
            AuthError::Signature(e) => e.message(),
            other => other.to_string(),
        }
    }

    /// The HTTP status: 400 for the JSON services, 403 for STS.
    pub fn status(&self, query_protocol: bool) -> StatusCode {
        if query_protocol {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::BAD_REQUEST
        }
    }
}

/// An authenticated request: who signed it, and the scope it was signed for.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub caller: Caller,
    /// The credential scope; `None` for an unsigned request (allowed unless strict).
    pub scope: Option<CredentialScope>,
}

/// What can be checked of a request before its body is read, for a strict emulator:
/// that it is signed, with a key the emulator knows, presented with that key's session
/// token. (The signature itself covers the body and is verified once it is read.)
pub fn pre_authenticate(iam: &Iam, request: &SignedRequest<'_>) -> Result<(), AuthError> {
    let parts = sigv4::parse(request).map_err(AuthError::Signature)?;
    let key = iam
        .find_key(&parts.scope.access_key_id)
        .ok_or(AuthError::InvalidToken)?;
    match (&key.session_token, &parts.security_token) {
        (Some(expected), Some(given))
            if constant_time_eq(expected.as_bytes(), given.as_bytes()) =>
        {
            Ok(())
        }
        (None, None) => Ok(()),
        _ => Err(AuthError::InvalidToken),
    }
}

/// Authenticates a request: returns its caller, or why it is refused. `service` is the
/// signing name of the service the request is for (`ssm`, `kms`, `sts`, `lambda`), when
/// the request names one: a signature scoped to another service is refused.
pub fn authenticate(
    iam: &Iam,
    request: &SignedRequest<'_>,
    service: Option<&str>,
    now: OffsetDateTime,
) -> Result<Authenticated, AuthError> {
    let parts = match sigv4::parse(request) {
        Ok(parts) => parts,
        Err(SigV4Error::Missing) if !iam.strict => {
            return Ok(Authenticated {
                caller: Caller::account_root(&iam.account, None),
                scope: None,
            });
        }
        Err(e) => return Err(AuthError::Signature(e)),
    };
    // The scope is checked for every signature, unknown keys included: its region picks
    // the state the request works on, and a signature for another service or region is
    // no signature for this request.
    sigv4::check_scope(&parts.scope, service).map_err(AuthError::Signature)?;
    let key_id = &parts.scope.access_key_id;
    let Some(key) = iam.find_key(key_id) else {
        // A deleted key is refused as AWS refuses it, never taken for an unknown key
        // (which would act as the account root here).
        return if iam.strict || iam.key_deleted(key_id) {
            Err(AuthError::InvalidToken)
        } else {
            Ok(Authenticated {
                caller: Caller::account_root(&iam.account, Some(key_id.clone())),
                scope: Some(parts.scope),
            })
        };
    };
    match (&key.session_token, &parts.security_token) {
        (Some(expected), Some(given))
            if constant_time_eq(expected.as_bytes(), given.as_bytes()) =>
        {
            if key.expires.is_some_and(|e| e <= now) {
                return Err(AuthError::ExpiredToken);
            }
        }
        (None, None) => {}
        _ => return Err(AuthError::InvalidToken),
    }
    sigv4::verify(request, &parts, &key.secret, now).map_err(AuthError::Signature)?;
    // An Inactive key is refused as AWS refuses it: as a token it does not accept (IAM
    // User Guide, "Manage access keys for IAM users": an inactive key "can't be used").
    if iam.key_inactive(key_id) {
        return Err(AuthError::InvalidToken);
    }
    let caller = iam.caller_for(&key).ok_or(AuthError::InvalidToken)?;
    Ok(Authenticated {
        caller,
        scope: Some(parts.scope),
    })
}
