//! Remembers signature checks of certificates and CRLs: a certificate whose signature was verified
//! once by a given key need not be verified again in the same process.

use std::collections::HashMap;
use std::sync::RwLock;

use crate::crypto::CryptoError;
use crate::envelope::Signed;

/// Beyond this many remembered checks the cache starts over (bounded memory under adversarial load).
const MAX_ENTRIES: usize = 100_000;

/// (hash of the signed object, hash of the issuer's SubjectPublicKeyInfo).
type CheckKey = ([u8; 32], [u8; 32]);

#[derive(Default)]
pub struct SigCache {
    checked: RwLock<HashMap<CheckKey, Result<(), CryptoError>>>,
}

impl SigCache {
    /// Verifies `signed` (identified by `object_hash`) with `issuer_spki`, using the cache.
    pub fn verify(
        &self,
        object_hash: &[u8; 32],
        signed: &Signed,
        issuer_spki: &[u8],
        issuer_spki_hash: &[u8; 32],
    ) -> Result<(), CryptoError> {
        self.verify_by(object_hash, issuer_spki_hash, || {
            signed.verify_with(issuer_spki)
        })
    }

    /// Runs `check` (a signature check of the object identified by `object_hash` with the key
    /// identified by `key_hash`) unless its outcome is remembered: for signed objects that are
    /// not a certificate or CRL envelope (OCSP responses).
    pub fn verify_by(
        &self,
        object_hash: &[u8; 32],
        key_hash: &[u8; 32],
        check: impl FnOnce() -> Result<(), CryptoError>,
    ) -> Result<(), CryptoError> {
        let key = (*object_hash, *key_hash);
        if let Some(known) = self.checked.read().ok().and_then(|m| m.get(&key).cloned()) {
            return known;
        }
        let outcome = check();
        if let Ok(mut map) = self.checked.write() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(key, outcome.clone());
        }
        outcome
    }
}
