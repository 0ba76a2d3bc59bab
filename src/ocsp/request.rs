//! What the service adds to the core's OCSP request (`qoltanba_core::ocsp::request`, the one
//! builder of CertIDs and requests, shared with the matching of answers): fresh nonces.

/// Length of the nonces sent: RFC 8954 asks for 1 to 32 octets and recommends 32.
pub const NONCE_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NonceError {
    #[error("no randomness for the nonce")]
    Random,
}

/// A fresh random nonce of [`NONCE_LEN`] octets.
pub fn new_nonce() -> Result<Vec<u8>, NonceError> {
    use ring::rand::SecureRandom;
    let mut nonce = vec![0u8; NONCE_LEN];
    ring::rand::SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| NonceError::Random)?;
    // A leading zero octet is harmless in an OCTET STRING; kept random.
    Ok(nonce)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_fresh_and_full_length() {
        let (a, b) = (new_nonce().unwrap(), new_nonce().unwrap());
        assert_eq!(a.len(), NONCE_LEN);
        assert_ne!(a, b);
    }
}
