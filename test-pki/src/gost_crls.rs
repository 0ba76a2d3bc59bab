//! The CRLs of `fixtures/gost/`, signed with GOST like the NCA's: a v2 TBSCertList with the
//! signature algorithm's NULL parameters, entries with a reason code, extensions CRLNumber and
//! AuthorityKeyIdentifier (a delta CRL: DeltaCRLIndicator first, critical), in the order of the
//! NCA's own CRLs (`fixtures/nca/CRL/`).

use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS, ID_CE_DELTA_CRL_INDICATOR,
};
use der::asn1::{BitString, OctetString, Uint};
use der::{Decode, Encode};
use time::macros::datetime;
use time::OffsetDateTime;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::crl::{BaseCrlNumber, CrlNumber, CrlReason};
use x509_cert::ext::pkix::AuthorityKeyIdentifier;
use x509_cert::Version;

use crate::gost_certs::{extension, x509_time, GostPki};
use crate::times::{CRL_CURRENT_FROM, CRL_CURRENT_TO};
use crate::Result;

/// One revoked certificate.
#[derive(Clone, Debug)]
pub struct Entry {
    pub cert: &'static str,
    pub date: OffsetDateTime,
    pub reason: CrlReason,
}

/// One CRL.
#[derive(Clone, Debug)]
pub struct GostCrlSpec {
    /// File stem under `fixtures/gost/crl/`.
    pub name: &'static str,
    /// The issuing (and signing) certificate.
    pub issuer: &'static str,
    pub number: u32,
    /// The BaseCRLNumber of a delta CRL.
    pub delta_of: Option<u32>,
    pub this_update: OffsetDateTime,
    pub next_update: OffsetDateTime,
    pub entries: Vec<Entry>,
    /// Bundled in `crl/all-current.pem`.
    pub current: bool,
    pub story: &'static str,
}

impl GostCrlSpec {
    fn current(name: &'static str, issuer: &'static str, number: u32, story: &'static str) -> Self {
        GostCrlSpec {
            name,
            issuer,
            number,
            delta_of: None,
            this_update: CRL_CURRENT_FROM,
            next_update: CRL_CURRENT_TO,
            entries: Vec::new(),
            current: true,
            story,
        }
    }

    fn entry(mut self, cert: &'static str, date: OffsetDateTime, reason: CrlReason) -> Self {
        self.entries.push(Entry { cert, date, reason });
        self
    }
}

/// The complete CRL number of nca-gost, the base of its delta.
pub const NCA_GOST_BASE: u32 = 20;

/// All CRLs.
pub fn specs() -> Vec<GostCrlSpec> {
    use CrlReason::*;
    vec![
        GostCrlSpec::current(
            "root",
            "root",
            1,
            "the root's CRL for its CAs (nca-gost, nca-gost2004): no entries",
        ),
        GostCrlSpec::current(
            "nca-gost",
            "nca-gost",
            NCA_GOST_BASE,
            "complete CRL of nca-gost: revoked-sign (keyCompromise 2026-03-01), hold-sign (certificateHold 2026-01-10)",
        )
        .entry(
            "revoked-sign",
            datetime!(2026-03-01 00:00:00 UTC),
            KeyCompromise,
        )
        .entry(
            "hold-sign",
            datetime!(2026-01-10 00:00:00 UTC),
            CertificateHold,
        ),
        GostCrlSpec {
            delta_of: Some(NCA_GOST_BASE),
            this_update: datetime!(2026-04-01 00:00:00 UTC),
            ..GostCrlSpec::current(
                "nca-gost-delta",
                "nca-gost",
                NCA_GOST_BASE + 1,
                "delta CRL of nca-gost (base 20), issued 2026-04-01: hold-sign removeFromCRL, delta-revoked-sign affiliationChanged 2026-03-20",
            )
        }
        .entry(
            "hold-sign",
            datetime!(2026-01-10 00:00:00 UTC),
            RemoveFromCRL,
        )
        .entry(
            "delta-revoked-sign",
            datetime!(2026-03-20 00:00:00 UTC),
            AffiliationChanged,
        ),
        GostCrlSpec {
            this_update: datetime!(2025-01-01 00:00:00 UTC),
            next_update: datetime!(2025-02-01 00:00:00 UTC),
            current: false,
            ..GostCrlSpec::current(
                "nca-gost-stale",
                "nca-gost",
                10,
                "stale complete CRL of nca-gost (2025-01-01 .. 2025-02-01), no entries: at the reference time it proves nothing",
            )
        },
        GostCrlSpec::current(
            "nca-gost2004",
            "nca-gost2004",
            1,
            "CRL of nca-gost2004, signed with GOST 34.310-2004: no entries",
        ),
    ]
}

/// A built CRL.
pub struct GostCrl {
    pub spec: GostCrlSpec,
    pub der: Vec<u8>,
}

impl GostCrl {
    pub fn pem(&self) -> Result<String> {
        Ok(
            der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, &self.der)
                .map_err(|e| format!("PEM encoding: {e}"))?,
        )
    }
}

fn uint(n: u32) -> Result<Uint> {
    Ok(Uint::new(&n.to_be_bytes())?)
}

/// Builds and signs the CRL of `spec` with its issuer's GOST key.
pub fn build(pki: &GostPki, spec: GostCrlSpec) -> Result<GostCrl> {
    let issuer = pki.get(spec.issuer);
    let mut revoked = Vec::new();
    for entry in &spec.entries {
        let cert = pki.get(entry.cert);
        if cert.spec.issuer != spec.issuer {
            return Err(format!("{} is not issued by {}", entry.cert, spec.issuer).into());
        }
        revoked.push(RevokedCert {
            serial_number: cert.serial().clone(),
            revocation_date: x509_time(entry.date)?,
            crl_entry_extensions: Some(vec![extension(ID_CE_CRL_REASONS, false, &entry.reason)?]),
        });
    }
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(issuer.ski.clone())?),
        ..Default::default()
    };
    let mut extensions = Vec::new();
    if let Some(base) = spec.delta_of {
        extensions.push(extension(
            ID_CE_DELTA_CRL_INDICATOR,
            true,
            &BaseCrlNumber(uint(base)?),
        )?);
    }
    extensions.push(extension(
        ID_CE_CRL_NUMBER,
        false,
        &CrlNumber(uint(spec.number)?),
    )?);
    extensions.push(extension(ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &aki)?);

    let algorithm = issuer.spec.algo.signature_algorithm();
    let tbs = TbsCertList {
        version: Version::V2,
        signature: algorithm.clone(),
        issuer: issuer.subject_name().clone(),
        this_update: x509_time(spec.this_update)?,
        next_update: Some(x509_time(spec.next_update)?),
        revoked_certificates: if revoked.is_empty() {
            None
        } else {
            Some(revoked)
        },
        crl_extensions: Some(extensions),
    };
    let signature = issuer.key.sign(&tbs.to_der()?)?;
    let crl = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature)?,
    };
    let der = crl.to_der()?;
    if CertificateList::from_der(&der)?.to_der()? != der {
        return Err(format!("CRL {} does not round-trip", spec.name).into());
    }
    Ok(GostCrl { der, spec })
}
