//! Writes `fixtures/nca/samples/`: CMS signatures made with the NCA's real GOST 2015-512 test keys
//! (`fixtures/nca/extracted/`) in the NCALayer profile, by qoltanba's own signer, with a signing
//! time inside the window in which the keys and the NCA's saved test CRLs are all current. They let
//! a reader verify a real NCA key's signature from the README and from `config/nca-test.toml`.
//!
//! `cargo run --example nca_samples` (from the repository root; rewrites the samples: GOST
//! signatures take a fresh nonce, so the bytes change, the verdicts do not).

use std::path::Path;

use qoltanba::sign::cms_builder::{SignInput, SignerTemplate};
use qoltanba::sign::SigningKey;
use qoltanba_core::Certificate;
use time::macros::datetime;

/// Inside 2025-10-17T08:13:32Z – 2025-10-26T04:46:49Z (tests/nca_real.rs).
const SIGNED_AT: time::OffsetDateTime = datetime!(2025-10-20 09:00:00 UTC);
/// The document: an application as a portal would send it (test ids of the NCA's keys).
const REQUEST: &str =
    "{\"service\":\"Анықтама беру\",\"iin\":\"123456789011\",\"date\":\"2025-10-20\"}\n";

/// (file stem under `extracted/`, signature mode). The "revoked" keys are not in the saved CRLs
/// (issued months before the keys), so they would only give more `valid` samples.
const SAMPLES: &[(&str, Mode)] = &[
    ("FL-valid", Mode::Attached),
    ("FL-valid", Mode::Detached),
    ("UL_FirstHead_CEO-valid", Mode::Attached),
];

#[derive(Clone, Copy)]
enum Mode {
    Attached,
    Detached,
}

fn main() {
    let nca = Path::new("fixtures/nca");
    let out = nca.join("samples");
    std::fs::create_dir_all(&out).expect("fixtures/nca/samples");
    let ca = Certificate::from_der(
        &std::fs::read(nca.join("CA_Test/NCA/nca_gost2022_test.cer")).expect("the NCA test CA"),
    )
    .expect("the CA certificate");
    std::fs::write(out.join("request.json"), REQUEST).expect("request.json");
    for &(stem, mode) in SAMPLES {
        let cert_der = std::fs::read(nca.join(format!("extracted/{stem}.cer"))).expect("cert");
        let cert = Certificate::from_der(&cert_der).expect("an NCA certificate");
        let key_der = std::fs::read(nca.join(format!("extracted/{stem}.key.der"))).expect("key");
        let key = SigningKey::from_pkcs8_der(&key_der).expect("an NCA GOST key");
        assert!(key.matches(&cert), "{stem}: key and certificate");
        let template =
            SignerTemplate::new(&cert, &[&ca], key.algorithm()).expect("a signer template");
        let (detached, suffix) = match mode {
            Mode::Attached => (false, "attached"),
            Mode::Detached => (true, "detached"),
        };
        let cms = template
            .sign(
                &key,
                &SignInput {
                    content: REQUEST.as_bytes(),
                    detached,
                    signing_time: SIGNED_AT,
                    content_type: qoltanba_core::oid::cms::DATA,
                },
            )
            .expect("a signature");
        let path = out.join(format!("{stem}-{suffix}.cms"));
        std::fs::write(&path, cms).expect("the sample");
        println!("{}", path.display());
    }
}
