//! The service's callers stay thin. The crate boundary already makes the core's internals (CMS and
//! certificate parsing, cryptography, path building, revocation judgement) unreachable from this
//! crate; what the compiler cannot see is a caller that answers a signature question with the
//! *public* helpers of the core (the GOST primitives, the CMS or CRL types, the OIDs) instead of
//! asking the `Verifier`, or with a cryptography crate of its own. These tests read the sources of
//! the workflow and of the HTTP layer for that.

use std::collections::BTreeSet;
use std::path::Path;

/// What the state-service procedure may take from the core: the verifier and its verdict, ids,
/// usage errors and times.
const WORKFLOW_MAY_USE: &[&str] = &[
    "IdNumber",
    "KeyUsagePolicy",
    "Status",
    "UsageError",
    "UsageReason",
    "Verdict",
    "Verifier",
    "VerifyOptions",
    "parse_time",
    "rfc3339",
];

/// The HTTP layer also reads its inputs at the edge (`input`: base64, certificates with limits)
/// and describes reason codes in its OpenAPI document.
const HTTP_MAY_USE: &[&str] = &[
    "Certificate",
    "IdNumber",
    "IdPolicy",
    "InputLimits",
    "KeyUsagePolicy",
    // OCSP inputs at the edge: a caller's `ocsp_responses` read into responses, the verifier's
    // status queries answered with what the responders sent. The verifier judges them.
    "OcspAnswer",
    "OcspResponse",
    // The verdict's parts, read to write them in the caller's language (a check's `Phrase`
    // rendered with the page's `Sentences`) and to describe them in the OpenAPI document (`Role`).
    // Nothing is judged with them.
    "Check",
    "Evidence",
    "Phrase",
    "PhraseKey",
    "Reason",
    "Role",
    "Sentences",
    "SignerOutcome",
    "Status",
    "StatusQuery",
    "TimeBasis",
    "TimestampReport",
    "placeholders",
    "UsageError",
    "UsageReason",
    "Verdict",
    "Verifier",
    "VerifyOptions",
    "decode_base64",
    "input",
    "parse_expected_id",
    "parse_expected_id_with",
    "parse_time",
    "rfc3339",
    "self",
];

/// Crates (and parts of crates) that would let a caller decide a signature question itself. (The
/// HTTP layer draws request ids from `ring::rand`, hashes bearer tokens and reports a signature's
/// SHA-256 with `sha2`; that decides nothing.)
const FORBIDDEN_CRATES: &[&str] = &[
    "ring::signature",
    "rsa",
    "p256",
    "der",
    "cms",
    "x509_cert",
    "x509_parser",
    "spki",
    "pkcs8",
    "pkcs12",
    "pkcs5",
    "streebog",
    "gost94",
];
/// The workflow has no reason to hash anything itself.
const WORKFLOW_ALSO_FORBIDDEN: &[&str] = &["sha2", "ring"];

/// The signer's internals: the workflow issues results through `sign::issue` and `Officers`.
const WORKFLOW_FORBIDDEN_SIGN_PARTS: &[&str] = &["cms_builder", "keystore", "secret"];

#[test]
fn the_workflow_asks_the_verifier_and_nothing_else_of_the_core() {
    let used = core_names_used_in("src/workflow");
    let allowed = set(WORKFLOW_MAY_USE);
    let stray: Vec<_> = used.difference(&allowed).collect();
    assert!(
        stray.is_empty(),
        "the workflow uses qoltanba_core::{stray:?}"
    );
    assert!(
        used.contains("Verifier"),
        "the workflow's sources were read"
    );
}

#[test]
fn the_http_layer_asks_the_verifier_and_reads_inputs_at_the_edge() {
    let used = core_names_used_in("src/http");
    let allowed = set(HTTP_MAY_USE);
    let stray: Vec<_> = used.difference(&allowed).collect();
    assert!(
        stray.is_empty(),
        "the HTTP layer uses qoltanba_core::{stray:?}"
    );
    assert!(
        used.contains("Verifier"),
        "the HTTP layer's sources were read"
    );
}

#[test]
fn no_caller_uses_a_cryptography_or_asn1_crate() {
    for (dir, extra) in [
        ("src/workflow", WORKFLOW_ALSO_FORBIDDEN),
        ("src/http", &[][..]),
    ] {
        for (file, line) in code_lines(dir) {
            for c in FORBIDDEN_CRATES.iter().chain(extra) {
                assert!(!names_path(&line, c), "{file}: uses the crate {c}: {line}");
            }
        }
    }
}

#[test]
fn the_workflow_never_reaches_into_the_signer() {
    for (file, line) in code_lines("src/workflow") {
        for part in WORKFLOW_FORBIDDEN_SIGN_PARTS {
            assert!(
                !line.contains(&format!("sign::{part}")),
                "{file}: uses sign::{part}: {line}"
            );
        }
    }
}

/// The checks themselves catch what they are meant to.
#[test]
fn the_checks_catch_a_forbidden_use() {
    assert_eq!(
        names_after_core("use qoltanba_core::{gost, Verifier};"),
        set(&["gost", "Verifier"])
    );
    assert_eq!(
        names_after_core("let m = qoltanba_core::SignedMessage::from_der(&d);"),
        set(&["SignedMessage"])
    );
    assert_eq!(
        names_after_core("use qoltanba_core::input::{self, InputLimits};"),
        set(&["input", "self", "InputLimits"])
    );
    assert!(names_path("let d = sha2::Sha256::digest(x);", "sha2"));
    assert!(!names_path("String::with_capacity(8)", "ring"));
    assert!(!names_path("let x = my_der::y;", "der"));
    assert!(names_path(
        "use ring::signature::{self, UnparsedPublicKey};",
        "ring::signature"
    ));
    assert!(!names_path(
        "use ring::rand::SecureRandom;",
        "ring::signature"
    ));
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// Every line of code (comments dropped) of the `.rs` files under `dir`, with its file and line.
fn code_lines(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or_default().trim();
                    if !code.is_empty() {
                        out.push((format!("{}:{}", path.display(), n + 1), code.to_owned()));
                    }
                }
            }
        }
    }
    assert!(!out.is_empty(), "no sources under {dir}");
    out
}

fn core_names_used_in(dir: &str) -> BTreeSet<String> {
    // `use` lists may span lines: join the code first.
    let code: String = code_lines(dir)
        .into_iter()
        .map(|(_, l)| l)
        .collect::<Vec<_>>()
        .join(" ");
    names_after_core(&code)
}

/// The first name after each `qoltanba_core::`, and every name of a `{…}` list there or right
/// after that first name (`input::{self, InputLimits}` gives `input`, `self` and `InputLimits`).
fn names_after_core(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("qoltanba_core::") {
        let mut rest = &code[i + "qoltanba_core::".len()..];
        let first: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !first.is_empty() {
            out.insert(first.clone());
            rest = &rest[first.len()..];
            match rest.strip_prefix("::{") {
                Some(list) => rest = &rest[rest.len() - list.len() - 1..],
                None => continue,
            }
        }
        if let Some(list) = rest.strip_prefix('{') {
            let end = list.find('}').unwrap_or(list.len());
            let inner = &list[..end];
            for piece in inner.split([',', '{', ' ', ':']) {
                let name = piece.trim();
                if !name.is_empty() && name != "as" {
                    out.insert(name.to_owned());
                }
            }
            // `Status as VerdictStatus`: the alias is not a core name.
            for (j, _) in inner.match_indices(" as ") {
                let alias: String = inner[j + 4..]
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.remove(&alias);
            }
        }
    }
    out
}

/// Whether `code` names the path `root` (`sha2::…`, `ring::signature::…`), not as the tail of a
/// longer name (`String::` is not `ring::`).
fn names_path(code: &str, root: &str) -> bool {
    let path = format!("{root}::");
    code.match_indices(&path).any(|(i, _)| {
        !code[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}
