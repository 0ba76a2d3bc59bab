//! Verdict messages in Kazakh, Russian and English: `Accept-Language` on `/v1/verify` and
//! `/v1/certificates/verify`, `--lang` on the command line. The reason codes and statuses do
//! not change; English stays the default.

mod serve_support;

use serde_json::{json, Value};
use serve_support::*;

/// The page's sentence `key` in `lang` (web/i18n.json is the one source of them).
fn sentence(lang: &str, key: &str) -> String {
    let texts: Value = serde_json::from_str(include_str!("../web/i18n.json")).unwrap();
    texts[lang][key].as_str().unwrap().to_owned()
}

async fn verify_in(
    server: &qoltanba::serve::RunningServer,
    path: &str,
    body: Value,
    lang: Option<&str>,
) -> Answer {
    let mut request = client()
        .post(url(server, path))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(lang) = lang {
        request = request.header("accept-language", lang);
    }
    answer(request.send().await.unwrap()).await
}

#[tokio::test]
async fn the_message_follows_accept_language_and_the_codes_do_not() {
    let server = start(config(&["crl/all-current.pem"], &[])).await;
    let revoked = json!({ "signature": b64(&read("samples/revoked.cms")) });
    for (header, lang) in [
        (Some("kk-KZ,kk;q=0.9,ru;q=0.8"), "kk"),
        (Some("ru"), "ru"),
        (Some("de, en;q=0.5"), "en"),
        (None, "en"),
    ] {
        let a = verify_in(&server, "/v1/verify", revoked.clone(), header).await;
        assert_eq!(a.verdict(), ("invalid", Some("cert_revoked")), "{}", a.text);
        let message = a.json["message"].as_str().unwrap();
        if lang == "en" {
            assert!(
                message.starts_with("A certificate was revoked"),
                "{message}"
            );
        } else {
            let expected = sentence(lang, "reason_cert_revoked");
            assert!(message.starts_with(&expected), "{lang}: {message}");
            // The technical detail follows: the revocation date and reason.
            assert!(message.contains("keyCompromise"), "{lang}: {message}");
        }
    }
    let cert = json!({ "certificate": b64(&read("pki/individual-sign.der")) });
    let a = verify_in(&server, "/v1/certificates/verify", cert, Some("kk")).await;
    assert_eq!(a.verdict(), ("valid", None), "{}", a.text);
    assert_eq!(
        a.json["message"].as_str().unwrap(),
        sentence("kk", "verdict_valid_certificate")
    );
}

#[test]
fn the_command_line_speaks_the_language_asked() {
    let run = |lang: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
            .arg("verify")
            .arg(fixture("samples/revoked.cms"))
            .args(["--trust"])
            .arg(fixture("pki/trust.pem"))
            .args(["--intermediate"])
            .arg(fixture("pki/intermediates.pem"))
            .args(["--crl"])
            .arg(fixture("crl/all-current.pem"))
            .args(["--lang", lang, "--json"])
            .output()
            .unwrap();
        let verdict: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), verdict)
    };
    let (code, ru) = run("ru");
    assert_eq!(code, Some(1), "invalid exits 1 in every language");
    assert_eq!(ru["reason"], "cert_revoked");
    assert!(ru["message"]
        .as_str()
        .unwrap()
        .starts_with(&sentence("ru", "reason_cert_revoked")));
    let (_, en) = run("en");
    assert!(en["message"]
        .as_str()
        .unwrap()
        .starts_with("A certificate was revoked"));
}
