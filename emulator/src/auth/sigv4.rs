//! AWS Signature Version 4 verification: parsing the signature of a request (the
//! `Authorization` header or a presigned query string) and checking it against the
//! secret access key of the key that signed it.
//!
//! The canonical form follows what the AWS SDKs sign for every service other than S3
//! (the defaults of the Rust SDK's `aws-sigv4`, which the tests use as an oracle):
//!
//! - the path, as received, has its `.`/`..`/empty segments removed (RFC 3986 §5.2.4,
//!   keeping a trailing slash) and each segment is percent-encoded again with the
//!   RFC 3986 unreserved set ("double encoding": `%3D` becomes `%253D`);
//! - query parameters are decoded as `application/x-www-form-urlencoded` (so `+` is a
//!   space), re-encoded with the unreserved set and sorted by key, then value;
//! - each signed header's values are trimmed of spaces, runs of spaces collapsed to
//!   one, and repeated headers joined with `,`;
//! - the payload hash is the hex SHA-256 of the body, or the `x-amz-content-sha256`
//!   header when one is sent (which must then be `UNSIGNED-PAYLOAD` or the body's real
//!   hash: an unsigned header could otherwise vouch for a tampered body).
//!
//! Signers disagree on two details, so when the first attempt does not match the
//! verifier retries (only then, so correct requests pay nothing):
//! - presigned URLs: S3-style signers (and the brief) use `UNSIGNED-PAYLOAD`, while
//!   botocore's and the AWS test suite's non-S3 presigning hash the (empty) body;
//! - header values with tabs or other whitespace: `aws-sigv4` and Go collapse only
//!   spaces, botocore, the JS and Java SDKs collapse all whitespace.
//!
//! Error codes (see [`SigV4Error::code`]): awsJson services use
//! `MissingAuthenticationTokenException`, `IncompleteSignatureException` and
//! `InvalidSignatureException`; STS (awsQuery) uses `MissingAuthenticationToken`,
//! `IncompleteSignature` and `SignatureDoesNotMatch`. Scope problems, an unsigned
//! `host`, clock skew and a payload-hash mismatch are all signature failures
//! (`InvalidSignatureException` / `SignatureDoesNotMatch`), as AWS reports them. An
//! expired presigned URL is `AccessDenied` ("Request has expired") under awsQuery, as
//! STS answers, and `InvalidSignatureException` for the JSON services.
//!
//! No error message, `Display` or `Debug` output contains the secret access key; the
//! session token is redacted from `Debug` output and from the canonical request kept in
//! [`SigV4Error::Mismatch`].

use std::borrow::Cow;
use std::fmt;

use axum::http::HeaderMap;
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::CredentialScope;

/// The only algorithm supported: `AWS4-HMAC-SHA256`.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The payload hash of requests whose body is not signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// How far the signing time may be from the server's clock, either way.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(15);
/// The longest validity a presigned URL may ask for (`X-Amz-Expires`): one week.
pub const MAX_PRESIGNED_EXPIRES: u64 = 604_800;

const MISMATCH_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const SECURITY_TOKEN_HEADER: &str = "x-amz-security-token";
const CONTENT_SHA256_HEADER: &str = "x-amz-content-sha256";

/// Characters left as they are by SigV4's URI encoding: RFC 3986's unreserved set.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

type HmacSha256 = Hmac<Sha256>;

/// What the verifier needs from an HTTP request, as received.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The HTTP method, e.g. `POST`.
    pub method: &'a str,
    /// The raw path as received (still percent-encoded), e.g.
    /// `/2015-03-31/functions/f/invocations`.
    pub path: &'a str,
    /// The raw query string without `?`; may be empty.
    pub query: &'a str,
    /// The request's headers.
    pub headers: &'a HeaderMap,
    /// The whole request body.
    pub body: &'a [u8],
}

/// The parts of a SigV4 signature found in the request (header or presigned query).
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureParts {
    /// The credential scope (`AKID/DATE/REGION/SERVICE/aws4_request`).
    pub scope: CredentialScope,
    /// The signed header names, in the order the client listed them.
    pub signed_headers: Vec<String>,
    /// The signature the client sent (hex).
    pub signature: String,
    /// The signing time, `YYYYMMDDTHHMMSSZ` (from `X-Amz-Date`, or the `Date` header).
    pub amz_date: String,
    /// The session token (`X-Amz-Security-Token` header or query parameter), if any.
    pub security_token: Option<String>,
    /// Whether the signature came from the query string (a presigned URL).
    pub presigned: bool,
    /// For presigned URLs, `X-Amz-Expires`: how many seconds after the signing time
    /// the URL stays valid. `None` means only the clock-skew window applies.
    pub expires: Option<u64>,
}

impl fmt::Debug for SignatureParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureParts")
            .field("scope", &self.scope)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .field("amz_date", &self.amz_date)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "** redacted **"),
            )
            .field("presigned", &self.presigned)
            .field("expires", &self.expires)
            .finish()
    }
}

/// Why a request's signature is refused. Messages follow AWS's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    /// No `Authorization` header and no presigned query parameters.
    #[error("Missing Authentication Token")]
    Missing,
    /// The signature is malformed or incomplete (missing parameters, unknown
    /// algorithm, unparsable date or credential).
    #[error("{0}")]
    Incomplete(String),
    /// The signature does not match. The canonical request (with any session token
    /// redacted) and the string to sign are kept for debugging; neither is sent.
    #[error("{}", MISMATCH_MESSAGE)]
    Mismatch {
        /// The canonical request the verifier computed.
        canonical_request: String,
        /// The string to sign the verifier computed.
        string_to_sign: String,
    },
    /// The signing time is more than 15 minutes away from the server's clock.
    #[error("{0}")]
    Expired(String),
    /// The credential scope is wrong: its date differs from the signing date, its
    /// terminator is not `aws4_request`, or (see [`check_scope`]) it names no valid
    /// region or another service.
    #[error("{0}")]
    BadScope(String),
    /// `host` is not among the signed headers.
    #[error("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")]
    HostNotSigned,
    /// A presigned URL used after its `X-Amz-Expires`.
    #[error("Request has expired")]
    PresignedExpired,
    /// The `x-amz-content-sha256` header is neither `UNSIGNED-PAYLOAD` nor the body's
    /// SHA-256.
    #[error("The provided 'x-amz-content-sha256' header does not match what was computed.")]
    PayloadHashMismatch,
}

impl SigV4Error {
    /// The error code: awsJson services (`query_protocol == false`) and awsQuery (STS)
    /// name them differently.
    pub fn code(&self, query_protocol: bool) -> &'static str {
        match (self, query_protocol) {
            (SigV4Error::Missing, false) => "MissingAuthenticationTokenException",
            (SigV4Error::Missing, true) => "MissingAuthenticationToken",
            (SigV4Error::Incomplete(_), false) => "IncompleteSignatureException",
            (SigV4Error::Incomplete(_), true) => "IncompleteSignature",
            (SigV4Error::PresignedExpired, true) => "AccessDenied",
            (
                SigV4Error::Mismatch { .. }
                | SigV4Error::Expired(_)
                | SigV4Error::BadScope(_)
                | SigV4Error::HostNotSigned
                | SigV4Error::PresignedExpired
                | SigV4Error::PayloadHashMismatch,
                false,
            ) => "InvalidSignatureException",
            (
                SigV4Error::Mismatch { .. }
                | SigV4Error::Expired(_)
                | SigV4Error::BadScope(_)
                | SigV4Error::HostNotSigned
                | SigV4Error::PayloadHashMismatch,
                true,
            ) => "SignatureDoesNotMatch",
        }
    }

    /// The message AWS sends with the error.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// Finds and parses the signature parts: the `Authorization` header, or else the
/// `X-Amz-Algorithm`/`X-Amz-Credential`/`X-Amz-SignedHeaders`/`X-Amz-Signature`/
/// `X-Amz-Date`/`X-Amz-Expires`/`X-Amz-Security-Token` query parameters of a presigned
/// URL. Only the request's shape is checked here; [`verify`] checks time and signature.
pub fn parse(request: &SignedRequest) -> Result<SignatureParts, SigV4Error> {
    if let Some(value) = request.headers.get(axum::http::header::AUTHORIZATION) {
        let header = String::from_utf8_lossy(value.as_bytes());
        if !header.trim().is_empty() {
            return parse_authorization(request, header.trim());
        }
    }
    parse_presigned(request)
}

/// Verifies the signature with the secret key of `parts.scope.access_key_id`, at time
/// `now`: the clock skew (or a presigned URL's expiry), the scope's date, the payload
/// hash header, then the signature itself (compared in constant time).
pub fn verify(
    request: &SignedRequest,
    parts: &SignatureParts,
    secret_access_key: &str,
    now: OffsetDateTime,
) -> Result<(), SigV4Error> {
    let signed_at = parse_amz_date(&parts.amz_date)
        .ok_or_else(|| SigV4Error::Incomplete(bad_date_message(&parts.amz_date)))?;
    check_time(parts, signed_at, now)?;
    check_scope_date(parts)?;
    let (payload_hash, alternate_payload_hash) = payload_hashes(request, parts)?;

    let key = cached_signing_key(
        secret_access_key,
        &parts.scope.date,
        &parts.scope.region,
        &parts.scope.service,
    );
    let mut canonical = String::with_capacity(
        256 + request.path.len() + 2 * request.query.len() + 32 * parts.signed_headers.len(),
    );
    let primary = Canonicalization {
        whitespace: Whitespace::Spaces,
        redact_token: false,
    };
    write_canonical_request(&mut canonical, request, parts, &payload_hash, primary);
    let primary_string_to_sign = string_to_sign(&parts.amz_date, &parts.scope, &canonical);
    if signature_matches(&key, &primary_string_to_sign, &parts.signature) {
        return Ok(());
    }

    // The signers' known disagreements (see the module documentation).
    let other_whitespace = signed_values_have_other_whitespace(request, parts);
    let attempts = [
        (alternate_payload_hash.as_deref(), Whitespace::Spaces),
        (
            Some(payload_hash.as_ref()).filter(|_| other_whitespace),
            Whitespace::All,
        ),
        (
            alternate_payload_hash
                .as_deref()
                .filter(|_| other_whitespace),
            Whitespace::All,
        ),
    ];
    for (hash, whitespace) in attempts {
        let Some(hash) = hash else { continue };
        canonical.clear();
        let options = Canonicalization {
            whitespace,
            redact_token: false,
        };
        write_canonical_request(&mut canonical, request, parts, hash, options);
        let sts = string_to_sign(&parts.amz_date, &parts.scope, &canonical);
        if signature_matches(&key, &sts, &parts.signature) {
            return Ok(());
        }
    }

    canonical.clear();
    let redacted = Canonicalization {
        whitespace: Whitespace::Spaces,
        redact_token: true,
    };
    write_canonical_request(&mut canonical, request, parts, &payload_hash, redacted);
    Err(SigV4Error::Mismatch {
        canonical_request: canonical,
        string_to_sign: primary_string_to_sign,
    })
}

/// Checks what a credential scope names besides its date (checked when it is parsed): a
/// region spelled as AWS spells regions, and `service` (the endpoint's signing name), when
/// the endpoint is known. Each problem is worded as AWS words it, with the trailing space
/// AWS leaves after each sentence: "Credential should be scoped to a valid region, not
/// 'xx'. " (STS's `SignatureDoesNotMatch` in cognitect-labs/aws-api#27, the JSON services'
/// in joona/aws-es-curl#15) and "Credential should be scoped to correct service: 'ssm'. "
/// (`InvalidSignatureException`, HTTP 400, in aws/aws-sdk-ruby#431 and
/// disneystreaming/smithy4s#1568). A real endpoint serves one region; this one serves
/// every region, so any well-formed region name is valid, and junk (which would otherwise
/// create a region's state, newlines included) is not.
pub fn check_scope(scope: &CredentialScope, service: Option<&str>) -> Result<(), SigV4Error> {
    let mut problems = String::new();
    if !is_region_name(&scope.region) {
        problems.push_str(&format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            scope.region
        ));
    }
    if let Some(service) = service.filter(|s| *s != scope.service) {
        problems.push_str(&format!(
            "Credential should be scoped to correct service: '{service}'. "
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SigV4Error::BadScope(problems))
    }
}

/// Whether `region` is spelled as the regions of AWS's partitions are
/// (`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$`: `us-east-1`, `us-gov-west-1`,
/// `cn-north-1`, `us-isob-east-1`, `eu-isoe-west-1`); not `aws-global` or `local`.
pub fn is_region_name(region: &str) -> bool {
    let lower = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase());
    let parts: Vec<&str> = region.split('-').collect();
    let (first, middle, last) = match parts.as_slice() {
        [first, middle @ .., last] => (*first, middle, *last),
        _ => return false,
    };
    let country = first.len() == 2 && lower(first);
    let number = (1..=2).contains(&last.len()) && last.bytes().all(|b| b.is_ascii_digit());
    let named = match middle {
        [direction] => lower(direction),
        [partition, direction] => {
            let isolated = partition.strip_prefix("iso").is_some_and(|rest| {
                rest.len() <= 1 && rest.bytes().all(|b| b.is_ascii_lowercase())
            });
            (*partition == "gov" || isolated) && lower(direction)
        }
        _ => false,
    };
    country && number && named
}

pub fn canonical_request(
    request: &SignedRequest,
    parts: &SignatureParts,
    payload_hash: &str,
) -> String {
    let mut out = String::with_capacity(256 + request.path.len() + 2 * request.query.len());
    let options = Canonicalization {
        whitespace: Whitespace::Spaces,
        redact_token: false,
    };
    write_canonical_request(&mut out, request, parts, payload_hash, options);
    out
}

/// The payload hash a signer puts in the canonical request: `UNSIGNED-PAYLOAD` for
/// presigned URLs, the `x-amz-content-sha256` header when sent (checked against the
/// body), else the hex SHA-256 of the body.
pub fn payload_hash(request: &SignedRequest, parts: &SignatureParts) -> Result<String, SigV4Error> {
    payload_hashes(request, parts).map(|(hash, _)| hash.into_owned())
}

/// The canonical URI of a raw (still percent-encoded) path: dot segments and empty
/// segments removed, each segment percent-encoded again.
pub fn canonical_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    write_canonical_uri(&mut out, path);
    out
}

/// The canonical query string of a raw query string (`X-Amz-Signature` left out when
/// `presigned`).
pub fn canonical_query(query: &str, presigned: bool) -> String {
    let mut out = String::with_capacity(query.len() * 2);
    write_canonical_query(&mut out, query, presigned);
    out
}

/// The string to sign: algorithm, signing time, credential scope and the hex SHA-256
/// of the canonical request, one a line.
pub fn string_to_sign(amz_date: &str, scope: &CredentialScope, canonical_request: &str) -> String {
    let hash = lower_hex(&Sha256::digest(canonical_request.as_bytes()));
    let mut out = String::with_capacity(
        ALGORITHM.len()
            + amz_date.len()
            + scope.date.len()
            + scope.region.len()
            + scope.service.len()
            + hash.len()
            + 20,
    );
    for piece in [
        ALGORITHM,
        "\n",
        amz_date,
        "\n",
        &scope.date,
        "/",
        &scope.region,
        "/",
        &scope.service,
        "/aws4_request\n",
        &hash,
    ] {
        out.push_str(piece);
    }
    out
}

/// The signing key: HMAC-SHA256 chained over `"AWS4" + secret`, the date (`YYYYMMDD`),
/// the region, the service and `aws4_request`.
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac_sha256(&[b"AWS4", secret_access_key.as_bytes()], date.as_bytes());
    let k_region = hmac_sha256(&[&k_date], region.as_bytes());
    let k_service = hmac_sha256(&[&k_region], service.as_bytes());
    hmac_sha256(&[&k_service], b"aws4_request")
}

/// [`signing_key`], derived once per secret, day, region and service and then reused:
/// an SDK signs every request of a day with the same key, and deriving it costs four
/// HMACs. Each thread keeps the last few keys it derived (in memory only).
fn cached_signing_key(
    secret_access_key: &str,
    date: &str,
    region: &str,
    service: &str,
) -> [u8; 32] {
    struct Derived {
        secret: String,
        date: String,
        region: String,
        service: String,
        key: [u8; 32],
    }
    const KEPT: usize = 16;
    thread_local! {
        static DERIVED: std::cell::RefCell<(Vec<Derived>, usize)> =
            const { std::cell::RefCell::new((Vec::new(), 0)) };
    }
    DERIVED.with(|cell| {
        let (derived, next) = &mut *cell.borrow_mut();
        if let Some(found) = derived.iter().find(|d| {
            d.date == date
                && d.region == region
                && d.service == service
                && super::constant_time_eq(d.secret.as_bytes(), secret_access_key.as_bytes())
        }) {
            return found.key;
        }
        let key = signing_key(secret_access_key, date, region, service);
        let entry = Derived {
            secret: secret_access_key.to_owned(),
            date: date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
            key,
        };
        if derived.len() < KEPT {
            derived.push(entry);
        } else {
            derived[*next % KEPT] = entry;
            *next = (*next + 1) % KEPT;
        }
        key
    })
}

/// Lower-case hex of a digest (as `hex::encode`, by table: this runs twice a request).
fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// The hex signature of `string_to_sign` with `signing_key`.
pub fn signature(signing_key: &[u8; 32], string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(&[signing_key], string_to_sign.as_bytes()))
}

// ---------------------------------------------------------------------------------------
// Parsing

fn parse_authorization(
    request: &SignedRequest,
    header: &str,
) -> Result<SignatureParts, SigV4Error> {
    let (algorithm, rest) = header.split_once(' ').unwrap_or((header, ""));
    if algorithm != ALGORITHM && algorithm.starts_with("AWS") {
        return Err(SigV4Error::Incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'."
        )));
    }
    // Another scheme altogether (`Bearer ...`, `Basic ...`): AWS reports every SigV4
    // parameter as missing.
    let rest = if algorithm == ALGORITHM { rest } else { "" };
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return Err(SigV4Error::Incomplete(format!(
                "'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'"
            )));
        };
        let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        let value = value.trim();
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value);
        }
    }

    let date = header_date(request.headers);
    let mut missing = String::new();
    for (absent, text) in [
        (
            credential.is_none(),
            "Authorization header requires 'Credential' parameter. ",
        ),
        (
            signature.is_none(),
            "Authorization header requires 'Signature' parameter. ",
        ),
        (
            signed_headers.is_none(),
            "Authorization header requires 'SignedHeaders' parameter. ",
        ),
        (
            date.is_none(),
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        ),
    ] {
        if absent {
            missing.push_str(text);
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature), Some(date)) =
        (credential, signed_headers, signature, date)
    else {
        missing.push_str("Authorization=");
        missing.push_str(header);
        return Err(SigV4Error::Incomplete(missing));
    };

    let signed_headers = split_signed_headers(signed_headers)?;
    let amz_date = match date {
        HeaderDate::AmzDate(value) => parse_amz_date(&value)
            .map(|_| value.clone())
            .ok_or_else(|| SigV4Error::Incomplete(bad_date_message(&value)))?,
        HeaderDate::Date(value) => parse_http_date(&value)
            .or_else(|| parse_amz_date(value.trim()))
            .and_then(format_amz_date)
            .ok_or_else(|| SigV4Error::Incomplete(bad_date_message(&value)))?,
    };
    let scope = parse_credential(credential, &amz_date)?;
    let security_token = request
        .headers
        .get(SECURITY_TOKEN_HEADER)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    Ok(SignatureParts {
        scope,
        signed_headers,
        signature: signature.to_owned(),
        amz_date,
        security_token,
        presigned: false,
        expires: None,
    })
}

fn parse_presigned(request: &SignedRequest) -> Result<SignatureParts, SigV4Error> {
    let mut algorithm = None;
    let mut credential = None;
    let mut date = None;
    let mut expires = None;
    let mut signed_headers = None;
    let mut signature = None;
    let mut security_token = None;
    for (key, value) in form_urlencoded::parse(request.query.as_bytes()) {
        let slot = match key.as_ref() {
            "X-Amz-Algorithm" => &mut algorithm,
            "X-Amz-Credential" => &mut credential,
            "X-Amz-Date" => &mut date,
            "X-Amz-Expires" => &mut expires,
            "X-Amz-SignedHeaders" => &mut signed_headers,
            "X-Amz-Signature" => &mut signature,
            "X-Amz-Security-Token" => &mut security_token,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    if algorithm.is_none() && credential.is_none() && signature.is_none() {
        return Err(SigV4Error::Missing);
    }
    let (Some(algorithm), Some(credential), Some(signature), Some(date), Some(signed_headers)) =
        (algorithm, credential, signature, date, signed_headers)
    else {
        return Err(SigV4Error::Incomplete(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date and X-Amz-SignedHeaders parameters."
                .to_owned(),
        ));
    };
    if algorithm != ALGORITHM {
        return Err(SigV4Error::Incomplete(format!(
            "X-Amz-Algorithm only supports \"{ALGORITHM}\""
        )));
    }
    let signed_headers = split_signed_headers(&signed_headers)?;
    if parse_amz_date(&date).is_none() {
        return Err(SigV4Error::Incomplete(bad_date_message(&date)));
    }
    let expires = match expires {
        None => None,
        Some(value) => Some(parse_expires(&value)?),
    };
    let scope = parse_credential(&credential, &date)?;
    Ok(SignatureParts {
        scope,
        signed_headers,
        signature: signature.into_owned(),
        amz_date: date.into_owned(),
        security_token: security_token.map(Cow::into_owned),
        presigned: true,
        expires,
    })
}

fn parse_expires(value: &str) -> Result<u64, SigV4Error> {
    let seconds: u64 = value.trim().parse().map_err(|_| {
        SigV4Error::Incomplete(format!(
            "X-Amz-Expires should be a number of seconds, not '{value}'"
        ))
    })?;
    if seconds == 0 {
        return Err(SigV4Error::Incomplete(
            "X-Amz-Expires must be at least 1 second".to_owned(),
        ));
    }
    if seconds > MAX_PRESIGNED_EXPIRES {
        return Err(SigV4Error::Incomplete(format!(
            "X-Amz-Expires must be less than a week (in seconds) that is {MAX_PRESIGNED_EXPIRES}"
        )));
    }
    Ok(seconds)
}

/// Splits `SignedHeaders` on `;`, keeping the client's names and order (the list is
/// signed as sent), and requires `host` among them.
fn split_signed_headers(list: &str) -> Result<Vec<String>, SigV4Error> {
    let names: Vec<String> = list.split(';').map(str::to_owned).collect();
    if names.iter().any(|name| name.eq_ignore_ascii_case("host")) {
        Ok(names)
    } else {
        Err(SigV4Error::HostNotSigned)
    }
}

/// Reads the credential scope, explaining in AWS's words what is wrong with a bad one.
fn parse_credential(credential: &str, amz_date: &str) -> Result<CredentialScope, SigV4Error> {
    let credential = credential.trim();
    if let Some(scope) = CredentialScope::from_credential(credential) {
        return Ok(scope);
    }
    let malformed = || {
        SigV4Error::Incomplete(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
        ))
    };
    let mut fields = credential.split('/');
    let (Some(key), Some(date), Some(region), Some(service), Some(terminator), None) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return Err(malformed());
    };
    if key.is_empty() || region.is_empty() || service.is_empty() {
        return Err(malformed());
    }
    let mut problems = Vec::new();
    if terminator != "aws4_request" {
        problems.push(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
        ));
    }
    let expected = amz_date.get(..8).unwrap_or(amz_date);
    if date != expected {
        problems.push(scope_date_message(date, expected, amz_date));
    }
    if problems.is_empty() {
        // from_credential refused it for a reason not listed above; be safe.
        return Err(malformed());
    }
    Err(SigV4Error::BadScope(problems.join(" ")))
}

enum HeaderDate {
    AmzDate(String),
    Date(String),
}

fn header_date(headers: &HeaderMap) -> Option<HeaderDate> {
    if let Some(value) = headers.get("x-amz-date") {
        return Some(HeaderDate::AmzDate(
            String::from_utf8_lossy(value.as_bytes()).trim().to_owned(),
        ));
    }
    headers
        .get(axum::http::header::DATE)
        .map(|value| HeaderDate::Date(String::from_utf8_lossy(value.as_bytes()).into_owned()))
}

fn bad_date_message(value: &str) -> String {
    format!(
        "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
    )
}

fn scope_date_message(scope_date: &str, expected: &str, amz_date: &str) -> String {
    format!(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope_date}' != '{expected}', from '{amz_date}'."
    )
}

/// Parses `YYYYMMDDTHHMMSSZ`.
fn parse_amz_date(value: &str) -> Option<OffsetDateTime> {
    let bytes = value.as_bytes();
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        bytes.get(from..to)?.iter().try_fold(0u32, |acc, &b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    let month = Month::try_from(u8::try_from(number(4, 6)?).ok()?).ok()?;
    let day = u8::try_from(number(6, 8)?).ok()?;
    let hour = u8::try_from(number(9, 11)?).ok()?;
    let minute = u8::try_from(number(11, 13)?).ok()?;
    let second = u8::try_from(number(13, 15)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// Parses an RFC 1123 date (`Sun, 30 Aug 2015 12:36:00 GMT`), the `Date` header's form.
fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    let (_weekday, rest) = value.trim().split_once(", ")?;
    let mut fields = rest.split(' ').filter(|f| !f.is_empty());
    let day: u8 = fields.next()?.parse().ok()?;
    let month = match fields.next()? {
        "Jan" => Month::January,
        "Feb" => Month::February,
        "Mar" => Month::March,
        "Apr" => Month::April,
        "May" => Month::May,
        "Jun" => Month::June,
        "Jul" => Month::July,
        "Aug" => Month::August,
        "Sep" => Month::September,
        "Oct" => Month::October,
        "Nov" => Month::November,
        "Dec" => Month::December,
        _ => return None,
    };
    let year: i32 = fields.next()?.parse().ok()?;
    let mut clock = fields.next()?.split(':');
    let hour: u8 = clock.next()?.parse().ok()?;
    let minute: u8 = clock.next()?.parse().ok()?;
    let second: u8 = clock.next()?.parse().ok()?;
    if clock.next().is_some() || !matches!(fields.next()?, "GMT" | "UTC") || fields.next().is_some()
    {
        return None;
    }
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// Formats a time as `YYYYMMDDTHHMMSSZ` (in UTC).
fn format_amz_date(at: OffsetDateTime) -> Option<String> {
    let at = at.checked_to_offset(UtcOffset::UTC)?;
    if !(0..=9999).contains(&at.year()) {
        return None;
    }
    Some(format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    ))
}

fn format_or_unknown(at: Option<OffsetDateTime>) -> String {
    at.and_then(format_amz_date)
        .unwrap_or_else(|| "(out of range)".to_owned())
}

// ---------------------------------------------------------------------------------------
// Checks

fn check_time(
    parts: &SignatureParts,
    signed_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), SigV4Error> {
    if signed_at - now > MAX_CLOCK_SKEW {
        return Err(SigV4Error::Expired(format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            parts.amz_date,
            format_or_unknown(now.checked_add(MAX_CLOCK_SKEW)),
            format_or_unknown(Some(now)),
        )));
    }
    match parts.expires.filter(|_| parts.presigned) {
        Some(expires) => {
            let valid_for = Duration::seconds(i64::try_from(expires).unwrap_or(i64::MAX));
            if now - signed_at > valid_for {
                return Err(SigV4Error::PresignedExpired);
            }
        }
        None => {
            if now - signed_at > MAX_CLOCK_SKEW {
                return Err(SigV4Error::Expired(format!(
                    "Signature expired: {} is now earlier than {} ({} - 15 min.)",
                    parts.amz_date,
                    format_or_unknown(now.checked_sub(MAX_CLOCK_SKEW)),
                    format_or_unknown(Some(now)),
                )));
            }
        }
    }
    Ok(())
}

fn check_scope_date(parts: &SignatureParts) -> Result<(), SigV4Error> {
    let expected = parts.amz_date.get(..8).unwrap_or(&parts.amz_date);
    if parts.scope.date == expected {
        Ok(())
    } else {
        Err(SigV4Error::BadScope(scope_date_message(
            &parts.scope.date,
            expected,
            &parts.amz_date,
        )))
    }
}

/// The payload hash to sign with, and another to try if the first does not match.
fn payload_hashes<'r>(
    request: &'r SignedRequest,
    parts: &SignatureParts,
) -> Result<(Cow<'r, str>, Option<String>), SigV4Error> {
    if parts.presigned {
        return Ok((
            Cow::Borrowed(UNSIGNED_PAYLOAD),
            Some(lower_hex(&Sha256::digest(request.body))),
        ));
    }
    let Some(declared) = request.headers.get(CONTENT_SHA256_HEADER) else {
        return Ok((Cow::Owned(lower_hex(&Sha256::digest(request.body))), None));
    };
    let declared = declared
        .to_str()
        .map_err(|_| SigV4Error::PayloadHashMismatch)?;
    if declared == UNSIGNED_PAYLOAD {
        return Ok((Cow::Borrowed(declared), None));
    }
    let actual = Sha256::digest(request.body);
    let mut decoded = [0u8; 32];
    if declared.len() == 64
        && hex::decode_to_slice(declared, &mut decoded).is_ok()
        && decoded[..] == actual[..]
    {
        Ok((Cow::Borrowed(declared), None))
    } else {
        Err(SigV4Error::PayloadHashMismatch)
    }
}

fn signature_matches(key: &[u8; 32], string_to_sign: &str, provided: &str) -> bool {
    let mut tag = [0u8; 32];
    if provided.len() != 64
        || !provided
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        || hex::decode_to_slice(provided, &mut tag).is_err()
    {
        return false;
    }
    hmac_with_key(&[key])
        .chain_update(string_to_sign.as_bytes())
        .verify_slice(&tag)
        .is_ok()
}

/// An HMAC-SHA256 keyed with the concatenation of `key_parts`, built without copying
/// the key to the heap: HMAC zero-pads keys up to the 64-byte block and hashes longer
/// ones, which is done here so that construction cannot fail.
fn hmac_with_key(key_parts: &[&[u8]]) -> HmacSha256 {
    let mut block = [0u8; 64];
    let len: usize = key_parts.iter().map(|p| p.len()).sum();
    if len <= block.len() {
        let mut at = 0;
        for part in key_parts {
            block[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
    } else {
        let mut hasher = Sha256::new();
        for part in key_parts {
            hasher.update(part);
        }
        block[..32].copy_from_slice(&hasher.finalize());
    }
    HmacSha256::new(&block.into())
}

fn hmac_sha256(key_parts: &[&[u8]], data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(
        &hmac_with_key(key_parts)
            .chain_update(data)
            .finalize()
            .into_bytes(),
    );
    out
}

// ---------------------------------------------------------------------------------------
// Canonical request

#[derive(Clone, Copy, PartialEq, Eq)]
enum Whitespace {
    /// Trim spaces and collapse runs of spaces (aws-sigv4, Go).
    Spaces,
    /// Trim and collapse all whitespace (botocore, JS, Java).
    All,
}

#[derive(Clone, Copy)]
struct Canonicalization {
    whitespace: Whitespace,
    redact_token: bool,
}

fn write_canonical_request(
    out: &mut String,
    request: &SignedRequest,
    parts: &SignatureParts,
    payload_hash: &str,
    options: Canonicalization,
) {
    out.push_str(request.method);
    out.push('\n');
    write_canonical_uri(out, request.path);
    out.push('\n');
    write_canonical_query(out, request.query, parts.presigned);
    out.push('\n');
    for name in &parts.signed_headers {
        out.push_str(name);
        out.push(':');
        if options.redact_token && name.eq_ignore_ascii_case(SECURITY_TOKEN_HEADER) {
            let length: usize = request
                .headers
                .get_all(name.as_str())
                .iter()
                .map(|v| v.len())
                .sum();
            out.push_str("** redacted (length=");
            out.push_str(&length.to_string());
            out.push_str(") **");
        } else {
            for (i, value) in request.headers.get_all(name.as_str()).iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_header_value(
                    out,
                    &String::from_utf8_lossy(value.as_bytes()),
                    options.whitespace,
                );
            }
        }
        out.push('\n');
    }
    out.push('\n');
    for (i, name) in parts.signed_headers.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(name);
    }
    out.push('\n');
    out.push_str(payload_hash);
}

fn write_header_value(out: &mut String, value: &str, whitespace: Whitespace) {
    let mut first = true;
    let mut push = |word: &str| {
        if !first {
            out.push(' ');
        }
        out.push_str(word);
        first = false;
    };
    match whitespace {
        Whitespace::Spaces => value
            .split(' ')
            .filter(|w| !w.is_empty())
            .for_each(&mut push),
        Whitespace::All => value.split_whitespace().for_each(&mut push),
    }
}

fn signed_values_have_other_whitespace(request: &SignedRequest, parts: &SignatureParts) -> bool {
    parts.signed_headers.iter().any(|name| {
        request.headers.get_all(name.as_str()).iter().any(|value| {
            String::from_utf8_lossy(value.as_bytes())
                .chars()
                .any(|c| c.is_whitespace() && c != ' ')
        })
    })
}

/// Writes the canonical URI: RFC 3986 dot-segment removal on the raw path (empty
/// segments dropped, a trailing slash kept), each segment percent-encoded again.
fn write_canonical_uri(out: &mut String, path: &str) {
    let start = out.len();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if let Some(slash) = out[start..].rfind('/') {
                    out.truncate(start + slash);
                }
            }
            segment => {
                out.push('/');
                out.extend(utf8_percent_encode(segment, UNRESERVED));
            }
        }
    }
    let ends_with_slash = ["/", "/.", "/.."].iter().any(|end| path.ends_with(end));
    if out.len() == start || (ends_with_slash && !out.ends_with('/')) {
        out.push('/');
    }
}

/// Writes the canonical query string: form-decoded pairs, re-encoded with the
/// unreserved set, sorted by key then value.
fn write_canonical_query(out: &mut String, query: &str, presigned: bool) {
    if query.is_empty() {
        return;
    }
    let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(key, _)| !(presigned && key == "X-Amz-Signature"))
        .map(|(key, value)| (uri_encode(key), uri_encode(value)))
        .collect();
    pairs.sort_unstable();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
}

fn uri_encode(value: Cow<'_, str>) -> Cow<'_, str> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    if value.bytes().all(unreserved) {
        value
    } else {
        Cow::Owned(utf8_percent_encode(&value, UNRESERVED).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;
    use aws_sigv4::http_request::{
        sign, PayloadChecksumKind, SignableBody, SignableRequest, SignatureLocation,
        SigningSettings,
    };
    use axum::http::{HeaderName, HeaderValue, Request, Uri};
    use proptest::prelude::*;
    use std::time::SystemTime;
    use time::macros::datetime;

    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const T0: OffsetDateTime = datetime!(2015-08-30 12:36:00 UTC);
    const VANILLA_SIGNATURE: &str =
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    const VANILLA_CANONICAL: &str = "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const VANILLA_STRING_TO_SIGN: &str = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";

    /// A request as the server receives it.
    #[derive(Clone)]
    struct Received {
        method: String,
        uri: Uri,
        headers: HeaderMap,
        body: Vec<u8>,
    }

    impl Received {
        fn new(method: &str, uri: &str, headers: &[(&str, &str)], body: &[u8]) -> Self {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                map.append(
                    HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    HeaderValue::from_str(value).unwrap(),
                );
            }
            Received {
                method: method.to_owned(),
                uri: uri.parse().unwrap(),
                headers: map,
                body: body.to_vec(),
            }
        }

        fn request(&self) -> SignedRequest<'_> {
            SignedRequest {
                method: &self.method,
                path: self.uri.path(),
                query: self.uri.query().unwrap_or(""),
                headers: &self.headers,
                body: &self.body,
            }
        }

        fn parse(&self) -> Result<SignatureParts, SigV4Error> {
            parse(&self.request())
        }

        fn check(&self, secret: &str, now: OffsetDateTime) -> Result<SignatureParts, SigV4Error> {
            let request = self.request();
            let parts = parse(&request)?;
            verify(&request, &parts, secret, now)?;
            Ok(parts)
        }

        fn set_header(&mut self, name: &'static str, value: &str) {
            self.headers
                .insert(name, HeaderValue::from_str(value).unwrap());
        }
    }

    /// How to sign a request with the real `aws-sigv4` signer.
    struct Sdk<'a> {
        method: &'a str,
        url: &'a str,
        headers: Vec<(&'a str, &'a str)>,
        body: &'a [u8],
        token: Option<&'a str>,
        region: &'a str,
        service: &'a str,
        presign_for: Option<u64>,
        body_kind: BodyKind,
        content_sha256_header: bool,
        at: OffsetDateTime,
    }

    #[derive(Clone, Copy)]
    enum BodyKind {
        Bytes,
        Unsigned,
    }

    impl<'a> Sdk<'a> {
        fn new(method: &'a str, url: &'a str) -> Self {
            Sdk {
                method,
                url,
                headers: Vec::new(),
                body: b"",
                token: None,
                region: "us-east-1",
                service: "ssm",
                presign_for: None,
                body_kind: BodyKind::Bytes,
                content_sha256_header: false,
                at: T0,
            }
        }

        fn sign(&self) -> Received {
            let identity =
                Credentials::new(AKID, SECRET, self.token.map(str::to_owned), None, "test").into();
            let mut settings = SigningSettings::default();
            if let Some(seconds) = self.presign_for {
                settings.signature_location = SignatureLocation::QueryParams;
                settings.expires_in = Some(std::time::Duration::from_secs(seconds));
            }
            if self.content_sha256_header {
                settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
            }
            let params: aws_sigv4::http_request::SigningParams<'_> =
                aws_sigv4::sign::v4::SigningParams::builder()
                    .identity(&identity)
                    .region(self.region)
                    .name(self.service)
                    .time(SystemTime::from(self.at))
                    .settings(settings)
                    .build()
                    .unwrap()
                    .into();
            let body = match self.body_kind {
                BodyKind::Bytes => SignableBody::Bytes(self.body),
                BodyKind::Unsigned => SignableBody::UnsignedPayload,
            };
            let signable =
                SignableRequest::new(self.method, self.url, self.headers.iter().copied(), body)
                    .unwrap();
            let (instructions, _signature) = sign(signable, &params).unwrap().into_parts();

            let mut request = Request::builder()
                .method(self.method)
                .uri(self.url)
                .body(())
                .unwrap();
            for (name, value) in &self.headers {
                request.headers_mut().append(
                    HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    HeaderValue::from_str(value).unwrap(),
                );
            }
            if !request.headers().contains_key("host") {
                // What the HTTP client sends (and aws-sigv4 signs): the authority.
                let authority = request.uri().authority().unwrap().as_str().to_owned();
                request
                    .headers_mut()
                    .insert("host", HeaderValue::from_str(&authority).unwrap());
            }
            instructions.apply_to_request_http1x(&mut request);
            Received {
                method: self.method.to_owned(),
                uri: request.uri().clone(),
                headers: request.headers().clone(),
                body: self.body.to_vec(),
            }
        }
    }

    fn vanilla() -> Received {
        Received::new(
            "GET",
            "/",
            &[
                ("host", "example.amazonaws.com"),
                ("x-amz-date", "20150830T123600Z"),
                (
                    "authorization",
                    &format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={VANILLA_SIGNATURE}"),
                ),
            ],
            b"",
        )
    }

    fn authorization(received: &Received) -> String {
        received.headers["authorization"]
            .to_str()
            .unwrap()
            .to_owned()
    }

    fn with_authorization(mut received: Received, value: &str) -> Received {
        received.set_header("authorization", value);
        received
    }

    // --- Known vectors (AWS Signature Version 4 test suite) -------------------------

    #[test]
    fn get_vanilla_known_vector() {
        let received = vanilla();
        let request = received.request();
        let parts = parse(&request).unwrap();
        assert_eq!(parts.scope.access_key_id, AKID);
        assert_eq!(parts.signed_headers, ["host", "x-amz-date"]);
        assert_eq!(parts.amz_date, "20150830T123600Z");
        assert!(!parts.presigned);

        let hash = payload_hash(&request, &parts).unwrap();
        let canonical = canonical_request(&request, &parts, &hash);
        assert_eq!(canonical, VANILLA_CANONICAL);
        let sts = string_to_sign(&parts.amz_date, &parts.scope, &canonical);
        assert_eq!(sts, VANILLA_STRING_TO_SIGN);
        let key = signing_key(SECRET, "20150830", "us-east-1", "service");
        assert_eq!(signature(&key, &sts), VANILLA_SIGNATURE);
        assert_eq!(verify(&request, &parts, SECRET, T0), Ok(()));
    }

    #[test]
    fn get_vanilla_presigned_known_vector() {
        // The suite's non-S3 presigned request hashes the empty body rather than using
        // UNSIGNED-PAYLOAD: the verifier's fallback accepts it.
        let received = Received::new(
            "GET",
            "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d",
            &[("host", "example.amazonaws.com")],
            b"",
        );
        let parts = received.check(SECRET, T0).unwrap();
        assert!(parts.presigned);
        assert_eq!(parts.expires, Some(3600));
        assert_eq!(parts.signed_headers, ["host"]);
        assert_eq!(
            canonical_query(received.uri.query().unwrap(), true),
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
        );
        assert_eq!(
            received.check(SECRET, T0 + Duration::seconds(3601)),
            Err(SigV4Error::PresignedExpired)
        );
    }

    #[test]
    fn canonical_uris_match_the_test_suite() {
        for (path, expected) in [
            ("", "/"),
            ("/", "/"),
            ("/./", "/"),
            ("/.", "/"),
            ("/..", "/"),
            ("/example1/example2/../..", "/"),
            ("/example/..", "/"),
            ("/./foo", "/foo"),
            ("/../foo", "/foo"),
            ("//example//", "/example/"),
            ("/foo/bar/.", "/foo/bar/"),
            ("/foo/bar/..", "/foo/"),
            ("/foo/../bar/../", "/"),
            ("/a/b/c/./../../g", "/a/g"),
            ("foo", "/foo"),
            ("/example%20space/", "/example%2520space/"),
            (
                "/test/@connections/JBDvjfGEIAMCERw%3D",
                "/test/%40connections/JBDvjfGEIAMCERw%253D",
            ),
            ("/ሴ", "/%E1%88%B4"),
            ("/%E1%88%B4", "/%25E1%2588%25B4"),
            ("/foo%2F.%2Fbar", "/foo%252F.%252Fbar"),
            (
                "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            ),
            (
                "/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations",
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations",
            ),
        ] {
            assert_eq!(canonical_uri(path), expected, "{path:?}");
        }
    }

    #[test]
    fn canonical_queries_sort_encoded_pairs() {
        for (query, expected) in [
            ("", ""),
            ("Param2=value2&Param1=value1", "Param1=value1&Param2=value2"),
            ("Param1=value2&Param1=Value1", "Param1=Value1&Param1=value2"),
            ("Param1=value1", "Param1=value1"),
            ("Param1", "Param1="),
            ("b=a+b&a=%7e%20%2F", "a=~%20%2F&b=a%20b"),
            ("%E1%88%B4=x&&y=", "%E1%88%B4=x&y="),
            ("a=1&a=10&a=2", "a=1&a=10&a=2"),
            ("bad=%zz", "bad=%25zz"),
        ] {
            assert_eq!(canonical_query(query, false), expected, "{query:?}");
        }
        assert_eq!(
            canonical_query("X-Amz-Signature=abc&a=1", true),
            "a=1",
            "presigned requests leave the signature out"
        );
    }

    // --- Oracle: requests signed by aws-sigv4 ----------------------------------------

    #[test]
    fn verifies_aws_json_post() {
        let mut sdk = Sdk::new("POST", "https://ssm.us-east-1.amazonaws.com/");
        sdk.headers = vec![
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "AmazonSSM.GetParameter"),
            ("content-length", "24"),
        ];
        sdk.body = br#"{"Name":"/app/db/passwd"}"#;
        let received = sdk.sign();
        let parts = received.check(SECRET, T0).unwrap();
        assert_eq!(parts.scope.service, "ssm");
        assert_eq!(parts.security_token, None);
        assert!(parts.signed_headers.iter().any(|h| h == "x-amz-target"));
    }

    #[test]
    fn verifies_lambda_rest_json_path() {
        let mut sdk = Sdk::new(
            "POST",
            "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Amy-fn/invocations?Qualifier=%24LATEST",
        );
        sdk.region = "eu-west-1";
        sdk.service = "lambda";
        sdk.headers = vec![
            ("content-type", "application/json"),
            ("x-amz-invocation-type", "RequestResponse"),
        ];
        sdk.body = br#"{"hello":"world"}"#;
        let parts = sdk.sign().check(SECRET, T0).unwrap();
        assert_eq!(parts.scope.region, "eu-west-1");
    }

    #[test]
    fn verifies_session_token_requests() {
        let token = "FwoGZXIvYXdzEJr//////////wEaDH+token/with+odd=chars==";
        let mut sdk = Sdk::new("POST", "https://kms.us-east-1.amazonaws.com/");
        sdk.service = "kms";
        sdk.token = Some(token);
        sdk.headers = vec![
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "TrentService.ListKeys"),
        ];
        sdk.body = b"{}";
        let received = sdk.sign();
        let parts = received.check(SECRET, T0).unwrap();
        assert_eq!(parts.security_token.as_deref(), Some(token));
        assert!(parts
            .signed_headers
            .iter()
            .any(|h| h == "x-amz-security-token"));
        assert!(
            !format!("{parts:?}").contains(token),
            "Debug redacts the token"
        );

        // A different token fails the signature.
        let mut tampered = received.clone();
        tampered.set_header("x-amz-security-token", "another-token");
        assert!(matches!(
            tampered.check(SECRET, T0),
            Err(SigV4Error::Mismatch { .. })
        ));
    }

    #[test]
    fn verifies_queries_needing_encoding_and_repeated_keys() {
        let sdk = Sdk::new(
            "GET",
            "https://example.amazonaws.com/?b=2&a=1&a=0&c=%20x&d=a%2Bb&e=x+y&f=%E2%9C%93&g&h=&Z=%7E-_.&i=%2F%3F%26%3D",
        );
        let received = sdk.sign();
        received.check(SECRET, T0).unwrap();
    }

    #[test]
    fn verifies_paths_with_spaces_unicode_and_dot_segments() {
        for url in [
            "https://example.amazonaws.com/my%20function/x",
            "https://example.amazonaws.com/%E1%88%B4/%F0%9F%90%B1",
            "https://example.amazonaws.com/a/b/../c/./d//e/",
            "https://example.amazonaws.com/../x/..",
            "https://example.amazonaws.com/a%2Fb/%25/@:!$&'()*+,;=",
            "https://example.amazonaws.com/test/@connections/JBDvjfGEIAMCERw%3D",
            "http://localhost:4566/2015-03-31/functions/f/invocations",
        ] {
            let received = Sdk::new("GET", url).sign();
            received
                .check(SECRET, T0)
                .unwrap_or_else(|e| panic!("{url}: {e:?}"));
        }
    }

    #[test]
    fn verifies_headers_with_spaces_repeats_and_mixed_case() {
        let mut sdk = Sdk::new("POST", "https://example.amazonaws.com/");
        sdk.headers = vec![
            ("My-Header1", "  value1   with    many spaces  "),
            ("X-Repeated", "first  value"),
            ("x-repeated", " second"),
            ("X-Tabbed", "a\tb  c"),
            ("user-agent", "unsigned/1.0"),
            ("Content-Type", "application/x-amz-json-1.0"),
        ];
        sdk.body = b"{\"x\": 1}";
        let received = sdk.sign();
        let parts = received.check(SECRET, T0).unwrap();
        assert!(!parts.signed_headers.iter().any(|h| h == "user-agent"));
        assert!(parts.signed_headers.iter().any(|h| h == "my-header1"));

        // Unsigned headers may change; signed ones may not.
        let mut changed = received.clone();
        changed.set_header("user-agent", "proxy/2.0");
        changed.check(SECRET, T0).unwrap();
        changed.set_header("my-header1", "value1 with many spaces!");
        assert!(matches!(
            changed.check(SECRET, T0),
            Err(SigV4Error::Mismatch { .. })
        ));
    }

    #[test]
    fn verifies_sts_form_post() {
        let mut sdk = Sdk::new("POST", "https://sts.amazonaws.com/");
        sdk.service = "sts";
        sdk.headers = vec![(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )];
        sdk.body = b"Action=GetCallerIdentity&Version=2011-06-15";
        let received = sdk.sign();
        let parts = received.check(SECRET, T0).unwrap();
        assert_eq!(parts.scope.service, "sts");
        assert_eq!(check_scope(&parts.scope, Some("sts")), Ok(()));
    }

    #[test]
    fn verifies_presigned_urls() {
        let token = "session/token+value=";
        for body_kind in [BodyKind::Unsigned, BodyKind::Bytes] {
            let mut sdk = Sdk::new(
                "GET",
                "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
            );
            sdk.service = "sts";
            sdk.token = Some(token);
            sdk.presign_for = Some(900);
            sdk.body_kind = body_kind;
            let received = sdk.sign();
            assert!(!received.headers.contains_key("authorization"));
            let parts = received.check(SECRET, T0).unwrap();
            assert!(parts.presigned);
            assert_eq!(parts.expires, Some(900));
            assert_eq!(parts.security_token.as_deref(), Some(token));

            // Valid until X-Amz-Expires, however old the signature.
            received.check(SECRET, T0 + Duration::seconds(900)).unwrap();
            assert_eq!(
                received.check(SECRET, T0 + Duration::seconds(901)),
                Err(SigV4Error::PresignedExpired)
            );
            assert!(matches!(
                received.check(SECRET, T0 - Duration::minutes(16)),
                Err(SigV4Error::Expired(m)) if m.starts_with("Signature not yet current")
            ));
            assert!(matches!(
                received.check("wrong", T0),
                Err(SigV4Error::Mismatch { .. })
            ));
        }
    }

    #[test]
    fn payload_hash_header_is_checked_against_the_body() {
        let mut sdk = Sdk::new("PUT", "https://example.amazonaws.com/object");
        sdk.body = b"payload";
        sdk.content_sha256_header = true;
        let received = sdk.sign();
        received.check(SECRET, T0).unwrap();
        let mut tampered = received.clone();
        tampered.body = b"pAyload".to_vec();
        assert_eq!(
            tampered.check(SECRET, T0),
            Err(SigV4Error::PayloadHashMismatch)
        );

        sdk.body_kind = BodyKind::Unsigned;
        let mut unsigned = sdk.sign();
        assert_eq!(unsigned.headers["x-amz-content-sha256"], UNSIGNED_PAYLOAD);
        unsigned.body = b"anything".to_vec();
        unsigned.check(SECRET, T0).unwrap();

        let mut streaming = received;
        streaming.set_header("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
        assert_eq!(
            streaming.check(SECRET, T0),
            Err(SigV4Error::PayloadHashMismatch)
        );
    }

    // --- Other signers' conventions --------------------------------------------------

    /// Signs `received` the way a client using `canonical` would have, by hand.
    fn sign_by_hand(received: &mut Received, signed_headers: &str, canonical: &str) {
        let scope =
            CredentialScope::from_credential("AKIDEXAMPLE/20150830/us-east-1/service/aws4_request")
                .unwrap();
        let sts = string_to_sign("20150830T123600Z", &scope, canonical);
        let sig = signature(
            &signing_key(SECRET, "20150830", "us-east-1", "service"),
            &sts,
        );
        received.set_header(
            "authorization",
            &format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders={signed_headers}, Signature={sig}"),
        );
    }

    #[test]
    fn accepts_the_rfc1123_date_header() {
        let mut received = Received::new(
            "GET",
            "/",
            &[
                ("host", "example.amazonaws.com"),
                ("date", "Sun, 30 Aug 2015 12:36:00 GMT"),
            ],
            b"",
        );
        let canonical = "GET\n/\n\ndate:Sun, 30 Aug 2015 12:36:00 GMT\nhost:example.amazonaws.com\n\ndate;host\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        sign_by_hand(&mut received, "date;host", canonical);
        let parts = received.check(SECRET, T0).unwrap();
        assert_eq!(parts.amz_date, "20150830T123600Z");
    }

    #[test]
    fn accepts_botocore_whitespace_collapsing() {
        // botocore, the JS and Java SDKs collapse tabs too; aws-sigv4 does not.
        let mut received = Received::new(
            "GET",
            "/",
            &[
                ("host", "example.amazonaws.com"),
                ("x-amz-date", "20150830T123600Z"),
                ("x-custom", "a\tb  c"),
            ],
            b"",
        );
        let canonical = "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-custom:a b c\n\nhost;x-amz-date;x-custom\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        sign_by_hand(&mut received, "host;x-amz-date;x-custom", canonical);
        received.check(SECRET, T0).unwrap();
    }

    // --- Errors ------------------------------------------------------------------------

    #[test]
    fn no_signature_is_missing() {
        let received = Received::new("GET", "/?Action=x", &[("host", "h")], b"");
        assert_eq!(received.parse(), Err(SigV4Error::Missing));
        assert_eq!(
            received.parse().unwrap_err().message(),
            "Missing Authentication Token"
        );
        let blank = with_authorization(received, "  ");
        assert_eq!(blank.parse(), Err(SigV4Error::Missing));
    }

    #[test]
    fn incomplete_authorization_headers() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date";
        assert_eq!(
            with_authorization(vanilla(), header).parse(),
            Err(SigV4Error::Incomplete(format!(
                "Authorization header requires 'Signature' parameter. Authorization={header}"
            )))
        );

        let mut no_date = with_authorization(
            vanilla(),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request",
        );
        no_date.headers.remove("x-amz-date");
        let error = no_date.parse().unwrap_err();
        assert_eq!(
            error.message(),
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
        );
        assert_eq!(error.code(false), "IncompleteSignatureException");
        assert_eq!(error.code(true), "IncompleteSignature");

        for (header, message) in [
            (
                "AWS4-HMAC-SHA256",
                "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256",
            ),
            ("AWS5-HMAC-SHA256 Credential=x", "Unsupported AWS 'algorithm': 'AWS5-HMAC-SHA256'."),
            (
                "Bearer eyJhbGciOi",
                "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=Bearer eyJhbGciOi",
            ),
            ("AWS AKIDEXAMPLE:c2lnbmF0dXJl", "Unsupported AWS 'algorithm': 'AWS'."),
            (
                "AWS4-HMAC-SHA256 FooBar, BazBurp",
                "'FooBar' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 FooBar, BazBurp'",
            ),
            (
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE, SignedHeaders=host;x-amz-date, Signature=abc",
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE'",
            ),
            (
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1//aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1//aws4_request'",
            ),
        ] {
            assert_eq!(
                with_authorization(vanilla(), header).parse(),
                Err(SigV4Error::Incomplete(message.to_owned())),
                "{header}"
            );
        }

        let mut bad_date = vanilla();
        bad_date.set_header("x-amz-date", "2015/08/30T12/36/00Z");
        assert_eq!(
            bad_date.parse(),
            Err(SigV4Error::Incomplete(
                "Date must be in ISO-8601 'basic format'. Got '2015/08/30T12/36/00Z'. See http://en.wikipedia.org/wiki/ISO_8601".to_owned()
            ))
        );
    }

    #[test]
    fn host_must_be_signed() {
        let received = with_authorization(
            vanilla(),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=x-amz-date, Signature=abc",
        );
        let error = received.parse().unwrap_err();
        assert_eq!(error, SigV4Error::HostNotSigned);
        assert_eq!(
            error.message(),
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        );
        assert_eq!(error.code(false), "InvalidSignatureException");
        assert_eq!(error.code(true), "SignatureDoesNotMatch");
    }

    #[test]
    fn bad_scopes() {
        let received = with_authorization(
            vanilla(),
            &format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150829/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={VANILLA_SIGNATURE}"),
        );
        let parts = received.parse().unwrap();
        let error = verify(&received.request(), &parts, SECRET, T0).unwrap_err();
        assert_eq!(
            error,
            SigV4Error::BadScope("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150829' != '20150830', from '20150830T123600Z'.".to_owned())
        );
        assert_eq!(error.code(false), "InvalidSignatureException");

        let received = with_authorization(
            vanilla(),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015/us-east-1/service/aws5_request, SignedHeaders=host;x-amz-date, Signature=abc",
        );
        assert_eq!(
            received.parse(),
            Err(SigV4Error::BadScope("Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '2015' != '20150830', from '20150830T123600Z'.".to_owned()))
        );

        let parts = vanilla().parse().unwrap();
        assert_eq!(
            check_scope(&parts.scope, Some("ssm")),
            Err(SigV4Error::BadScope(
                "Credential should be scoped to correct service: 'ssm'. ".to_owned()
            ))
        );
    }

    #[test]
    fn regions_are_spelled_as_aws_spells_them() {
        for good in [
            "us-east-1",
            "ap-southeast-2",
            "us-gov-west-1",
            "cn-north-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "eu-isoe-west-1",
            "il-central-1",
            "eu-west-10",
        ] {
            assert!(is_region_name(good), "{good}");
        }
        for bad in [
            "",
            "aws-global",
            "local",
            "us-east",
            "us-east-123",
            "US-EAST-1",
            "use-east-1",
            "us-east-1\nx",
            "us--1",
            "us-foo-east-1",
            "us-isoab-east-1",
            "us-east-1 ",
        ] {
            assert!(!is_region_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn scope_problems_are_listed_in_one_message() {
        let scope =
            CredentialScope::from_credential("AKID/20150830/moon-1/s3/aws4_request").unwrap();
        assert_eq!(
            check_scope(&scope, Some("ssm")),
            Err(SigV4Error::BadScope(
                "Credential should be scoped to a valid region, not 'moon-1'. Credential should be scoped to correct service: 'ssm'. ".to_owned()
            ))
        );
        let scope =
            CredentialScope::from_credential("AKID/20150830/eu-west-1/kms/aws4_request").unwrap();
        assert_eq!(check_scope(&scope, Some("kms")), Ok(()));
        assert_eq!(check_scope(&scope, None), Ok(()));
    }

    #[test]
    fn wrong_secret_is_a_mismatch() {
        let error = vanilla().check("not-the-secret", T0).unwrap_err();
        assert_eq!(
            error,
            SigV4Error::Mismatch {
                canonical_request: VANILLA_CANONICAL.to_owned(),
                string_to_sign: VANILLA_STRING_TO_SIGN.to_owned(),
            }
        );
        assert_eq!(error.message(), MISMATCH_MESSAGE);
        assert_eq!(error.code(false), "InvalidSignatureException");
        assert_eq!(error.code(true), "SignatureDoesNotMatch");
        let debug = format!("{error:?}");
        assert!(!debug.contains("not-the-secret") && !debug.contains(SECRET));
    }

    #[test]
    fn lower_hex_is_hex_encode() {
        for bytes in [
            &b""[..],
            &[0u8, 1, 0x7f, 0x80, 0xab, 0xff][..],
            &[0x5au8; 32][..],
        ] {
            assert_eq!(lower_hex(bytes), hex::encode(bytes));
        }
    }

    #[test]
    fn cached_signing_keys_are_the_derived_ones() {
        // More combinations than the cache keeps, each asked twice, interleaved.
        for round in 0..2 {
            for i in 0..40 {
                let secret = format!("secret-{}", i % 7);
                let region = if i % 2 == 0 { "us-east-1" } else { "eu-west-1" };
                let service = if i % 3 == 0 { "ssm" } else { "kms" };
                let date = if i % 5 == 0 { "20150830" } else { "20150831" };
                assert_eq!(
                    cached_signing_key(&secret, date, region, service),
                    signing_key(&secret, date, region, service),
                    "round {round}, combination {i}"
                );
            }
        }
        assert_ne!(
            cached_signing_key("a", "20150830", "us-east-1", "ssm"),
            cached_signing_key("b", "20150830", "us-east-1", "ssm")
        );
    }

    #[test]
    fn mismatch_redacts_the_session_token() {
        let token = "my-session-token";
        let mut sdk = Sdk::new("GET", "https://example.amazonaws.com/");
        sdk.token = Some(token);
        let Err(SigV4Error::Mismatch {
            canonical_request, ..
        }) = sdk.sign().check("wrong", T0)
        else {
            panic!("expected a mismatch");
        };
        assert!(!canonical_request.contains(token));
        assert!(canonical_request.contains("x-amz-security-token:** redacted (length=16) **"));
    }

    #[test]
    fn malformed_signatures_are_mismatches() {
        let signature_free = authorization(&vanilla()).replace(VANILLA_SIGNATURE, "");
        for signature in [
            "zz",
            &VANILLA_SIGNATURE.to_uppercase(),
            &VANILLA_SIGNATURE[..63],
            &format!("{VANILLA_SIGNATURE}0"),
        ] {
            let received = with_authorization(vanilla(), &format!("{signature_free}{signature}"));
            assert!(matches!(
                received.check(SECRET, T0),
                Err(SigV4Error::Mismatch { .. })
            ));
        }
    }

    #[test]
    fn clock_skew_of_more_than_15_minutes_is_refused() {
        let received = vanilla();
        received.check(SECRET, T0 + Duration::minutes(14)).unwrap();
        received.check(SECRET, T0 + Duration::minutes(15)).unwrap();
        received.check(SECRET, T0 - Duration::minutes(15)).unwrap();

        let error = received
            .check(SECRET, T0 + Duration::minutes(16))
            .unwrap_err();
        assert_eq!(
            error,
            SigV4Error::Expired(
                "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 min.)".to_owned()
            )
        );
        assert_eq!(error.code(false), "InvalidSignatureException");
        assert_eq!(error.code(true), "SignatureDoesNotMatch");
        assert_eq!(
            received.check(SECRET, T0 + Duration::minutes(20)).unwrap_err().message(),
            "Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T125600Z - 15 min.)"
        );
        assert_eq!(
            received.check(SECRET, T0 - Duration::minutes(16)),
            Err(SigV4Error::Expired(
                "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T122000Z + 15 min.)".to_owned()
            ))
        );
        // The server's offset does not matter.
        let elsewhere = (T0 + Duration::minutes(16)).to_offset(time::macros::offset!(+2));
        assert!(matches!(
            received.check(SECRET, elsewhere),
            Err(SigV4Error::Expired(m)) if m.contains("(20150830T125200Z - 15 min.)")
        ));
    }

    #[test]
    fn presigned_parameter_errors() {
        let base = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc";
        let parse_query = |query: &str| {
            Received::new("GET", &format!("/?{query}"), &[("host", "h")], b"").parse()
        };
        assert!(parse_query(base).is_ok());
        assert!(matches!(
            parse_query("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc"),
            Err(SigV4Error::Incomplete(m)) if m.starts_with("Query-string authentication version 4 requires")
        ));
        assert!(matches!(
            parse_query(&base.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256")),
            Err(SigV4Error::Incomplete(m)) if m.contains("only supports")
        ));
        assert_eq!(
            parse_query(&base.replace("SignedHeaders=host", "SignedHeaders=x-amz-date")),
            Err(SigV4Error::HostNotSigned)
        );
        for expires in ["0", "604801", "-1", "soon"] {
            assert!(
                matches!(
                    parse_query(&format!("{base}&X-Amz-Expires={expires}")),
                    Err(SigV4Error::Incomplete(_))
                ),
                "{expires}"
            );
        }
        assert_eq!(
            parse_query(&format!("{base}&X-Amz-Expires=604800"))
                .unwrap()
                .expires,
            Some(604_800)
        );
    }

    #[test]
    fn error_codes() {
        let mismatch = SigV4Error::Mismatch {
            canonical_request: String::new(),
            string_to_sign: String::new(),
        };
        for (error, json, query) in [
            (
                SigV4Error::Missing,
                "MissingAuthenticationTokenException",
                "MissingAuthenticationToken",
            ),
            (
                SigV4Error::Incomplete(String::new()),
                "IncompleteSignatureException",
                "IncompleteSignature",
            ),
            (
                mismatch,
                "InvalidSignatureException",
                "SignatureDoesNotMatch",
            ),
            (
                SigV4Error::Expired(String::new()),
                "InvalidSignatureException",
                "SignatureDoesNotMatch",
            ),
            (
                SigV4Error::BadScope(String::new()),
                "InvalidSignatureException",
                "SignatureDoesNotMatch",
            ),
            (
                SigV4Error::HostNotSigned,
                "InvalidSignatureException",
                "SignatureDoesNotMatch",
            ),
            (
                SigV4Error::PayloadHashMismatch,
                "InvalidSignatureException",
                "SignatureDoesNotMatch",
            ),
            (
                SigV4Error::PresignedExpired,
                "InvalidSignatureException",
                "AccessDenied",
            ),
        ] {
            assert_eq!(error.code(false), json, "{error:?}");
            assert_eq!(error.code(true), query, "{error:?}");
        }
        assert_eq!(
            SigV4Error::PresignedExpired.message(),
            "Request has expired"
        );
    }

    // --- Properties ----------------------------------------------------------------

    fn config() -> ProptestConfig {
        let mut config = ProptestConfig::with_cases(200);
        // Do not write regression files into the source tree.
        config.failure_persistence = None;
        config
    }

    /// One raw path segment, as a client would send it.
    fn segment() -> impl Strategy<Value = String> {
        const PATH_ENCODE: &AsciiSet = &percent_encoding::CONTROLS
            .add(b' ')
            .add(b'"')
            .add(b'#')
            .add(b'%')
            .add(b'/')
            .add(b'<')
            .add(b'>')
            .add(b'?')
            .add(b'[')
            .add(b'\\')
            .add(b']')
            .add(b'^')
            .add(b'`')
            .add(b'{')
            .add(b'|')
            .add(b'}');
        prop_oneof![
            1 => Just(String::new()),
            1 => Just(".".to_owned()),
            1 => Just("..".to_owned()),
            6 => "[a-zA-Z0-9 ._~!$&'()*+,;=:@%/é\u{1234}-]{1,8}"
                .prop_map(|s| utf8_percent_encode(&s, PATH_ENCODE).to_string()),
        ]
    }

    fn query_part() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 ._~!$&'()*+,;=:@%/?é-]{0,6}"
    }

    fn encode_query(pairs: &[(String, String)], plus_for_space: bool) -> String {
        let encode = |s: &str| {
            if plus_for_space {
                form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
            } else {
                utf8_percent_encode(s, UNRESERVED).to_string()
            }
        };
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn flip_hex(c: char) -> char {
        if c == '0' {
            '1'
        } else {
            '0'
        }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn sdk_signed_requests_verify_and_tampering_fails(
            body in proptest::collection::vec(any::<u8>(), 0..128),
            segments in proptest::collection::vec(segment(), 0..5),
            mut pairs in proptest::collection::vec((query_part(), query_part()), 0..4),
            repeat_key in any::<bool>(),
            plus_for_space in any::<bool>(),
            header_value in "[ -~\t\u{a0}é]{0,20}",
            second_value in proptest::option::of("[ -~]{0,10}"),
            token in proptest::option::of("[A-Za-z0-9+/=]{1,40}"),
            presign in any::<bool>(),
            index in any::<prop::sample::Index>(),
        ) {
            if repeat_key && !pairs.is_empty() {
                let key = pairs[0].0.clone();
                pairs.push((key, "again".to_owned()));
            }
            let path = format!("/{}", segments.join("/"));
            let query = encode_query(&pairs, plus_for_space);
            let url = if query.is_empty() {
                format!("https://example.amazonaws.com{path}")
            } else {
                format!("https://example.amazonaws.com{path}?{query}")
            };
            let mut sdk = Sdk::new("POST", &url);
            sdk.body = &body;
            sdk.token = token.as_deref();
            sdk.headers = vec![("X-Custom-Value", header_value.as_str())];
            if let Some(second) = &second_value {
                sdk.headers.push(("x-custom-value", second.as_str()));
            }
            if presign {
                sdk.presign_for = Some(300);
                sdk.body_kind = BodyKind::Unsigned;
            }
            let received = sdk.sign();
            let parts = received.check(SECRET, T0);
            prop_assert!(parts.is_ok(), "{url}: {parts:?}");
            let parts = parts.unwrap();
            prop_assert_eq!(parts.presigned, presign);
            prop_assert_eq!(parts.security_token, token.clone());

            if !presign && !body.is_empty() {
                let mut tampered = received.clone();
                tampered.body[index.index(body.len())] ^= 0x01;
                let result = tampered.check(SECRET, T0);
                prop_assert!(matches!(result, Err(SigV4Error::Mismatch { .. })), "{result:?}");
            }

            let at = index.index(64);
            let mut flipped_signature: Vec<char> = parts.signature.chars().collect();
            flipped_signature[at] = flip_hex(flipped_signature[at]);
            let flipped_signature: String = flipped_signature.into_iter().collect();
            let mut tampered = received.clone();
            if presign {
                let uri = tampered.uri.to_string().replace(
                    &format!("X-Amz-Signature={}", parts.signature),
                    &format!("X-Amz-Signature={flipped_signature}"),
                );
                tampered.uri = uri.parse().unwrap();
            } else {
                let header = authorization(&tampered).replace(&parts.signature, &flipped_signature);
                tampered.set_header("authorization", &header);
            }
            let result = tampered.check(SECRET, T0);
            prop_assert!(matches!(result, Err(SigV4Error::Mismatch { .. })), "{result:?}");
        }

        #[test]
        fn canonical_uri_matches_the_sdk(segments in proptest::collection::vec(segment(), 0..6)) {
            // The SDK's canonical URI is observable through its signature: a request
            // it signed for one path verifies only if our canonical URI matches.
            let url = format!("https://example.amazonaws.com/{}", segments.join("/"));
            let received = Sdk::new("GET", &url).sign();
            prop_assert!(received.check(SECRET, T0).is_ok(), "{url}");
        }

        #[test]
        fn arbitrary_input_never_panics(
            authorization in "\\PC{0,80}",
            header_auth in any::<bool>(),
            query in "[ -~]{0,80}",
            path in "\\PC{0,30}",
            date in "[ -~]{0,20}",
            body in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            let mut headers = HeaderMap::new();
            if header_auth {
                if let Ok(value) = HeaderValue::from_str(&format!("AWS4-HMAC-SHA256 {authorization}")) {
                    headers.insert("authorization", value);
                }
            }
            if let Ok(value) = HeaderValue::from_str(&date) {
                headers.insert("x-amz-date", value.clone());
                headers.insert("x-amz-content-sha256", value.clone());
                headers.insert("date", value);
            }
            let request = SignedRequest { method: "GET", path: &path, query: &query, headers: &headers, body: &body };
            if let Ok(parts) = parse(&request) {
                let _ = verify(&request, &parts, SECRET, T0);
            }
            let _ = canonical_uri(&path);
            let _ = canonical_query(&query, true);
        }
    }
}
