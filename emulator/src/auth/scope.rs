//! Parsing of the SigV4 credential scope from an `Authorization` header or a presigned
//! query string.

/// The `Credential=` part of a SigV4 signature: `AKID/DATE/REGION/SERVICE/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    /// The access key id that signed the request.
    pub access_key_id: String,
    /// The `YYYYMMDD` date of the scope.
    pub date: String,
    /// The region the request was signed for: it selects the region's state.
    pub region: String,
    /// The signing name of the service (`ssm`, `kms`, `lambda`, `sts`).
    pub service: String,
}

impl CredentialScope {
    /// Reads the scope from an `Authorization: AWS4-HMAC-SHA256 Credential=...` header.
    /// Returns `None` when the header is not a well-formed SigV4 authorization.
    pub fn from_authorization(header: &str) -> Option<Self> {
        let rest = header.strip_prefix("AWS4-HMAC-SHA256")?;
        let credential = rest
            .split(',')
            .map(str::trim)
            .find_map(|part| part.strip_prefix("Credential="))?;
        Self::from_credential(credential)
    }

    /// Reads the scope from the value of `Credential=` (or `X-Amz-Credential`).
    pub fn from_credential(credential: &str) -> Option<Self> {
        let mut parts = credential.trim().split('/');
        let access_key_id = parts.next()?;
        let date = parts.next()?;
        let region = parts.next()?;
        let service = parts.next()?;
        let terminator = parts.next()?;
        if parts.next().is_some()
            || terminator != "aws4_request"
            || access_key_id.is_empty()
            || date.len() != 8
            || region.is_empty()
            || service.is_empty()
        {
            return None;
        }
        Some(CredentialScope {
            access_key_id: access_key_id.to_owned(),
            date: date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scope_from_sdk_header() {
        let header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/ssm/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        let scope = CredentialScope::from_authorization(header).unwrap();
        assert_eq!(scope.access_key_id, "AKIDEXAMPLE");
        assert_eq!(scope.date, "20150830");
        assert_eq!(scope.region, "eu-west-1");
        assert_eq!(scope.service, "ssm");
    }

    #[test]
    fn rejects_malformed_scopes() {
        for header in [
            "AWS4-HMAC-SHA256 Credential=AKID/2015/eu-west-1/ssm/aws4_request",
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/eu-west-1/ssm",
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/eu-west-1/ssm/aws4_request/x",
            "Basic dXNlcjpwYXNz",
            "AWS4-HMAC-SHA256 SignedHeaders=host",
        ] {
            assert_eq!(
                CredentialScope::from_authorization(header),
                None,
                "{header}"
            );
        }
    }
}
