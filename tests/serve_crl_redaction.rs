//! A CRL URL may carry a secret in its credentials, query or fragment. The unauthenticated
//! `/metrics` and the cache directory show it redacted, and the cache still tells URLs apart.

mod serve_support;

use serve_support::*;

const SECRETS: [&str; 4] = ["crl-user", "pa55word", "s3cret-42", "frag-7"];

fn assert_no_secret(text: &str, what: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} in {what}:\n{text}");
    }
}

fn cache_texts(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .filter_map(|bytes| String::from_utf8(bytes).ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_the_cache_show_crl_urls_redacted() {
    let cache = tempfile::tempdir().unwrap();
    let origin = Origin::start().await;
    origin.set(
        "nca-rsa.crl",
        Behaviour::with_etag(read("crl/nca-rsa.crl"), "e1"),
    );
    // The origin routes on the path alone: credentials, query and fragment are the secrets.
    let url = format!(
        "http://crl-user:pa55word@{}/nca-rsa.crl?token=s3cret-42&ca=nca-rsa#frag-7",
        origin.addr
    );
    let mut config = config(&OTHER_CAS, std::slice::from_ref(&url));
    config.crl.cache_dir = Some(cache.path().to_owned());
    let server = start(config.clone()).await;
    assert!(
        server.initial_refresh().failures.is_empty(),
        "{:?}",
        server.initial_refresh()
    );

    origin.set("nca-rsa.crl", Behaviour::NotFound);
    let report = server.store().refresh_now().await;
    assert_eq!(report.failure_codes(), ["http_status"], "{report:?}");
    let redacted = format!("url:http://{}/nca-rsa.crl?token=…&ca=…", origin.addr);
    assert_eq!(report.failures[0].0, redacted);
    let metrics = get(&server, "/metrics").await.text;
    // The metric labels the source by host and file name: no query (or its secrets) at all.
    let line = format!(
        "qoltanba_crl_refresh_failures_total{{source=\"{}/nca-rsa.crl\",reason=\"http_status\"}} 1",
        origin.addr
    );
    assert!(metrics.contains(&line), "no {line} in\n{metrics}");
    assert_no_secret(&metrics, "/metrics");
    server.shutdown().await.unwrap();

    let texts = cache_texts(cache.path());
    assert!(
        texts.iter().any(|t| t.contains(&redacted["url:".len()..])),
        "the metadata names the redacted URL: {texts:?}"
    );
    for text in &texts {
        assert_no_secret(text, "the cache directory");
    }

    // The cached validator still belongs to this URL: a restart asks conditionally.
    origin.set(
        "nca-rsa.crl",
        Behaviour::with_etag(read("crl/nca-rsa.crl"), "e1"),
    );
    let server = start(config).await;
    assert!(
        server.initial_refresh().failures.is_empty(),
        "{:?}",
        server.initial_refresh()
    );
    assert_eq!(
        origin.requests().last().unwrap().if_none_match.as_deref(),
        Some("\"e1\"")
    );
    server.shutdown().await.unwrap();
    origin.stop().await;
}

/// Two URLs that differ only where the redaction hides it stay two sources: both fetched, each
/// failure counted under its own label.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_that_redact_alike_stay_separate_sources() {
    let origin = Origin::start().await;
    origin.set("crl", Behaviour::body(read("crl/nca-rsa.crl")));
    let urls = [
        format!("http://{}/crl?ca=nca-rsa&token=s3cret-42", origin.addr),
        format!("http://{}/crl?ca=root&token=s3cret-42", origin.addr),
    ];
    let server = start(config(&OTHER_CAS, &urls)).await;
    assert_eq!(origin.requests().len(), 2, "each URL fetched once");

    origin.set("crl", Behaviour::NotFound);
    let report = server.store().refresh_now().await;
    let label = format!("url:http://{}/crl?ca=…&token=…", origin.addr);
    let mut sources: Vec<&str> = report.failures.iter().map(|(s, _)| s.as_str()).collect();
    sources.sort();
    assert_eq!(
        sources,
        [label.clone(), format!("{label} #2")],
        "{report:?}"
    );
    assert_eq!(origin.requests().len(), 4);
    let metrics = get(&server, "/metrics").await.text;
    assert_no_secret(&metrics, "/metrics");
    server.shutdown().await.unwrap();
    origin.stop().await;
}
