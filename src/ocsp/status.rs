//! Whether the responders answer, for `/readyz`.
//!
//! Every exchange (a lookup's or a readiness probe's) records its outcome per responder. A
//! responder is answering when its last exchange succeeded, within the readiness window (three
//! probe periods). A deployment whose policy needs OCSP for readiness (`ocsp`, `both`) is ready,
//! on the OCSP side, when every configured responder is answering; responders found through the
//! certificates' AIA are reported but not required (no certificate is at hand to probe them with).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::settings::RevocationPolicy;

#[derive(Debug, Clone, Default)]
struct Seen {
    last_success: Option<OffsetDateTime>,
    last_failure: Option<(OffsetDateTime, &'static str)>,
}

impl Seen {
    fn answering(&self, now: OffsetDateTime, window: Duration) -> bool {
        match (self.last_success, self.last_failure) {
            (None, _) => false,
            (Some(ok), Some((failed, _))) if failed >= ok => false,
            (Some(ok), _) => now - ok <= window,
        }
    }
}

/// One responder as `/readyz` shows it (its URL redacted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ResponderReadiness {
    /// The responder's URL, redacted.
    pub responder: String,
    /// From the configuration (else learned from a certificate's AIA).
    pub configured: bool,
    pub answering: bool,
    #[schema(format = DateTime)]
    pub last_success: Option<String>,
    #[schema(format = DateTime)]
    pub last_failure: Option<String>,
    pub last_failure_reason: Option<&'static str>,
}

/// The OCSP side of `/readyz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OcspReadiness {
    /// The revocation policy (`ocsp`, `ocsp_then_crl`, `crl_then_ocsp`, `both`).
    pub policy: &'static str,
    /// Whether readiness waits for the responders (`ocsp`, `both`).
    pub needs_ocsp: bool,
    /// Whether readiness waits for current CRLs (every policy but `ocsp`).
    pub needs_crl: bool,
    /// The OCSP side is ready: not needed, or every configured responder is answering.
    pub ready: bool,
    pub responders: Vec<ResponderReadiness>,
}

/// The last outcome per responder, asked by the readiness handler.
pub struct OcspStatus {
    policy: RevocationPolicy,
    /// The configured responders' URLs, in configuration order (keys of `seen`, never shown).
    configured: Vec<String>,
    window: Duration,
    seen: Mutex<BTreeMap<String, Seen>>,
}

impl OcspStatus {
    pub fn new(policy: RevocationPolicy, configured: Vec<String>, window: Duration) -> Self {
        OcspStatus {
            policy,
            configured,
            window,
            seen: Mutex::default(),
        }
    }

    pub fn policy(&self) -> RevocationPolicy {
        self.policy
    }

    /// Records one exchange with the responder at `url` (the full URL: kept in memory only).
    pub fn record(&self, url: &str, at: OffsetDateTime, result: Result<(), &'static str>) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let entry = seen.entry(url.to_owned()).or_default();
        match result {
            Ok(()) => entry.last_success = Some(at),
            Err(reason) => entry.last_failure = Some((at, reason)),
        }
    }

    pub fn readiness(&self, now: OffsetDateTime) -> OcspReadiness {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let show = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        let describe = |url: &str, configured: bool| {
            let s = seen.get(url).cloned().unwrap_or_default();
            ResponderReadiness {
                responder: crate::url::redact(url),
                configured,
                answering: s.answering(now, self.window),
                last_success: s.last_success.map(show),
                last_failure: s.last_failure.map(|(t, _)| show(t)),
                last_failure_reason: s.last_failure.map(|(_, r)| r),
            }
        };
        let mut responders: Vec<ResponderReadiness> = self
            .configured
            .iter()
            .map(|url| describe(url, true))
            .collect();
        responders.extend(
            seen.keys()
                .filter(|url| !self.configured.contains(url))
                .map(|url| describe(url, false)),
        );
        let needs_ocsp = super::settings::readiness_needs_ocsp(self.policy);
        let ready = !needs_ocsp
            || responders
                .iter()
                .filter(|r| r.configured)
                .all(|r| r.answering);
        OcspReadiness {
            policy: self.policy.as_str(),
            needs_ocsp,
            needs_crl: super::settings::readiness_needs_crl(self.policy),
            ready,
            responders,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_when_every_configured_responder_answered_lately() {
        let urls = vec![
            "http://a/ocsp?token=s3cret".to_owned(),
            "http://b".to_owned(),
        ];
        let status = OcspStatus::new(RevocationPolicy::Ocsp, urls, Duration::from_secs(180));
        let now = OffsetDateTime::now_utc();
        assert!(!status.readiness(now).ready);
        status.record("http://a/ocsp?token=s3cret", now, Ok(()));
        assert!(!status.readiness(now).ready);
        status.record("http://b", now, Ok(()));
        let r = status.readiness(now);
        assert!(r.ready && r.needs_ocsp && !r.needs_crl);
        assert_eq!(r.responders[0].responder, "http://a/ocsp?token=…");
        // A later failure, or an old success, is not answering.
        status.record("http://b", now + time::Duration::seconds(1), Err("timeout"));
        let r = status.readiness(now + time::Duration::seconds(2));
        assert!(!r.ready);
        assert_eq!(r.responders[1].last_failure_reason, Some("timeout"));
        status.record("http://b", now + time::Duration::seconds(3), Ok(()));
        assert!(status.readiness(now + time::Duration::seconds(3)).ready);
        assert!(!status.readiness(now + time::Duration::seconds(400)).ready);
        // A responder found through AIA is shown, not required.
        status.record("http://aia", now, Err("connect"));
        let r = status.readiness(now + time::Duration::seconds(3));
        assert!(r.ready);
        assert!(!r.responders[2].configured);
    }

    #[test]
    fn other_policies_do_not_wait_for_responders() {
        for policy in [RevocationPolicy::OcspThenCrl, RevocationPolicy::CrlThenOcsp] {
            let status = OcspStatus::new(policy, vec!["http://a".into()], Duration::from_secs(1));
            let r = status.readiness(OffsetDateTime::now_utc());
            assert!(r.ready && !r.needs_ocsp && r.needs_crl);
        }
        let both = OcspStatus::new(
            RevocationPolicy::Both,
            vec!["http://a".into()],
            Duration::from_secs(1),
        );
        let r = both.readiness(OffsetDateTime::now_utc());
        assert!(!r.ready && r.needs_ocsp && r.needs_crl);
    }
}
