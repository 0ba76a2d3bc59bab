//! fixtures/manifest.json: what every generated file contains.

use serde::Serialize;
use x509_cert::ext::pkix::crl::CrlReason;

use crate::certs::{dotted, expected_role, Pki, Usage, CRL_BASE_URL};
use crate::crls::{BuiltCrl, Extra, UNKNOWN_EXTENSION_OID};
use crate::samples::{Expect, Make, SampleSpec};
use crate::times::{rfc3339, T0};

#[derive(Serialize)]
pub struct Manifest {
    pub reference_time: String,
    pub regenerate: &'static str,
    pub bundles: Bundles,
    pub certificates: Vec<CertEntry>,
    pub crls: Vec<CrlEntry>,
    pub samples: Vec<SampleEntry>,
}

#[derive(Serialize)]
pub struct Bundles {
    pub trust: &'static str,
    pub intermediates: &'static str,
    pub all_current_crls: &'static str,
    pub all_current_crls_members: Vec<&'static str>,
}

#[derive(Serialize)]
pub struct CertEntry {
    pub name: &'static str,
    pub file: String,
    pub der_file: String,
    pub key_file: String,
    pub subject: String,
    pub cn: String,
    pub surname: Option<String>,
    pub given_name: Option<String>,
    pub organization: Option<String>,
    /// Name of the issuing certificate.
    pub issuer: &'static str,
    pub issuer_subject: String,
    pub self_signed: bool,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub iin: Option<String>,
    pub bin: Option<String>,
    pub role: Option<&'static str>,
    pub role_oids: Vec<String>,
    pub extended_key_usage: Vec<String>,
    pub key_usage: &'static str,
    pub key_algorithm: String,
    pub signature_algorithm: &'static str,
    pub path_len_constraint: Option<u8>,
    pub subject_key_identifier: String,
    pub crl_distribution_point: Option<String>,
}

#[derive(Serialize)]
pub struct CrlEntry {
    pub name: &'static str,
    pub file: String,
    pub pem_file: String,
    /// Certificate whose subject is the CRL issuer.
    pub issuer: &'static str,
    pub issuer_subject: String,
    /// Certificate whose key signed the CRL.
    pub signed_by: &'static str,
    pub number: u32,
    pub delta_base: Option<u32>,
    pub this_update: String,
    pub next_update: String,
    pub extensions: Vec<String>,
    pub entries: Vec<CrlEntryItem>,
    pub purpose: &'static str,
}

#[derive(Serialize)]
pub struct CrlEntryItem {
    pub cert: &'static str,
    pub serial: String,
    pub revocation_date: String,
    pub reason: &'static str,
    pub reason_code: u32,
}

#[derive(Serialize)]
pub struct SampleEntry {
    pub file: String,
    pub signers: Vec<&'static str>,
    pub mode: &'static str,
    pub content: String,
    pub format: &'static str,
    pub derived_from: Option<String>,
    pub openssl_options: Vec<&'static str>,
    pub certificates_included: Vec<&'static str>,
    pub expected_at_reference_time: Expect,
    pub story: &'static str,
}

pub fn reason_label(reason: CrlReason) -> &'static str {
    match reason {
        CrlReason::Unspecified => "unspecified",
        CrlReason::KeyCompromise => "keyCompromise",
        CrlReason::CaCompromise => "cACompromise",
        CrlReason::AffiliationChanged => "affiliationChanged",
        CrlReason::Superseded => "superseded",
        CrlReason::CessationOfOperation => "cessationOfOperation",
        CrlReason::CertificateHold => "certificateHold",
        CrlReason::RemoveFromCRL => "removeFromCRL",
        CrlReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        CrlReason::AaCompromise => "aACompromise",
    }
}

pub fn build(
    pki: &Pki,
    crls: &[BuiltCrl],
    samples: &[SampleSpec],
    all_current: &[&'static str],
    regenerate: &'static str,
) -> Manifest {
    let certificates = pki
        .certs
        .iter()
        .map(|c| {
            let s = &c.spec;
            let issuer = pki.get(s.issuer);
            CertEntry {
                name: s.name,
                file: format!("pki/{}.pem", s.name),
                der_file: format!("pki/{}.der", s.name),
                key_file: format!("pki/keys/{}.key.pem", s.name),
                subject: s.subject.display(),
                cn: s.subject.cn.clone(),
                surname: s.subject.surname.clone(),
                given_name: s.subject.given_name.clone(),
                organization: s.subject.org.clone(),
                issuer: s.issuer,
                issuer_subject: issuer.spec.subject.display(),
                self_signed: s.self_signed(),
                serial: c.serial_hex(),
                not_before: rfc3339(s.not_before),
                not_after: rfc3339(s.not_after),
                iin: s.subject.iin.clone(),
                bin: s.subject.bin.clone(),
                role: expected_role(&s.roles).map(|r| r.label()),
                role_oids: s.roles.iter().map(|r| dotted(r.oid())).collect(),
                extended_key_usage: s.eku_oids().iter().map(|o| dotted(o)).collect(),
                key_usage: s.usage.label(),
                key_algorithm: s.algo.label(),
                signature_algorithm: issuer.spec.algo.cert_signature_algorithm(),
                path_len_constraint: if s.usage == Usage::Ca {
                    s.path_len
                } else {
                    None
                },
                subject_key_identifier: hex::encode(&c.ski),
                crl_distribution_point: (!s.self_signed())
                    .then(|| format!("{CRL_BASE_URL}/{}.crl", s.issuer)),
            }
        })
        .collect();

    let crls = crls
        .iter()
        .map(|b| {
            let s = &b.spec;
            let mut extensions = vec![
                "authorityKeyIdentifier".to_string(),
                "cRLNumber".to_string(),
            ];
            extensions.extend(s.extras.iter().map(|e| match e {
                Extra::Freshest(stem) => format!("freshestCRL {CRL_BASE_URL}/{stem}.crl"),
                Extra::DeltaOf(base) => format!("deltaCRLIndicator (critical) base {base}"),
                Extra::OnlyCaCerts => {
                    "issuingDistributionPoint (critical) onlyContainsCACerts".to_string()
                }
                Extra::UnknownCritical => format!("{UNKNOWN_EXTENSION_OID} (critical) NULL"),
            }));
            CrlEntry {
                name: s.name,
                file: format!("crl/{}.crl", s.name),
                pem_file: format!("crl/{}.pem", s.name),
                issuer: s.issuer,
                issuer_subject: pki.get(s.issuer).spec.subject.display(),
                signed_by: s.signer,
                number: s.number,
                delta_base: s.is_delta(),
                this_update: rfc3339(s.this_update),
                next_update: rfc3339(s.next_update),
                extensions,
                entries: s
                    .entries
                    .iter()
                    .map(|e| CrlEntryItem {
                        cert: e.cert,
                        serial: pki.get(e.cert).serial_hex(),
                        revocation_date: rfc3339(e.date),
                        reason: reason_label(e.reason),
                        reason_code: e.reason as u32,
                    })
                    .collect(),
                purpose: s.purpose,
            }
        })
        .collect();

    let samples = samples
        .iter()
        .map(|s| SampleEntry {
            file: format!("samples/{}", s.file),
            signers: s.signers.clone(),
            mode: if s.detached { "detached" } else { "attached" },
            content: format!("samples/{}", s.content),
            format: s.format().label(),
            derived_from: match &s.make {
                Make::Sign { .. } => None,
                Make::TamperContent { from }
                | Make::BadSignature { from }
                | Make::Reencode { from, .. } => Some(format!("samples/{from}")),
            },
            openssl_options: s.openssl_opts(samples),
            certificates_included: s.included_certs(),
            expected_at_reference_time: s.expect_t0.clone(),
            story: s.story,
        })
        .collect();

    Manifest {
        reference_time: rfc3339(T0),
        regenerate,
        bundles: Bundles {
            trust: "pki/trust.pem",
            intermediates: "pki/intermediates.pem",
            all_current_crls: "crl/all-current.pem",
            all_current_crls_members: all_current.to_vec(),
        },
        certificates,
        crls,
        samples,
    }
}
