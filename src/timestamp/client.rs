//! The HTTP transport of RFC 3161 §3.4: a `TimeStampReq` POSTed as
//! `application/timestamp-query`, a `TimeStampResp` back as `application/timestamp-reply`.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};

use super::request::TimeStampRequest;
use super::TsaError;

/// The media type of a request (RFC 3161 §3.4).
pub const QUERY_TYPE: &str = "application/timestamp-query";
/// The media type of a response (RFC 3161 §3.4).
pub const REPLY_TYPE: &str = "application/timestamp-reply";
/// Some TSAs answer with this older name of the same type; it is accepted too.
const REPLY_TYPE_ALIAS: &str = "application/timestamp-response";

/// A time-stamping authority reached over HTTP(S).
#[derive(Debug, Clone)]
pub struct TsaClient {
    /// The TSA's URL. It may hold credentials: it never appears in an error.
    pub url: String,
    /// Limit on the whole exchange: connection, request, response headers and body.
    pub timeout: Duration,
    /// Largest response body read.
    pub max_response_bytes: u64,
    /// Exchanges by outcome (`ok` or the error code), for `/metrics`.
    pub outcomes: std::sync::Arc<crate::http::counters::LabelledCounter>,
}

impl TsaClient {
    /// A client with a 10 s time limit and a 64 KiB response limit.
    pub fn new(url: impl Into<String>) -> Self {
        TsaClient {
            url: url.into(),
            timeout: Duration::from_secs(10),
            max_response_bytes: 64 << 10,
            outcomes: Default::default(),
        }
    }

    /// Obtains a time-stamp token over `signature_value` (the OCTET STRING contents of a
    /// SignerInfo's `signature`): SHA-256 imprint, random nonce, certReq. The response must be
    /// granted and its token must carry the imprint and nonce sent. Returns the token's DER, ready
    /// for [`super::attach_token`].
    pub async fn stamp(&self, signature_value: &[u8]) -> Result<Vec<u8>, TsaError> {
        let result = async {
            let request = TimeStampRequest::new(signature_value)?;
            let body = self.exchange(request.der()).await?;
            request.check_response(&body)
        }
        .await;
        self.outcomes.add(&[match &result {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }]);
        result
    }

    /// The `/metrics` lines of time-stamping: exchanges with the TSA by outcome.
    pub fn render_metrics(&self) -> String {
        self.outcomes.render(
            "qoltanba_tsa_requests_total",
            "Time-stamp requests to the TSA, by outcome (ok, or the error code).",
            &["outcome"],
        )
    }

    /// POSTs `query` and returns the response body.
    async fn exchange(&self, query: &[u8]) -> Result<Vec<u8>, TsaError> {
        let timeout_ms = u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX);
        let client = reqwest::Client::builder()
            .connect_timeout(self.timeout)
            .timeout(self.timeout)
            .user_agent(concat!("qoltanba/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TsaError::Connect(e.without_url().to_string()))?;
        let exchange = async {
            let mut response = client
                .post(&self.url)
                .header(CONTENT_TYPE, QUERY_TYPE)
                .header(ACCEPT, REPLY_TYPE)
                .body(query.to_vec())
                .send()
                .await
                .map_err(|e| classify(e, timeout_ms))?;
            let status = response.status();
            if !status.is_success() {
                return Err(TsaError::HttpStatus(status.as_u16()));
            }
            let media_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|v| {
                    v.split(';')
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_ascii_lowercase()
                })
                .unwrap_or_default();
            if media_type != REPLY_TYPE && media_type != REPLY_TYPE_ALIAS {
                return Err(TsaError::ContentType(
                    media_type.chars().take(100).collect(),
                ));
            }
            if response
                .content_length()
                .is_some_and(|n| n > self.max_response_bytes)
            {
                return Err(TsaError::TooLarge(self.max_response_bytes));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| {
                if e.is_timeout() {
                    TsaError::Timeout(timeout_ms)
                } else {
                    TsaError::Connect(e.without_url().to_string())
                }
            })? {
                if body.len() as u64 + chunk.len() as u64 > self.max_response_bytes {
                    return Err(TsaError::TooLarge(self.max_response_bytes));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or(Err(TsaError::Timeout(timeout_ms)))
    }
}

fn classify(e: reqwest::Error, timeout_ms: u64) -> TsaError {
    if e.is_timeout() {
        return TsaError::Timeout(timeout_ms);
    }
    // The cause (refused, DNS, TLS) without the URL, which may hold credentials.
    let e = e.without_url();
    let mut why = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(inner) = source {
        why = format!("{why}: {inner}");
        source = inner.source();
    }
    TsaError::Connect(why)
}

/// Why a signature could not be time-stamped.
#[derive(Debug, thiserror::Error)]
pub enum StampError {
    #[error("the signature to time-stamp is not a CMS SignedData: {0}")]
    NotCms(String),
    #[error(transparent)]
    Tsa(#[from] TsaError),
    #[error(transparent)]
    Attach(#[from] super::AttachError),
}

impl StampError {
    pub fn code(&self) -> &'static str {
        match self {
            StampError::NotCms(_) => "not_cms",
            StampError::Tsa(e) => e.code(),
            StampError::Attach(_) => "attach_failed",
        }
    }
}

impl TsaClient {
    /// Time-stamps the first signer of `cms_der` and returns the CMS with the token attached as
    /// its signatureTimeStampToken.
    pub async fn stamp_cms(&self, cms_der: &[u8]) -> Result<Vec<u8>, StampError> {
        let message =
            qoltanba_core::SignedMessage::from_der(cms_der, qoltanba_core::CmsLimits::default())
                .map_err(|e| StampError::NotCms(e.to_string()))?;
        let signer = message
            .signers
            .first()
            .ok_or_else(|| StampError::NotCms("no signer".into()))?;
        let token = self.stamp(&signer.signature).await?;
        Ok(super::attach_token(cms_der, 0, &token)?)
    }
}
