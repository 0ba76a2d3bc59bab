//! The revocation policy: how the CRLs and the OCSP answers at hand combine into one status for
//! a certificate (CONTRACT.md §3). A failing source never makes a certificate "not revoked": at
//! most the policy's other source answers instead, and otherwise the status is unknown.

use std::sync::Arc;

use super::judge::{OcspContext, OcspStatus, Used};
use super::RevocationPolicy;
use crate::cert::Certificate;
use crate::crl::Crl;
use crate::phrase::{Phrase, PhraseKey};
use crate::revocation::{RevocationContext, RevocationStatus};

/// Everything a revocation decision under a policy needs.
pub(crate) struct Sources<'a> {
    pub crl: &'a RevocationContext<'a>,
    pub ocsp: &'a OcspContext<'a>,
    pub policy: RevocationPolicy,
}

/// The status of one certificate from the policy's sources.
#[derive(Debug, Clone)]
pub(crate) enum Combined {
    /// Not revoked at T: the CRLs (possibly none) and the OCSP answer (possibly none) that prove
    /// it, and what the other source said when it could not decide (a fallback).
    Good {
        crls: Vec<Arc<Crl>>,
        ocsp: Option<(Used, Phrase)>,
        note: Option<Phrase>,
    },
    Revoked {
        crl: Option<Arc<Crl>>,
        ocsp: Option<Used>,
        detail: Phrase,
    },
    Unknown {
        why: Phrase,
    },
}

impl From<RevocationStatus> for Combined {
    fn from(status: RevocationStatus) -> Self {
        match status {
            RevocationStatus::Good { crls } => Combined::Good {
                crls,
                ocsp: None,
                note: None,
            },
            RevocationStatus::Revoked { crl, detail } => Combined::Revoked {
                crl: Some(crl),
                ocsp: None,
                detail,
            },
            RevocationStatus::Unknown { why } => Combined::Unknown { why },
        }
    }
}

impl From<OcspStatus> for Combined {
    fn from(status: OcspStatus) -> Self {
        match status {
            OcspStatus::Good { used, detail } => Combined::Good {
                crls: Vec::new(),
                ocsp: Some((used, detail)),
                note: None,
            },
            OcspStatus::Revoked { used, detail } => Combined::Revoked {
                crl: None,
                ocsp: Some(used),
                detail,
            },
            OcspStatus::Unknown { why } => Combined::Unknown { why },
        }
    }
}

impl Combined {
    fn noting(self, why: Phrase) -> Self {
        match self {
            Combined::Good { crls, ocsp, .. } => Combined::Good {
                crls,
                ocsp,
                note: Some(why),
            },
            other => other,
        }
    }
}

impl Sources<'_> {
    /// The status of `cert`, issued by `issuer`, whose path ends at `anchor`.
    pub fn status(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        anchor: &Certificate,
    ) -> Combined {
        // A delegated responder without ocsp-nocheck is judged by the same policy, with its own
        // issuer's answers only: no responder vouches for a responder.
        let inner_ocsp = OcspContext {
            delegated: false,
            ..*self.ocsp
        };
        let inner = Sources {
            crl: self.crl,
            ocsp: &inner_ocsp,
            policy: self.policy,
        };
        let responder_check = |responder: &Certificate, its_issuer: &Certificate| {
            let refuse = |_: &Certificate, _: &Certificate| {
                Err("a responder cannot vouch for a responder".to_string())
            };
            match inner.status_with(responder, its_issuer, anchor, &refuse) {
                Combined::Good { .. } => Ok(()),
                Combined::Revoked { detail, .. } => Err(format!("revoked: {detail}")),
                Combined::Unknown { why } => Err(format!("unknown: {why}")),
            }
        };
        self.status_with(cert, issuer, anchor, &responder_check)
    }

    fn status_with(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        anchor: &Certificate,
        responder_check: &super::judge::ResponderCheck<'_>,
    ) -> Combined {
        let crl = || self.crl.status(cert, issuer, anchor);
        let ocsp = || self.ocsp.status(cert, issuer, responder_check);
        match self.policy {
            RevocationPolicy::Crl => crl().into(),
            RevocationPolicy::Ocsp => ocsp().into(),
            RevocationPolicy::OcspThenCrl => match ocsp() {
                OcspStatus::Unknown { why: by_ocsp } => match crl() {
                    RevocationStatus::Unknown { why } => Combined::Unknown {
                        why: Phrase::joined(vec![by_ocsp, crl_said(why)]),
                    },
                    decided => Combined::from(decided).noting(by_ocsp),
                },
                decided => decided.into(),
            },
            RevocationPolicy::CrlThenOcsp => match crl() {
                RevocationStatus::Unknown { why: by_crl } => match ocsp() {
                    OcspStatus::Unknown { why } => Combined::Unknown {
                        why: Phrase::joined(vec![crl_said(by_crl), why]),
                    },
                    decided => Combined::from(decided).noting(crl_said(by_crl)),
                },
                decided => decided.into(),
            },
            RevocationPolicy::Both => both(crl().into(), ocsp().into()),
        }
    }
}

/// Both sources must say "not revoked"; either saying "revoked" is enough.
fn both(by_crl: Combined, by_ocsp: Combined) -> Combined {
    match (by_crl, by_ocsp) {
        (revoked @ Combined::Revoked { .. }, _) | (_, revoked @ Combined::Revoked { .. }) => {
            revoked
        }
        (Combined::Good { crls, .. }, Combined::Good { ocsp, .. }) => Combined::Good {
            crls,
            ocsp,
            note: None,
        },
        (Combined::Unknown { why: c }, Combined::Unknown { why: o }) => Combined::Unknown {
            why: Phrase::joined(vec![crl_said(c), o]),
        },
        (Combined::Unknown { why }, _) => Combined::Unknown {
            why: Phrase::new(PhraseKey::PolicyNeedsBoth).phrase("why", crl_said(why)),
        },
        (_, Combined::Unknown { why }) => Combined::Unknown {
            why: Phrase::new(PhraseKey::PolicyNeedsBoth).phrase("why", why),
        },
    }
}

/// What the CRLs said: "CRL: …".
fn crl_said(why: Phrase) -> Phrase {
    Phrase::new(PhraseKey::CrlPrefixed).phrase("why", why)
}
