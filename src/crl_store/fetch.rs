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
        let proxy =
            reqwest::Proxy::all(proxy).map_err(|e| format!("crl.proxy {}: {e}", redact(proxy)))?;
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

/// A URL as it may appear in logs, the `source` label of `/metrics` and the cache's metadata:
/// without `user:password@`, with every query parameter's value replaced by `…` (the names stay,
/// so an operator can still tell which parameters a source takes; a parameter without `=` may
/// itself be a token, so it becomes `…` whole), and without the fragment. A secret written into
/// the path itself cannot be told from an ordinary path and stays. When an `@` before the path
/// may belong to either credentials or a query (`http://host?a=b@c`), only the scheme is kept.
///
/// The result is not unique: URLs that differ only in their credentials, query values or fragment
/// redact to the same text, so it is a label, never a key.
pub fn redact(url: &str) -> String {
    let (mut out, rest) = match url.split_once("://") {
        Some((scheme, rest)) => match without_credentials(rest) {
            Some(rest) => (format!("{scheme}://"), rest),
            None => return format!("{scheme}://…"),
        },
        None => (String::new(), url),
    };
    // A fragment is never sent to the server, and may hold anything.
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    match rest.split_once('?') {
        Some((base, query)) => {
            out.push_str(base);
            out.push('?');
            out.push_str(&redact_query(query));
        }
        None => out.push_str(rest),
    }
    out
}

/// What follows `scheme://`, without `user:password@`; `None` when the `@` that ends the
/// credentials cannot be told from one inside a query or fragment.
fn without_credentials(rest: &str) -> Option<&str> {
    // The URL parser of the HTTP client also ends the authority at a backslash.
    let authority_end = rest.find(['/', '\\']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        None => Some(rest),
        // Credentials never hold a bare `?` or `#`: either the `@` is in a pathless URL's query or
        // fragment, or the credentials are malformed. Both ways, what follows `@` may be secret.
        Some(at) if rest[..at].contains(['?', '#']) => None,
        Some(at) => Some(&rest[at + 1..]),
    }
}

/// `a=1&token=s3cret&flag` → `a=…&token=…&…`; empty pieces (`a=1&&b=2`) stay empty.
pub(crate) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|piece| match piece.split_once('=') {
            Some((name, _)) => format!("{name}=…"),
            None if piece.is_empty() => String::new(),
            None => "…".to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn credentials_are_removed_from_urls() {
        assert_eq!(redact("http://u:p@host/x.crl"), "http://host/x.crl");
        assert_eq!(redact("http://host/a@b.crl"), "http://host/a@b.crl");
        assert_eq!(redact("https://host"), "https://host");
        assert_eq!(redact("https://u@host:8443"), "https://host:8443");
    }

    #[test]
    fn query_values_are_replaced_and_names_kept() {
        assert_eq!(
            redact("https://host/x.crl?token=s3cret&ca=nca-rsa"),
            "https://host/x.crl?token=…&ca=…"
        );
        // A bare parameter may be the token itself; an empty value is replaced all the same.
        assert_eq!(redact("http://host/x.crl?s3cret"), "http://host/x.crl?…");
        assert_eq!(
            redact("http://host/x.crl?a=&&b"),
            "http://host/x.crl?a=…&&…"
        );
        // Only the first `=` separates the name: the rest is value.
        assert_eq!(
            redact("http://host/x?sig=a=b==&x=1"),
            "http://host/x?sig=…&x=…"
        );
        assert_eq!(redact("http://host/x.crl?"), "http://host/x.crl?");
        let redacted = redact("http://u:pw@host/x.crl?token=s3cret");
        assert_eq!(redacted, "http://host/x.crl?token=…");
        assert!(!redacted.contains("s3cret") && !redacted.contains("pw"));
    }

    #[test]
    fn fragments_are_dropped() {
        assert_eq!(redact("http://host/x.crl#s3cret"), "http://host/x.crl");
        assert_eq!(
            redact("http://host/x.crl?a=1#s3cret"),
            "http://host/x.crl?a=…"
        );
        // A `?` inside the fragment does not start a query.
        assert_eq!(
            redact("http://host/x.crl#frag?token=s3cret"),
            "http://host/x.crl"
        );
        assert_eq!(redact("http://host#s3cret"), "http://host");
    }

    #[test]
    fn an_at_sign_that_may_not_end_credentials() {
        // After the path, an `@` is part of the path or of a value.
        assert_eq!(redact("http://host/x.crl?to=a@b"), "http://host/x.crl?to=…");
        assert_eq!(redact("http://host\\a@b.crl"), "http://host\\a@b.crl");
        // Before any path, it may close credentials that hold a `?` or `#`, or sit in a query
        // value: either way the text after it may be secret, so only the scheme is kept.
        assert_eq!(redact("http://host?token=ab@cd"), "http://…");
        assert_eq!(redact("http://u:pa?ss@host/x.crl"), "http://…");
        assert_eq!(redact("http://u:pa#ss@host/x.crl"), "http://…");
        assert_eq!(redact("http://host#a@b"), "http://…");
    }

    #[test]
    fn a_url_without_a_scheme_is_still_redacted() {
        assert_eq!(redact("host/x.crl?token=s3cret#f"), "host/x.crl?token=…");
    }
}
