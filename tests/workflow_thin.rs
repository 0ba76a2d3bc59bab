//! The workflow is a thin caller: it names nothing of the crypto, CMS, CRL, chain or certificate
//! modules, nor a cryptography or ASN.1 crate — only the verifier's and the signer's interfaces
//! (and the archive, the ids, the usage errors, the verdict it reads).

use std::path::Path;

const ALLOWED: &[&str] = &[
    "archive", "ids", "sign", "usage", "verdict", "verifier", "workflow",
];
const FORBIDDEN_CRATES: &[&str] = &[
    "ring::",
    "rsa::",
    "p256::",
    "sha2::",
    "der::",
    "cms::",
    "x509_cert::",
    "x509_parser::",
    "spki::",
    "pkcs8::",
    "p12_keystore::",
];
const FORBIDDEN_SIGN_PARTS: &[&str] = &["sign::cms_builder", "sign::keystore", "sign::secret"];

#[test]
fn the_workflow_depends_only_on_the_verifier_and_signer_interfaces() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/workflow");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        files += 1;
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let mut rest = code;
            while let Some(i) = rest.find("crate::") {
                let module: String = rest[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    ALLOWED.contains(&module.as_str()),
                    "{}:{}: the workflow uses crate::{module}: {line}",
                    path.display(),
                    n + 1
                );
                rest = &rest[i + 7..];
            }
            for c in FORBIDDEN_CRATES.iter().chain(FORBIDDEN_SIGN_PARTS) {
                assert!(
                    !names(code, c),
                    "{}:{}: the workflow uses {c}: {line}",
                    path.display(),
                    n + 1
                );
            }
            // `super::` in the top module would reach the crate root.
            if path.ends_with("mod.rs") {
                assert!(
                    !code.contains("super::"),
                    "{}:{}: {line}",
                    path.display(),
                    n + 1
                );
            }
        }
    }
    assert!(files >= 4, "the workflow's files were read");
}

/// Whether `code` names the path `path` (not as the tail of a longer name: `String::` is not
/// `ring::`).
fn names(code: &str, path: &str) -> bool {
    code.match_indices(path).any(|(i, _)| {
        !code[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The check itself catches a forbidden use.
#[test]
fn the_check_would_catch_a_forbidden_module() {
    let line = "use crate::cms::SignedMessage;";
    let i = line.find("crate::").unwrap();
    let module: String = line[i + 7..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    assert!(!ALLOWED.contains(&module.as_str()));
    assert!(names("let d = sha2::Sha256::digest(x);", "sha2::"));
    assert!(names("use ring::signature;", "ring::"));
    assert!(!names("String::with_capacity(8)", "ring::"));
}
