//! Differential tests against OpenSSL's GOST engine (Debian package `libengine-gost-openssl`), an
//! independent implementation of GOST R 34.10-2012, both ways and on every parameter set it
//! knows: signatures made here verify there, and signatures made there verify here. The engine
//! speaks RFC 4491 / RFC 9215 (Russian OIDs, s‖r big-endian), so keys are re-wrapped with the
//! Russian OIDs and signatures reversed into and out of the NCA order.
//!
//! Without the engine these tests fail, saying how to install it.

use std::path::Path;
use std::process::Command;

use const_oid::ObjectIdentifier;
use der::asn1::{Any, BitString};
use der::{Encode, Tag};
use qoltanba_core::gost::{self, oid, Curve, Digest, PublicKey, SigningKey};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// Runs `openssl` with the GOST engine and returns whether it succeeded, with its output.
fn openssl(args: &[&str], dir: &Path) -> (bool, String) {
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

/// Fails the test unless `openssl` can load the GOST engine.
fn require_engine(dir: &Path) {
    let (ok, text) = openssl(&["engine", "-t", "gost"], dir);
    assert!(
        ok && text.contains("available"),
        "OpenSSL's GOST engine is not available ({text}). Install it with \
         `apt-get install -y libengine-gost-openssl` (Debian/Ubuntu): these differential tests \
         need it and are not skipped."
    );
}

/// One parameter set as the engine names it, with what it means here.
struct Set {
    algorithm: &'static str,
    paramset: &'static str,
    curve: Curve,
    key_oid: ObjectIdentifier,
    digest: Digest,
    md: &'static str,
}

fn sets() -> Vec<Set> {
    let s512 = |paramset, curve| Set {
        algorithm: "gost2012_512",
        paramset,
        curve,
        key_oid: oid::GOST2012_512_KEY,
        digest: Digest::Streebog512,
        md: "-md_gost12_512",
    };
    let s256 = |paramset, curve| Set {
        algorithm: "gost2012_256",
        paramset,
        curve,
        key_oid: oid::GOST2012_256_KEY,
        digest: Digest::Streebog256,
        md: "-md_gost12_256",
    };
    vec![
        s512("A", Curve::Tc26Gost512A),
        s512("B", Curve::Tc26Gost512B),
        s512("C", Curve::Tc26Gost512C),
        s256("TCA", Curve::Tc26Gost256A),
        s256("A", Curve::CryptoProA),
        s256("B", Curve::CryptoProB),
        s256("C", Curve::CryptoProC),
        s256("XA", Curve::CryptoProXchA),
        s256("XB", Curve::CryptoProXchB),
        // The TC26 names of the CryptoPro curves: the engine writes 1.2.643.7.1.2.1.1.{2,3,4}.
        s256("TCB", Curve::CryptoProA),
        s256("TCC", Curve::CryptoProB),
        s256("TCD", Curve::CryptoProC),
    ]
}

/// A SubjectPublicKeyInfo in the Russian form the engine reads: the key OID with parameters
/// SEQUENCE { curve OID [, digest OID for 256-bit keys] } and the RFC 4491 OCTET STRING.
fn russian_spki(key: &PublicKey, key_oid: ObjectIdentifier, digest: Digest) -> Vec<u8> {
    let mut params = key.curve().oid().to_der().expect("OID");
    if key.curve().coordinate_len() == 32 {
        params.extend(digest.oid().to_der().expect("OID"));
    }
    SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: key_oid,
            parameters: Some(Any::new(Tag::Sequence, params).expect("parameters")),
        },
        subject_public_key: BitString::from_bytes(&key.to_subject_public_key()).expect("bits"),
    }
    .to_der()
    .expect("SPKI")
}

#[test]
fn the_engine_verifies_signatures_made_here() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    require_engine(dir);
    for (i, set) in sets().iter().enumerate() {
        let label = format!("{} paramset {}", set.algorithm, set.paramset);
        let d: Vec<u8> = (0..set.curve.coordinate_len())
            .map(|j| (31 * i + 7 * j + 1) as u8)
            .collect();
        let key = SigningKey::from_be_bytes(set.curve, &d[1..]).expect("key");
        let message = format!("qoltanba GOST differential test, {label}");
        let digest = set.digest.digest(message.as_bytes());
        let signature = gost::signature_nca_to_rfc4491(&key.sign_nca(&digest).expect("signs"));

        std::fs::write(
            dir.join("pub.der"),
            russian_spki(&key.public_key(), set.key_oid, set.digest),
        )
        .expect("write");
        std::fs::write(dir.join("msg"), &message).expect("write");
        std::fs::write(dir.join("digest"), &digest).expect("write");
        std::fs::write(dir.join("sig"), &signature).expect("write");

        // The raw digest, read little-endian by the engine as by the NCA.
        let pkeyutl = [
            "pkeyutl", "-engine", "gost", "-verify", "-pubin", "-keyform", "DER", "-inkey",
            "pub.der", "-in", "digest", "-sigfile", "sig",
        ];
        let (ok, text) = openssl(&pkeyutl, dir);
        assert!(
            ok && text.contains("Verified Successfully"),
            "{label}: {text}"
        );
        // The whole message, hashed by the engine.
        let dgst = [
            "dgst",
            "-engine",
            "gost",
            set.md,
            "-verify",
            "pub.der",
            "-keyform",
            "DER",
            "-signature",
            "sig",
            "msg",
        ];
        let (ok, text) = openssl(&dgst, dir);
        assert!(ok && text.contains("Verified OK"), "{label}: {text}");

        // A tampered signature fails there too: the harness is not vacuous.
        let mut tampered = signature.clone();
        tampered[5] ^= 0x10;
        std::fs::write(dir.join("sig"), &tampered).expect("write");
        let (ok, text) = openssl(&pkeyutl, dir);
        assert!(!ok, "{label}: a tampered signature verified: {text}");
    }
}

#[test]
fn signatures_made_by_the_engine_verify_here() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    require_engine(dir);
    for set in sets() {
        let label = format!("{} paramset {}", set.algorithm, set.paramset);
        let paramset = format!("paramset:{}", set.paramset);
        let (ok, text) = openssl(
            &[
                "genpkey",
                "-engine",
                "gost",
                "-algorithm",
                set.algorithm,
                "-pkeyopt",
                &paramset,
                "-out",
                "key.pem",
            ],
            dir,
        );
        assert!(ok, "{label}: genpkey: {text}");
        let (ok, text) = openssl(
            &[
                "pkey", "-engine", "gost", "-in", "key.pem", "-pubout", "-outform", "DER", "-out",
                "pub.der",
            ],
            dir,
        );
        assert!(ok, "{label}: pkey -pubout: {text}");
        let (ok, text) = openssl(
            &[
                "pkey", "-engine", "gost", "-in", "key.pem", "-outform", "DER", "-out", "key.der",
            ],
            dir,
        );
        assert!(ok, "{label}: pkey: {text}");

        let public = PublicKey::from_spki_der(&std::fs::read(dir.join("pub.der")).expect("read"))
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(public.curve().oid(), set.curve.oid(), "{label}");
        // The engine's PKCS#8 (d little-endian, unwrapped) gives the same key here.
        let private =
            SigningKey::from_pkcs8_der(&std::fs::read(dir.join("key.der")).expect("read"))
                .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(private.public_key(), public, "{label}");

        for message in ["", "a", "The NCA signs little-endian."] {
            std::fs::write(dir.join("msg"), message).expect("write");
            let (ok, text) = openssl(
                &[
                    "dgst", "-engine", "gost", set.md, "-sign", "key.pem", "-out", "sig", "msg",
                ],
                dir,
            );
            assert!(ok, "{label}: dgst -sign: {text}");
            let rfc4491 = std::fs::read(dir.join("sig")).expect("read");
            let nca = gost::signature_rfc4491_to_nca(&rfc4491);
            let digest = set.digest.digest(message.as_bytes());
            public
                .verify_nca(&digest, &nca)
                .unwrap_or_else(|e| panic!("{label}, {message:?}: {e}"));
            // Unreversed, the engine's signature is not an NCA signature.
            assert!(public.verify_nca(&digest, &rfc4491).is_err(), "{label}");
        }
    }
}

/// The engine verifies the NCA test root's self-signature once the key carries the Russian OIDs
/// and the signature is reversed: the NCA byte order read here is the one the engine agrees with.
#[test]
fn the_engine_verifies_the_nca_root_certificate() {
    use der::{Decode, Reader, SliceReader};
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    require_engine(dir);
    let root = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/nca/CA_Test/ROOT/root_test_gost_2022.cer"),
    )
    .expect("root certificate");
    let cert = x509_cert::Certificate::from_der(&root).expect("certificate");
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .expect("SPKI");
    let key = PublicKey::from_spki_der(&spki).expect("key");
    let mut reader = SliceReader::new(&root).expect("reader");
    let tbs = reader
        .sequence(|r| {
            let tbs = r.tlv_bytes()?.to_vec();
            while !r.is_finished() {
                let _: der::asn1::AnyRef<'_> = r.decode()?;
            }
            Ok(tbs)
        })
        .expect("certificate");
    let signature = cert.signature.as_bytes().expect("octet-aligned");
    let digest = Digest::Streebog512.digest(&tbs);
    key.verify_nca(&digest, signature).expect("verifies here");

    std::fs::write(
        dir.join("pub.der"),
        russian_spki(&key, oid::GOST2012_512_KEY, Digest::Streebog512),
    )
    .expect("write");
    std::fs::write(dir.join("tbs"), &tbs).expect("write");
    std::fs::write(dir.join("sig"), gost::signature_nca_to_rfc4491(signature)).expect("write");
    let (ok, text) = openssl(
        &[
            "dgst",
            "-engine",
            "gost",
            "-md_gost12_512",
            "-verify",
            "pub.der",
            "-keyform",
            "DER",
            "-signature",
            "sig",
            "tbs",
        ],
        dir,
    );
    assert!(ok && text.contains("Verified OK"), "{text}");
}
