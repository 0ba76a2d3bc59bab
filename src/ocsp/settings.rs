//! The configuration of OCSP (`[ocsp]`): the revocation policy of the deployment, the responders,
//! and the limits of one exchange.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Where a certificate's revocation status comes from, per deployment: the core's own type, so
/// the configuration and the verifier cannot disagree on what a policy means.
pub use qoltanba_core::RevocationPolicy;

/// Whether `/readyz` waits for the responders to answer.
pub fn readiness_needs_ocsp(policy: RevocationPolicy) -> bool {
    matches!(policy, RevocationPolicy::Ocsp | RevocationPolicy::Both)
}

/// Whether `/readyz` waits for a current CRL of every configured CA (all but `ocsp`).
pub fn readiness_needs_crl(policy: RevocationPolicy) -> bool {
    policy != RevocationPolicy::Ocsp
}

/// How the CertID names the issuer (RFC 6960 §4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertIdHash {
    #[default]
    Sha1,
    Sha256,
}

impl From<CertIdHash> for qoltanba_core::CertIdHash {
    fn from(hash: CertIdHash) -> Self {
        match hash {
            CertIdHash::Sha1 => qoltanba_core::CertIdHash::Sha1,
            CertIdHash::Sha256 => qoltanba_core::CertIdHash::Sha256,
        }
    }
}

impl CertIdHash {
    pub fn name(self) -> &'static str {
        match self {
            CertIdHash::Sha1 => "sha1",
            CertIdHash::Sha256 => "sha256",
        }
    }
}

/// HTTP method of a request (RFC 6960 Appendix A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OcspMethod {
    #[default]
    Post,
    /// GET with the base64 of the request, URL-encoded, as the last path segment; POST when that
    /// segment would exceed 255 bytes.
    Get,
}

/// A responder: a URL for every issuer, or `{ url, issuer }` for the certificates of one issuer,
/// named by the SHA-256 fingerprint of its certificate (hex; colons, spaces and case ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResponderConfig {
    Any(String),
    ForIssuer { url: String, issuer: String },
}

impl ResponderConfig {
    pub fn url(&self) -> &str {
        match self {
            ResponderConfig::Any(url) | ResponderConfig::ForIssuer { url, .. } => url,
        }
    }

    /// The issuer's certificate fingerprint, when the responder serves one issuer only.
    pub fn issuer_fingerprint(&self) -> Result<Option<[u8; 32]>, String> {
        match self {
            ResponderConfig::Any(_) => Ok(None),
            ResponderConfig::ForIssuer { issuer, .. } => parse_fingerprint(issuer).map(Some),
        }
    }
}

fn parse_fingerprint(text: &str) -> Result<[u8; 32], String> {
    let hex_digits: String = text.chars().filter(|c| !matches!(c, ':' | ' ')).collect();
    let bytes = hex::decode(&hex_digits).map_err(|_| format!("{text:?} is not hexadecimal"))?;
    bytes
        .try_into()
        .map_err(|_| format!("{text:?} is not a SHA-256 fingerprint (64 hexadecimal digits)"))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OcspConfig {
    /// `crl`, `ocsp`, `ocsp_then_crl`, `crl_then_ocsp` or `both`; absent: `ocsp_then_crl` when a
    /// responder is configured or `use_aia` is set, else `crl`.
    pub policy: Option<RevocationPolicy>,
    /// Responder URLs, tried in order: per-issuer ones first, then the ones for every issuer.
    pub responders: Vec<ResponderConfig>,
    /// Also ask the responders named by the certificates' authorityInfoAccess (id-ad-ocsp), after
    /// the configured ones.
    pub use_aia: bool,
    /// Time allowed for one exchange (connect, request, whole answer), in milliseconds.
    pub timeout_ms: u64,
    /// Largest answer accepted, in bytes; a larger one is refused while it streams in.
    pub max_response_bytes: u64,
    /// How long an answer without nextUpdate (as the NCA sends) is used, in seconds from its
    /// producedAt (or its arrival, if earlier); also the longest any answer stays cached.
    pub max_age_seconds: u64,
    /// `post` or `get`.
    pub method: OcspMethod,
    /// Send a random nonce (RFC 6960 §4.4.1) that the answer must echo.
    pub nonce: bool,
    /// `sha1` or `sha256`: the hash of the CertID.
    pub cert_id_hash: CertIdHash,
    /// HTTP(S) proxy for OCSP requests; empty: the `HTTP_PROXY`/`HTTPS_PROXY` variables, if any.
    pub proxy: String,
    /// Most answers kept in the cache (one per certificate).
    pub cache_entries: usize,
    /// Seconds between two readiness probes of each configured responder (policies `ocsp` and
    /// `both`); a responder is ready when its last exchange, probe or lookup, succeeded within
    /// three periods.
    pub probe_seconds: u64,
    /// How far a responder's clock may run ahead of this server's, in seconds: an answer's
    /// thisUpdate up to this much after the validation time still counts. Zero (the contract's
    /// rule, thisUpdate no later than the validation time) unless the responder is known to run
    /// ahead.
    pub clock_skew_seconds: u64,
}

impl Default for OcspConfig {
    fn default() -> Self {
        OcspConfig {
            policy: None,
            responders: Vec::new(),
            use_aia: false,
            timeout_ms: 5_000,
            max_response_bytes: 64 << 10,
            max_age_seconds: 300,
            method: OcspMethod::Post,
            nonce: true,
            cert_id_hash: CertIdHash::Sha1,
            proxy: String::new(),
            cache_entries: 100_000,
            probe_seconds: 60,
            clock_skew_seconds: 0,
        }
    }
}

impl OcspConfig {
    /// The policy in force: the configured one, or the default for the responders known.
    pub fn policy(&self) -> RevocationPolicy {
        self.policy
            .unwrap_or(if self.responders.is_empty() && !self.use_aia {
                RevocationPolicy::Crl
            } else {
                RevocationPolicy::OcspThenCrl
            })
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    pub fn max_age(&self) -> Duration {
        Duration::from_secs(self.max_age_seconds)
    }

    pub fn clock_skew(&self) -> Duration {
        Duration::from_secs(self.clock_skew_seconds)
    }

    pub fn probe_period(&self) -> Duration {
        Duration::from_secs(self.probe_seconds)
    }

    /// Checks what the types alone do not; each message names the key.
    pub fn validate(&self) -> Result<(), String> {
        for responder in &self.responders {
            let url = responder.url();
            if !crate::url::is_http_url(url) {
                return Err(format!(
                    "ocsp.responders: {:?} is not an http:// or https:// URL",
                    crate::url::redact(url)
                ));
            }
            responder.issuer_fingerprint().map_err(|e| {
                format!("ocsp.responders ({}): issuer {e}", crate::url::redact(url))
            })?;
        }
        let policy = self.policy();
        // `ocsp` and `both` need an OCSP answer for every verdict: without a responder nearly
        // all would be revocation_unknown. The `…_then_…` policies may rely on the answers that
        // come with the signatures or the requests, and on the CRLs otherwise.
        let every_verdict_needs_ocsp =
            matches!(policy, RevocationPolicy::Ocsp | RevocationPolicy::Both);
        if every_verdict_needs_ocsp && self.responders.is_empty() && !self.use_aia {
            return Err(format!(
                "ocsp.policy = {:?} needs a responder: set ocsp.responders or ocsp.use_aia = true",
                policy.as_str()
            ));
        }
        if self.timeout_ms == 0 {
            return Err("ocsp.timeout_ms must be at least 1".into());
        }
        if self.max_response_bytes == 0 {
            return Err("ocsp.max_response_bytes must be at least 1".into());
        }
        if self.max_age_seconds == 0 {
            return Err("ocsp.max_age_seconds must be at least 1".into());
        }
        if self.cache_entries == 0 {
            return Err("ocsp.cache_entries must be at least 1".into());
        }
        if self.probe_seconds == 0 {
            return Err("ocsp.probe_seconds must be at least 1".into());
        }
        if !self.proxy.is_empty() && !crate::url::is_http_url(&self.proxy) {
            return Err(format!(
                "ocsp.proxy: {:?} is not an http:// or https:// URL",
                crate::url::redact(&self.proxy)
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_follows_the_responders_known() {
        let mut c = OcspConfig::default();
        assert_eq!(c.policy(), RevocationPolicy::Crl);
        c.use_aia = true;
        assert_eq!(c.policy(), RevocationPolicy::OcspThenCrl);
        c.use_aia = false;
        c.responders = vec![ResponderConfig::Any("http://ocsp.example.kz".into())];
        assert_eq!(c.policy(), RevocationPolicy::OcspThenCrl);
        c.policy = Some(RevocationPolicy::Both);
        assert_eq!(c.policy(), RevocationPolicy::Both);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn responders_for_one_issuer_name_it_by_fingerprint() {
        let text = r#"
            policy = "crl_then_ocsp"
            responders = [
                "http://ocsp.example.kz/any",
                { url = "http://ocsp.example.kz/rsa", issuer = "AB:cd:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd" },
            ]
            method = "get"
            cert_id_hash = "sha256"
        "#;
        let c: OcspConfig = toml::from_str(text).unwrap();
        c.validate().unwrap();
        assert_eq!(c.policy(), RevocationPolicy::CrlThenOcsp);
        assert_eq!(c.method, OcspMethod::Get);
        assert_eq!(c.cert_id_hash, CertIdHash::Sha256);
        assert_eq!(c.responders[0].issuer_fingerprint(), Ok(None));
        let fp = c.responders[1].issuer_fingerprint().unwrap().unwrap();
        assert_eq!(fp[0], 0xab);
        assert_eq!(fp[31], 0xdd);
    }

    #[test]
    fn mistakes_are_named() {
        let bad = |c: OcspConfig| c.validate().unwrap_err();
        let ocsp_without_responder = OcspConfig {
            policy: Some(RevocationPolicy::Ocsp),
            ..Default::default()
        };
        assert!(bad(ocsp_without_responder).contains("needs a responder"));
        let answers_sent_with_signatures = OcspConfig {
            policy: Some(RevocationPolicy::OcspThenCrl),
            ..Default::default()
        };
        assert_eq!(answers_sent_with_signatures.validate(), Ok(()));
        let ftp = OcspConfig {
            responders: vec![ResponderConfig::Any("ftp://u:s3cret@x/".into())],
            ..Default::default()
        };
        let e = bad(ftp);
        assert!(
            e.contains("ocsp.responders") && !e.contains("s3cret"),
            "{e}"
        );
        let short = OcspConfig {
            responders: vec![ResponderConfig::ForIssuer {
                url: "http://x/".into(),
                issuer: "abcd".into(),
            }],
            ..Default::default()
        };
        assert!(bad(short).contains("SHA-256 fingerprint"));
        let zero = OcspConfig {
            timeout_ms: 0,
            use_aia: true,
            ..Default::default()
        };
        assert!(bad(zero).contains("ocsp.timeout_ms"));
        assert!(toml::from_str::<OcspConfig>("policy = \"sometimes\"").is_err());
        assert!(toml::from_str::<OcspConfig>("method = \"put\"").is_err());
    }
}
