//! National-scale CRL: load + signature check + index of a 1,000,000-entry CRL, and lookups.
//!
//! The CRL is generated once by the test-pki generator (`big-crl`) into target/big-crl/.
//! `cargo bench --bench crl`

use std::path::PathBuf;
use std::process::Command;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use qoltanba_core::input::{self, InputLimits};
use qoltanba_core::Crl;

const ENTRIES: usize = 1_000_000;

fn big_crl() -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("target/big-crl/nca-rsa-1m.crl");
    if !path.exists() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let status = Command::new(env!("CARGO"))
            .args(["run", "--release", "-q", "-p", "test-pki", "--", "big-crl"])
            .arg(&path)
            .arg(ENTRIES.to_string())
            .arg(root.join("fixtures"))
            .status()
            .expect("run the test-pki generator");
        assert!(status.success(), "big-crl generation failed");
    }
    std::fs::read(&path).unwrap()
}

fn bench(c: &mut Criterion) {
    let bytes = big_crl();
    let issuer = input::certificates_from_bytes(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/pki/nca-rsa.pem"
        ))
        .unwrap(),
        &InputLimits::default(),
    )
    .unwrap();
    let spki = issuer[0].spki.clone();

    let mut group = c.benchmark_group("crl_1m");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ENTRIES as u64));
    group.bench_function("load_verify_index", |b| {
        b.iter_batched(
            || bytes.clone(),
            |der| {
                let crl = Crl::from_der(der, 20_000_000).unwrap();
                crl.signed.verify_with(&spki).unwrap();
                crl
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();

    let crl = Crl::from_der(bytes, 20_000_000).unwrap();
    assert_eq!(crl.entry_count(), ENTRIES);
    let mut group = c.benchmark_group("crl_1m_lookup");
    group.throughput(Throughput::Elements(1));
    let absent = [0x01u8; 16];
    group.bench_function("miss", |b| {
        b.iter(|| crl.lookup(std::hint::black_box(&absent)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
