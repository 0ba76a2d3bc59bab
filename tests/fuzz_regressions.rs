//! Inputs kept from fuzzing (`fuzz/`): every file under `tests/fuzz-regressions/signature/` goes
//! through the calls of the `signature` fuzz target, every file under
//! `tests/fuzz-regressions/crl/` through those of the `crl` target. Nothing may panic; a
//! signature that does not parse must be `malformed_signature`, and none may be `valid` unless it
//! is byte for byte one of the genuine samples of `fixtures/samples/`.

use std::path::{Path, PathBuf};

use qoltanba_core::input::{self, InputLimits};
use qoltanba_core::Crl;
use qoltanba_core::CrlSnapshot;
use qoltanba_core::SignedMessage;
use qoltanba_core::{Reason, Status, Verifier, VerifyOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The regular files of a directory, sorted by name.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read directory {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn regressions(kind: &str) -> Vec<(String, Vec<u8>)> {
    let files = files_in(&root().join("tests/fuzz-regressions").join(kind));
    assert!(!files.is_empty(), "no {kind} fuzz regression inputs");
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = read(&path);
            (name, bytes)
        })
        .collect()
}

/// The same verifier as the `signature` fuzz target: the fixture PKI at T0.
fn verifier() -> Verifier {
    let fixtures = root().join("fixtures");
    let limits = InputLimits::default();
    let anchors =
        input::certificates_from_bytes(&read(&fixtures.join("pki/trust.pem")), &limits).unwrap();
    let intermediates =
        input::certificates_from_bytes(&read(&fixtures.join("pki/intermediates.pem")), &limits)
            .unwrap();
    let crls =
        input::crls_from_bytes(&read(&fixtures.join("crl/all-current.pem")), &limits).unwrap();
    Verifier::new(anchors, intermediates, CrlSnapshot::new(crls)).unwrap()
}

fn options() -> VerifyOptions {
    VerifyOptions {
        at: Some(time::macros::datetime!(2026-06-01 12:00:00 UTC)),
        ..Default::default()
    }
}

fn is_genuine_sample(bytes: &[u8]) -> bool {
    files_in(&root().join("fixtures/samples"))
        .iter()
        .any(|path| read(path) == bytes)
}

#[test]
fn signature_regressions_do_not_panic_and_are_not_valid() {
    let verifier = verifier();
    let opts = options();
    for (name, bytes) in regressions("signature") {
        let parses = match input::signature_der(&bytes) {
            Ok(der) => SignedMessage::from_der(&der, Default::default()).is_ok(),
            Err(_) => false,
        };
        let genuine = is_genuine_sample(&bytes);
        for detached in [None, Some(&b"x"[..])] {
            let verdict = match verifier.verify_signature(&bytes, detached, &opts) {
                Ok(verdict) => verdict,
                // A wrong call (e.g. a detached signature without its content) is not a verdict.
                Err(_) => continue,
            };
            if !parses {
                assert_eq!(
                    verdict.reason,
                    Some(Reason::MalformedSignature),
                    "{name} (detached content {detached:?}): unparsable input gave {:?}",
                    verdict.reason
                );
            }
            if !genuine {
                assert_ne!(
                    verdict.status,
                    Status::Valid,
                    "{name} (detached content {detached:?}) is valid but is not a fixture sample"
                );
            }
        }
    }
}

fn exercise(name: &str, crl: &Crl) {
    for serial in [&b""[..], &[0], &[1], &[0x80, 0x01], &[0x7f; 20]] {
        let _ = crl.lookup(serial);
    }
    let _ = crl.number_string();
    let _ = crl.is_delta();
    assert_eq!(crl.sha256_hex().len(), 64, "{name}");
    assert!(crl.entry_count() <= 100_000, "{name}");
}

#[test]
fn crl_regressions_do_not_panic() {
    for (name, bytes) in regressions("crl") {
        if let Ok(crl) = Crl::from_der(bytes.as_slice(), 100_000) {
            exercise(&name, &crl);
        }
        if let Ok(crls) = input::crls_from_bytes(&bytes, &Default::default()) {
            for crl in &crls {
                exercise(&name, crl);
            }
        }
    }
}
