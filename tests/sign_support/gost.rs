//! Helpers of `tests/sign_gost.rs`: the NCA's GOST keys of `fixtures/officers/gost/`, a verifier
//! trusting the NCA's test CA with its saved CRLs, the NCALayer profile checked on a SignedData
//! read back with the `cms` crate, OpenSSL's GOST engine as an independent verifier, and a small
//! GOST PKI made at run time (a CA, an officer's certificate for an NCA key, a CRL) for the
//! command line, whose officer check runs at the current time.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString, OctetString, SetOfVec, UtcTime};
use der::{Decode, Encode, Tag, Tagged};
use sha2::{Digest as _, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use time::OffsetDateTime;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use qoltanba::sign::{KeySource, PasswordSource};
use qoltanba_core::gost::{self, oid as gost_oid};
use qoltanba_core::input::{certificates_from_bytes, crls_from_bytes, InputLimits};
use qoltanba_core::{CrlSnapshot, Verifier};

/// The password of every NCA test keystore.
pub const GOST_PASSWORD: &str = "Qwerty12";

/// The twelve NCA test keys (file stems in `fixtures/officers/gost/`).
pub const NCA_KEYS: [&str; 12] = [
    "FL-valid",
    "FL-revoked",
    "UL_FirstHead_CEO-valid",
    "UL_FirstHead_CEO-revoked",
    "UL_EmployeeSignRight-valid",
    "UL_EmployeeSignRight-revoked",
    "UL_Employee-valid",
    "UL_Employee-revoked",
    "UL_InfoSystem-valid",
    "UL_InfoSystem-revoked",
    "UL_TreasuryClient-valid",
    "UL_TreasuryClient-revoked",
];

/// The NCA test BIN of the legal-entity certificates (fails the control digit).
pub const NCA_TEST_BIN: &str = "123456789021";

pub fn gost_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/officers/gost")
        .join(name)
}

pub fn gost_read(name: &str) -> Vec<u8> {
    std::fs::read(gost_fixture(name)).unwrap_or_else(|e| panic!("fixture gost/{name}: {e}"))
}

/// 2025-10-20T00:00:00Z: inside the window where the 2025-10 keys and the saved CRLs are current.
pub fn window_time() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_760_918_400).unwrap()
}

/// The NCA key `stem` as an officer's keystore, with the password from `password.txt`.
pub fn nca_key_source(stem: &str) -> KeySource {
    KeySource {
        keystore: gost_fixture(&format!("{stem}.p12")),
        certificate: None,
        alias: None,
        password: PasswordSource::File(gost_fixture("password.txt")),
    }
}

/// A verifier trusting the NCA's test CA itself (there is no root CRL), with its complete and
/// delta CRLs.
pub fn nca_verifier() -> Verifier {
    let limits = InputLimits::default();
    let anchors = certificates_from_bytes(&gost_read("nca_gost2022_test.cer"), &limits).unwrap();
    let mut crls = crls_from_bytes(&gost_read("nca_gost2022_test.crl"), &limits).unwrap();
    crls.extend(crls_from_bytes(&gost_read("nca_gost2022_d_test.crl"), &limits).unwrap());
    Verifier::new(anchors, Vec::new(), CrlSnapshot::new(crls)).unwrap()
}

pub fn certificate(der: &[u8]) -> Arc<qoltanba_core::Certificate> {
    Arc::new(qoltanba_core::Certificate::from_der(der).unwrap())
}

/// DER of an OID.
fn oid_der(oid: &str) -> Vec<u8> {
    ObjectIdentifier::new_unwrap(oid).to_der().unwrap()
}

/// The signed attributes NCALayer writes, byte for byte (taken apart from its signatures of 2024
/// and 2025): SET { contentType id-data, signingTime UTCTime, signingCertificateV2 { { {
/// certHash SHA-256 } } }, messageDigest Streebog-512 }, in DER order.
pub fn ncalayer_signed_attributes(
    signing_time: &[u8; 13],
    cert_sha256: &[u8],
    md: &[u8],
) -> Vec<u8> {
    assert_eq!((cert_sha256.len(), md.len()), (32, 64));
    let mut set = Vec::new();
    // contentType
    set.extend([0x30, 0x18]);
    set.extend(oid_der("1.2.840.113549.1.9.3"));
    set.extend([0x31, 0x0b]);
    set.extend(oid_der("1.2.840.113549.1.7.1"));
    // signingTime
    set.extend([0x30, 0x1c]);
    set.extend(oid_der("1.2.840.113549.1.9.5"));
    set.extend([0x31, 0x0f, 0x17, 0x0d]);
    set.extend(signing_time);
    // signingCertificateV2: SigningCertificateV2 { certs { ESSCertIDv2 { certHash } } }
    set.extend([0x30, 0x37]);
    set.extend(oid_der("1.2.840.113549.1.9.16.2.47"));
    set.extend([0x31, 0x28, 0x30, 0x26, 0x30, 0x24, 0x30, 0x22, 0x04, 0x20]);
    set.extend(cert_sha256);
    // messageDigest
    set.extend([0x30, 0x4f]);
    set.extend(oid_der("1.2.840.113549.1.9.4"));
    set.extend([0x31, 0x42, 0x04, 0x40]);
    set.extend(md);
    let mut out = vec![0x31, 0x81, set.len() as u8];
    out.extend(set);
    out
}

/// `AlgorithmIdentifier` { oid, NULL } in DER.
pub fn alg_with_null(oid: &str) -> Vec<u8> {
    AlgorithmIdentifierOwned {
        oid: ObjectIdentifier::new_unwrap(oid),
        parameters: Some(Any::null()),
    }
    .to_der()
    .unwrap()
}

/// What a GOST SignedData holds, once checked against the NCALayer profile.
pub struct NcaSignature {
    /// The signed attributes as the DER SET that was signed.
    pub signed_attributes: Vec<u8>,
    /// r‖s, NCA order.
    pub signature: Vec<u8>,
}

/// Reads `cms_der` back with the `cms` crate and checks every part of the NCALayer profile:
/// version 1, digestAlgorithms { Streebog-512 (NCA OID, NULL) }, id-data attached or not, the
/// signer's certificate alone, one SignerInfo v1 by issuer and serial, the digest and signature
/// algorithms with the NCA OIDs and NULL parameters, exactly NCALayer's four signed attributes
/// (messageDigest the Streebog-512 of `content`, certHash the SHA-256 of the certificate,
/// signingTime `signing_time` when given), a 128-byte signature that verifies with the
/// certificate's key over the Streebog-512 of the signed attributes.
pub fn check_ncalayer_profile(
    cms_der: &[u8],
    content: &[u8],
    detached: bool,
    cert_der: &[u8],
    signing_time: Option<OffsetDateTime>,
) -> NcaSignature {
    let info = ContentInfo::from_der(cms_der).expect("strict DER ContentInfo");
    assert_eq!(info.content_type.to_string(), "1.2.840.113549.1.7.2");
    let sd: SignedData = info.content.decode_as().expect("SignedData");
    assert_eq!(sd.version, cms::content_info::CmsVersion::V1);
    assert_eq!(
        sd.digest_algorithms.to_der().unwrap(),
        [&[0x31, 0x0e][..], &alg_with_null("1.2.398.3.10.1.3.3")].concat(),
        "digestAlgorithms: Streebog-512 (NCA OID) with NULL parameters"
    );
    assert_eq!(
        sd.encap_content_info.econtent_type.to_string(),
        "1.2.840.113549.1.7.1"
    );
    match &sd.encap_content_info.econtent {
        None => assert!(detached, "attached signature without content"),
        Some(e) => {
            assert!(!detached, "detached signature with content");
            let octets: OctetString = e.decode_as().unwrap();
            assert_eq!(octets.as_bytes(), content);
        }
    }
    assert!(sd.crls.is_none());
    let certs: Vec<Vec<u8>> = sd
        .certificates
        .as_ref()
        .expect("certificates")
        .0
        .iter()
        .map(|c| c.to_der().unwrap())
        .collect();
    assert_eq!(
        certs,
        vec![cert_der.to_vec()],
        "the signer's certificate alone"
    );

    let cert = x509_cert::Certificate::from_der(cert_der).unwrap();
    let signers: Vec<_> = sd.signer_infos.0.iter().collect();
    assert_eq!(signers.len(), 1);
    let si = signers[0];
    assert_eq!(si.version, cms::content_info::CmsVersion::V1);
    match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            assert_eq!(ias.serial_number, cert.tbs_certificate.serial_number);
            assert_eq!(
                ias.issuer.to_der().unwrap(),
                cert.tbs_certificate.issuer.to_der().unwrap()
            );
        }
        other => panic!("signer identified by {other:?}"),
    }
    assert_eq!(
        si.digest_alg.to_der().unwrap(),
        alg_with_null("1.2.398.3.10.1.3.3")
    );
    assert_eq!(
        si.signature_algorithm.to_der().unwrap(),
        alg_with_null("1.2.398.3.10.1.1.2.3.2")
    );
    assert!(si.unsigned_attrs.is_none());

    let attrs = si.signed_attrs.as_ref().expect("signed attributes");
    let oids: Vec<String> = attrs.iter().map(|a| a.oid.to_string()).collect();
    assert_eq!(
        oids,
        [
            "1.2.840.113549.1.9.3",
            "1.2.840.113549.1.9.5",
            "1.2.840.113549.1.9.16.2.47",
            "1.2.840.113549.1.9.4"
        ],
        "contentType, signingTime, signingCertificateV2, messageDigest"
    );
    let signed_attributes = attrs.to_der().unwrap();
    let time = attrs
        .iter()
        .find(|a| a.oid.to_string() == "1.2.840.113549.1.9.5")
        .and_then(|a| a.values.iter().next())
        .unwrap();
    assert_eq!(time.tag(), Tag::UtcTime);
    let time_text: [u8; 13] = time.value().try_into().expect("YYMMDDhhmmssZ");
    if let Some(t) = signing_time {
        let expected =
            UtcTime::from_unix_duration(std::time::Duration::from_secs(t.unix_timestamp() as u64))
                .unwrap()
                .to_der()
                .unwrap();
        assert_eq!(&expected[2..], &time_text, "signingTime");
    }
    let md = gost::Digest::Streebog512.digest(content);
    assert_eq!(
        signed_attributes,
        ncalayer_signed_attributes(&time_text, &Sha256::digest(cert_der), &md),
        "the signed attributes are NCALayer's, byte for byte"
    );

    let signature = si.signature.as_bytes().to_vec();
    assert_eq!(signature.len(), 128);
    let key = gost::PublicKey::from_spki_der(
        &cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap(),
    )
    .unwrap();
    key.verify_nca(
        &gost::Digest::Streebog512.digest(&signed_attributes),
        &signature,
    )
    .expect("the signature verifies over Streebog-512 of the signed attributes, NCA byte order");
    NcaSignature {
        signed_attributes,
        signature,
    }
}

/// Runs `openssl` in `dir`: success, and stdout + stderr.
pub fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running openssl");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Fails the test unless OpenSSL can load its GOST engine, saying how to install it.
pub fn require_gost_engine(dir: &Path) {
    let (ok, text) = openssl(&["engine", "-t", "gost"], dir);
    assert!(
        ok && text.contains("available"),
        "OpenSSL's GOST engine is not available ({}). Install it with \
         `apt-get install -y libengine-gost-openssl` (Debian/Ubuntu): the GOST signing tests \
         check every signature with it and are not skipped.",
        text.trim()
    );
}

/// The certificate's GOST 2015-512 key re-wrapped as OpenSSL's GOST engine reads it
/// (RFC 9215): GOST R 34.10-2012 512-bit key 1.2.643.7.1.1.1.2 with the parameter set
/// id-tc26-gost-3410-12-512-paramSetA 1.2.643.7.1.2.1.2.1; the key bytes are the same.
pub fn russian_spki(cert_der: &[u8]) -> Vec<u8> {
    let cert = x509_cert::Certificate::from_der(cert_der).unwrap();
    let spki = &cert.tbs_certificate.subject_public_key_info;
    assert_eq!(spki.algorithm.oid, gost_oid::NCA_GOST2015_512_KEY);
    SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: gost_oid::GOST2012_512_KEY,
            parameters: Some(
                Any::new(Tag::Sequence, gost_oid::TC26_512_A.to_der().unwrap()).unwrap(),
            ),
        },
        subject_public_key: spki.subject_public_key.clone(),
    }
    .to_der()
    .unwrap()
}

/// OpenSSL's GOST engine verifies `signature` (NCA order) by the certificate's key over
/// `signed_attributes`, hashing them itself with Streebog-512 (`-md_gost12_512`, Russian OID
/// 1.2.643.7.1.1.2.3) and checking the signature reversed into the RFC 4491 layout (s‖r,
/// big-endian; signature OID 1.2.643.7.1.1.3.3). Returns OpenSSL's verdict and output.
pub fn openssl_verifies(
    dir: &Path,
    cert_der: &[u8],
    signed_attributes: &[u8],
    signature: &[u8],
) -> (bool, String) {
    std::fs::write(dir.join("gost-pub.der"), russian_spki(cert_der)).unwrap();
    std::fs::write(dir.join("gost-signed-attrs.der"), signed_attributes).unwrap();
    std::fs::write(
        dir.join("gost-sig.bin"),
        gost::signature_nca_to_rfc4491(signature),
    )
    .unwrap();
    let (ok, text) = openssl(
        &[
            "dgst",
            "-engine",
            "gost",
            "-md_gost12_512",
            "-verify",
            "gost-pub.der",
            "-keyform",
            "DER",
            "-signature",
            "gost-sig.bin",
            "gost-signed-attrs.der",
        ],
        dir,
    );
    (ok && text.contains("Verified OK"), text)
}

/// A GOST PKI made at run time around a real NCA key: a self-signed GOST 2015-512 CA, an
/// officer's certificate for the NCA key's public key (first head of a provider with a valid
/// BIN), and the CA's empty CRL; every time relative to `now`, so the officer check of
/// `qoltanba sign` (at the current time) passes.
pub struct RuntimePki {
    pub ca_der: Vec<u8>,
    pub officer_der: Vec<u8>,
    pub crl_der: Vec<u8>,
}

const CA_NAME: &[(&str, &str)] = &[("2.5.4.3", "QOLTANBA GOST TEST CA"), ("2.5.4.6", "KZ")];

fn name(parts: &[(&str, &str)]) -> Name {
    RdnSequence(
        parts
            .iter()
            .map(|(oid, value)| {
                let tag = if *oid == "2.5.4.6" || *oid == "2.5.4.5" {
                    Tag::PrintableString
                } else {
                    Tag::Utf8String
                };
                RelativeDistinguishedName(
                    SetOfVec::try_from(vec![AttributeTypeAndValue {
                        oid: ObjectIdentifier::new_unwrap(oid),
                        value: Any::new(tag, value.as_bytes()).unwrap(),
                    }])
                    .unwrap(),
                )
            })
            .collect(),
    )
}

fn utc(t: OffsetDateTime) -> Time {
    Time::UtcTime(
        UtcTime::from_unix_duration(std::time::Duration::from_secs(t.unix_timestamp() as u64))
            .unwrap(),
    )
}

fn extension(oid: &str, critical: bool, value: impl Encode) -> Extension {
    Extension {
        extn_id: ObjectIdentifier::new_unwrap(oid),
        critical,
        extn_value: OctetString::new(value.to_der().unwrap()).unwrap(),
    }
}

fn nca_signature_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: gost_oid::NCA_GOST2015_512_SIGNATURE,
        parameters: Some(Any::null()),
    }
}

/// The NCA's signature over `tbs`: r‖s little-endian over its Streebog-512.
fn nca_sign(key: &gost::SigningKey, tbs: &impl Encode) -> BitString {
    let signature = key
        .sign_nca(&gost::Digest::Streebog512.digest(&tbs.to_der().unwrap()))
        .unwrap();
    BitString::from_bytes(&signature).unwrap()
}

impl RuntimePki {
    /// The officer's certificate certifies the key of the NCA certificate `nca_cert_der`.
    pub fn new(now: OffsetDateTime, nca_cert_der: &[u8], officer_subject: &[(&str, &str)]) -> Self {
        let day = time::Duration::DAY;
        // A fixed CA key (d little-endian, below q).
        let mut d = gost::Digest::Streebog512.digest(b"qoltanba runtime GOST test CA");
        d[63] &= 0x3f;
        let ca_key = gost::SigningKey::from_le_bytes(gost::Curve::Tc26Gost512A, &d).unwrap();
        let ca_public = ca_key.public_key();
        let ca_spki = SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: gost_oid::NCA_GOST2015_512_KEY,
                parameters: Some(
                    Any::new(
                        Tag::Sequence,
                        [
                            gost_oid::NCA_GOST2015_512_PARAM_A.to_der().unwrap(),
                            gost_oid::NCA_STREEBOG512.to_der().unwrap(),
                        ]
                        .concat(),
                    )
                    .unwrap(),
                ),
            },
            subject_public_key: BitString::from_bytes(&ca_public.to_subject_public_key()).unwrap(),
        };
        let ca_key_id = Sha256::digest(ca_public.to_nca_bytes())[..20].to_vec();
        let ca_name = name(CA_NAME);

        let ca_tbs = x509_cert::TbsCertificate {
            version: x509_cert::Version::V3,
            serial_number: SerialNumber::new(&[0x4c, 0x01]).unwrap(),
            signature: nca_signature_algorithm(),
            issuer: ca_name.clone(),
            validity: Validity {
                not_before: utc(now - day),
                not_after: utc(now + 3650 * day),
            },
            subject: ca_name.clone(),
            subject_public_key_info: ca_spki,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(vec![
                extension(
                    "2.5.29.19",
                    true,
                    BasicConstraints {
                        ca: true,
                        path_len_constraint: None,
                    },
                ),
                extension(
                    "2.5.29.15",
                    true,
                    KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
                ),
                extension(
                    "2.5.29.14",
                    false,
                    SubjectKeyIdentifier(OctetString::new(ca_key_id.clone()).unwrap()),
                ),
            ]),
        };
        let ca = x509_cert::Certificate {
            signature: nca_sign(&ca_key, &ca_tbs),
            tbs_certificate: ca_tbs,
            signature_algorithm: nca_signature_algorithm(),
        };

        let nca_cert = x509_cert::Certificate::from_der(nca_cert_der).unwrap();
        let aki = || AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(ca_key_id.clone()).unwrap()),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        let officer_tbs = x509_cert::TbsCertificate {
            version: x509_cert::Version::V3,
            serial_number: SerialNumber::new(&[0x4c, 0x02, 0x25]).unwrap(),
            signature: nca_signature_algorithm(),
            issuer: ca_name.clone(),
            validity: Validity {
                not_before: utc(now - day),
                not_after: utc(now + 365 * day),
            },
            subject: name(officer_subject),
            subject_public_key_info: nca_cert.tbs_certificate.subject_public_key_info.clone(),
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(vec![
                extension(
                    "2.5.29.15",
                    true,
                    KeyUsage(
                        KeyUsages::DigitalSignature
                            | KeyUsages::NonRepudiation
                            | KeyUsages::KeyAgreement,
                    ),
                ),
                extension(
                    "2.5.29.37",
                    false,
                    ExtendedKeyUsage(vec![
                        ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4"),
                        ObjectIdentifier::new_unwrap("1.2.398.3.3.4.1.2"),
                        ObjectIdentifier::new_unwrap("1.2.398.3.3.4.1.2.1"),
                    ]),
                ),
                extension("2.5.29.35", false, aki()),
            ]),
        };
        let officer = x509_cert::Certificate {
            signature: nca_sign(&ca_key, &officer_tbs),
            tbs_certificate: officer_tbs,
            signature_algorithm: nca_signature_algorithm(),
        };

        let crl_tbs = x509_cert::crl::TbsCertList {
            version: x509_cert::Version::V2,
            signature: nca_signature_algorithm(),
            issuer: ca_name,
            this_update: utc(now - time::Duration::HOUR),
            next_update: Some(utc(now + 7 * day)),
            revoked_certificates: None,
            crl_extensions: Some(vec![
                extension("2.5.29.20", false, der::asn1::Uint::new(&[1]).unwrap()),
                extension("2.5.29.35", false, aki()),
            ]),
        };
        let crl = x509_cert::crl::CertificateList {
            signature: nca_sign(&ca_key, &crl_tbs),
            tbs_cert_list: crl_tbs,
            signature_algorithm: nca_signature_algorithm(),
        };
        RuntimePki {
            ca_der: ca.to_der().unwrap(),
            officer_der: officer.to_der().unwrap(),
            crl_der: crl.to_der().unwrap(),
        }
    }
}
