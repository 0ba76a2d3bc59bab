//! What the OCSP client writes to the log about a responder whose URL holds secrets: the URL
//! redacted, never the credentials or query values. Alone in its test binary: log capture through
//! a thread's default subscriber would race other tests' log calls.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;

use qoltanba::ocsp::{OcspConfig, OcspService, ResponderConfig, RevocationPolicy};
use qoltanba_core::Certificate;

/// Log lines written while the test runs on this thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn pki(name: &str) -> Certificate {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/pki")
        .join(name);
    Certificate::from_der(&std::fs::read(path).unwrap()).unwrap()
}

#[tokio::test]
async fn responder_urls_are_redacted_in_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = axum::Router::new().fallback(|| async { StatusCode::NOT_FOUND });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let url = format!("http://user:pa55word@{addr}/ocsp?token=s3cret#frag");
    let ocsp = OcspService::new(
        &OcspConfig {
            policy: Some(RevocationPolicy::Ocsp),
            responders: vec![ResponderConfig::Any(url)],
            ..Default::default()
        },
        vec![Arc::new(pki("nca-rsa.der"))],
    )
    .unwrap();
    ocsp.lookup(&pki("individual-sign.der"), &pki("nca-rsa.der"))
        .await
        .unwrap_err();
    assert_eq!(ocsp.probe().await, 0);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("OCSP request failed"), "{logs}");
    assert!(
        logs.contains(&format!("http://{addr}/ocsp?token=…")),
        "{logs}"
    );
    assert!(
        !logs.contains("s3cret") && !logs.contains("pa55word"),
        "{logs}"
    );
}
