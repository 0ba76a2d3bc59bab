//! The state-service procedure end to end over HTTP, for every catalogued service: a good
//! application to a signed result that verifies `valid`; a refusal at each condition (no payment;
//! each verifier reason: expired, revoked, identity mismatch, tampered, AUTH key, revocation
//! unknown; the provider's refusal), each itself a signed document in the applicant's cabinet;
//! deadlines in the status; the token rules.

mod serve_support;

use base64::Engine;
use serde_json::{json, Value};

use qoltanba::config::ServeConfig;
use qoltanba::serve::RunningServer;
use qoltanba::sign::config::OfficerConfig;

use serve_support::{answer, client, fixture, read, token, url, Answer};

const PORTAL: &str = "portal-token-workflow";
const AUDITOR: &str = "auditor-token-workflow";
const HEAD: &str = "officer-head-token-workflow";
const ZHOLDARY: &str = "officer-zholdary-token-workflow";
const DALA_MURA_BIN: &str = "050340001235";
const ZHOLDARY_BIN: &str = "040340001233";
const INDIVIDUAL_IIN: &str = "880415300127";
const INDIVIDUAL_NAME: &str = "АХМЕТОВА АЙГЕРІМ";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn officer(id: &str, keystore: &str, bin: &str) -> OfficerConfig {
    OfficerConfig {
        id: id.into(),
        keystore: fixture(keystore),
        certificate: None,
        alias: None,
        password_env: None,
        password_file: Some(fixture("officers/password.txt")),
        provider_name: "provider".into(),
        provider_bin: bin.into(),
        allowed_roles: vec!["first_head".into()],
        password: None,
    }
}

/// The fixture PKI with every CA's current CRL, both providers' officers and the tokens.
fn config() -> ServeConfig {
    let mut c = serve_support::config(&["crl/all-current.pem"], &[]);
    c.officers = vec![
        officer("head", "officers/head-sign.p12", DALA_MURA_BIN),
        officer("zholdary", "officers/ec-head-sign.p12", ZHOLDARY_BIN),
    ];
    c.auth.tokens = vec![
        token("portal", "portal", PORTAL),
        token("auditor", "auditor", AUDITOR),
        token("head", "officer:head", HEAD),
        token("zholdary", "officer:zholdary", ZHOLDARY),
    ];
    c
}

use serve_support::call_as as call;

async fn get(server: &RunningServer, path: &str, bearer: &str) -> Answer {
    call(server, reqwest::Method::GET, path, bearer, None).await
}

async fn post(server: &RunningServer, path: &str, bearer: &str, body: Value) -> Answer {
    call(server, reqwest::Method::POST, path, bearer, Some(body)).await
}

async fn submit(
    server: &RunningServer,
    service: &str,
    applicant: &str,
    sample: &str,
    extra: Value,
) -> Answer {
    let mut body =
        json!({ "service": service, "applicant_id": applicant, "signature": b64(&read(sample)) });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    post(server, "/v1/applications", PORTAL, body).await
}

fn steps(view: &Value) -> Vec<String> {
    view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["step"].as_str().unwrap(),
                e["code"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

/// Downloads the outcome from the cabinet, checks it verifies `valid` as the provider's officer's
/// signature, and returns its text.
async fn delivered(server: &RunningServer, view: &Value, provider_bin: &str) -> String {
    let applicant = view["applicant_id"].as_str().unwrap();
    let cabinet = get(server, &format!("/v1/cabinet/{applicant}"), PORTAL).await;
    assert_eq!(cabinet.status, 200, "{}", cabinet.text);
    let entry = cabinet.json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["number"] == view["number"])
        .unwrap_or_else(|| panic!("{} is not in the cabinet: {}", view["number"], cabinet.text))
        .clone();
    assert_eq!(entry["outcome"], view["outcome"]);
    let download = entry["outcome"]["download"].as_str().unwrap();
    let response = client()
        .get(url(server, download))
        .bearer_auth(PORTAL)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pkcs7-mime");
    let signed = response.bytes().await.unwrap().to_vec();
    let verdict = serve_support::post_json(
        server,
        "/v1/verify",
        &json!({ "signature": b64(&signed), "expected_id": provider_bin }),
    )
    .await;
    assert_eq!(verdict.verdict(), ("valid", None), "{}", verdict.text);
    assert_eq!(verdict.json["signer"]["bin"], provider_bin);
    // The content is inside the attached signature: find the text by decoding the CMS with the
    // cms crate.
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    use der::Decode;
    let info = ContentInfo::from_der(&signed).unwrap();
    let sd: SignedData = info.content.decode_as().unwrap();
    let content = sd.encap_content_info.econtent.unwrap();
    let octets = der::asn1::OctetString::from_der(&der::Encode::to_der(&content).unwrap()).unwrap();
    String::from_utf8(octets.as_bytes().to_vec()).unwrap()
}

fn provider_token(bin: &str) -> &'static str {
    if bin == ZHOLDARY_BIN {
        ZHOLDARY
    } else {
        HEAD
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_catalogued_service_goes_from_submission_to_a_signed_result() {
    let server = serve_support::start(config()).await;
    let services = serve_support::get(&server, "/v1/services").await;
    let services = services.json["services"].as_array().unwrap().clone();
    assert!(services.len() >= 4);
    let calendar =
        qoltanba::workflow::calendar::Calendar::new(config().workflow.holiday_dates().unwrap());
    for (i, s) in services.iter().enumerate() {
        let code = s["code"].as_str().unwrap();
        let provider_bin = s["provider_bin"].as_str().unwrap();
        let legal = s["applicant"] == "legal_entity";
        let (applicant, sample) = if legal {
            (DALA_MURA_BIN, "samples/head-attached.cms")
        } else {
            (INDIVIDUAL_IIN, "samples/individual-attached.cms")
        };
        let paid = s["payment_required"].as_bool().unwrap();
        let reference = format!("PAY-{i}");
        let extra = if paid {
            json!({ "payment_reference": reference })
        } else {
            json!({})
        };
        let submitted = submit(&server, code, applicant, sample, extra).await;
        assert_eq!(submitted.status, 201, "{code}: {}", submitted.text);
        let number = submitted.json["number"].as_str().unwrap().to_owned();
        assert_eq!(
            submitted
                .headers
                .get("location")
                .and_then(|v| v.to_str().ok()),
            Some(format!("/v1/applications/{number}").as_str())
        );
        // The deadline of the regulation, in Kazakhstan's working or calendar days.
        let at =
            qoltanba_core::parse_time(submitted.json["submitted_at"].as_str().unwrap()).unwrap();
        let term = qoltanba::workflow::calendar::Term {
            days: s["deadline_days"].as_u64().unwrap() as u32,
            kind: serde_json::from_value(s["deadline_kind"].clone()).unwrap(),
        };
        assert_eq!(
            submitted.json["deadline"],
            calendar.deadline(at, term).to_string(),
            "{code}"
        );
        if paid {
            assert_eq!(submitted.json["status"], "awaiting_payment", "{code}");
            let paid = post(
                &server,
                &format!("/v1/applications/{number}/payment"),
                PORTAL,
                json!({"reference": reference, "status": "confirmed"}),
            )
            .await;
            assert_eq!(paid.status, 200, "{code}: {}", paid.text);
        }
        let view = get(&server, &format!("/v1/applications/{number}"), AUDITOR).await;
        assert_eq!(view.json["status"], "under_review", "{code}: {}", view.text);
        let request_doc = view.json["request_document_id"]
            .as_i64()
            .expect("the request is archived");
        let archived = get(&server, &format!("/v1/documents/{request_doc}"), AUDITOR).await;
        assert_eq!(archived.json["expected_id"], applicant);
        assert_eq!(archived.json["verdict"]["status"], "valid");

        let decided = post(
            &server,
            &format!("/v1/applications/{number}/decision"),
            provider_token(provider_bin),
            json!({"decision": "approve"}),
        )
        .await;
        assert_eq!(decided.status, 200, "{code}: {}", decided.text);
        assert_eq!(decided.json["status"], "completed");
        let mut expected = vec!["submission:-".to_owned()];
        if paid {
            expected.push("payment_condition:confirmed".into());
        }
        expected.extend(
            [
                "signing_condition:valid",
                &format!("registration:{number}"),
                "provider_review:approve",
                "result:result",
                "delivery:-",
            ]
            .map(String::from),
        );
        assert_eq!(steps(&decided.json), expected, "{code}");
        let text = delivered(&server, &decided.json, provider_bin).await;
        assert!(text.contains(&number), "{text}");
        assert!(
            text.contains(s["result_kk"].as_str().unwrap())
                && text.contains(s["result_ru"].as_str().unwrap()),
            "{text}"
        );
        assert!(text.contains(applicant), "{text}");
        // The applicant by name: an entity by its organization, a person by the certificate's.
        let name = if legal {
            "ТОО \"ДАЛА МҰРА\""
        } else {
            INDIVIDUAL_NAME
        };
        assert!(text.contains(&format!("{name}, ")), "{text}");
    }
    server.shutdown().await.unwrap();
}

/// One refusal per condition: each is a signed document in the cabinet with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_condition_refuses_with_a_signed_document() {
    let server = serve_support::start(config()).await;
    let culture = "culture-export-almaty-2013";
    let licence = "scrap-metal-licence-karaganda-2013";
    let cases: [(&str, &str, &str, &str); 5] = [
        (
            "samples/expired.cms",
            "701225800679",
            "cert_expired",
            "expired",
        ),
        (
            "samples/revoked.cms",
            "821114300340",
            "cert_revoked",
            "revoked",
        ),
        (
            "samples/individual-attached.cms",
            "821114300340",
            "identity_mismatch",
            "another IIN",
        ),
        (
            "samples/individual-tampered.cms",
            INDIVIDUAL_IIN,
            "signature_invalid",
            "tampered",
        ),
        (
            "samples/individual-auth.cms",
            INDIVIDUAL_IIN,
            "key_usage_not_signing",
            "AUTH key",
        ),
    ];
    for (sample, applicant, reason, what) in cases {
        let a = submit(&server, culture, applicant, sample, json!({})).await;
        assert_eq!(a.status, 201, "{what}: {}", a.text);
        assert_eq!(a.json["status"], "refused", "{what}: {}", a.text);
        assert_eq!(a.json["outcome"]["kind"], "refusal");
        assert_eq!(a.json["outcome"]["refusal"], "eds_not_confirmed", "{what}");
        assert_eq!(a.json["outcome"]["reason"], reason, "{what}");
        assert_eq!(
            steps(&a.json)[1],
            format!("signing_condition:{reason}"),
            "{what}"
        );
        let text = delivered(&server, &a.json, DALA_MURA_BIN).await;
        assert!(
            text.contains("ЭЦҚ-сы расталмауына")
                && text.contains("ЭЦП услугополучателя не подтверждена"),
            "{what}: {text}"
        );
        assert!(text.contains(reason), "{what}: {text}");
    }

    // No usable CRL for the applicant's CA: indeterminate is not accepted. (A service whose CRLs
    // omit nca-ec's; the provider's officer is under nca-rsa.)
    let mut c = config();
    c.crl.paths = ["crl/root.crl", "crl/nca-rsa.crl", "crl/nca-rsa-delta.crl"]
        .map(fixture)
        .to_vec();
    let no_ec_crl = serve_support::start(c).await;
    let a = submit(
        &no_ec_crl,
        culture,
        "930919500895",
        "samples/ec-attached.cms",
        json!({}),
    )
    .await;
    assert_eq!(a.json["status"], "refused", "{}", a.text);
    assert_eq!(a.json["outcome"]["reason"], "revocation_unknown");
    let text = delivered(&no_ec_crl, &a.json, DALA_MURA_BIN).await;
    assert!(text.contains("revocation_unknown"), "{text}");
    no_ec_crl.shutdown().await.unwrap();

    // No payment: no reference at all, or the gateway declines.
    let none = submit(
        &server,
        licence,
        DALA_MURA_BIN,
        "samples/head-attached.cms",
        json!({}),
    )
    .await;
    assert_eq!(none.json["status"], "refused", "{}", none.text);
    assert_eq!(none.json["outcome"]["refusal"], "no_payment");
    let text = delivered(&server, &none.json, ZHOLDARY_BIN).await;
    assert!(
        text.contains("төлемнің болмауына") && text.contains("отсутствием оплаты"),
        "{text}"
    );
    let declined = submit(
        &server,
        licence,
        DALA_MURA_BIN,
        "samples/head-attached.cms",
        json!({"payment_reference": "PAY-X"}),
    )
    .await;
    let number = declined.json["number"].as_str().unwrap();
    let after = post(
        &server,
        &format!("/v1/applications/{number}/payment"),
        PORTAL,
        json!({"reference": "PAY-X", "status": "declined"}),
    )
    .await;
    assert_eq!(after.json["status"], "refused");
    assert_eq!(steps(&after.json)[1], "payment_condition:declined");
    // A confirmed payment of another reference is no payment of this application.
    let other = submit(
        &server,
        licence,
        DALA_MURA_BIN,
        "samples/head-attached.cms",
        json!({"payment_reference": "PAY-Y"}),
    )
    .await;
    let number = other.json["number"].as_str().unwrap();
    let after = post(
        &server,
        &format!("/v1/applications/{number}/payment"),
        PORTAL,
        json!({"reference": "PAY-Z", "status": "confirmed"}),
    )
    .await;
    assert_eq!(after.json["outcome"]["refusal"], "no_payment");
    assert_eq!(
        steps(&after.json)[1],
        "payment_condition:reference_mismatch"
    );

    // The provider's motivated refusal.
    let good = submit(
        &server,
        culture,
        INDIVIDUAL_IIN,
        "samples/individual-attached.cms",
        json!({}),
    )
    .await;
    let number = good.json["number"].as_str().unwrap();
    let no_motivation = post(
        &server,
        &format!("/v1/applications/{number}/decision"),
        HEAD,
        json!({"decision": "refuse"}),
    )
    .await;
    assert_eq!(no_motivation.status, 400, "{}", no_motivation.text);
    let refused = post(&server, &format!("/v1/applications/{number}/decision"), HEAD, json!({"decision": "refuse", "motivation": "Сараптама комиссиясының қорытындысы теріс / Заключение экспертной комиссии отрицательное"})).await;
    assert_eq!(refused.status, 200, "{}", refused.text);
    assert_eq!(refused.json["outcome"]["refusal"], "provider_refusal");
    let text = delivered(&server, &refused.json, DALA_MURA_BIN).await;
    assert!(
        text.contains("Заключение экспертной комиссии отрицательное"),
        "{text}"
    );
    // A decided application cannot be decided again.
    let again = post(
        &server,
        &format!("/v1/applications/{number}/decision"),
        HEAD,
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(
        (again.status, again.json["reason"].as_str()),
        (409, Some("wrong_state"))
    );

    // The cabinet lists every outcome of the applicant.
    let cabinet = get(&server, &format!("/v1/cabinet/{INDIVIDUAL_IIN}"), PORTAL).await;
    let kinds: Vec<&str> = cabinet.json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["outcome"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["refusal", "refusal", "refusal"], "{}", cabinet.text);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_calls_and_wrong_callers_get_their_codes() {
    let server = serve_support::start(config()).await;
    let culture = "culture-export-almaty-2013";
    for (body, status, reason) in [
        (
            json!({"service": "nope", "applicant_id": INDIVIDUAL_IIN, "signature": "MIIB"}),
            400,
            "unknown_service",
        ),
        (
            json!({"service": culture, "applicant_id": "880415300128", "signature": "MIIB"}),
            400,
            "invalid_id",
        ),
        (
            json!({"service": "scrap-metal-licence-karaganda-2013", "applicant_id": INDIVIDUAL_IIN, "applicant_kind": "individual", "signature": "MIIB"}),
            400,
            "applicant_kind",
        ),
        (
            json!({"service": culture, "applicant_id": INDIVIDUAL_IIN, "signature": "!!"}),
            400,
            "bad_request",
        ),
        (
            json!({"service": culture, "applicant_id": INDIVIDUAL_IIN, "signature": "MIIB", "colour": 1}),
            400,
            "bad_request",
        ),
    ] {
        let a = post(&server, "/v1/applications", PORTAL, body.clone()).await;
        assert_eq!(
            (a.status, a.json["reason"].as_str()),
            (status, Some(reason)),
            "{body}: {}",
            a.text
        );
    }
    // A detached request without its content is a wrong call: no application is made.
    let detached = submit(
        &server,
        culture,
        INDIVIDUAL_IIN,
        "samples/individual-detached.cms",
        json!({}),
    )
    .await;
    assert_eq!(
        (detached.status, detached.json["reason"].as_str()),
        (400, Some("missing_content")),
        "{}",
        detached.text
    );
    let with_data = submit(
        &server,
        culture,
        INDIVIDUAL_IIN,
        "samples/individual-detached.cms",
        json!({"data": b64(&read("samples/request.json"))}),
    )
    .await;
    assert_eq!(
        with_data.json["status"], "under_review",
        "{}",
        with_data.text
    );
    let number = with_data.json["number"].as_str().unwrap().to_owned();

    // Tokens: the portal submits and reads the cabinet; officers decide for their own provider.
    let officer_submits = submit_as(&server, HEAD).await;
    assert_eq!(officer_submits.status, 403);
    let none = answer(
        client()
            .post(url(&server, "/v1/applications"))
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(none.status, 401);
    // A body that is not JSON by its Content-Type is refused as on every other endpoint, before
    // anything is stored; a JSON type with parameters is fine.
    for (path, token, content_type) in [
        ("/v1/applications".to_owned(), PORTAL, "text/plain"),
        (
            "/v1/applications".to_owned(),
            PORTAL,
            "application/x-www-form-urlencoded",
        ),
        (
            format!("/v1/applications/{number}/payment"),
            PORTAL,
            "text/plain",
        ),
        (
            format!("/v1/applications/{number}/decision"),
            HEAD,
            "application/xml",
        ),
    ] {
        let refused = answer(
            client()
                .post(url(&server, &path))
                .bearer_auth(token)
                .header("content-type", content_type)
                .body(json!({"service": "x"}).to_string())
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            refused.status, 415,
            "{path} {content_type}: {}",
            refused.text
        );
        assert_eq!(refused.json["reason"], "unsupported_media_type", "{path}");
    }
    let portal_decides = post(
        &server,
        &format!("/v1/applications/{number}/decision"),
        PORTAL,
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(portal_decides.status, 403);
    let other_provider = post(
        &server,
        &format!("/v1/applications/{number}/decision"),
        ZHOLDARY,
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(
        (
            other_provider.status,
            other_provider.json["reason"].as_str()
        ),
        (403, Some("wrong_provider"))
    );
    let payment_unpaid = post(
        &server,
        &format!("/v1/applications/{number}/payment"),
        PORTAL,
        json!({"reference": "x", "status": "confirmed"}),
    )
    .await;
    assert_eq!(
        (
            payment_unpaid.status,
            payment_unpaid.json["reason"].as_str()
        ),
        (409, Some("wrong_state"))
    );
    for missing in ["2026-999999", "nonsense", "1999-000001"] {
        let a = get(&server, &format!("/v1/applications/{missing}"), AUDITOR).await;
        assert_eq!(
            (a.status, a.json["reason"].as_str()),
            (404, Some("no_such_application")),
            "{missing}"
        );
    }
    // The cabinet gives only the applicant's own documents.
    let request_doc = with_data.json["history"][1]["document_id"]
        .as_i64()
        .unwrap();
    let foreign = get(
        &server,
        &format!("/v1/cabinet/{INDIVIDUAL_IIN}/documents/{request_doc}"),
        PORTAL,
    )
    .await;
    assert_eq!(
        foreign.status, 404,
        "a request is not a result: {}",
        foreign.text
    );
    let bad_id = get(&server, "/v1/cabinet/880415300128", PORTAL).await;
    assert_eq!(
        (bad_id.status, bad_id.json["reason"].as_str()),
        (400, Some("invalid_id"))
    );
    server.shutdown().await.unwrap();
}

async fn submit_as(server: &RunningServer, token: &str) -> Answer {
    post(
        server,
        "/v1/applications",
        token,
        json!({"service": "culture-export-almaty-2013", "applicant_id": INDIVIDUAL_IIN, "signature": b64(&read("samples/individual-attached.cms"))}),
    )
    .await
}

/// `qoltanba application`: the catalogue, a deadline over a holiday and a weekend, a status.
#[test]
fn the_operator_commands_answer() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_qoltanba"))
            .arg("application")
            .args(args)
            .env_remove("QOLTANBA_CONFIG")
            .env(
                "QOLTANBA_ARCHIVE__URL",
                serve_support::archive_support::sqlite_url(),
            )
            .output()
            .unwrap()
    };
    let services = run(&["services", "--json"]);
    assert_eq!(services.status.code(), Some(0));
    let list: Value = serde_json::from_slice(&services.stdout).unwrap();
    assert_eq!(list["services"].as_array().unwrap().len(), 6);
    // Mon 14 Dec 2026 + 10 working days: Independence Day (Wed 16 Dec) and two weekends skipped.
    let deadline = run(&[
        "deadline",
        "culture-export-almaty-2013",
        "--submitted",
        "2026-12-14T09:00:00+05:00",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&deadline.stdout),
        "2026-12-29 (10 working days)\n"
    );
    let calendar_days = run(&[
        "deadline",
        "culture-export-zhambyl-2015",
        "--submitted",
        "2026-12-14T09:00:00+05:00",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&calendar_days.stdout),
        "2026-12-24 (10 calendar days)\n"
    );
    let unknown = run(&["deadline", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    let missing = run(&["status", "2026-000001"]);
    assert_eq!(
        missing.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("there is no application 2026-000001")
    );
}

/// The same procedure with the archive (and the applications) on PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_procedure_runs_on_postgresql() {
    let mut c = config();
    c.archive.url = serve_support::archive_support::postgres_url().await;
    let server = serve_support::start(c).await;
    let licence = "security-licence-mvd-2012";
    let submitted = submit(
        &server,
        licence,
        DALA_MURA_BIN,
        "samples/head-attached.cms",
        json!({"payment_reference": "PAY-PG"}),
    )
    .await;
    assert_eq!(submitted.status, 201, "{}", submitted.text);
    let number = submitted.json["number"].as_str().unwrap().to_owned();
    let paid = post(
        &server,
        &format!("/v1/applications/{number}/payment"),
        PORTAL,
        json!({"reference": "PAY-PG", "status": "confirmed"}),
    )
    .await;
    assert_eq!(paid.json["status"], "under_review", "{}", paid.text);
    let approved = post(
        &server,
        &format!("/v1/applications/{number}/decision"),
        ZHOLDARY,
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(approved.json["status"], "completed", "{}", approved.text);
    let text = delivered(&server, &approved.json, ZHOLDARY_BIN).await;
    assert!(text.contains(&number));
    let refused = submit(
        &server,
        "culture-export-zhambyl-2015",
        "821114300340",
        "samples/revoked.cms",
        json!({}),
    )
    .await;
    assert_eq!(
        refused.json["outcome"]["reason"], "cert_revoked",
        "{}",
        refused.text
    );
    delivered(&server, &refused.json, DALA_MURA_BIN).await;
    // Status reads back the whole history from the database.
    let view = get(&server, &format!("/v1/applications/{number}"), AUDITOR).await;
    assert_eq!(steps(&view.json).len(), 7, "{}", view.text);
    server.shutdown().await.unwrap();
}
