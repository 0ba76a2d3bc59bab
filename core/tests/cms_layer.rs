//! The CMS layer against inputs built to fool it (issue 16, findings 8, 9, 11, 12 and the
//! several-signer identity rule of CONTRACT §4).
//!
//! Signatures and certificates are made here with the `openssl` CLI from the keys of the test
//! PKIs (`fixtures/pki`, `fixtures/gost`), so they follow the fixtures when those are generated
//! anew. Every "wrong" case has a control made the same way that passes, so a failure is about
//! the property tested, not about the harness.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use qoltanba_core::{
    input, parse_time, Certificate, CheckResult, CrlSnapshot, IdNumber, Reason, Status, Verdict,
    Verifier, VerifyOptions,
};
use time::{Duration, OffsetDateTime};

const T0: &str = "2026-06-01T12:00:00Z";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn fixture(rel: &str) -> Vec<u8> {
    let path = fixtures().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture_path(rel: &str) -> String {
    fixtures().join(rel).display().to_string()
}

fn verifier(dir: &str) -> Verifier {
    let limits = input::InputLimits::default();
    let anchors = input::certificates_from_bytes(&fixture(&format!("{dir}trust.pem")), &limits)
        .expect("trust anchors");
    let intermediates =
        input::certificates_from_bytes(&fixture(&format!("{dir}intermediates.pem")), &limits)
            .expect("intermediates");
    let crl_file = if dir.is_empty() {
        "crl/all-current.pem".to_owned()
    } else {
        format!("{dir}crl/all-current.pem")
    };
    let crls = input::crls_from_bytes(&fixture(&crl_file), &limits).expect("CRLs");
    Verifier::new(anchors, intermediates, CrlSnapshot::new(crls)).expect("verifier")
}

/// The RSA/EC test PKI.
fn rsa_verifier() -> Verifier {
    let limits = input::InputLimits::default();
    let anchors =
        input::certificates_from_bytes(&fixture("pki/trust.pem"), &limits).expect("anchors");
    let intermediates = input::certificates_from_bytes(&fixture("pki/intermediates.pem"), &limits)
        .expect("intermediates");
    let crls = input::crls_from_bytes(&fixture("crl/all-current.pem"), &limits).expect("CRLs");
    Verifier::new(anchors, intermediates, CrlSnapshot::new(crls)).expect("verifier")
}

/// The GOST test PKI.
fn gost_verifier() -> Verifier {
    verifier("gost/")
}

fn at(time: OffsetDateTime) -> VerifyOptions {
    VerifyOptions {
        at: Some(time),
        ..VerifyOptions::default()
    }
}

fn at_t0() -> VerifyOptions {
    at(parse_time(T0).unwrap())
}

/// Certificates made here start now: judge them a minute later (the fixture CRLs are current
/// from 2026-01-01 to 2035-01-01).
fn soon() -> VerifyOptions {
    at(OffsetDateTime::now_utc() + Duration::minutes(1))
}

fn run_openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running openssl");
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn verify(verifier: &Verifier, cms: &[u8], options: &VerifyOptions) -> Verdict {
    verifier
        .verify_signature(cms, None, options)
        .expect("a complete call")
}

fn checks<'a>(verdict: &'a Verdict, name: &str) -> Vec<&'a qoltanba_core::Check> {
    verdict.checks.iter().filter(|c| c.check == name).collect()
}

fn describe(verdict: &Verdict) -> String {
    format!(
        "{:?}/{:?}: {}",
        verdict.status, verdict.reason, verdict.message
    )
}

/// A scratch directory with a certificate issued by `issuer` (from `fixtures/`), for a fresh RSA
/// key of `bits`, in the NCA profile's signing shape.
struct Issued {
    dir: tempfile::TempDir,
}

impl Issued {
    fn rsa(bits: u32, issuer: &str, ca: bool) -> Issued {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let bits = bits.to_string();
        run_openssl(d, &["genrsa", "-out", "key.pem", &bits]);
        let subject = if ca {
            "/CN=WEAK TEST CA/C=KZ"
        } else {
            "/CN=TEST SIGNER/serialNumber=IIN880415300127/C=KZ"
        };
        run_openssl(
            d,
            &[
                "req", "-new", "-key", "key.pem", "-subj", subject, "-out", "req.csr",
            ],
        );
        let extensions = if ca {
            "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n\
             subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
        } else {
            "keyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\n\
             authorityKeyIdentifier=keyid\n"
        };
        std::fs::write(d.join("ext.cnf"), extensions).unwrap();
        let (ca_cert, ca_key) = (
            fixture_path(&format!("pki/{issuer}.pem")),
            fixture_path(&format!("pki/keys/{issuer}.key.pem")),
        );
        run_openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "req.csr",
                "-CA",
                &ca_cert,
                "-CAkey",
                &ca_key,
                "-set_serial",
                "0x7a01",
                "-days",
                "30",
                "-sha256",
                "-extfile",
                "ext.cnf",
                "-out",
                "cert.pem",
            ],
        );
        Issued { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn cert(&self) -> Arc<Certificate> {
        let pem = std::fs::read(self.path("cert.pem")).unwrap();
        input::certificates_from_bytes(&pem, &input::InputLimits::default())
            .unwrap()
            .remove(0)
    }

    /// `openssl cms -sign` of `fixtures/samples/request.json` with this key, attached, DER.
    fn sign(&self, extra: &[&str]) -> Vec<u8> {
        let content = fixture_path("samples/request.json");
        let (cert, key, out) = (
            self.path("cert.pem"),
            self.path("key.pem"),
            self.path("out.cms"),
        );
        let mut args = vec![
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-in",
            &content,
            "-signer",
            &cert,
            "-inkey",
            &key,
            "-outform",
            "DER",
            "-out",
            &out,
        ];
        args.extend_from_slice(extra);
        run_openssl(self.dir.path(), &args);
        std::fs::read(&out).unwrap()
    }
}

/// `openssl cms -sign` of `request.json` by a signer of the RSA test PKI (`fixtures/pki`).
fn sign_as(signer: &str, extra: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.cms").display().to_string();
    let (content, cert, key, chain) = (
        fixture_path("samples/request.json"),
        fixture_path(&format!("pki/{signer}.pem")),
        fixture_path(&format!("pki/keys/{signer}.key.pem")),
        fixture_path("pki/nca-rsa.pem"),
    );
    let mut args = vec![
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-in",
        &content,
        "-signer",
        &cert,
        "-inkey",
        &key,
        "-certfile",
        &chain,
        "-outform",
        "DER",
        "-out",
        &out,
    ];
    args.extend_from_slice(extra);
    run_openssl(dir.path(), &args);
    std::fs::read(&out).unwrap()
}

/// The same DER with its outermost length made indefinite (X.690 8.1.3.6): the first thing a
/// streaming producer writes differently.
fn indefinite_outer(der: &[u8]) -> Vec<u8> {
    assert_eq!(der[0], 0x30);
    let header = if der[1] < 0x80 {
        2
    } else {
        2 + usize::from(der[1] & 0x7f)
    };
    let mut ber = vec![0x30, 0x80];
    ber.extend_from_slice(&der[header..]);
    ber.extend_from_slice(&[0, 0]);
    ber
}

/// `der` with every constructed element re-encoded with an indefinite length, signed attributes
/// and certificates included: as much BER as a producer can write without changing a value.
fn all_indefinite(der: &[u8]) -> Vec<u8> {
    use der::{Decode, Encode, Reader};
    let mut out = Vec::new();
    let mut reader = der::SliceReader::new(der).unwrap();
    while !reader.is_finished() {
        let header = der::Header::decode(&mut reader).unwrap();
        let body = reader.read_slice(header.length).unwrap();
        if header.tag.is_constructed() {
            out.extend(header.tag.to_der().unwrap());
            out.push(0x80);
            out.extend(all_indefinite(body));
            out.extend([0, 0]);
        } else {
            out.extend(header.to_der().unwrap());
            out.extend_from_slice(body);
        }
    }
    out
}

// --- finding 9: RSA keys under 2048 bits -------------------------------------------------------

#[test]
fn weak_rsa_signer_is_unsupported_whatever_the_padding() {
    let verifier = rsa_verifier();
    let weak = Issued::rsa(1024, "nca-rsa", false);
    let control = Issued::rsa(2048, "nca-rsa", false);
    let pss = [
        "-keyopt",
        "rsa_padding_mode:pss",
        "-keyopt",
        "rsa_pss_saltlen:max",
    ];
    for padding in [&[][..], &pss[..]] {
        let ok = verify(&verifier, &control.sign(padding), &soon());
        assert_eq!(ok.status, Status::Valid, "control: {}", describe(&ok));

        let verdict = verify(&verifier, &weak.sign(padding), &soon());
        assert_eq!(
            verdict.status,
            Status::Indeterminate,
            "{}",
            describe(&verdict)
        );
        assert_eq!(verdict.reason, Some(Reason::UnsupportedAlgorithm));
        let signature = checks(&verdict, "signature");
        assert_eq!(signature.len(), 1);
        assert_eq!(signature[0].result, CheckResult::Unknown);
        assert!(
            signature[0].detail.contains("weak key") && signature[0].detail.contains("1024"),
            "{}",
            signature[0].detail
        );
    }
}

#[test]
fn weak_rsa_issuer_makes_the_certificate_signature_unsupported() {
    let verifier = rsa_verifier();
    for (bits, weak) in [(2048, false), (1024, true)] {
        let ca = Issued::rsa(bits, "root", true);
        // The end entity is issued by the CA just made, with its key.
        let ee_dir = tempfile::tempdir().unwrap();
        let d = ee_dir.path();
        run_openssl(d, &["genrsa", "-out", "key.pem", "2048"]);
        run_openssl(
            d,
            &[
                "req",
                "-new",
                "-key",
                "key.pem",
                "-subj",
                "/CN=UNDER WEAK CA/C=KZ",
                "-out",
                "req.csr",
            ],
        );
        std::fs::write(
            d.join("ext.cnf"),
            "keyUsage=critical,digitalSignature,nonRepudiation\nauthorityKeyIdentifier=keyid\n",
        )
        .unwrap();
        run_openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "req.csr",
                "-CA",
                &ca.path("cert.pem"),
                "-CAkey",
                &ca.path("key.pem"),
                "-set_serial",
                "0x7a02",
                "-days",
                "30",
                "-sha256",
                "-extfile",
                "ext.cnf",
                "-out",
                "cert.pem",
            ],
        );
        let ee = input::certificates_from_bytes(
            &std::fs::read(d.join("cert.pem")).unwrap(),
            &input::InputLimits::default(),
        )
        .unwrap()
        .remove(0);
        let options = VerifyOptions {
            extra_intermediates: vec![ca.cert()],
            ..soon()
        };
        let verdict = verifier.verify_certificate(&ee, &options);
        let chain = checks(&verdict, "chain");
        if weak {
            assert_eq!(
                verdict.reason,
                Some(Reason::UnsupportedAlgorithm),
                "{}",
                describe(&verdict)
            );
            assert_eq!(verdict.status, Status::Indeterminate);
            assert_eq!(chain[0].result, CheckResult::Unknown);
            assert!(chain[0].detail.contains("weak key"), "{}", chain[0].detail);
        } else {
            assert_eq!(
                chain[0].result,
                CheckResult::Pass,
                "control: {}",
                describe(&verdict)
            );
        }
    }
}

#[test]
fn weak_rsa_crl_signature_is_an_algorithm_question() {
    let verifier = rsa_verifier();
    for (bits, weak) in [(2048, false), (1024, true)] {
        let ca = Issued::rsa(bits, "root", true);
        let d = ca.dir.path();
        std::fs::write(
            d.join("ca.cnf"),
            "[ca]\ndefault_ca = ca_default\n[ca_default]\ndatabase = index.txt\ncrlnumber = crlnumber\n\
             default_md = sha256\ndefault_crl_days = 30\n[ext]\nauthorityKeyIdentifier = keyid\n",
        )
        .unwrap();
        std::fs::write(d.join("index.txt"), "").unwrap();
        std::fs::write(d.join("crlnumber"), "01\n").unwrap();
        run_openssl(
            d,
            &[
                "ca", "-gencrl", "-config", "ca.cnf", "-keyfile", "key.pem", "-cert", "cert.pem",
                "-crlexts", "ext", "-out", "ca.crl",
            ],
        );
        let crl = input::crls_from_bytes(
            &std::fs::read(d.join("ca.crl")).unwrap(),
            &input::InputLimits::default(),
        )
        .unwrap()
        .remove(0);
        let found = verifier.crl_signer(&crl, &[ca.cert()]);
        if weak {
            let why = found
                .expect_err("a 1024-bit CRL signature is not accepted")
                .to_string();
            assert!(why.contains("weak key"), "{why}");
        } else {
            found.expect("control: the 2048-bit CA signed its CRL");
        }
    }
}

// --- finding 11: a non-id-data content needs signed attributes --------------------------------

const TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";

#[test]
fn non_data_content_without_signed_attributes_is_malformed() {
    let verifier = rsa_verifier();
    // Controls: id-data without signed attributes, and the other content type with them.
    let plain = verify(
        &verifier,
        &sign_as("individual-sign", &["-noattr"]),
        &at_t0(),
    );
    assert_eq!(plain.status, Status::Valid, "{}", describe(&plain));
    let attributed = sign_as("individual-sign", &["-econtent_type", TST_INFO]);
    let attributed = verify(&verifier, &attributed, &at_t0());
    assert_eq!(
        attributed.status,
        Status::Valid,
        "{}",
        describe(&attributed)
    );

    let bare = sign_as("individual-sign", &["-noattr", "-econtent_type", TST_INFO]);
    let verdict = verify(&verifier, &bare, &at_t0());
    assert_eq!(verdict.status, Status::Invalid, "{}", describe(&verdict));
    assert_eq!(verdict.reason, Some(Reason::MalformedSignature));
    assert!(
        verdict.message.contains("RFC 5652 §5.3"),
        "{}",
        verdict.message
    );
}

// --- finding 12: BER from streaming producers ---------------------------------------------------

#[test]
fn streamed_ber_signed_data_is_accepted() {
    let verifier = rsa_verifier();
    let ber = sign_as("individual-sign", &["-stream"]);
    assert_eq!(ber[..2], [0x30, 0x80], "openssl wrote an indefinite length");
    let verdict = verify(&verifier, &ber, &at_t0());
    assert_eq!(verdict.status, Status::Valid, "{}", describe(&verdict));
    let signer = verdict.signer.as_ref().expect("the signer");
    assert_eq!(signer.iin.as_deref(), Some("880415300127"));

    // The content is read from its segments: one byte changed there is caught.
    let content = fixture("samples/request.json");
    let at = ber
        .windows(16)
        .position(|w| w == &content[..16])
        .expect("the content inside");
    let mut tampered = ber.clone();
    tampered[at + 2] ^= 0x01;
    let verdict = verify(&verifier, &tampered, &at_t0());
    assert_eq!(
        verdict.reason,
        Some(Reason::SignatureInvalid),
        "{}",
        describe(&verdict)
    );

    // The same in PEM, as a portal may send it.
    let pem = pem_rfc7468_encode(&ber);
    let verdict = verify(&verifier, pem.as_bytes(), &at_t0());
    assert_eq!(verdict.status, Status::Valid, "{}", describe(&verdict));
}

fn pem_rfc7468_encode(der: &[u8]) -> String {
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CMS-----\n{}\n-----END CMS-----\n",
        lines.join("\n")
    )
}

#[test]
fn gost_signature_with_an_indefinite_outer_length_is_accepted() {
    let verifier = gost_verifier();
    let der = fixture("gost/samples/individual-attached.cms");
    let control = verify(&verifier, &der, &at_t0());
    assert_eq!(control.status, Status::Valid, "{}", describe(&control));
    let verdict = verify(&verifier, &indefinite_outer(&der), &at_t0());
    assert_eq!(verdict.status, Status::Valid, "{}", describe(&verdict));
    assert_eq!(verdict.signer, control.signer);
}

/// Signed attributes written in BER are verified over their DER encoding (RFC 5652 §5.4), and
/// certificates written in BER come back to the DER their issuers signed.
#[test]
fn signatures_with_every_length_indefinite_are_verified_over_der() {
    for (verifier, sample) in [
        (rsa_verifier(), "samples/individual-attached.cms"),
        (gost_verifier(), "gost/samples/individual-attached.cms"),
    ] {
        let der = fixture(sample);
        let ber = all_indefinite(&der);
        assert_ne!(ber, der);
        let control = verify(&verifier, &der, &at_t0());
        let verdict = verify(&verifier, &ber, &at_t0());
        assert_eq!(
            verdict.status,
            Status::Valid,
            "{sample}: {}",
            describe(&verdict)
        );
        assert_eq!(verdict.signer, control.signer);
    }
    // Altered, it is still caught: the tampered sample in the same BER.
    let verdict = verify(
        &rsa_verifier(),
        &all_indefinite(&fixture("samples/individual-tampered.cms")),
        &at_t0(),
    );
    assert_eq!(
        verdict.reason,
        Some(Reason::SignatureInvalid),
        "{}",
        describe(&verdict)
    );
}

#[test]
fn deeply_nested_indefinite_lengths_are_refused_quickly() {
    let verifier = rsa_verifier();
    let n = 1_000_000;
    let mut ber = Vec::with_capacity(4 * n);
    for _ in 0..n {
        ber.extend_from_slice(&[0x30, 0x80]);
    }
    ber.resize(4 * n, 0);
    let start = std::time::Instant::now();
    let verdict = verify(&verifier, &ber, &at_t0());
    assert_eq!(verdict.reason, Some(Reason::MalformedSignature));
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
}

// --- finding 8: an unusable digestAlgorithm does not hide an alteration ------------------------

/// DER of the OID sha256 (2.16.840.1.101.3.4.2.1).
const SHA256_OID: &[u8] = &[
    0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
];
/// DER of the NCA's GOST R 34.11-2015 512-bit digest OID (1.2.398.3.10.1.3.3).
const NCA_STREEBOG512_OID: &[u8] = &[0x06, 0x08, 0x2a, 0x83, 0x0e, 0x03, 0x0a, 0x01, 0x03, 0x03];
/// DER of the signingTime attribute type (1.2.840.113549.1.9.5).
const SIGNING_TIME_OID: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05,
];

fn find(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// Rewrites the SignerInfo's digestAlgorithm — the AlgorithmIdentifier right before the signed
/// attributes ([0]) — to an unknown OID of the same length (last arc 127), as an attacker can:
/// the field is not signed.
fn unknown_digest_algorithm(cms: &[u8], oid: &[u8]) -> Vec<u8> {
    let mut out = cms.to_vec();
    let mut rewritten = 0;
    for at in find(cms, oid) {
        let end = at + oid.len();
        let after = &cms[end..];
        let next = if after.starts_with(&[0x05, 0x00]) {
            after.get(2)
        } else {
            after.first()
        };
        if next == Some(&0xa0) && at >= 2 && cms[at - 2] == 0x30 {
            out[end - 1] = 0x7f;
            rewritten += 1;
        }
    }
    assert_eq!(rewritten, 1, "one SignerInfo digestAlgorithm");
    out
}

/// Changes one digit of the signed signingTime: the signed attributes no longer verify.
fn altered_signing_time(cms: &[u8]) -> Vec<u8> {
    let at = find(cms, SIGNING_TIME_OID);
    assert_eq!(at.len(), 1);
    // OID, SET header (2), UTCTime header (2), then YYMMDDhhmmss: flip a digit of the minutes.
    let digit = at[0] + SIGNING_TIME_OID.len() + 4 + 9;
    let mut out = cms.to_vec();
    assert!(out[digit].is_ascii_digit());
    out[digit] ^= 0x01;
    out
}

fn assert_altered(verdict: &Verdict) {
    assert_eq!(verdict.status, Status::Invalid, "{}", describe(verdict));
    assert_eq!(
        verdict.reason,
        Some(Reason::SignatureInvalid),
        "{}",
        describe(verdict)
    );
}

fn assert_unsupported(verdict: &Verdict) {
    assert_eq!(
        verdict.status,
        Status::Indeterminate,
        "{}",
        describe(verdict)
    );
    assert_eq!(verdict.reason, Some(Reason::UnsupportedAlgorithm));
}

#[test]
fn unknown_digest_algorithm_does_not_hide_altered_content() {
    let verifier = rsa_verifier();
    // OpenSSL writes rsaEncryption: the hash is left to the digestAlgorithm.
    let tampered = fixture("samples/individual-tampered.cms");
    assert_altered(&verify(&verifier, &tampered, &at_t0()));
    let rewritten = unknown_digest_algorithm(&tampered, SHA256_OID);
    let verdict = verify(&verifier, &rewritten, &at_t0());
    assert_altered(&verdict);
    assert!(
        checks(&verdict, "message_digest")[0]
            .detail
            .contains("content was altered"),
        "{}",
        describe(&verdict)
    );

    // Soundness: the same rewrite of an intact signature proves nothing.
    let intact = fixture("samples/individual-attached.cms");
    assert_eq!(verify(&verifier, &intact, &at_t0()).status, Status::Valid);
    let rewritten = unknown_digest_algorithm(&intact, SHA256_OID);
    assert_unsupported(&verify(&verifier, &rewritten, &at_t0()));
    // Nor does an honest signature with an unsupported hash.
    assert_unsupported(&verify(
        &verifier,
        &fixture("samples/individual-sha1.cms"),
        &at_t0(),
    ));
}

#[test]
fn unknown_digest_algorithm_does_not_hide_altered_attributes_when_the_algorithm_names_its_hash() {
    let verifier = rsa_verifier();
    // RSASSA-PSS states its hash in its parameters.
    let pss = sign_as(
        "individual-sign",
        &[
            "-keyopt",
            "rsa_padding_mode:pss",
            "-keyopt",
            "rsa_pss_saltlen:max",
        ],
    );
    assert_eq!(verify(&verifier, &pss, &at_t0()).status, Status::Valid);
    let altered = altered_signing_time(&pss);
    assert_altered(&verify(&verifier, &altered, &at_t0()));
    let verdict = verify(
        &verifier,
        &unknown_digest_algorithm(&altered, SHA256_OID),
        &at_t0(),
    );
    assert_altered(&verdict);
    assert_eq!(checks(&verdict, "signature")[0].result, CheckResult::Fail);

    // Control: the rewrite alone leaves an intact PSS signature unsupported, not invalid.
    assert_unsupported(&verify(
        &verifier,
        &unknown_digest_algorithm(&pss, SHA256_OID),
        &at_t0(),
    ));
}

#[test]
fn unknown_digest_algorithm_does_not_hide_an_altered_gost_signature() {
    let verifier = gost_verifier();
    let tampered = fixture("gost/samples/individual-tampered.cms");
    assert_altered(&verify(&verifier, &tampered, &at_t0()));
    assert_altered(&verify(
        &verifier,
        &unknown_digest_algorithm(&tampered, NCA_STREEBOG512_OID),
        &at_t0(),
    ));

    let intact = fixture("gost/samples/individual-attached.cms");
    let altered = altered_signing_time(&intact);
    assert_altered(&verify(
        &verifier,
        &unknown_digest_algorithm(&altered, NCA_STREEBOG512_OID),
        &at_t0(),
    ));
    assert_unsupported(&verify(
        &verifier,
        &unknown_digest_algorithm(&intact, NCA_STREEBOG512_OID),
        &at_t0(),
    ));
}

// --- CONTRACT §4: an expected IIN/BIN and several signers ---------------------------------------

fn expecting(id: &str, options: VerifyOptions) -> VerifyOptions {
    VerifyOptions {
        expected_id: Some(id.parse::<IdNumber>().expect("a valid id")),
        ..options
    }
}

/// The identity checks as (signer index, result, certificate subject).
fn identity(verdict: &Verdict) -> Vec<(Option<usize>, CheckResult, String)> {
    checks(verdict, "identity")
        .iter()
        .map(|c| {
            (
                c.signer,
                c.result,
                c.certificate.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn expected_id_of_one_of_two_rsa_signers_matches() {
    let verifier = rsa_verifier();
    // individual-sign (IIN 880415300127) then head-sign (IIN 900102400138, BIN 050340001235).
    let cms = fixture("samples/two-signers.cms");
    for (id, who, surname) in [
        ("050340001235", 2, "БЕКОВ"),
        ("900102400138", 2, "БЕКОВ"),
        ("880415300127", 1, "АХМЕТОВА"),
    ] {
        let verdict = verify(&verifier, &cms, &expecting(id, at_t0()));
        assert_eq!(
            verdict.status,
            Status::Valid,
            "{id}: {}",
            describe(&verdict)
        );
        let found = identity(&verdict);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Some(who));
        assert_eq!(found[0].1, CheckResult::Pass);
        assert!(found[0].2.contains(surname), "{found:?}");
        assert!(verdict.signers.iter().all(|s| s.status == Status::Valid));
    }

    // An id neither carries: a mismatch for each signer.
    let verdict = verify(&verifier, &cms, &expecting("750712500237", at_t0()));
    assert_eq!(
        verdict.reason,
        Some(Reason::IdentityMismatch),
        "{}",
        describe(&verdict)
    );
    let found = identity(&verdict);
    assert_eq!(found.len(), 2);
    assert!(found
        .iter()
        .all(|(_, result, _)| *result == CheckResult::Fail));
}

#[test]
fn expected_id_must_be_carried_by_a_valid_signer() {
    let verifier = rsa_verifier();
    // individual-sign (valid) and revoked-sign (IIN 821114300340, revoked at T0).
    let cms = fixture("samples/two-signers-one-revoked.cms");
    let verdict = verify(&verifier, &cms, &expecting("821114300340", at_t0()));
    assert_eq!(verdict.status, Status::Invalid, "{}", describe(&verdict));
    // The only carrier is revoked: the valid signer's certificate does not carry the id.
    let found = identity(&verdict);
    assert!(
        found
            .iter()
            .any(|(who, result, _)| *who == Some(1) && *result == CheckResult::Fail),
        "{found:?}"
    );
    // Before the revocation date both are valid and the carrier matches.
    let before = expecting(
        "821114300340",
        at(parse_time("2026-02-01T00:00:00Z").unwrap()),
    );
    let verdict = verify(&verifier, &cms, &before);
    assert_eq!(verdict.status, Status::Valid, "{}", describe(&verdict));
    assert_eq!(identity(&verdict).len(), 1);
}

#[test]
fn expected_id_with_one_signer_still_decides() {
    let verifier = rsa_verifier();
    let cms = fixture("samples/individual-attached.cms");
    let ok = verify(&verifier, &cms, &expecting("880415300127", at_t0()));
    assert_eq!(ok.status, Status::Valid, "{}", describe(&ok));
    let wrong = verify(&verifier, &cms, &expecting("050340001235", at_t0()));
    assert_eq!(
        wrong.reason,
        Some(Reason::IdentityMismatch),
        "{}",
        describe(&wrong)
    );
    assert_eq!(wrong.signers[0].reason, Some(Reason::IdentityMismatch));
}

/// DER of rsaEncryption (1.2.840.113549.1.1.1), what OpenSSL writes as a PKCS#1 signatureAlgorithm.
const RSA_ENCRYPTION_OID: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];

/// Rewrites the SignerInfo's signatureAlgorithm — the AlgorithmIdentifier right before the
/// signature OCTET STRING — to an unknown OID of the same length (last arc 127).
fn unknown_signature_algorithm(cms: &[u8], oid: &[u8]) -> Vec<u8> {
    let mut out = cms.to_vec();
    let mut rewritten = 0;
    for at in find(cms, oid) {
        let end = at + oid.len();
        if cms[end..].starts_with(&[0x05, 0x00, 0x04]) && at >= 2 && cms[at - 2] == 0x30 {
            out[end - 1] = 0x7f;
            rewritten += 1;
        }
    }
    assert_eq!(rewritten, 1, "one SignerInfo signatureAlgorithm");
    out
}

#[test]
fn unknown_signature_algorithm_does_not_hide_altered_content() {
    let verifier = rsa_verifier();
    let tampered = fixture("samples/individual-tampered.cms");
    let rewritten = unknown_signature_algorithm(&tampered, RSA_ENCRYPTION_OID);
    assert_altered(&verify(&verifier, &rewritten, &at_t0()));
    // Both unsigned algorithm fields rewritten.
    let both = unknown_digest_algorithm(&rewritten, SHA256_OID);
    assert_altered(&verify(&verifier, &both, &at_t0()));

    let intact = fixture("samples/individual-attached.cms");
    let rewritten = unknown_signature_algorithm(&intact, RSA_ENCRYPTION_OID);
    assert_unsupported(&verify(&verifier, &rewritten, &at_t0()));
}
