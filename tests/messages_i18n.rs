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

/// Whether `text` holds Cyrillic letters.
fn cyrillic(text: &str) -> bool {
    text.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
}

/// The Cyrillic words of `text`.
fn cyrillic_words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| cyrillic(w))
        .collect()
}

/// The dates of a detail: values that must come through a translation unchanged.
fn dates(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || "(),;".contains(c))
        .filter(|w| w.len() >= 20 && w.as_bytes()[4] == b'-' && w.ends_with('Z'))
        .collect()
}

/// Every check of `translated` is the check of `english` with its detail in `lang`: same names,
/// results, reasons, certificates and signers, a Cyrillic detail with the English one's dates.
fn assert_translated(lang: &str, english: &Value, translated: &Value) {
    assert_eq!(english["status"], translated["status"]);
    assert_eq!(english["reason"], translated["reason"]);
    let (en, tr) = (
        english["checks"].as_array().unwrap(),
        translated["checks"].as_array().unwrap(),
    );
    assert_eq!(en.len(), tr.len());
    assert!(!en.is_empty());
    for (e, t) in en.iter().zip(tr) {
        for field in ["check", "result", "reason", "certificate", "signer"] {
            assert_eq!(e[field], t[field], "{lang}: {field} of {e}");
        }
        let (e, t) = (e["detail"].as_str().unwrap(), t["detail"].as_str().unwrap());
        assert_ne!(e, t, "{lang}");
        // The values (Kazakh names of the certifying centre, say) come through, and the
        // sentence around them is in the language: Cyrillic words beyond the values'.
        let values = cyrillic_words(e);
        let words = cyrillic_words(t);
        for value in &values {
            assert!(words.contains(value), "{lang}: {value} lost in {t}");
        }
        assert!(
            words.iter().any(|w| !values.contains(w)),
            "{lang}: an English detail remains: {t}"
        );
        for date in dates(e) {
            assert!(t.contains(date), "{lang}: {date} lost in {t}");
        }
    }
}

fn details(verdict: &Value) -> Vec<(String, String)> {
    verdict["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap().to_owned(),
                c["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn detail_of<'a>(details: &'a [(String, String)], check: &str, part: &str) -> &'a str {
    details
        .iter()
        .find(|(c, d)| c == check && d.contains(part))
        .map(|(_, d)| d.as_str())
        .unwrap_or_else(|| panic!("no {check} detail with {part:?} in {details:?}"))
}

#[tokio::test]
async fn every_check_detail_follows_accept_language() {
    let server = start(config(&["crl/all-current.pem"], &[])).await;
    // (sample, at, verdict, a Kazakh and a Russian piece of the deciding or a telling detail)
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        (&'a str, Option<&'a str>),
        (&'a str, &'a str, &'a str),
    );
    let cases: [Case; 4] = [
        (
            "samples/individual-attached.cms",
            None,
            ("valid", None),
            (
                "validity",
                "Сертификаттың қолданылу мерзімі: ",
                "Срок действия сертификата: ",
            ),
        ),
        (
            "samples/revoked.cms",
            None,
            ("invalid", Some("cert_revoked")),
            ("revocation", "кері қайтарылған (keyCompromise)", "Отозван "),
        ),
        (
            "samples/expired.cms",
            None,
            ("invalid", Some("cert_expired")),
            ("validity", "өтіп кеткен", "Срок действия сертификата истёк"),
        ),
        (
            "samples/evil.cms",
            None,
            ("invalid", Some("chain_untrusted")),
            ("chain", "кілтімен расталмайды", "не подтверждается ключом"),
        ),
    ];
    for (sample, at, verdict, (check, kk, ru)) in cases {
        let mut body = json!({ "signature": b64(&read(sample)) });
        if let Some(at) = at {
            body["at"] = json!(at);
        }
        let en = verify_in(&server, "/v1/verify", body.clone(), None).await;
        assert_eq!(en.verdict(), verdict, "{sample}: {}", en.text);
        // English is the default and what `en` asks for (tests/golden_outputs.rs holds its
        // text).
        let asked = verify_in(&server, "/v1/verify", body.clone(), Some("en")).await;
        assert_eq!(details(&asked.json), details(&en.json));
        for (header, lang, piece) in [("kk-KZ", "kk", kk), ("ru", "ru", ru)] {
            let a = verify_in(&server, "/v1/verify", body.clone(), Some(header)).await;
            assert_translated(lang, &en.json, &a.json);
            detail_of(&details(&a.json), check, piece);
            if verdict.0 != "valid" {
                // The message carries the translated deciding detail.
                let message = a.json["message"].as_str().unwrap();
                assert!(message.contains(piece), "{lang}: {message}");
            }
        }
    }

    // A detached signature without its content: a usage error in the caller's language that
    // names no command-line flag.
    let detached = json!({ "signature": b64(&read("samples/individual-detached.cms")) });
    for (header, expected) in [
        (None, "the signature is detached"),
        (Some("kk"), "Қолтаңба құжаттан бөлек сақталған"),
        (Some("ru"), "Подпись откреплённая"),
    ] {
        let a = verify_in(&server, "/v1/verify", detached.clone(), header).await;
        assert_eq!(a.status, 400, "{}", a.text);
        assert_eq!(a.json["reason"], "missing_content");
        let message = a.json["message"].as_str().unwrap();
        assert!(message.starts_with(expected), "{message}");
        assert!(!message.contains("--data"), "{message}");
    }
    // With its content, its details are translated like any other.
    let with_data = json!({
        "signature": b64(&read("samples/individual-detached.cms")),
        "data": b64(&read("samples/request.json")),
    });
    let en = verify_in(&server, "/v1/verify", with_data.clone(), None).await;
    let kk = verify_in(&server, "/v1/verify", with_data, Some("kk")).await;
    assert_translated("kk", &en.json, &kk.json);
    detail_of(&details(&kk.json), "message_digest", "хэші сәйкес келеді");
}

#[test]
fn the_command_line_prints_details_in_the_language_asked() {
    let verify = |sample: &str, lang: &str, json: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"));
        command
            .arg("verify")
            .arg(fixture(sample))
            .args(["--trust"])
            .arg(fixture("pki/trust.pem"))
            .args(["--intermediate"])
            .arg(fixture("pki/intermediates.pem"))
            .args(["--crl"])
            .arg(fixture("crl/all-current.pem"))
            .args(["--lang", lang]);
        if json {
            command.arg("--json");
        }
        command.output().unwrap()
    };
    let en: Value =
        serde_json::from_slice(&verify("samples/revoked.cms", "en", true).stdout).unwrap();
    let kk: Value =
        serde_json::from_slice(&verify("samples/revoked.cms", "kk", true).stdout).unwrap();
    assert_translated("kk", &en, &kk);
    let text = String::from_utf8(verify("samples/revoked.cms", "kk", false).stdout).unwrap();
    assert!(text.contains("кері қайтарылған (keyCompromise)"), "{text}");
    assert!(text.contains("Сертификаттың қолданылу мерзімі: "), "{text}");
    assert!(!text.contains("not revoked (CRL"), "{text}");

    // The command line names its own flag for the missing content.
    let out = verify("samples/individual-detached.cms", "ru", true);
    assert_eq!(out.status.code(), Some(2));
    let error: Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = error["message"].as_str().unwrap();
    assert!(message.starts_with("Подпись откреплённая"), "{message}");
    assert!(message.ends_with("(--data FILE)"), "{message}");
}
