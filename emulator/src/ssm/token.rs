//! Opaque NextTokens: a kind and a position, base64-encoded, checked when they come back.

use super::error::SsmError;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Encodes a position of the given kind (`key` for a name, `idx` for a list index).
pub fn encode(kind: &str, position: &str) -> String {
    STANDARD.encode(format!("{kind}:{position}"))
}

/// Decodes a token made by [`encode`] with the same kind.
pub fn decode(kind: &str, token: &str) -> Result<String, SsmError> {
    STANDARD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.strip_prefix(kind)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(str::to_owned)
        })
        .ok_or_else(|| SsmError::InvalidNextToken("The specified token isn't valid.".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_other_kinds_and_garbage() {
        let token = encode("key", "/a/b");
        assert_eq!(decode("key", &token).unwrap(), "/a/b");
        assert!(decode("idx", &token).is_err());
        assert!(decode("key", "not base64!").is_err());
    }
}
