//! `big-crl`: a national-scale CRL (a million entries or more) issued by the fixture nca-rsa, for
//! load and memory measurements. Nothing in it revokes a fixture certificate, so the fixture
//! signatures stay valid against it.

use std::path::Path;

use const_oid::db::rfc5280::{
    ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS, ID_CE_DELTA_CRL_INDICATOR,
};
use der::asn1::{Any, BitString, OctetString, UtcTime};
use der::{DateTime, Decode, Encode};
use pkcs8::DecodePrivateKey;
use rand::RngCore;
use rsa::signature::{SignatureEncoding, Signer};
use sha2::Sha256;
use spki::AlgorithmIdentifierOwned;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::crl::BaseCrlNumber;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber, CrlReason, SubjectKeyIdentifier};
use x509_cert::ext::Extension;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;
use x509_cert::Certificate;

use crate::Result;

fn utc(secs: u64) -> Result<Time> {
    let dt = DateTime::from_unix_duration(std::time::Duration::from_secs(secs))?;
    Ok(Time::UtcTime(UtcTime::from_date_time(dt)?))
}

/// What a CRL issued with the fixture nca-rsa key says, beyond its issuer.
pub struct NcaRsaCrl {
    pub number: u32,
    /// Unix seconds.
    pub this_update: u64,
    /// Unix seconds.
    pub next_update: u64,
    /// BaseCRLNumber of a delta CRL (RFC 5280 §5.2.4); `None` for a complete CRL.
    pub delta_of: Option<u32>,
    pub revoked: Vec<RevokedCert>,
}

/// Writes a DER CRL of `entries` random serials with CRL number `number`, signed by the fixture
/// nca-rsa key in `fixtures`.
pub fn write(fixtures: &Path, out: &Path, entries: usize, number: u32) -> Result<()> {
    let mut rng = rand::thread_rng();
    let start_2025 = 1_735_689_600u64;
    let reason = reason_extension(CrlReason::Superseded)?;
    let mut revoked = Vec::with_capacity(entries);
    for i in 0..entries {
        // 16 random bytes, positive, never colliding with the short fixture serials.
        let mut serial = [0u8; 16];
        rng.fill_bytes(&mut serial);
        serial[0] = (serial[0] & 0x3f) | 0x40;
        revoked.push(RevokedCert {
            serial_number: SerialNumber::new(&serial)?,
            revocation_date: utc(start_2025 + (i as u64 % 31_000_000))?,
            crl_entry_extensions: (i % 4 == 0).then(|| vec![reason.clone()]),
        });
    }
    let crl = NcaRsaCrl {
        number,
        this_update: 1_767_225_600, // 2026-01-01
        next_update: 2_051_222_400, // 2035-01-01
        delta_of: None,
        revoked,
    };
    std::fs::write(out, sign_nca_rsa(fixtures, crl)?)?;
    Ok(())
}

/// `lapsed-delta`: `crl/nca-rsa-delta-lapsed.{crl,pem}`, a delta of the fixture base CRL 100 that
/// was current only in April 2026 and revokes delta-revoked-sign (affiliationChanged, 2026-03-20),
/// like nca-rsa-delta. Verified after April with the base alone current, it must not be ignored:
/// the revocations published since the base are then unknown.
pub fn write_lapsed_delta(fixtures: &Path) -> Result<()> {
    let revoked_cert =
        Certificate::from_der(&std::fs::read(fixtures.join("pki/delta-revoked-sign.der"))?)?;
    let crl = NcaRsaCrl {
        number: 105,
        this_update: 1_775_001_600, // 2026-04-01
        next_update: 1_777_593_600, // 2026-05-01
        delta_of: Some(100),
        revoked: vec![RevokedCert {
            serial_number: revoked_cert.tbs_certificate.serial_number.clone(),
            revocation_date: utc(1_773_964_800)?, // 2026-03-20
            crl_entry_extensions: Some(vec![reason_extension(CrlReason::AffiliationChanged)?]),
        }],
    };
    let der = sign_nca_rsa(fixtures, crl)?;
    let stem = fixtures.join("crl/nca-rsa-delta-lapsed");
    std::fs::write(stem.with_extension("crl"), &der)?;
    std::fs::write(stem.with_extension("pem"), crate::crl_pem(&der)?)?;
    Ok(())
}

fn reason_extension(reason: CrlReason) -> Result<Extension> {
    Ok(Extension {
        extn_id: ID_CE_CRL_REASONS,
        critical: false,
        extn_value: OctetString::new(reason.to_der()?)?,
    })
}

/// The DER of `crl`, issued and signed (RSA PKCS#1 v1.5, SHA-256) by the fixture nca-rsa.
pub fn sign_nca_rsa(fixtures: &Path, crl: NcaRsaCrl) -> Result<Vec<u8>> {
    let issuer = Certificate::from_der(&std::fs::read(fixtures.join("pki/nca-rsa.der"))?)?;
    let key_pem = std::fs::read_to_string(fixtures.join("pki/keys/nca-rsa.key.pem"))?;
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&key_pem)?;
    let ski = issuer
        .tbs_certificate
        .get::<SubjectKeyIdentifier>()?
        .ok_or("nca-rsa has no subject key identifier")?
        .1;
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(ski.0),
        ..Default::default()
    };
    let mut extensions = vec![
        Extension {
            extn_id: ID_CE_AUTHORITY_KEY_IDENTIFIER,
            critical: false,
            extn_value: OctetString::new(aki.to_der()?)?,
        },
        Extension {
            extn_id: ID_CE_CRL_NUMBER,
            critical: false,
            extn_value: OctetString::new(CrlNumber(uint(crl.number)?).to_der()?)?,
        },
    ];
    if let Some(base) = crl.delta_of {
        extensions.push(Extension {
            extn_id: ID_CE_DELTA_CRL_INDICATOR,
            critical: true,
            extn_value: OctetString::new(BaseCrlNumber(uint(base)?).to_der()?)?,
        });
    }
    let algorithm = AlgorithmIdentifierOwned {
        oid: const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
        parameters: Some(Any::null()),
    };
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: algorithm.clone(),
        issuer: issuer.tbs_certificate.subject.clone(),
        this_update: utc(crl.this_update)?,
        next_update: Some(utc(crl.next_update)?),
        revoked_certificates: (!crl.revoked.is_empty()).then_some(crl.revoked),
        crl_extensions: Some(extensions),
    };
    let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key);
    let signature = signer.try_sign(&tbs.to_der()?)?.to_vec();
    let crl = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(crl.to_der()?)
}

fn uint(n: u32) -> Result<der::asn1::Uint> {
    Ok(der::asn1::Uint::new(&n.to_be_bytes())?)
}
