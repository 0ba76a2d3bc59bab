//! One OCSP exchange over HTTP (RFC 6960 Appendix A): POST of the DER request as
//! `application/ocsp-request`, or GET with the request base64- and URL-encoded as the last path
//! segment (POST when that segment would exceed 255 bytes). The whole exchange must end within
//! the timeout; the answer must say `application/ocsp-response` (or no type at all) and is refused
//! as soon as it streams past the size limit. URLs appear in logs and errors only redacted
//! ([`crate::url::redact`]), and in metrics only as their host.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use time::OffsetDateTime;

use super::settings::{OcspConfig, OcspMethod};

pub const REQUEST_TYPE: &str = "application/ocsp-request";
pub const RESPONSE_TYPE: &str = "application/ocsp-response";
/// RFC 6960 Appendix A.1: GET is for requests whose encoding is under 255 bytes.
pub const MAX_GET_SEGMENT: usize = 255;

/// An answer as it came: not yet parsed, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub der: Arc<[u8]>,
    /// The nonce the request carried, which a usable answer echoes.
    pub nonce_sent: Option<Vec<u8>>,
    /// The responder's URL, redacted: safe for logs and documents.
    pub responder: String,
    pub fetched_at: OffsetDateTime,
    /// The method actually used (GET falls back to POST for long requests).
    pub method: OcspMethod,
}

/// Why an exchange gave no answer. [`FetchError::code`] is the `reason` label of the metrics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("no complete answer within {0} ms")]
    Timeout(u64),
    #[error("HTTP status {0}")]
    HttpStatus(u16),
    #[error("content type {0:?} is not application/ocsp-response")]
    ContentType(String),
    #[error("empty body")]
    Empty,
    #[error("over the size limit of {0} bytes")]
    TooLarge(u64),
    #[error("the body ended early: {0}")]
    Truncated(String),
    #[error("not an OCSP response: {0}")]
    Malformed(String),
    /// The responder answered with a responseStatus other than successful (RFC 6960 §4.2.1).
    #[error("the responder answered {0}")]
    ResponderStatus(&'static str),
    #[error("the request cannot be built: {0}")]
    Request(String),
    #[error("no OCSP responder is known for this certificate")]
    NoResponder,
    #[error("the exchange was abandoned")]
    Aborted,
}

impl FetchError {
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::Connect(_) => "connect",
            FetchError::Timeout(_) => "timeout",
            FetchError::HttpStatus(_) => "http_status",
            FetchError::ContentType(_) => "content_type",
            FetchError::Empty => "empty",
            FetchError::TooLarge(_) => "too_large",
            FetchError::Truncated(_) => "truncated",
            FetchError::Malformed(_) => "malformed",
            FetchError::ResponderStatus(_) => "responder_status",
            FetchError::Request(_) => "request",
            FetchError::NoResponder => "no_responder",
            FetchError::Aborted => "aborted",
        }
    }
}

/// The HTTP side of OCSP: a client (rustls, a user agent, the configured proxy) and the limits.
#[derive(Debug, Clone)]
pub struct OcspClient {
    http: reqwest::Client,
    pub timeout: Duration,
    pub max_bytes: u64,
    pub method: OcspMethod,
}

impl OcspClient {
    pub fn new(config: &OcspConfig) -> Result<Self, String> {
        let timeout = config.timeout();
        let mut builder = reqwest::Client::builder()
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent(concat!("qoltanba/", env!("CARGO_PKG_VERSION")));
        if !config.proxy.is_empty() {
            let proxy = reqwest::Proxy::all(&config.proxy).map_err(|e| {
                format!(
                    "ocsp.proxy {}: {}",
                    crate::url::redact(&config.proxy),
                    e.without_url()
                )
            })?;
            builder = builder.proxy(proxy);
        }
        Ok(OcspClient {
            http: builder.build().map_err(|e| e.without_url().to_string())?,
            timeout,
            max_bytes: config.max_response_bytes,
            method: config.method,
        })
    }

    /// Sends `request` (the DER of an OCSPRequest carrying `nonce_sent`, if any) to `url`.
    pub async fn fetch(
        &self,
        url: &str,
        request: &[u8],
        nonce_sent: Option<Vec<u8>>,
    ) -> Result<Fetched, FetchError> {
        let get = match self.method {
            OcspMethod::Get => get_url(url, request),
            OcspMethod::Post => None,
        };
        let method = if get.is_some() {
            OcspMethod::Get
        } else {
            OcspMethod::Post
        };
        let result = tokio::time::timeout(self.timeout, self.exchange(url, get, request))
            .await
            .unwrap_or(Err(FetchError::Timeout(self.timeout.as_millis() as u64)));
        let responder = crate::url::redact(url);
        match result {
            Ok(der) => {
                tracing::debug!(responder = %responder, bytes = der.len(), "OCSP answer received");
                Ok(Fetched {
                    der,
                    nonce_sent,
                    responder,
                    fetched_at: OffsetDateTime::now_utc(),
                    method,
                })
            }
            Err(e) => {
                tracing::warn!(responder = %responder, reason = e.code(), "OCSP request failed: {e}");
                Err(e)
            }
        }
    }

    async fn exchange(
        &self,
        url: &str,
        get: Option<String>,
        request: &[u8],
    ) -> Result<Arc<[u8]>, FetchError> {
        let builder = match get {
            Some(get) => self.http.get(get),
            None => self
                .http
                .post(url)
                .header(CONTENT_TYPE, REQUEST_TYPE)
                .body(request.to_vec()),
        };
        let mut response = builder
            .header(ACCEPT, RESPONSE_TYPE)
            .send()
            .await
            .map_err(|e| classify(e, self.timeout))?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::HttpStatus(status.as_u16()));
        }
        if let Some(value) = response.headers().get(CONTENT_TYPE) {
            let text = String::from_utf8_lossy(value.as_bytes());
            let essence = text.split(';').next().unwrap_or("").trim();
            if !essence.eq_ignore_ascii_case(RESPONSE_TYPE) {
                let shown: String = text.chars().take(64).collect();
                return Err(FetchError::ContentType(shown));
            }
        }
        if response
            .content_length()
            .is_some_and(|n| n > self.max_bytes)
        {
            return Err(FetchError::TooLarge(self.max_bytes));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| {
            if e.is_timeout() {
                FetchError::Timeout(self.timeout.as_millis() as u64)
            } else {
                FetchError::Truncated(e.without_url().to_string())
            }
        })? {
            if bytes.len() as u64 + chunk.len() as u64 > self.max_bytes {
                return Err(FetchError::TooLarge(self.max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.is_empty() {
            return Err(FetchError::Empty);
        }
        Ok(Arc::from(bytes))
    }
}

/// The GET URL of `request` at `base` (RFC 6960 Appendix A.1: the URL-encoded base64 of the DER
/// appended to the path as a segment, before any query of `base`), or `None` when that segment
/// would exceed 255 bytes.
pub fn get_url(base: &str, request: &[u8]) -> Option<String> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(request);
    let mut segment = String::with_capacity(encoded.len() + 16);
    for c in encoded.chars() {
        match c {
            '+' => segment.push_str("%2B"),
            '/' => segment.push_str("%2F"),
            '=' => segment.push_str("%3D"),
            c => segment.push(c),
        }
    }
    if segment.len() > MAX_GET_SEGMENT {
        return None;
    }
    // The segment ends the path; a query of the base (a token, say) follows it; a fragment is
    // never sent.
    let base = base.split('#').next().unwrap_or(base);
    let (path, query) = match base.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (base, None),
    };
    let slash = if path.ends_with('/') { "" } else { "/" };
    Some(match query {
        Some(query) => format!("{path}{slash}{segment}?{query}"),
        None => format!("{path}{slash}{segment}"),
    })
}

/// The host (and port, when given) of a responder URL: the `responder` label of the metrics,
/// never a path, query or credentials.
pub fn responder_label(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '\\', '?', '#']).next().unwrap_or("");
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if host.is_empty() {
        "-".into()
    } else {
        host.to_ascii_lowercase()
    }
}

fn classify(e: reqwest::Error, timeout: Duration) -> FetchError {
    if e.is_timeout() {
        return FetchError::Timeout(timeout.as_millis() as u64);
    }
    // The cause (refused, DNS, TLS) without the URL, which may hold credentials.
    let e = e.without_url();
    let mut why = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(inner) = source {
        why = format!("{why}: {inner}");
        source = inner.source();
    }
    FetchError::Connect(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_urls_are_url_encoded_base64_under_the_base() {
        let url = get_url("http://ocsp.example.kz", &[0xfb, 0xff, 0xfe]).unwrap();
        assert_eq!(url, "http://ocsp.example.kz/%2B%2F%2F%2B");
        let url = get_url("http://ocsp.example.kz/ocsp/", &[0xff, 0xff]).unwrap();
        assert_eq!(url, "http://ocsp.example.kz/ocsp/%2F%2F8%3D");
        assert!(get_url("http://x", &[0u8; 200]).is_none());
        assert_eq!(
            get_url("http://x/ocsp?token=t#f", &[0xff, 0xff]).unwrap(),
            "http://x/ocsp/%2F%2F8%3D?token=t"
        );
        assert!(get_url("http://x", &[0x41u8; 150]).is_some());
    }

    #[test]
    fn responder_labels_are_hosts_only() {
        assert_eq!(responder_label("http://OCSP.pki.gov.kz"), "ocsp.pki.gov.kz");
        assert_eq!(
            responder_label("https://u:s3cret@ocsp.example.kz:8443/path?token=x"),
            "ocsp.example.kz:8443"
        );
        assert_eq!(responder_label("http://h?t=1"), "h");
    }
}
