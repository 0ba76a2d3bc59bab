//! Throughput of a full signature verification (CMS parsing, signer signature, path to the
//! anchor, validity, CRL revocation of every certificate below the anchor, verdict) next to the
//! raw signature-verify rate for the very same signature, measured in the same run: `ring` for
//! RSA and P-256, the core's GOST module (Streebog-512 of the signed attributes and the GOST
//! 2015-512 equation) for the NCA's GOST signatures.
//!
//! Run with `cargo bench --bench verify`; criterion prints `thrpt` in elements (verifications)
//! per second on one core.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use der::Decode;
use ring::signature::{self as ring_sig, UnparsedPublicKey};
use time::macros::datetime;

use qoltanba_core::gost;
use qoltanba_core::input::{certificates_from_bytes, crls_from_bytes, signature_der, InputLimits};
use qoltanba_core::Certificate;
use qoltanba_core::CrlSnapshot;
use qoltanba_core::{CmsLimits, SignedMessage};
use qoltanba_core::{Status, Verifier, VerifyOptions};

/// The service binary's allocator, so that the in-process rate is the service's core as deployed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn read(relative: &str) -> Vec<u8> {
    let path = fixtures().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A verifier on one test PKI: `pki` + `crl` (RSA/EC) or `gost` + `gost/crl`.
fn verifier_of(pki: &str, crl: &str) -> Verifier {
    let limits = InputLimits::default();
    let anchors =
        certificates_from_bytes(&read(&format!("{pki}/trust.pem")), &limits).expect("trust.pem");
    let intermediates =
        certificates_from_bytes(&read(&format!("{pki}/intermediates.pem")), &limits)
            .expect("intermediates");
    let crls = crls_from_bytes(&read(&format!("{crl}/all-current.pem")), &limits)
        .expect("all-current.pem");
    Verifier::new(anchors, intermediates, CrlSnapshot::new(crls)).expect("verifier")
}

fn verifier() -> Verifier {
    verifier_of("pki", "crl")
}

/// The signed-attributes bytes, the signature value and the signer's raw public key of the
/// (single) signer of a CMS sample: exactly what the full verification checks the signature over.
struct RawSignature {
    message: Vec<u8>,
    signature: Vec<u8>,
    public_key: Vec<u8>,
    spki: Vec<u8>,
}

fn raw_signature(cms: &[u8], verifier: &Verifier) -> RawSignature {
    let der = signature_der(cms).expect("signature encoding");
    let message = SignedMessage::from_der(&der, CmsLimits::default()).expect("CMS");
    let signer = &message.signers[0];
    let cert: Arc<Certificate> = message
        .certificates
        .iter()
        .chain(verifier.intermediates())
        .find(|c| signer.id.matches(c))
        .cloned()
        .expect("the signer's certificate");
    let spki = spki::SubjectPublicKeyInfoRef::from_der(&cert.spki).expect("SPKI");
    RawSignature {
        message: signer
            .signed_attributes
            .as_ref()
            .expect("signed attributes")
            .der
            .clone(),
        signature: signer.signature.clone(),
        public_key: spki.subject_public_key.raw_bytes().to_vec(),
        spki: cert.spki.clone(),
    }
}

fn bench(c: &mut Criterion) {
    let verifier = verifier();
    let options = VerifyOptions {
        at: Some(datetime!(2026-06-01 12:00:00 UTC)),
        ..Default::default()
    };
    let samples = [
        (
            "rsa2048",
            "samples/individual-attached.cms",
            &ring_sig::RSA_PKCS1_2048_8192_SHA256 as &'static dyn ring_sig::VerificationAlgorithm,
            "rsa2048_pkcs1_sha256",
        ),
        (
            "p256",
            "samples/ec-attached.cms",
            &ring_sig::ECDSA_P256_SHA256_ASN1,
            "p256_sha256",
        ),
    ];

    let mut full = c.benchmark_group("full");
    full.throughput(Throughput::Elements(1));
    for (name, file, _, _) in &samples {
        let cms = read(file);
        let verdict = verifier
            .verify_signature(&cms, None, &options)
            .expect("verification");
        assert_eq!(verdict.status, Status::Valid, "{file}: {}", verdict.message);
        full.bench_function(*name, |b| {
            b.iter(|| {
                verifier
                    .verify_signature(black_box(&cms), None, &options)
                    .expect("verification")
            })
        });
    }
    full.finish();

    let mut raw = c.benchmark_group("raw_ring");
    raw.throughput(Throughput::Elements(1));
    for (_, file, algorithm, name) in &samples {
        let sig = raw_signature(&read(file), &verifier);
        let key = UnparsedPublicKey::new(*algorithm, sig.public_key.as_slice());
        key.verify(&sig.message, &sig.signature)
            .expect("the raw signature verifies");
        raw.bench_function(*name, |b| {
            b.iter(|| {
                key.verify(black_box(&sig.message), black_box(&sig.signature))
                    .expect("verifies")
            })
        });
    }
    raw.finish();

    // GOST 2015-512 in the NCA profile: the same comparison on the GOST test PKI.
    let gost_verifier = verifier_of("gost", "gost/crl");
    let cms = read("gost/samples/individual-attached.cms");
    let verdict = gost_verifier
        .verify_signature(&cms, None, &options)
        .expect("verification");
    assert_eq!(
        verdict.status,
        Status::Valid,
        "GOST sample: {}",
        verdict.message
    );
    let mut gost = c.benchmark_group("gost");
    gost.throughput(Throughput::Elements(1));
    gost.bench_function("full/gost2015_512", |b| {
        b.iter(|| {
            gost_verifier
                .verify_signature(black_box(&cms), None, &options)
                .expect("verification")
        })
    });
    let sig = raw_signature(&cms, &gost_verifier);
    let key = gost::PublicKey::from_spki_der(&sig.spki).expect("GOST key");
    let digest = gost::Digest::Streebog512;
    key.verify_nca(&digest.digest(&sig.message), &sig.signature)
        .expect("the raw GOST signature verifies");
    gost.bench_function("raw/gost2015_512_streebog512", |b| {
        b.iter(|| {
            key.verify_nca(
                &digest.digest(black_box(&sig.message)),
                black_box(&sig.signature),
            )
            .expect("verifies")
        })
    });
    gost.finish();

    revocation_sources(c, &options);
}

/// The same RSA signature with its status from the CRLs and from OCSP answers: `ocsp_cached` as
/// the service holds them in its cache (parsed once when they arrived; the verifier judges them
/// anew on every call), `ocsp_sent` as a caller's `ocsp_responses` arrive (parsed on every call).
fn revocation_sources(c: &mut Criterion, options: &VerifyOptions) {
    use qoltanba_core::{OcspAnswer, OcspResponse, RevocationPolicy};
    use test_pki::ocsp::{sign_response, Hash, ResponseSpec, Signer, Status as Answer};

    let produced = datetime!(2026-06-01 11:00:00 UTC);
    let answer_der = |cert: &str, issuer: &str| {
        let signer = Signer::from_bytes(
            &read(&format!("pki/{issuer}.pem")),
            &read(&format!("pki/keys/{issuer}.key.pem")),
        )
        .expect("CA key");
        let spec = ResponseSpec::new(
            &read(&format!("pki/{cert}.der")),
            &signer.cert_der,
            Hash::Sha1,
            Answer::Good,
            produced,
        )
        .expect("response spec");
        sign_response(&spec, &signer).expect("signed response")
    };
    let cached = [
        answer_der("individual-sign", "nca-rsa"),
        answer_der("nca-rsa", "root"),
    ];
    let cms = read("samples/individual-attached.cms");
    let with_crls = verifier();
    // No CRLs at all: OCSP alone decides, so nothing else can be what is measured.
    let limits = InputLimits::default();
    let without_crls = Verifier::new(
        certificates_from_bytes(&read("pki/trust.pem"), &limits).expect("trust"),
        certificates_from_bytes(&read("pki/intermediates.pem"), &limits).expect("intermediates"),
        CrlSnapshot::new(Vec::new()),
    )
    .expect("verifier");
    let ocsp_options = |answers: Vec<OcspAnswer>| VerifyOptions {
        revocation_policy: RevocationPolicy::Ocsp,
        ocsp: answers,
        ..options.clone()
    };
    let parse = || -> Vec<OcspAnswer> {
        cached
            .iter()
            .map(|der| OcspAnswer::response(Arc::new(OcspResponse::from_der(der).expect("parses"))))
            .collect()
    };
    let verdict = without_crls
        .verify_signature(&cms, None, &ocsp_options(parse()))
        .expect("verification");
    assert_eq!(verdict.status, Status::Valid, "OCSP: {}", verdict.message);
    assert_eq!(verdict.evidence.ocsp.len(), 2, "both answers used");

    let mut group = c.benchmark_group("revocation");
    group.throughput(Throughput::Elements(1));
    group.bench_function("crl/rsa2048", |b| {
        b.iter(|| {
            with_crls
                .verify_signature(black_box(&cms), None, options)
                .expect("verification")
        })
    });
    group.bench_function("ocsp_sent/rsa2048", |b| {
        b.iter(|| {
            without_crls
                .verify_signature(black_box(&cms), None, &ocsp_options(parse()))
                .expect("verification")
        })
    });
    let parsed = parse();
    group.bench_function("ocsp_cached/rsa2048", |b| {
        b.iter(|| {
            without_crls
                .verify_signature(black_box(&cms), None, &ocsp_options(parsed.clone()))
                .expect("verification")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
