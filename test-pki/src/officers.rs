//! fixtures/officers/: the keystores of the officers who sign issued results (`qoltanba sign`).
//!
//! Made from the certificates and keys already in `fixtures/pki/` (so the rest of the fixtures
//! stay as they are), by the `openssl` command line tool: PKCS#12 files in the modern encoding
//! (PBES2, PBKDF2 with HMAC-SHA-256, AES-256-CBC, SHA-256 MAC: the default of OpenSSL 3) and in the
//! legacy one (`-legacy`: certificates under RC2-40, the key under 3DES, SHA-1 MAC, as older NCA
//! tools wrote them), encrypted PKCS#8 PEM (`openssl pkcs8 -topk8 -v2 aes-256-cbc`), and damaged
//! keystores. One certificate is issued here as well: `staff-sign`, an employee of ТОО "ДАЛА МҰРА"
//! without signing right, by nca-rsa's existing key.
//!
//! Usage: `cargo run -p test-pki --release -- officers fixtures`

use std::fs;
use std::path::Path;
use std::process::Command;

use der::{Decode, Encode};

use crate::certs::{self, CertSpec, Role, Usage};
use crate::keys::{Key, KeyAlgo};
use crate::names::Subject;
use crate::Result;

/// The password of every keystore here. Test keys only: it is public.
pub const PASSWORD: &str = "Qoltanba-Officer#7319";

/// Serial of the one certificate issued here (outside the 0x1001.. range of `certs::specs()`).
const STAFF_SERIAL: u64 = 0x2001;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// OpenSSL 3 default: PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC, HMAC-SHA256 MAC.
    Modern,
    /// `-legacy`: pbeWithSHA1And40BitRC2-CBC (certificates), pbeWithSHA1And3-KeyTripleDES-CBC
    /// (key), HMAC-SHA1 MAC.
    Legacy,
}

struct Keystore {
    /// Certificate (and key) name in `fixtures/pki/` (or `officers/` for staff-sign).
    name: &'static str,
    /// The issuing intermediate put in the keystore with the officer's certificate.
    issuer: &'static str,
    encodings: &'static [Encoding],
    story: &'static str,
}

const BOTH: &[Encoding] = &[Encoding::Modern, Encoding::Legacy];
const MODERN: &[Encoding] = &[Encoding::Modern];

const KEYSTORES: &[Keystore] = &[
    Keystore {
        name: "head-sign",
        issuer: "nca-rsa",
        encodings: BOTH,
        story: "first head of ТОО \"ДАЛА МҰРА\" (BIN 050340001235), RSA-2048: may sign",
    },
    Keystore {
        name: "employee-sign",
        issuer: "nca-rsa",
        encodings: BOTH,
        story: "employee with signing right of ТОО \"ДАЛА МҰРА\", RSA-2048: may sign",
    },
    Keystore {
        name: "ec-head-sign",
        issuer: "nca-ec",
        encodings: BOTH,
        story: "first head of АҚ \"ҚАЗАҚ ЖОЛДАРЫ\" (BIN 040340001233), ECDSA P-256: may sign for that BIN",
    },
    Keystore {
        name: "staff-sign",
        issuer: "nca-rsa",
        encodings: MODERN,
        story: "employee of ТОО \"ДАЛА МҰРА\" without signing right (role employee): role_not_allowed",
    },
    Keystore {
        name: "individual-auth",
        issuer: "nca-rsa",
        encodings: MODERN,
        story: "AUTH key (no nonRepudiation): key_usage_not_signing",
    },
    Keystore {
        name: "revoked-sign",
        issuer: "nca-rsa",
        encodings: MODERN,
        story: "revoked since 2026-03-01 in nca-rsa.crl: cert_revoked",
    },
    Keystore {
        name: "expired-sign",
        issuer: "nca-rsa",
        encodings: MODERN,
        story: "expired 2025-06-01: cert_expired",
    },
    Keystore {
        name: "future-sign",
        issuer: "nca-rsa",
        encodings: MODERN,
        story: "valid from 2030-01-01: cert_not_yet_valid",
    },
];

/// Encrypted PKCS#8 PEM keys (the certificate is the matching `pki/NAME.pem`).
const PKCS8_KEYS: &[&str] = &["head-sign", "ec-head-sign"];

fn file_name(name: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Modern => format!("{name}.p12"),
        Encoding::Legacy => format!("{name}.legacy.p12"),
    }
}

/// Writes `fixtures/officers/` from the certificates and keys in `fixtures/pki/`.
pub fn generate(fixtures: &Path) -> Result<()> {
    let pki_dir = fixtures.join("pki");
    let dir = fixtures.join("officers");
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::create_dir_all(dir.join("keys"))?;

    eprintln!("officers:");
    issue_staff(&pki_dir, &dir)?;

    for ks in KEYSTORES {
        let (cert, key) = if ks.name == "staff-sign" {
            (
                dir.join("staff-sign.pem"),
                dir.join("keys/staff-sign.key.pem"),
            )
        } else {
            (
                pki_dir.join(format!("{}.pem", ks.name)),
                pki_dir.join(format!("keys/{}.key.pem", ks.name)),
            )
        };
        for &encoding in ks.encodings {
            let out = dir.join(file_name(ks.name, encoding));
            eprintln!("  {}", out.display());
            let mut cmd = Command::new("openssl");
            cmd.args(["pkcs12", "-export"]);
            if encoding == Encoding::Legacy {
                cmd.arg("-legacy");
            }
            cmd.arg("-inkey").arg(&key);
            cmd.arg("-in").arg(&cert);
            cmd.arg("-certfile")
                .arg(pki_dir.join(format!("{}.pem", ks.issuer)));
            cmd.args(["-name", ks.name]);
            cmd.arg("-passout").arg(format!("pass:{PASSWORD}"));
            cmd.arg("-out").arg(&out);
            run(&mut cmd)?;
            check_p12(&out, encoding)?;
        }
    }

    for name in PKCS8_KEYS {
        let out = dir.join(format!("{name}.key.enc.pem"));
        eprintln!("  {}", out.display());
        let mut cmd = Command::new("openssl");
        cmd.args([
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-v2prf",
            "hmacWithSHA256",
        ]);
        cmd.arg("-in")
            .arg(pki_dir.join(format!("keys/{name}.key.pem")));
        cmd.arg("-passout").arg(format!("pass:{PASSWORD}"));
        cmd.arg("-out").arg(&out);
        run(&mut cmd)?;
        let text = fs::read_to_string(&out)?;
        if !text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(format!("{}: not an encrypted PKCS#8 PEM", out.display()).into());
        }
    }

    // Damaged keystores, from head-sign.p12.
    let good = fs::read(dir.join("head-sign.p12"))?;
    // Cut at two thirds: the DER structure ends early.
    fs::write(dir.join("truncated.p12"), &good[..good.len() * 2 / 3])?;
    // One byte of the encrypted content flipped: the structure reads, the integrity MAC fails.
    let mut tampered = good.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x5a;
    fs::write(dir.join("tampered.p12"), &tampered)?;
    // Not a keystore at all.
    fs::write(
        dir.join("not-a-keystore.p12"),
        b"this file is not a PKCS#12 keystore\n",
    )?;

    fs::write(dir.join("password.txt"), format!("{PASSWORD}\n"))?;
    fs::write(dir.join("README.md"), readme())?;
    eprintln!("done: {}", dir.display());
    Ok(())
}

/// Issues `staff-sign` with nca-rsa's existing key: an employee of ТОО "ДАЛА МҰРА" whose roles
/// are legal-entity employee and plain employee (1.2.398.3.3.4.1.2.5), no signing right.
fn issue_staff(pki_dir: &Path, dir: &Path) -> Result<()> {
    let issuer_spec = certs::specs()
        .into_iter()
        .find(|s| s.name == "nca-rsa")
        .ok_or("no nca-rsa in the certificate table")?;
    let issuer_key = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(
        &fs::read_to_string(pki_dir.join("keys/nca-rsa.key.pem"))?,
        &rcgen::PKCS_RSA_SHA256,
    )?;
    // The issuer's name and key identifier come from the same specification and key as when
    // nca-rsa was issued, so they are the ones in fixtures/pki/nca-rsa.pem (checked below).
    let issuer_params = certs::params_for(&issuer_spec, 0x1002, &issuer_key)?;
    let issuer = rcgen::Issuer::from_params(&issuer_params, &issuer_key);

    let spec = staff_spec();
    spec.subject.check()?;
    let key = Key::generate(spec.algo)?;
    let key_pair = key.rcgen_key_pair()?;
    let params = certs::params_for(&spec, STAFF_SERIAL, &key_pair)?;
    let cert = params.signed_by(&key_pair, &issuer)?;

    let der = cert.der().to_vec();
    let parsed = x509_cert::Certificate::from_der(&der)?;
    let nca_rsa = x509_cert::Certificate::from_der(&fs::read(pki_dir.join("nca-rsa.der"))?)?;
    if parsed.tbs_certificate.issuer.to_der()? != nca_rsa.tbs_certificate.subject.to_der()? {
        return Err("staff-sign: issuer name differs from nca-rsa's subject".into());
    }
    fs::write(dir.join("staff-sign.pem"), cert.pem())?;
    fs::write(dir.join("staff-sign.der"), &der)?;
    fs::write(dir.join("keys/staff-sign.key.pem"), key.pkcs8_pem())?;

    // The signature must verify with nca-rsa's key (the same check any verifier makes).
    let mut cmd = Command::new("openssl");
    cmd.arg("verify")
        .arg("-CAfile")
        .arg(pki_dir.join("trust.pem"));
    cmd.arg("-untrusted").arg(pki_dir.join("nca-rsa.pem"));
    cmd.arg(dir.join("staff-sign.pem"));
    run(&mut cmd)?;
    eprintln!("  staff-sign issued by nca-rsa (serial 0x{STAFF_SERIAL:X})");
    Ok(())
}

fn staff_spec() -> CertSpec {
    CertSpec {
        name: "staff-sign",
        issuer: "nca-rsa",
        algo: KeyAlgo::Rsa(2048),
        subject: Subject::legal(
            "ЖАНДОСОВА ТОМИРИС",
            "920701401235",
            "ТОО \"ДАЛА МҰРА\"",
            "050340001235",
        ),
        usage: Usage::Sign,
        roles: vec![Role::LegalEntity, Role::Employee],
        not_before: crate::times::EE_FROM,
        not_after: crate::times::EE_TO,
        path_len: None,
    }
}

/// Reads a PKCS#12 file back with openssl and checks the encryption it was written with.
fn check_p12(path: &Path, encoding: Encoding) -> Result<()> {
    let mut cmd = Command::new("openssl");
    cmd.args(["pkcs12", "-info", "-noout"]);
    if encoding == Encoding::Legacy {
        cmd.arg("-legacy");
    }
    cmd.arg("-in").arg(path);
    cmd.arg("-passin").arg(format!("pass:{PASSWORD}"));
    let out = cmd.output()?;
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let expected = match encoding {
        Encoding::Modern => "AES-256-CBC",
        Encoding::Legacy => "pbeWithSHA1And3-KeyTripleDES-CBC",
    };
    if !out.status.success() || !text.contains(expected) {
        return Err(format!("{}: expected {expected}: {text}", path.display()).into());
    }
    Ok(())
}

fn run(cmd: &mut Command) -> Result<()> {
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(())
}

fn readme() -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"# Officer keystores

Keystores of the officers who sign issued results with `qoltanba sign` and
`POST /v1/sign` (tests/sign_*.rs). Generated from the certificates and keys of
`../pki/` by

```sh
cargo run -p test-pki --release -- officers fixtures
```

which rewrites only this directory (a full `cargo run -p test-pki --release --
fixtures` rewrites it too, after the new keys). Test keys: public, never for
real use.

**Password of every keystore and encrypted key: `{PASSWORD}`** (also in
`password.txt`, with a final newline, for `password_file`).

Each PKCS#12 holds the officer's key, certificate and issuing intermediate
(never the root), under the friendly name of the certificate. Encodings:

- `NAME.p12`: OpenSSL 3 default: PBES2 (PBKDF2 with HMAC-SHA-256,
  AES-256-CBC) for the key and certificates, HMAC-SHA-256 MAC;
- `NAME.legacy.p12`: `openssl pkcs12 -export -legacy`: certificates under
  pbeWithSHA1And40BitRC2-CBC, the key under pbeWithSHA1And3-KeyTripleDES-CBC,
  HMAC-SHA-1 MAC.

| file | certificate | for the signing tests |
| --- | --- | --- |
"#
    );
    for ks in KEYSTORES {
        for &e in ks.encodings {
            let cert = if ks.name == "staff-sign" {
                "staff-sign.pem".to_string()
            } else {
                format!("../pki/{}.pem", ks.name)
            };
            let _ = writeln!(
                s,
                "| `{}` | `{cert}` | {} |",
                file_name(ks.name, e),
                ks.story
            );
        }
    }
    for name in PKCS8_KEYS {
        let _ = writeln!(
            s,
            "| `{name}.key.enc.pem` | `../pki/{name}.pem` | the same key as encrypted PKCS#8 PEM (`openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256`) |"
        );
    }
    let _ = write!(
        s,
        r#"| `truncated.p12` | - | `head-sign.p12` cut at two thirds: not a readable keystore |
| `tampered.p12` | - | `head-sign.p12` with one byte of the middle flipped: the integrity check (MAC) fails, as with a wrong password |
| `not-a-keystore.p12` | - | a line of text |

`staff-sign.pem`/`.der` (serial 0x{STAFF_SERIAL:X}, key `keys/staff-sign.key.pem`) is issued
here by nca-rsa's key in `../pki/keys/`: CN=ЖАНДОСОВА ТОМИРИС, IIN 920701401235,
O=ТОО "ДАЛА МҰРА", OU=BIN050340001235, keyUsage digitalSignature +
nonRepudiation, EKU emailProtection + 1.2.398.3.3.4.1.2 (legal-entity employee) +
1.2.398.3.3.4.1.2.5 (employee), valid 2025-01-01 .. 2028-01-01, on no CRL. Its
chain, validity, revocation and key usage are fine: only its role lacks the
right to sign for the entity.
"#
    );
    s
}
