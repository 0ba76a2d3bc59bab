//! CRLs built as x509-cert `CertificateList` structures and signed with the issuer keys.

use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS, ID_CE_DELTA_CRL_INDICATOR,
    ID_CE_FRESHEST_CRL, ID_CE_ISSUING_DISTRIBUTION_POINT,
};
use der::asn1::{BitString, Ia5String, Null, ObjectIdentifier, OctetString, Uint, UtcTime};
use der::{DateTime, Encode};
use time::macros::datetime;
use time::OffsetDateTime;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::crl::{
    BaseCrlNumber, CrlNumber, CrlReason, FreshestCrl, IssuingDistributionPoint,
};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::AuthorityKeyIdentifier;
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;
use x509_cert::Version;

use crate::certs::{Pki, CRL_BASE_URL};
use crate::times::{CRL_CURRENT_FROM, CRL_CURRENT_TO};
use crate::Result;

/// The unknown critical CRL extension of nca-rsa-critical-ext.crl.
pub const UNKNOWN_EXTENSION_OID: &str = "1.3.6.1.4.1.99999.1";

/// One revoked certificate.
#[derive(Clone, Debug)]
pub struct EntrySpec {
    /// Name of the revoked certificate.
    pub cert: &'static str,
    pub date: OffsetDateTime,
    pub reason: CrlReason,
}

/// Extra CRL extensions beyond AuthorityKeyIdentifier and CRLNumber.
#[derive(Clone, Debug)]
pub enum Extra {
    /// FreshestCRL pointing to the delta CRL with this file stem.
    Freshest(&'static str),
    /// Critical DeltaCRLIndicator with this BaseCRLNumber.
    DeltaOf(u32),
    /// Critical IssuingDistributionPoint with onlyContainsCACerts TRUE.
    OnlyCaCerts,
    /// An unknown critical extension (value DER NULL).
    UnknownCritical,
}

/// Specification of one CRL.
#[derive(Clone, Debug)]
pub struct CrlSpec {
    /// File stem under fixtures/crl/.
    pub name: &'static str,
    /// Certificate whose subject is the CRL issuer (and whose SKI is the AKI).
    pub issuer: &'static str,
    /// Certificate whose private key signs the CRL (normally the issuer).
    pub signer: &'static str,
    pub number: u32,
    pub this_update: OffsetDateTime,
    pub next_update: OffsetDateTime,
    pub entries: Vec<EntrySpec>,
    pub extras: Vec<Extra>,
    /// Short description for the manifest.
    pub purpose: &'static str,
}

impl CrlSpec {
    fn current(
        name: &'static str,
        issuer: &'static str,
        number: u32,
        purpose: &'static str,
    ) -> Self {
        CrlSpec {
            name,
            issuer,
            signer: issuer,
            number,
            this_update: CRL_CURRENT_FROM,
            next_update: CRL_CURRENT_TO,
            entries: Vec::new(),
            extras: Vec::new(),
            purpose,
        }
    }

    fn updates(mut self, this_update: OffsetDateTime, next_update: OffsetDateTime) -> Self {
        self.this_update = this_update;
        self.next_update = next_update;
        self
    }

    fn entry(mut self, cert: &'static str, date: OffsetDateTime, reason: CrlReason) -> Self {
        self.entries.push(EntrySpec { cert, date, reason });
        self
    }

    fn extra(mut self, extra: Extra) -> Self {
        self.extras.push(extra);
        self
    }

    pub fn is_delta(&self) -> Option<u32> {
        self.extras.iter().find_map(|e| match e {
            Extra::DeltaOf(base) => Some(*base),
            _ => None,
        })
    }
}

/// All CRLs.
pub fn specs() -> Vec<CrlSpec> {
    use CrlReason::*;
    vec![
        CrlSpec::current(
            "root",
            "root",
            1,
            "current CRL of the root: revokes nca-revoked-ca",
        )
        .entry(
            "nca-revoked-ca",
            datetime!(2026-02-01 00:00:00 UTC),
            CaCompromise,
        ),
        CrlSpec::current(
            "root-archive-2025",
            "root",
            0,
            "past CRL of the root, valid in May-June 2025, no entries",
        )
        .updates(
            datetime!(2025-05-15 00:00:00 UTC),
            datetime!(2025-06-15 00:00:00 UTC),
        ),
        CrlSpec::current("nca-rsa", "nca-rsa", 100, "current full CRL of nca-rsa")
            .entry(
                "revoked-sign",
                datetime!(2026-03-01 00:00:00 UTC),
                KeyCompromise,
            )
            .entry(
                "hold-sign",
                datetime!(2026-01-10 00:00:00 UTC),
                CertificateHold,
            )
            .extra(Extra::Freshest("nca-rsa-delta")),
        CrlSpec::current(
            "nca-rsa-delta",
            "nca-rsa",
            101,
            "delta CRL of nca-rsa (base 100)",
        )
        .updates(datetime!(2026-04-01 00:00:00 UTC), CRL_CURRENT_TO)
        .entry(
            "delta-revoked-sign",
            datetime!(2026-03-20 00:00:00 UTC),
            AffiliationChanged,
        )
        .entry(
            "hold-sign",
            datetime!(2026-01-10 00:00:00 UTC),
            RemoveFromCRL,
        )
        .extra(Extra::DeltaOf(100)),
        CrlSpec::current(
            "nca-rsa-stale",
            "nca-rsa",
            50,
            "stale CRL of nca-rsa (nextUpdate before T0)",
        )
        .updates(
            datetime!(2025-01-01 00:00:00 UTC),
            datetime!(2025-02-01 00:00:00 UTC),
        ),
        CrlSpec::current(
            "nca-rsa-archive-2025",
            "nca-rsa",
            60,
            "past CRL of nca-rsa, valid in May-June 2025",
        )
        .updates(
            datetime!(2025-05-15 00:00:00 UTC),
            datetime!(2025-06-15 00:00:00 UTC),
        ),
        CrlSpec {
            signer: "evil-root",
            ..CrlSpec::current(
                "nca-rsa-wrongkey",
                "nca-rsa",
                102,
                "issuer nca-rsa but signed with the evil-root key",
            )
        },
        CrlSpec::current(
            "nca-rsa-critical-ext",
            "nca-rsa",
            103,
            "current CRL of nca-rsa with an unknown critical extension",
        )
        .extra(Extra::UnknownCritical),
        CrlSpec::current(
            "nca-rsa-ca-only",
            "nca-rsa",
            104,
            "IssuingDistributionPoint onlyContainsCACerts: does not cover end entities",
        )
        .extra(Extra::OnlyCaCerts),
        CrlSpec::current(
            "nca-ec",
            "nca-ec",
            10,
            "current CRL of nca-ec (ECDSA-signed)",
        ),
        CrlSpec::current(
            "nca-revoked-ca",
            "nca-revoked-ca",
            1,
            "current CRL of nca-revoked-ca",
        ),
        CrlSpec::current("evil-root", "evil-root", 1, "current CRL of evil-root"),
    ]
}

/// A built CRL.
pub struct BuiltCrl {
    pub spec: CrlSpec,
    pub der: Vec<u8>,
}

/// Builds and signs the CRL of `spec`.
pub fn build(pki: &Pki, spec: CrlSpec) -> Result<BuiltCrl> {
    let issuer = pki.get(spec.issuer);
    let signer = pki.get(spec.signer);

    let mut revoked = Vec::new();
    for entry in &spec.entries {
        revoked.push(RevokedCert {
            serial_number: SerialNumber::new(&pki.get(entry.cert).serial_bytes())?,
            revocation_date: x509_time(entry.date)?,
            crl_entry_extensions: Some(vec![extension(ID_CE_CRL_REASONS, false, &entry.reason)?]),
        });
    }

    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(issuer.ski.clone())?),
        ..Default::default()
    };
    let mut extensions = vec![
        extension(ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &aki)?,
        extension(ID_CE_CRL_NUMBER, false, &CrlNumber(uint(spec.number)?))?,
    ];
    for extra in &spec.extras {
        extensions.push(match extra {
            Extra::DeltaOf(base) => extension(
                ID_CE_DELTA_CRL_INDICATOR,
                true,
                &BaseCrlNumber(uint(*base)?),
            )?,
            Extra::Freshest(stem) => {
                let dp = DistributionPoint {
                    distribution_point: Some(DistributionPointName::FullName(vec![
                        GeneralName::UniformResourceIdentifier(Ia5String::new(&format!(
                            "{CRL_BASE_URL}/{stem}.crl"
                        ))?),
                    ])),
                    reasons: None,
                    crl_issuer: None,
                };
                extension(ID_CE_FRESHEST_CRL, false, &FreshestCrl(vec![dp]))?
            }
            Extra::OnlyCaCerts => {
                let idp = IssuingDistributionPoint {
                    distribution_point: None,
                    only_contains_user_certs: false,
                    only_contains_ca_certs: true,
                    only_some_reasons: None,
                    indirect_crl: false,
                    only_contains_attribute_certs: false,
                };
                // Not `IssuingDistributionPoint::OID`: x509-cert 0.2.5 associates the
                // wrong OID with that type.
                extension(ID_CE_ISSUING_DISTRIBUTION_POINT, true, &idp)?
            }
            Extra::UnknownCritical => {
                extension(ObjectIdentifier::new(UNKNOWN_EXTENSION_OID)?, true, &Null)?
            }
        });
    }

    let algorithm = signer.key.sha256_algorithm()?;
    let tbs = TbsCertList {
        version: Version::V2,
        signature: algorithm.clone(),
        issuer: issuer.subject_name.clone(),
        this_update: x509_time(spec.this_update)?,
        next_update: Some(x509_time(spec.next_update)?),
        revoked_certificates: if revoked.is_empty() {
            None
        } else {
            Some(revoked)
        },
        crl_extensions: Some(extensions),
    };
    let signature = signer.key.sign_sha256(&tbs.to_der()?)?;
    let crl = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(BuiltCrl {
        der: crl.to_der()?,
        spec,
    })
}

fn extension(oid: ObjectIdentifier, critical: bool, value: &impl Encode) -> Result<Extension> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

fn uint(n: u32) -> Result<Uint> {
    let bytes = n.to_be_bytes();
    Ok(Uint::new(&bytes)?)
}

/// UTCTime (all dates here are before 2050).
fn x509_time(t: OffsetDateTime) -> Result<Time> {
    let secs = u64::try_from(t.unix_timestamp())?;
    let dt = DateTime::from_unix_duration(std::time::Duration::from_secs(secs))?;
    Ok(Time::UtcTime(UtcTime::from_date_time(dt)?))
}
