//! Real GOST 2015-512 material of the NCA's test PKI (fixtures/nca/, see its README): the root
//! and the issuing CA certificates, the CA's full and delta CRLs, and the twelve end-entity keys
//! and certificates of its PKCS#12 samples, extracted beforehand so that neither OpenSSL nor the
//! passwords are needed here.

use std::path::PathBuf;

use der::asn1::{BitStringRef, OctetStringRef};
use der::{Decode, Encode, Reader, SliceReader, Tagged};
use qoltanba_core::gost::{self, Curve, Digest, GostError, PublicKey, SigningKey};
use spki::AlgorithmIdentifierRef;

/// The twelve samples: role folder and status, as named in fixtures/nca/extracted/.
const END_ENTITIES: [&str; 12] = [
    "FL-valid",
    "FL-revoked",
    "UL_Employee-valid",
    "UL_Employee-revoked",
    "UL_EmployeeSignRight-valid",
    "UL_EmployeeSignRight-revoked",
    "UL_FirstHead_CEO-valid",
    "UL_FirstHead_CEO-revoked",
    "UL_InfoSystem-valid",
    "UL_InfoSystem-revoked",
    "UL_TreasuryClient-valid",
    "UL_TreasuryClient-revoked",
];

const ROOT: &str = "CA_Test/ROOT/root_test_gost_2022.cer";
const CA: &str = "CA_Test/NCA/nca_gost2022_test.cer";

fn fixture(rel: &str) -> Vec<u8> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "fixtures", "nca", rel]
        .iter()
        .collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The three parts of a signed X.509 structure (certificate or CRL): the to-be-signed DER exactly
/// as it appears in the file, the signature algorithm and the signature value.
struct Signed {
    tbs: Vec<u8>,
    algorithm: const_oid::ObjectIdentifier,
    algorithm_has_null: bool,
    signature: Vec<u8>,
}

fn signed_parts(der: &[u8]) -> Signed {
    let mut reader = SliceReader::new(der).expect("reader");
    let signed = reader
        .sequence(|r| {
            let tbs = r.tlv_bytes()?.to_vec();
            let algorithm: AlgorithmIdentifierRef<'_> = r.decode()?;
            let signature: BitStringRef<'_> = r.decode()?;
            Ok(Signed {
                tbs,
                algorithm: algorithm.oid,
                algorithm_has_null: algorithm
                    .parameters
                    .is_some_and(|p| p.tag() == der::Tag::Null),
                signature: signature.as_bytes().expect("octet-aligned").to_vec(),
            })
        })
        .expect("signed structure");
    reader.finish(signed).expect("nothing after the structure")
}

fn certificate(der: &[u8]) -> x509_cert::Certificate {
    x509_cert::Certificate::from_der(der).expect("certificate")
}

fn spki_der(cert: &x509_cert::Certificate) -> Vec<u8> {
    cert.tbs_certificate
        .subject_public_key_info
        .to_der()
        .expect("SPKI")
}

fn public_key(cert_der: &[u8]) -> PublicKey {
    PublicKey::from_spki_der(&spki_der(&certificate(cert_der))).expect("GOST public key")
}

/// Verifies a certificate or CRL signature under `issuer`, the way a verifier has to: Streebog-512
/// of the TBS bytes, the NCA signature as found.
fn verify_signed(der: &[u8], issuer: &PublicKey) -> Result<(), GostError> {
    let signed = signed_parts(der);
    assert_eq!(signed.algorithm.to_string(), "1.2.398.3.10.1.1.2.3.2");
    assert!(signed.algorithm_has_null, "the NCA writes NULL parameters");
    assert_eq!(signed.signature.len(), 128);
    let digest = Digest::from_signature_oid(&signed.algorithm).expect("GOST signature OID");
    assert_eq!(digest, Digest::Streebog512);
    issuer.verify_nca(&digest.digest(&signed.tbs), &signed.signature)
}

#[test]
fn the_root_certificate_verifies_its_own_signature() {
    let root = fixture(ROOT);
    let key = public_key(&root);
    assert_eq!(key.curve(), Curve::Tc26Gost512A);
    verify_signed(&root, &key).expect("self-signature");
    // The TBS that x509-cert re-encodes is the file's byte for byte (strict DER).
    assert_eq!(
        certificate(&root).tbs_certificate.to_der().expect("DER"),
        signed_parts(&root).tbs
    );
}

#[test]
fn the_issuing_ca_certificate_verifies_under_the_root() {
    let root_key = public_key(&fixture(ROOT));
    let ca = fixture(CA);
    verify_signed(&ca, &root_key).expect("CA certificate signed by the root");
    // Not by its own key: the check is not vacuous.
    assert_eq!(
        verify_signed(&ca, &public_key(&ca)),
        Err(GostError::BadSignature)
    );
}

#[test]
fn both_crls_verify_under_the_ca() {
    let ca_key = public_key(&fixture(CA));
    for crl in ["CRL/nca_gost2022_test.crl", "CRL/nca_gost2022_d_test.crl"] {
        let der = fixture(crl);
        let parsed = x509_cert::crl::CertificateList::from_der(&der).expect("CRL");
        assert_eq!(
            parsed.tbs_cert_list.to_der().expect("DER"),
            signed_parts(&der).tbs
        );
        verify_signed(&der, &ca_key).unwrap_or_else(|e| panic!("{crl}: {e}"));
    }
}

/// What a verifier written to RFC 4491 alone would do fails on every NCA signature: the layout
/// must be reversed, and the digest read little-endian.
#[test]
fn nca_signatures_need_the_nca_byte_order() {
    let root = fixture(ROOT);
    let key = public_key(&root);
    let signed = signed_parts(&root);
    let digest = Digest::Streebog512.digest(&signed.tbs);
    let as_rfc4491 = gost::signature_nca_to_rfc4491(&signed.signature);
    assert_eq!(
        key.verify_nca(&digest, &as_rfc4491),
        Err(GostError::BadSignature)
    );
    let reversed_digest: Vec<u8> = digest.iter().rev().copied().collect();
    assert_eq!(
        key.verify_nca(&reversed_digest, &signed.signature),
        Err(GostError::BadSignature)
    );
    key.verify_nca(&digest, &signed.signature)
        .expect("NCA order");
}

/// The subjectPublicKey BIT STRING of an NCA certificate holds a DER OCTET STRING of 128 bytes
/// (X‖Y little-endian), as RFC 4491 prescribes, under the key algorithm 1.2.398.3.10.1.1.2.2 with
/// parameters { 1.2.398.3.10.1.1.2.2.1, 1.2.398.3.10.1.3.3 }.
#[test]
fn the_certificate_public_key_layout() {
    for rel in [ROOT, CA] {
        let cert = certificate(&fixture(rel));
        let spki = &cert.tbs_certificate.subject_public_key_info;
        assert_eq!(spki.algorithm.oid.to_string(), "1.2.398.3.10.1.1.2.2");
        let params = spki.algorithm.parameters.as_ref().expect("parameters");
        let oids: Vec<String> = params
            .sequence(|r| {
                let curve: const_oid::ObjectIdentifier = r.decode()?;
                let digest: const_oid::ObjectIdentifier = r.decode()?;
                Ok(vec![curve.to_string(), digest.to_string()])
            })
            .expect("SEQUENCE { curve, digest }");
        assert_eq!(oids, ["1.2.398.3.10.1.1.2.2.1", "1.2.398.3.10.1.3.3"]);
        let bits = spki.subject_public_key.as_bytes().expect("octet-aligned");
        assert_eq!(&bits[..3], &[0x04, 0x81, 0x80]);
        let key = PublicKey::from_subject_public_key(Curve::Tc26Gost512A, bits).expect("key");
        assert_eq!(key.to_nca_bytes(), &bits[3..]);
        assert_eq!(key.to_subject_public_key(), bits);
    }
}

/// The PKCS#8 of an NCA GOST 2015 key: version 0, algorithm 1.2.398.3.10.1.1.2.2 with parameters
/// { 1.2.398.3.10.1.1.2.2.1, 1.2.398.3.10.1.3.3 }, privateKey = OCTET STRING { OCTET STRING (64
/// bytes, d little-endian) }, no attributes and no public key.
#[test]
fn the_private_key_layout() {
    for name in END_ENTITIES {
        let der = fixture(&format!("extracted/{name}.key.der"));
        assert_eq!(der.len(), 110, "{name}");
        let mut reader = SliceReader::new(&der).expect("reader");
        let inner_len = reader
            .sequence(|r| {
                let version: u8 = r.decode()?;
                assert_eq!(version, 0);
                let algorithm: AlgorithmIdentifierRef<'_> = r.decode()?;
                assert_eq!(algorithm.oid.to_string(), "1.2.398.3.10.1.1.2.2");
                let private_key: OctetStringRef<'_> = r.decode()?;
                let inner = OctetStringRef::from_der(private_key.as_bytes())?;
                assert!(r.is_finished(), "no attributes, no public key");
                Ok(inner.as_bytes().len())
            })
            .expect("PrivateKeyInfo");
        assert_eq!(inner_len, 64, "{name}");
    }
}

/// Each end-entity certificate verifies under the CA's key, and the private key of the same
/// PKCS#12 file gives the certificate's public key and signs verifiably with it.
#[test]
fn the_end_entity_samples_verify_and_match_their_keys() {
    let ca_key = public_key(&fixture(CA));
    let root_key = public_key(&fixture(ROOT));
    for name in END_ENTITIES {
        let cert = fixture(&format!("extracted/{name}.cer"));
        verify_signed(&cert, &ca_key).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            verify_signed(&cert, &root_key),
            Err(GostError::BadSignature),
            "{name} is not signed by the root"
        );

        let signing = SigningKey::from_pkcs8_der(&fixture(&format!("extracted/{name}.key.der")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(signing.curve(), Curve::Tc26Gost512A);
        let certified = public_key(&cert);
        assert_eq!(signing.public_key(), certified, "{name}");

        let digest = Digest::Streebog512.digest(name.as_bytes());
        let signature = signing.sign_nca(&digest).expect("signs");
        certified
            .verify_nca(&digest, &signature)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // `Debug` shows the curve and nothing of d.
        assert_eq!(
            format!("{signing:?}"),
            "SigningKey { curve: Tc26Gost512A, .. }"
        );
    }
}
