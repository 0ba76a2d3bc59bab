//! Helpers of the `sign_*` tests: officer configurations over the fixtures of
//! `fixtures/officers/`, runs of the real binary, and the two verifiers (`qoltanba verify` and
//! `openssl cms -verify`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The password of every keystore in fixtures/officers/ (see its README).
pub const PASSWORD: &str = "Qoltanba-Officer#7319";
/// The environment variable the test configurations name for the password.
pub const PASSWORD_ENV: &str = "OFFICER_TEST_PASSWORD";

pub const DALA_MURA_BIN: &str = "050340001235";
pub const ZHOLDARY_BIN: &str = "040340001233";

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// Which CRLs a configuration lists.
#[derive(Clone, Copy, Debug)]
pub enum Crls {
    /// crl/all-current.pem.
    Current,
    /// None at all: nothing proves the officer's certificate is not revoked.
    None,
    /// Only a stale CRL of nca-rsa (nextUpdate 2025-02-01) and the root's.
    Stale,
}

/// One `[[officers]]` entry.
#[derive(Clone, Debug)]
pub struct OfficerSpec {
    pub id: String,
    /// Relative to fixtures/, or absolute.
    pub keystore: String,
    pub certificate: Option<String>,
    pub provider_bin: String,
    pub allowed_roles: Option<Vec<String>>,
    /// `password_file` instead of `password_env`.
    pub password_file: Option<PathBuf>,
}

impl OfficerSpec {
    pub fn new(id: &str, keystore: &str, provider_bin: &str) -> Self {
        OfficerSpec {
            id: id.into(),
            keystore: keystore.into(),
            certificate: None,
            provider_bin: provider_bin.into(),
            allowed_roles: None,
            password_file: None,
        }
    }

    pub fn certificate(mut self, rel: &str) -> Self {
        self.certificate = Some(rel.into());
        self
    }

    pub fn roles(mut self, roles: &[&str]) -> Self {
        self.allowed_roles = Some(roles.iter().map(|r| r.to_string()).collect());
        self
    }

    pub fn password_file(mut self, path: PathBuf) -> Self {
        self.password_file = Some(path);
        self
    }

    fn toml(&self) -> String {
        let path = |p: &str| {
            let p = if Path::new(p).is_absolute() {
                PathBuf::from(p)
            } else {
                fixture(p)
            };
            toml_string(&p.display().to_string())
        };
        let mut s = format!(
            "[[officers]]\nid = {}\nkeystore = {}\nprovider_name = \"ТОО \\\"ДАЛА МҰРА\\\"\"\nprovider_bin = {}\n",
            toml_string(&self.id),
            path(&self.keystore),
            toml_string(&self.provider_bin)
        );
        match &self.password_file {
            Some(f) => s.push_str(&format!(
                "password_file = {}\n",
                toml_string(&f.display().to_string())
            )),
            None => s.push_str(&format!("password_env = \"{PASSWORD_ENV}\"\n")),
        }
        if let Some(c) = &self.certificate {
            s.push_str(&format!("certificate = {}\n", path(c)));
        }
        if let Some(roles) = &self.allowed_roles {
            let list: Vec<String> = roles.iter().map(|r| toml_string(r)).collect();
            s.push_str(&format!("allowed_roles = [{}]\n", list.join(", ")));
        }
        s
    }
}

pub fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// The `[trust]` and `[crl]` sections over the fixtures.
pub fn pki_toml(crls: Crls) -> String {
    let paths: Vec<PathBuf> = match crls {
        Crls::Current => vec![fixture("crl/all-current.pem")],
        Crls::None => vec![],
        Crls::Stale => vec![fixture("crl/nca-rsa-stale.crl"), fixture("crl/root.crl")],
    };
    let list: Vec<String> = paths
        .iter()
        .map(|p| toml_string(&p.display().to_string()))
        .collect();
    format!(
        "[trust]\nanchors = [{}]\nintermediates = [{}]\n\n[crl]\npaths = [{}]\n\n",
        toml_string(&fixture("pki/trust.pem").display().to_string()),
        toml_string(&fixture("pki/intermediates.pem").display().to_string()),
        list.join(", ")
    )
}

/// Writes a configuration file with these officers into `dir`.
pub fn write_config(dir: &Path, crls: Crls, officers: &[OfficerSpec]) -> PathBuf {
    let mut text = pki_toml(crls);
    let archive = format!("sqlite://{}", dir.join("archive.sqlite").display());
    text.push_str(&format!("[archive]\nurl = {}\n\n", toml_string(&archive)));
    for o in officers {
        text.push_str(&o.toml());
        text.push('\n');
    }
    let path = dir.join("qoltanba.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `qoltanba sign` with the password in [`PASSWORD_ENV`] (unless `env` sets it otherwise).
pub fn sign(
    config: &Path,
    officer: &str,
    input: &Path,
    output: &Path,
    extra: &[&str],
    env: &[(&str, Option<&str>)],
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qoltanba"));
    cmd.arg("sign")
        .arg("--config")
        .arg(config)
        .args(["--officer", officer])
        .arg("--in")
        .arg(input)
        .arg("--out")
        .arg(output)
        .args(extra)
        .env(PASSWORD_ENV, PASSWORD)
        .env_remove("QOLTANBA_CONFIG")
        .env_remove("RUST_LOG");
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.output().expect("qoltanba runs")
}

pub fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

pub fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `qoltanba verify --json` of a signature (with its content when detached).
pub fn qoltanba_verify(signature: &Path, data: Option<&Path>) -> (i32, Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qoltanba"));
    cmd.arg("verify").arg(signature);
    if let Some(d) = data {
        cmd.arg("--data").arg(d);
    }
    cmd.arg("--trust")
        .arg(fixture("pki/trust.pem"))
        .arg("--crl")
        .arg(fixture("crl/all-current.pem"))
        .arg("--json");
    let out = cmd.output().expect("qoltanba verify runs");
    (out.status.code().unwrap_or(-1), stdout_json(&out))
}

/// `openssl cms -verify` with root + intermediates + PEM CRLs in `-CAfile`, every CRL checked.
pub fn openssl_verify(dir: &Path, signature: &Path, data: Option<&Path>) -> Output {
    let ca = dir.join("openssl-ca.pem");
    if !ca.exists() {
        let mut bundle = read("pki/trust.pem");
        bundle.extend(read("pki/intermediates.pem"));
        bundle.extend(read("crl/all-current.pem"));
        std::fs::write(&ca, bundle).unwrap();
    }
    let mut cmd = Command::new("openssl");
    cmd.args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
        .arg(signature)
        .arg("-CAfile")
        .arg(&ca)
        .args(["-crl_check_all", "-purpose", "any", "-out"])
        .arg(dir.join("openssl-content.out"));
    if let Some(d) = data {
        cmd.arg("-content").arg(d);
    }
    cmd.output().expect("openssl runs")
}
