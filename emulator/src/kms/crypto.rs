//! KMS cryptography: AES-256-GCM under a key's material, with a self-describing
//! ciphertext blob that names its key and key-material version, and the encryption
//! context bound as authenticated data in a canonical order.
//!
//! Blob layout (all integers big-endian):
//! `"EKMS" | version u8 (1) | key-id length u8 | key id (ASCII) | material version u32 |
//! nonce (12) | ciphertext and tag`. The header is part of the authenticated data, so
//! changing any byte of the blob, or the context, fails decryption.

use aes_gcm::aead::rand_core::RngCore;
use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use std::collections::BTreeMap;

const MAGIC: &[u8; 4] = b"EKMS";
const FORMAT_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// 256 bits of key material.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyMaterial(pub [u8; 32]);

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Key material never leaves the emulator, not even in debug output.
        f.write_str("KeyMaterial(** redacted **)")
    }
}

impl KeyMaterial {
    /// Fresh material from the OS random source.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        KeyMaterial(bytes)
    }

    /// TEST-ONLY material for a fixture key declared without `key_material`:
    /// HKDF-SHA256 (RFC 5869) of the account, region and key id, so that ciphertexts
    /// made under the key stay valid across resets and restarts of the same fixtures.
    /// Anyone who knows the key id can compute it: it protects nothing, as befits the
    /// test data of an emulator.
    pub fn derived_for_fixture(account: &str, region: &str, key_id: &str) -> Self {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&derived_fixture_bytes(
            account,
            region,
            key_id,
            b"AES-256-GCM",
            32,
        ));
        KeyMaterial(bytes)
    }
}

/// `len` bytes derived with HKDF-SHA256 from a fixture key's account, region and id, for
/// `purpose` (the symmetric material, an HMAC secret): the same fixtures give the same
/// secrets at every start and reset. Test-only protection, as for
/// [`KeyMaterial::derived_for_fixture`]. `len` is at most 64 (HMAC_512's secret).
pub fn derived_fixture_bytes(
    account: &str,
    region: &str,
    key_id: &str,
    purpose: &[u8],
    len: usize,
) -> Vec<u8> {
    let ikm = format!("{account}\n{region}\n{key_id}");
    let hkdf = hkdf::Hkdf::<sha2::Sha256>::new(
        Some(b"aws-emulator fixture key material".as_slice()),
        ikm.as_bytes(),
    );
    let mut bytes = vec![0u8; len.min(64)];
    // At most 64 bytes, far below HKDF-SHA256's limit of 255 * 32.
    hkdf.expand(purpose, &mut bytes)
        .expect("at most 64 bytes is a valid HKDF-SHA256 output length");
    bytes
}

/// Random bytes from the OS random source (GenerateRandom, data keys).
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// What a blob's header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobHeader {
    /// The id (UUID) of the key that encrypted it.
    pub key_id: String,
    /// Which of the key's material versions encrypted it.
    pub material_version: u32,
}

/// The encryption context as authenticated data: pairs sorted by key, each part
/// length-prefixed, so that no two contexts share a byte string.
fn context_bytes(context: &BTreeMap<String, String>) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in context {
        out.extend_from_slice(&(k.len() as u32).to_be_bytes());
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(&(v.len() as u32).to_be_bytes());
        out.extend_from_slice(v.as_bytes());
    }
    out
}

fn header_bytes(header: &BlobHeader) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 2 + header.key_id.len() + 4);
    out.extend_from_slice(MAGIC);
    out.push(FORMAT_VERSION);
    out.push(header.key_id.len() as u8);
    out.extend_from_slice(header.key_id.as_bytes());
    out.extend_from_slice(&header.material_version.to_be_bytes());
    out
}

/// Reads a blob's header and returns it with the offset where the nonce starts;
/// `None` when the bytes are no blob of ours.
pub fn read_header(blob: &[u8]) -> Option<(BlobHeader, usize)> {
    let rest = blob.strip_prefix(MAGIC.as_slice())?;
    let (&version, rest) = rest.split_first()?;
    if version != FORMAT_VERSION {
        return None;
    }
    let (&id_len, rest) = rest.split_first()?;
    let id_len = usize::from(id_len);
    let key_id = std::str::from_utf8(rest.get(..id_len)?).ok()?.to_owned();
    let material = rest.get(id_len..id_len + 4)?;
    let material_version = u32::from_be_bytes(material.try_into().ok()?);
    let offset = MAGIC.len() + 2 + id_len + 4;
    if blob.len() < offset + NONCE_LEN + 16 {
        return None;
    }
    Some((
        BlobHeader {
            key_id,
            material_version,
        },
        offset,
    ))
}

/// Encrypts `plaintext` under `material`, binding the header and `context`.
pub fn encrypt(
    material: &KeyMaterial,
    header: &BlobHeader,
    plaintext: &[u8],
    context: &BTreeMap<String, String>,
) -> Vec<u8> {
    let cipher = Aes256Gcm::new((&material.0).into());
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let mut blob = header_bytes(header);
    let mut aad = blob.clone();
    aad.extend_from_slice(&context_bytes(context));
    // Encryption with a valid key and nonce cannot fail for inputs this small.
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .unwrap_or_default();
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&sealed);
    blob
}

/// Decrypts a blob whose header was read by [`read_header`]; `None` when it was damaged
/// or the context differs.
pub fn decrypt(
    material: &KeyMaterial,
    blob: &[u8],
    nonce_offset: usize,
    context: &BTreeMap<String, String>,
) -> Option<Vec<u8>> {
    let cipher = Aes256Gcm::new((&material.0).into());
    let nonce = blob.get(nonce_offset..nonce_offset + NONCE_LEN)?;
    let sealed = blob.get(nonce_offset + NONCE_LEN..)?;
    let mut aad = blob.get(..nonce_offset)?.to_vec();
    aad.extend_from_slice(&context_bytes(context));
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: &aad,
            },
        )
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn header() -> BlobHeader {
        BlobHeader {
            key_id: "1234abcd-12ab-34cd-56ef-1234567890ab".into(),
            material_version: 2,
        }
    }

    #[test]
    fn round_trips_and_names_its_key() {
        let material = KeyMaterial::generate();
        let context = ctx(&[("PARAMETER_ARN", "arn:aws:ssm:us-east-1:1:parameter/a")]);
        let blob = encrypt(&material, &header(), b"secret", &context);
        let (read, offset) = read_header(&blob).unwrap();
        assert_eq!(read, header());
        assert_eq!(
            decrypt(&material, &blob, offset, &context).unwrap(),
            b"secret"
        );
    }

    #[test]
    fn any_flipped_byte_or_other_context_fails() {
        let material = KeyMaterial::generate();
        let context = ctx(&[("a", "1"), ("b", "2")]);
        let blob = encrypt(&material, &header(), b"secret", &context);
        let (_, offset) = read_header(&blob).unwrap();
        for i in 0..blob.len() {
            let mut damaged = blob.clone();
            damaged[i] ^= 0x01;
            let ok = read_header(&damaged)
                .and_then(|(_, off)| decrypt(&material, &damaged, off, &context));
            assert!(ok.is_none(), "flipping byte {i} went unnoticed");
        }
        for other in [
            ctx(&[("a", "1")]),
            ctx(&[("a", "1"), ("b", "3")]),
            ctx(&[("A", "1"), ("b", "2")]),
            ctx(&[("a", "1"), ("b", "2"), ("c", "3")]),
        ] {
            assert!(decrypt(&material, &blob, offset, &other).is_none());
        }
        assert!(decrypt(&KeyMaterial::generate(), &blob, offset, &context).is_none());
    }

    #[test]
    fn context_encoding_is_unambiguous() {
        assert_ne!(
            context_bytes(&ctx(&[("ab", "c")])),
            context_bytes(&ctx(&[("a", "bc")]))
        );
    }

    #[test]
    fn garbage_is_no_blob() {
        assert!(read_header(b"").is_none());
        assert!(read_header(b"EKMS").is_none());
        assert!(read_header(&[0u8; 100]).is_none());
    }

    #[test]
    fn material_is_never_printed() {
        let material = KeyMaterial([7u8; 32]);
        assert!(!format!("{material:?}").contains('7'));
    }
}
