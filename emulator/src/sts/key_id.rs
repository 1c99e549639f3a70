//! The account an access key id names, read from the id itself, for GetAccessKeyInfo on
//! a key the emulator did not issue: AWS answers the account of any well-formed key id,
//! not only of its own keys, since the id carries it.
//!
//! The layout is undocumented by AWS; it is described publicly by Tal Be'ery, "A short
//! note on AWS KEY ID" (medium.com/@TalBeerySec/a-short-note-on-aws-key-id-f88cc4317489,
//! building on Aidan Steele's "AWS Access Key ID formats", awsteele.com, 2020) and by
//! WithSecure Labs, "A bitwise analysis of AWS access key identifiers": after the four
//! letters of the prefix (`AKIA`, `ASIA`, ...), the characters are base32 (RFC 4648
//! alphabet `A-Z2-7`, five bits each); of the bits they spell, the first is a flag and
//! the next 40 are the account number.

/// The RFC 4648 base32 alphabet.
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The account number encoded in `id` (twelve digits), or `None` when the id is not in
/// that layout: 20 characters, four capital letters, then base32.
pub fn account_of(id: &str) -> Option<String> {
    let bytes = id.as_bytes();
    if bytes.len() != 20
        || !bytes[..4].iter().all(u8::is_ascii_uppercase)
        || !bytes[4..].iter().all(|c| BASE32.contains(c))
    {
        return None;
    }
    // The first nine characters after the prefix spell 45 bits: the flag, the 40 bits
    // of the account, and 4 more.
    let bits = bytes[4..13].iter().fold(0u64, |bits, c| {
        let value = BASE32.iter().position(|b| b == c).unwrap_or(0) as u64;
        (bits << 5) | value
    });
    let account = (bits >> 4) & ((1u64 << 40) - 1);
    (account <= 999_999_999_999).then(|| format!("{account:012}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_is_read_from_the_id() {
        // The example both write-ups decode: account 609629065308.
        assert_eq!(
            account_of("ASIAY34FZKBOKMUTVV7A").as_deref(),
            Some("609629065308")
        );
        // The characters after the account's bits do not change it.
        assert_eq!(
            account_of("ASIAY34FZKBOKAAAAAAA").as_deref(),
            Some("609629065308")
        );
    }

    #[test]
    fn ids_of_another_shape_name_no_account() {
        for id in [
            "ASIAY34FZKBOKMUTVV7",   // 19 characters
            "ASIAY34FZKBOKMUTVV7AA", // 21
            "asiaY34FZKBOKMUTVV7A",  // prefix not capitals
            "ASIAY34FZKBOKMUTVV01",  // 0 and 1 are not base32
            "AKIA_34FZKBOKMUTVV7A",
        ] {
            assert_eq!(account_of(id), None, "{id}");
        }
    }
}
