//! Fuzz target for CRL parsing: DER through `Crl::from_der`, DER or PEM bundles through
//! `crls_from_bytes`, and the accessors of every CRL that parses. Any panic is a bug: bad input
//! must end in a `CrlError` (or an error string).
#![no_main]

use libfuzzer_sys::fuzz_target;
use qoltanba_core::Crl;

/// Serials worth looking up: empty, zero, small, negative-looking, long.
const SERIALS: [&[u8]; 5] = [b"", &[0], &[1], &[0x80, 0x01], &[0x7f; 20]];

fn exercise(crl: &Crl) {
    for serial in SERIALS {
        let _ = crl.lookup(serial);
    }
    let _ = crl.number_string();
    let _ = crl.entry_count();
    let _ = crl.is_delta();
    let _ = crl.sha256_hex();
}

fuzz_target!(|data: &[u8]| {
    if let Ok(crl) = Crl::from_der(data, 100_000) {
        exercise(&crl);
    }
    if let Ok(crls) = qoltanba_core::input::crls_from_bytes(data, &Default::default()) {
        for crl in &crls {
            exercise(crl);
        }
    }
});
