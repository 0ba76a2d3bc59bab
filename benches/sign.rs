//! Officer signing throughput next to raw `ring` signing, in the same run.
//!
//! - `officer/rsa2048`, `officer/p256`: `Officer::sign` of `fixtures/samples/request-legal.json`
//!   (attached) as in production: the officer's own certificate check (reused until the CRL
//!   snapshot changes or a minute passes: see `sign::officer::CHECK_TTL`), the signed attributes
//!   (contentType, messageDigest, signingTime, signingCertificateV2), the signature, the
//!   SignedData with the certificate and its chain, DER.
//! - `raw_ring/*`: `ring` signing the same document with a key pair made from the same PKCS#8 key
//!   (`RsaKeyPair`, `EcdsaKeyPair`): the one signature an officer signature cannot avoid.
//! - `officer_check_uncached/*`: `Officer::check` with the reuse switched off (the full check,
//!   for reference).
//!
//! Run with `cargo bench --bench sign`; criterion prints `thrpt` in signatures per second.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ring::rand::SystemRandom;
use ring::signature::{self as ring_sig};

use qoltanba::sign::config::OfficerConfig;
use qoltanba::sign::Officer;
use qoltanba_core::input::{certificates_from_bytes, crls_from_bytes, InputLimits};
use qoltanba_core::CrlSnapshot;
use qoltanba_core::Verifier;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn read(relative: &str) -> Vec<u8> {
    let path = fixtures().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn verifier() -> Verifier {
    let limits = InputLimits::default();
    let anchors = certificates_from_bytes(&read("pki/trust.pem"), &limits).expect("trust.pem");
    let intermediates =
        certificates_from_bytes(&read("pki/intermediates.pem"), &limits).expect("intermediates");
    let crls = crls_from_bytes(&read("crl/all-current.pem"), &limits).expect("all-current.pem");
    Verifier::new(anchors, intermediates, CrlSnapshot::new(crls)).expect("verifier")
}

fn officer(keystore: &str, bin: &str) -> Officer {
    let config = OfficerConfig {
        id: keystore.trim_end_matches(".p12").into(),
        keystore: fixtures().join("officers").join(keystore),
        certificate: None,
        alias: None,
        password_env: None,
        password_file: Some(fixtures().join("officers/password.txt")),
        provider_name: "bench".into(),
        provider_bin: bin.into(),
        allowed_roles: vec!["first_head".into(), "signing_right".into()],
        password: None,
    };
    Officer::load(
        &config
            .check(qoltanba_core::IdPolicy::Strict)
            .expect("officer config"),
    )
    .expect("officer key")
}

fn pkcs8_der(key: &str) -> Vec<u8> {
    let pem = read(&format!("pki/keys/{key}.key.pem"));
    let (label, der) = pem_rfc7468::decode_vec(&pem).expect("PEM key");
    assert_eq!(label, "PRIVATE KEY");
    der
}

fn bench(c: &mut Criterion) {
    let verifier = verifier();
    let document = read("samples/request-legal.json");
    let rng = SystemRandom::new();

    let rsa = officer("head-sign.p12", "050340001235");
    let ec = officer("ec-head-sign.p12", "040340001233");
    for o in [&rsa, &ec] {
        let s = o
            .sign(&verifier, &document, false)
            .expect("the officer may sign");
        assert_eq!(s.verdict().status, qoltanba_core::Status::Valid);
    }
    let rsa_raw = ring_sig::RsaKeyPair::from_pkcs8(&pkcs8_der("head-sign")).expect("RSA key");
    let ec_raw = ring_sig::EcdsaKeyPair::from_pkcs8(
        &ring_sig::ECDSA_P256_SHA256_ASN1_SIGNING,
        &pkcs8_der("ec-head-sign"),
        &rng,
    )
    .expect("P-256 key");

    let mut group = c.benchmark_group("sign");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(8));
    group.sample_size(40);

    group.bench_function("officer/rsa2048", |b| {
        b.iter(|| black_box(rsa.sign(&verifier, black_box(&document), false).unwrap()))
    });
    group.bench_function("raw_ring/rsa2048", |b| {
        let mut sig = vec![0u8; rsa_raw.public().modulus_len()];
        b.iter(|| {
            rsa_raw
                .sign(
                    &ring_sig::RSA_PKCS1_SHA256,
                    &rng,
                    black_box(&document),
                    &mut sig,
                )
                .unwrap();
            black_box(&sig);
        })
    });
    group.bench_function("officer/p256", |b| {
        b.iter(|| black_box(ec.sign(&verifier, black_box(&document), false).unwrap()))
    });
    group.bench_function("raw_ring/p256", |b| {
        b.iter(|| black_box(ec_raw.sign(&rng, black_box(&document)).unwrap()))
    });

    let mut rsa_uncached = officer("head-sign.p12", "050340001235");
    rsa_uncached.set_check_ttl(Duration::ZERO);
    let mut ec_uncached = officer("ec-head-sign.p12", "040340001233");
    ec_uncached.set_check_ttl(Duration::ZERO);
    group.bench_function("officer_check_uncached/rsa2048", |b| {
        b.iter(|| {
            black_box(
                rsa_uncached
                    .check(&verifier, time::OffsetDateTime::now_utc())
                    .unwrap(),
            )
        })
    });
    group.bench_function("officer_check_uncached/p256", |b| {
        b.iter(|| {
            black_box(
                ec_uncached
                    .check(&verifier, time::OffsetDateTime::now_utc())
                    .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
