//! `big-crl`: a national-scale CRL (a million entries or more) issued by the fixture nca-rsa, for
//! load and memory measurements. Nothing in it revokes a fixture certificate, so the fixture
//! signatures stay valid against it.

use std::path::Path;

use const_oid::db::rfc5280::{ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_CRL_NUMBER, ID_CE_CRL_REASONS};
use der::asn1::{Any, BitString, OctetString, UtcTime};
use der::{DateTime, Decode, Encode};
use pkcs8::DecodePrivateKey;
use rand::RngCore;
use rsa::signature::{SignatureEncoding, Signer};
use sha2::Sha256;
use spki::AlgorithmIdentifierOwned;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
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

/// Writes a DER CRL of `entries` random serials with CRL number `number`, signed by the fixture
/// nca-rsa key in `fixtures`.
pub fn write(fixtures: &Path, out: &Path, entries: usize, number: u32) -> Result<()> {
    let issuer = Certificate::from_der(&std::fs::read(fixtures.join("pki/nca-rsa.der"))?)?;
    let key_pem = std::fs::read_to_string(fixtures.join("pki/keys/nca-rsa.key.pem"))?;
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&key_pem)?;
    let ski = issuer
        .tbs_certificate
        .get::<SubjectKeyIdentifier>()?
        .ok_or("nca-rsa has no subject key identifier")?
        .1;

    let mut rng = rand::thread_rng();
    let start_2025 = 1_735_689_600u64;
    let reason = Extension {
        extn_id: ID_CE_CRL_REASONS,
        critical: false,
        extn_value: OctetString::new(CrlReason::Superseded.to_der()?)?,
    };
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
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(ski.0),
        ..Default::default()
    };
    let extensions = vec![
        Extension {
            extn_id: ID_CE_AUTHORITY_KEY_IDENTIFIER,
            critical: false,
            extn_value: OctetString::new(aki.to_der()?)?,
        },
        Extension {
            extn_id: ID_CE_CRL_NUMBER,
            critical: false,
            extn_value: OctetString::new(
                CrlNumber(der::asn1::Uint::new(&number.to_be_bytes())?).to_der()?,
            )?,
        },
    ];
    let algorithm = AlgorithmIdentifierOwned {
        oid: const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
        parameters: Some(Any::null()),
    };
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: algorithm.clone(),
        issuer: issuer.tbs_certificate.subject.clone(),
        this_update: utc(1_767_225_600)?,       // 2026-01-01
        next_update: Some(utc(2_051_222_400)?), // 2035-01-01
        revoked_certificates: Some(revoked),
        crl_extensions: Some(extensions),
    };
    let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key);
    let signature = signer.try_sign(&tbs.to_der()?)?.to_vec();
    let crl = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: algorithm,
        signature: BitString::from_bytes(&signature)?,
    };
    std::fs::write(out, crl.to_der()?)?;
    Ok(())
}
