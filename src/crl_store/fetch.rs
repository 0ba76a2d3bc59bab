//! HTTP(S) fetching of one CRL source: conditional requests, a time limit and a size limit.

use std::time::Duration;

use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use super::SourceFailure;

/// What a server said about the version it sent, for the next conditional request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validator {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validator {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

#[derive(Debug)]
pub enum Fetched {
    /// 304: the held version is still current.
    NotModified,
    Body {
        bytes: Vec<u8>,
        validator: Validator,
    },
}

/// The HTTP client of the CRL store (rustls, a user agent), through `proxy` when one is given.
pub fn client(timeout: Duration, proxy: Option<&str>) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .user_agent(concat!("qoltanba/", env!("CARGO_PKG_VERSION")));
    if let Some(proxy) = proxy {
        let proxy = reqwest::Proxy::all(proxy)
            .map_err(|e| format!("crl.proxy {}: {e}", crate::url::redact(proxy)))?;
        builder = builder.proxy(proxy);
    }
    builder.build().map_err(|e| e.to_string())
}

/// Fetches `url`; with `validator`, as a conditional request. The whole exchange (connect,
/// headers and body) must end within `timeout`, and the body may not exceed `max_bytes`.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    validator: Option<&Validator>,
    max_bytes: u64,
    timeout: Duration,
) -> Result<Fetched, SourceFailure> {
    let exchange = async {
        let mut request = client.get(url);
        if let Some(v) = validator {
            if let Some(etag) = &v.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(date) = &v.last_modified {
                request = request.header(IF_MODIFIED_SINCE, date);
            }
        }
        let mut response = request.send().await.map_err(|e| classify(e, timeout))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(SourceFailure::HttpStatus(status.as_u16()));
        }
        if response.content_length().is_some_and(|n| n > max_bytes) {
            return Err(SourceFailure::TooLarge(max_bytes));
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let validator = Validator {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            if e.is_timeout() {
                SourceFailure::Timeout(timeout.as_millis() as u64)
            } else {
                SourceFailure::Truncated(e.without_url().to_string())
            }
        })? {
            if bytes.len() as u64 + chunk.len() as u64 > max_bytes {
                return Err(SourceFailure::TooLarge(max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.is_empty() {
            return Err(SourceFailure::Empty);
        }
        Ok(Fetched::Body { bytes, validator })
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or(Err(SourceFailure::Timeout(timeout.as_millis() as u64)))
}

fn classify(e: reqwest::Error, timeout: Duration) -> SourceFailure {
    if e.is_timeout() {
        return SourceFailure::Timeout(timeout.as_millis() as u64);
    }
    // The message names the cause (refused, DNS, TLS) without the URL, which may hold credentials.
    let e = e.without_url();
    let mut why = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(inner) = source {
        why = format!("{why}: {inner}");
        source = inner.source();
    }
    SourceFailure::Connect(why)
}
