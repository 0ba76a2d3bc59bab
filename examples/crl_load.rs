//! Loads one CRL the way the service does (parse, verify its signature with the issuer, index) and
//! prints the time and the memory it took above the file itself.
//!
//! `cargo run --release --example crl_load -- CRL.der ISSUER.pem`

use std::time::Instant;

use qoltanba_core::input::{self, InputLimits};
use qoltanba_core::Crl;

/// Resident set size in KiB, from /proc (Linux).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [crl_path, issuer_path] = args.as_slice() else {
        eprintln!("usage: crl_load CRL.der ISSUER.pem");
        std::process::exit(2);
    };
    let issuer_bytes = std::fs::read(issuer_path).expect("issuer file");
    let issuer = input::certificates_from_bytes(&issuer_bytes, &InputLimits::default())
        .expect("issuer certificate");
    let bytes = std::fs::read(crl_path).expect("CRL file");
    let file_len = bytes.len();
    let before = rss_kib();

    let start = Instant::now();
    let crl = Crl::from_der(bytes, 20_000_000).expect("a CRL");
    let parsed = start.elapsed();
    crl.signed
        .verify_with(&issuer[0].spki)
        .expect("the CRL signature verifies");
    let total = start.elapsed();
    let after = rss_kib();

    let probe = [0x40u8; 16];
    let lookups = 1_000_000;
    let t = Instant::now();
    let mut hits = 0;
    for i in 0..lookups {
        let mut serial = probe;
        serial[15] = i as u8;
        hits += usize::from(crl.lookup(&serial).is_some());
    }
    let per_lookup = t.elapsed().as_nanos() as f64 / lookups as f64;

    println!(
        "{{\"file_bytes\":{file_len},\"entries\":{},\"parse_index_ms\":{:.1},\"parse_index_verify_ms\":{:.1},\"rss_above_file_mib\":{:.1},\"lookup_ns\":{per_lookup:.0},\"hits\":{hits}}}",
        crl.entry_count(),
        parsed.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        after.saturating_sub(before) as f64 / 1024.0,
    );
}
