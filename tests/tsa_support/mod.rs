//! Time-stamping for the tests: an in-process TSA with a controllable clock ([`TestTsa`]),
//! document signatures by any fixture certificate at a chosen time ([`sign_at`]), and loopback
//! HTTP TSAs backed by `openssl ts -reply` ([`spawn_openssl_tsa`]) or misbehaving on purpose
//! ([`spawn_tsa`]).
//!
//! Use with `mod tsa_support;`. The fixtures are those of `fixtures/pki/` (see
//! `fixtures/README.md`): `tsa` is the TSA, issued by nca-rsa.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use const_oid::ObjectIdentifier;
use der::asn1::{Int, OctetString, Uint};
use der::{Decode, Encode};
use qoltanba::sign::cms_builder::{SignInput, SignerTemplate};
use qoltanba::sign::SigningKey;
use qoltanba::timestamp::attach_token;
use qoltanba_core::input::{certificates_from_bytes, crls_from_bytes, InputLimits};
use qoltanba_core::timestamp::asn1::{Accuracy, GenTime, MessageImprint, TstInfo};
use qoltanba_core::timestamp::oid as ts_oid;
use qoltanba_core::Certificate;
use qoltanba_core::CrlSnapshot;
use qoltanba_core::Verifier;
use qoltanba_core::{CmsLimits, SignedMessage};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use time::macros::datetime;
use time::OffsetDateTime;

/// The reference validation time of the fixtures.
pub const T0: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);
/// The policy of the test TSAs (in-process and OpenSSL).
pub const TEST_POLICY: &str = "1.3.6.1.4.1.55555.3161.1";
/// A policy the OpenSSL TSA also accepts.
pub const OTHER_POLICY: &str = "1.3.6.1.4.1.55555.3161.2";
const SHA256_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// One of the two test PKIs of `fixtures/`: RSA/EC in `pki/` and `crl/`, GOST in `gost/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pki {
    RsaEc,
    Gost,
}

impl Pki {
    /// The directory of the certificates and `keys/`.
    fn pki_dir(self) -> &'static str {
        match self {
            Pki::RsaEc => "pki",
            Pki::Gost => "gost/pki",
        }
    }

    fn bundle(self, name: &str) -> String {
        match self {
            Pki::RsaEc => format!("pki/{name}"),
            Pki::Gost => format!("gost/{name}"),
        }
    }

    fn current_crls(self) -> &'static str {
        match self {
            Pki::RsaEc => "crl/all-current.pem",
            Pki::Gost => "gost/crl/all-current.pem",
        }
    }
}

/// `fixtures/pki/NAME.der`.
pub fn certificate(name: &str) -> Certificate {
    certificate_of(Pki::RsaEc, name)
}

fn certificate_of(pki: Pki, name: &str) -> Certificate {
    Certificate::from_der(&read(&format!("{}/{name}.der", pki.pki_dir())))
        .unwrap_or_else(|e| panic!("certificate {name}: {e}"))
}

/// `fixtures/pki/keys/NAME.key.pem` (unencrypted PKCS#8).
pub fn signing_key(name: &str) -> SigningKey {
    signing_key_of(Pki::RsaEc, name)
}

fn signing_key_of(pki: Pki, name: &str) -> SigningKey {
    let pem = String::from_utf8(read(&format!("{}/keys/{name}.key.pem", pki.pki_dir())))
        .expect("PEM text");
    let (label, der) = pem_rfc7468::decode_vec(pem.as_bytes()).expect("PEM key");
    assert_eq!(label, "PRIVATE KEY");
    SigningKey::from_pkcs8_der(&der).unwrap_or_else(|e| panic!("key {name}: {e}"))
}

/// The intermediates of the PKI's `intermediates.pem` that could have issued `cert` (by name).
fn issuers_of(pki: Pki, cert: &Certificate) -> Vec<Certificate> {
    let all = certificates_from_bytes(
        &read(&pki.bundle("intermediates.pem")),
        &InputLimits::default(),
    )
    .unwrap();
    all.iter()
        .filter(|c| c.subject.matches(&cert.issuer))
        .map(|c| (**c).clone())
        .collect()
}

/// A signer: a fixture certificate, its key and a template carrying its issuing intermediate.
pub struct FixtureSigner {
    pub certificate: Certificate,
    pub key: SigningKey,
    pub template: SignerTemplate,
}

impl FixtureSigner {
    pub fn load(name: &str) -> Self {
        Self::load_from(Pki::RsaEc, name)
    }

    pub fn load_from(pki: Pki, name: &str) -> Self {
        let certificate = certificate_of(pki, name);
        let key = signing_key_of(pki, name);
        assert!(key.matches(&certificate), "{name}: key and certificate");
        let chain = issuers_of(pki, &certificate);
        let chain: Vec<&Certificate> = chain.iter().collect();
        let template = SignerTemplate::new(&certificate, &chain, key.algorithm()).unwrap();
        FixtureSigner {
            certificate,
            key,
            template,
        }
    }

    pub fn sign(
        &self,
        content: &[u8],
        content_type: ObjectIdentifier,
        at: OffsetDateTime,
    ) -> Vec<u8> {
        let input = SignInput {
            content,
            detached: false,
            signing_time: at,
            content_type,
        };
        self.template.sign(&self.key, &input).expect("sign")
    }
}

/// An attached CMS signature of `content` by the fixture certificate `cert_name` (any of
/// `fixtures/pki/`), with signingTime `signing_time`.
pub fn sign_at(cert_name: &str, content: &[u8], signing_time: OffsetDateTime) -> Vec<u8> {
    FixtureSigner::load(cert_name).sign(content, qoltanba_core::oid::cms::DATA, signing_time)
}

/// The `signature` OCTET STRING contents of signer `index` of a CMS.
pub fn signature_value(cms_der: &[u8], index: usize) -> Vec<u8> {
    SignedMessage::from_der(cms_der, CmsLimits::default())
        .expect("CMS")
        .signers[index]
        .signature
        .clone()
}

fn positive_int(value: u64) -> Int {
    Int::from_der(&Uint::new(&value.to_be_bytes()).unwrap().to_der().unwrap()).unwrap()
}

/// What goes into a token besides the time.
#[derive(Clone, Debug)]
pub struct TokenSpec {
    pub hash_algorithm: ObjectIdentifier,
    pub imprint: Vec<u8>,
    pub nonce: Option<u64>,
    pub policy: ObjectIdentifier,
}

impl TokenSpec {
    /// SHA-256 of `signature_value`, no nonce, [`TEST_POLICY`].
    pub fn for_signature(signature_value: &[u8]) -> Self {
        TokenSpec {
            hash_algorithm: SHA256_OID,
            imprint: Sha256::digest(signature_value).to_vec(),
            nonce: None,
            policy: ObjectIdentifier::new_unwrap(TEST_POLICY),
        }
    }
}

/// An in-process TSA whose clock the test sets: each token states the `gen_time` it is given.
pub struct TestTsa {
    signer: FixtureSigner,
    serial: AtomicU64,
}

impl TestTsa {
    /// The fixture TSA (`pki/tsa.pem`, issued by nca-rsa).
    pub fn load() -> Self {
        Self::load_as("tsa")
    }

    /// Any fixture certificate acting as a TSA (for the negative tests).
    pub fn load_as(cert_name: &str) -> Self {
        Self::load_from(Pki::RsaEc, cert_name)
    }

    /// A certificate of either test PKI acting as a TSA (`gost/pki/tsa` is the GOST TSA).
    pub fn load_from(pki: Pki, cert_name: &str) -> Self {
        TestTsa {
            signer: FixtureSigner::load_from(pki, cert_name),
            serial: AtomicU64::new(1),
        }
    }

    pub fn certificate(&self) -> &Certificate {
        &self.signer.certificate
    }

    /// A token (DER ContentInfo) time-stamping `signature_value` at `gen_time`.
    pub fn token_for(&self, signature_value: &[u8], gen_time: OffsetDateTime) -> Vec<u8> {
        self.token_with(&TokenSpec::for_signature(signature_value), gen_time)
    }

    /// The DER `TSTInfo` of a token.
    pub fn tst_info(&self, spec: &TokenSpec, gen_time: OffsetDateTime) -> Vec<u8> {
        let info = TstInfo {
            version: 1,
            policy: spec.policy,
            message_imprint: MessageImprint {
                hash_algorithm: AlgorithmIdentifierOwned {
                    oid: spec.hash_algorithm,
                    parameters: None,
                },
                hashed_message: OctetString::new(spec.imprint.clone()).unwrap(),
            },
            serial_number: positive_int(self.serial.fetch_add(1, Ordering::Relaxed)),
            gen_time: GenTime(gen_time),
            accuracy: Some(Accuracy {
                seconds: Some(1),
                millis: None,
                micros: None,
            }),
            ordering: false,
            nonce: spec.nonce.map(positive_int),
            tsa: None,
            extensions: None,
        };
        info.to_der().unwrap()
    }

    /// A token with everything chosen by the test.
    pub fn token_with(&self, spec: &TokenSpec, gen_time: OffsetDateTime) -> Vec<u8> {
        let tst_info = self.tst_info(spec, gen_time);
        self.signer.sign(&tst_info, ts_oid::TST_INFO, gen_time)
    }

    /// `cms_der` with a token over its first signer's signature at `gen_time` attached.
    pub fn stamp(&self, cms_der: &[u8], gen_time: OffsetDateTime) -> Vec<u8> {
        let spec = TokenSpec::for_signature(&signature_value(cms_der, 0));
        self.stamp_with(cms_der, &spec, gen_time)
    }

    /// `cms_der` with a token made to `spec` attached to its first signer.
    pub fn stamp_with(
        &self,
        cms_der: &[u8],
        spec: &TokenSpec,
        gen_time: OffsetDateTime,
    ) -> Vec<u8> {
        let token = self.token_with(spec, gen_time);
        attach_token(cms_der, 0, &token).expect("attach the token")
    }
}

/// The verifier of the fixtures: root trusted, intermediates configured, the current CRLs.
pub fn verifier() -> Verifier {
    verifier_of(&[Pki::RsaEc])
}

/// A verifier trusting the roots of `pkis`, with their intermediates and current CRLs.
pub fn verifier_of(pkis: &[Pki]) -> Verifier {
    verifier_with(pkis, &[])
}

/// [`verifier_of`] with more CRLs: `extra_crls` are fixture paths (`crl/NAME.pem`).
pub fn verifier_with(pkis: &[Pki], extra_crls: &[&str]) -> Verifier {
    let limits = InputLimits::default();
    let (mut anchors, mut intermediates, mut crls) = (Vec::new(), Vec::new(), Vec::new());
    for &pki in pkis {
        anchors.extend(certificates_from_bytes(&read(&pki.bundle("trust.pem")), &limits).unwrap());
        intermediates.extend(
            certificates_from_bytes(&read(&pki.bundle("intermediates.pem")), &limits).unwrap(),
        );
        crls.extend(crls_from_bytes(&read(pki.current_crls()), &limits).unwrap());
    }
    for extra in extra_crls {
        crls.extend(crls_from_bytes(&read(extra), &limits).unwrap());
    }
    let crls = CrlSnapshot::new(crls);
    Verifier::new(anchors, intermediates, crls).unwrap()
}

/// A `ts.cnf` for `openssl ts -reply` in `dir`, with a serial file. `digests` are the imprint
/// algorithms the TSA accepts; `ess_hash` is `sha1` (ESS signingCertificate, RFC 2634) or
/// `sha256` (signingCertificateV2, RFC 5816).
fn write_openssl_config(dir: &Path, digests: &str, ess_hash: &str) -> PathBuf {
    std::fs::write(dir.join("tsaserial"), "01\n").unwrap();
    let config = format!(
        "[ tsa ]\n\
         default_tsa = tsa_config\n\
         [ tsa_config ]\n\
         serial = {serial}\n\
         crypto_device = builtin\n\
         signer_digest = sha256\n\
         default_policy = {TEST_POLICY}\n\
         other_policies = {OTHER_POLICY}\n\
         digests = {digests}\n\
         accuracy = secs:1, millisecs:500, microsecs:100\n\
         clock_precision_digits = 0\n\
         ordering = no\n\
         tsa_name = yes\n\
         ess_cert_id_chain = no\n\
         ess_cert_id_alg = {ess_hash}\n",
        serial = dir.join("tsaserial").display(),
    );
    let path = dir.join("ts.cnf");
    std::fs::write(&path, config).unwrap();
    path
}

/// `openssl ts -reply` to `query` (DER TimeStampReq) by the fixture TSA with the given config.
fn openssl_reply_with(config: &Path, work: &Path, query: &[u8]) -> Result<Vec<u8>, String> {
    let query_file = work.join(format!("query-{}.tsq", std::process::id()));
    let reply_file = work.join(format!("reply-{}.tsr", std::process::id()));
    std::fs::write(&query_file, query).map_err(|e| e.to_string())?;
    let out = Command::new("openssl")
        .args(["ts", "-reply", "-config"])
        .arg(config)
        .arg("-queryfile")
        .arg(&query_file)
        .arg("-signer")
        .arg(fixture("pki/tsa.pem"))
        .arg("-inkey")
        .arg(fixture("pki/keys/tsa.key.pem"))
        .arg("-chain")
        .arg(fixture("pki/nca-rsa.pem"))
        .arg("-out")
        .arg(&reply_file)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    std::fs::read(&reply_file).map_err(|e| e.to_string())
}

/// One `openssl ts -reply` (a fresh configuration in a temporary directory): the DER
/// TimeStampResp to `query`. Its token names the TSA certificate in an ESS signingCertificate
/// (SHA-1) attribute; the loopback TSAs of [`spawn_tsa`] use signingCertificateV2 (SHA-256).
pub fn openssl_reply(query: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let config = write_openssl_config(dir.path(), "sha256, sha384, sha512", "sha1");
    openssl_reply_with(&config, dir.path(), query).expect("openssl ts -reply")
}

/// How a loopback TSA behaves.
#[derive(Clone, Debug)]
pub enum TsaBehaviour {
    /// `openssl ts -reply` with the fixture TSA.
    OpenSsl,
    /// `openssl ts -reply` by a TSA that accepts SHA-512 imprints only: every request of
    /// `TsaClient` (SHA-256) is answered with status rejection, failInfo badAlg.
    OpenSslRejecting,
    /// HTTP 404.
    NotFound,
    /// HTTP 200, `application/timestamp-reply`, a body that is not DER.
    Garbage,
    /// A proper answer, but only after this delay.
    Slow(Duration),
}

/// Stops the loopback TSA when dropped.
pub struct TsaGuard {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl TsaGuard {
    /// The request bodies received so far.
    pub fn requests(&self) -> Vec<Vec<u8>> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for TsaGuard {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

struct TsaState {
    behaviour: TsaBehaviour,
    config: PathBuf,
    work: PathBuf,
    /// One `openssl ts -reply` at a time: they share the serial file.
    openssl: Mutex<()>,
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
}

async fn tsa_handler(
    axum::extract::State(state): axum::extract::State<Arc<TsaState>>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    state.requests.lock().unwrap().push(body.to_vec());
    let reply = |bytes: Vec<u8>| {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/timestamp-reply")],
            bytes,
        )
            .into_response()
    };
    match &state.behaviour {
        TsaBehaviour::NotFound => (StatusCode::NOT_FOUND, "no TSA here").into_response(),
        TsaBehaviour::Garbage => reply(b"<html>this is not a time-stamp response</html>".to_vec()),
        behaviour => {
            if let TsaBehaviour::Slow(delay) = behaviour {
                tokio::time::sleep(*delay).await;
            }
            let state = state.clone();
            let answer = tokio::task::spawn_blocking(move || {
                let _one = state.openssl.lock().unwrap();
                openssl_reply_with(&state.config, &state.work, &body)
            })
            .await
            .expect("openssl task");
            match answer {
                Ok(bytes) => reply(bytes),
                Err(why) => (StatusCode::INTERNAL_SERVER_ERROR, why).into_response(),
            }
        }
    }
}

/// A loopback TSA (`http://127.0.0.1:PORT/tsa`) behaving as told. Needs a tokio runtime.
pub async fn spawn_tsa(behaviour: TsaBehaviour) -> (String, TsaGuard) {
    let dir = tempfile::tempdir().unwrap();
    let digests = match behaviour {
        TsaBehaviour::OpenSslRejecting => "sha512",
        _ => "sha256, sha384, sha512",
    };
    let config = write_openssl_config(dir.path(), digests, "sha256");
    let requests = Arc::new(Mutex::new(Vec::new()));
    let state = Arc::new(TsaState {
        behaviour,
        config,
        work: dir.path().to_owned(),
        openssl: Mutex::new(()),
        requests: requests.clone(),
    });
    let app = axum::Router::new()
        .route("/tsa", axum::routing::post(tsa_handler))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the TSA");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    (
        format!("http://{addr}/tsa"),
        TsaGuard {
            shutdown: Some(tx),
            _dir: dir,
            requests,
        },
    )
}

/// A loopback TSA answering with `openssl ts -reply` by the fixture TSA.
pub async fn spawn_openssl_tsa() -> (String, TsaGuard) {
    spawn_tsa(TsaBehaviour::OpenSsl).await
}

/// Is the openssl CLI available?
pub fn have_openssl() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `cms_der` (one signer) with `token` as its only unsigned attribute, whatever the token is:
/// re-encoded with the `cms` crate's types, as a forger would ([`attach_token`] refuses a token
/// that does not time-stamp the signature).
pub fn attach_unchecked(cms_der: &[u8], token: &[u8]) -> Vec<u8> {
    use cms::content_info::ContentInfo;
    use cms::signed_data::{SignedData, SignerInfos};
    let info = ContentInfo::from_der(cms_der).unwrap();
    let mut sd: SignedData = info.content.decode_as().unwrap();
    let mut infos: Vec<_> = sd.signer_infos.0.into_vec();
    assert_eq!(infos.len(), 1, "attach_unchecked takes a one-signer CMS");
    let attr = x509_cert::attr::Attribute {
        oid: ts_oid::SIGNATURE_TIME_STAMP_TOKEN,
        values: der::asn1::SetOfVec::try_from(vec![der::Any::from_der(token).unwrap()]).unwrap(),
    };
    infos[0].unsigned_attrs = Some(der::asn1::SetOfVec::try_from(vec![attr]).unwrap());
    sd.signer_infos = SignerInfos(der::asn1::SetOfVec::try_from(infos).unwrap());
    ContentInfo {
        content_type: info.content_type,
        content: der::Any::encode_from(&sd).unwrap(),
    }
    .to_der()
    .unwrap()
}
