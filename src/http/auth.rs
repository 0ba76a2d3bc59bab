//! Bearer tokens of the HTTP API and the roles they give: `portal` (verify), `auditor` (read and
//! re-verify), `officer:ID` (sign as that officer, see `POST /v1/sign`).
//!
//! Configuration keeps only the SHA-256 of each token (hex); a presented token is hashed and
//! compared with every configured hash in constant time (`subtle`), so neither the tokens nor the
//! position of a match leak through timing. Signing always requires the officer's token; the
//! verification routes require a `portal` or `auditor` token when `auth.verify_requires_token` is
//! set. A missing or unknown token is 401 (`missing_token`, `invalid_token`), a token whose role
//! may not do the call is 403 (`forbidden`, `wrong_officer`); each is counted in
//! `qoltanba_http_requests_total` with its code as `reason`.
//!
//! ```toml
//! [auth]
//! verify_requires_token = false
//! [[auth.tokens]]
//! name = "egov portal"                 # for logs; never the token
//! role = "portal"                      # portal | auditor | officer:ID
//! sha256 = "…64 hex digits…"          # printf %s "$TOKEN" | sha256sum
//! ```

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};

use super::error::ErrorBody;
use super::metrics::Outcome;
use super::{AppState, RequestId};

/// The routes that verify, gated by `auth.verify_requires_token`.
pub const VERIFY_ROUTES: [&str; 3] = [
    "/v1/verify",
    "/v1/certificates/verify",
    "/v1/certificates/info",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Require a `portal` or `auditor` token on the verification routes.
    pub verify_requires_token: bool,
    /// Refused tokens allowed per client address per minute (burst and refill) before the
    /// address is blocked (`crate::http::throttle`).
    pub failed_tokens_per_minute: u32,
    /// How long a blocked address gets 429 `too_many_failures` for every call with a token.
    pub failed_token_block_seconds: u64,
    pub tokens: Vec<TokenConfig>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            verify_requires_token: false,
            failed_tokens_per_minute: 30,
            failed_token_block_seconds: 300,
            tokens: Vec::new(),
        }
    }
}

impl AuthConfig {
    /// The refused-token limiter this configuration asks for.
    pub fn throttle(&self) -> Result<super::throttle::AuthThrottle, String> {
        let per_minute = std::num::NonZeroU32::new(self.failed_tokens_per_minute)
            .ok_or("auth.failed_tokens_per_minute must be at least 1")?;
        if self.failed_token_block_seconds == 0 {
            return Err("auth.failed_token_block_seconds must be at least 1".into());
        }
        Ok(super::throttle::AuthThrottle::new(
            per_minute,
            std::time::Duration::from_secs(self.failed_token_block_seconds),
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Who holds the token, for logs.
    pub name: String,
    /// `portal`, `auditor` or `officer:ID`.
    pub role: String,
    /// SHA-256 of the token, 64 hex digits.
    pub sha256: String,
    /// Never accepted: present only so that a token written in clear is refused by name, without
    /// its value appearing in a parse error.
    #[serde(default, skip_serializing)]
    pub token: Option<serde::de::IgnoredAny>,
}

/// What a token allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Portal,
    Auditor,
    Officer(String),
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "portal" => Some(Role::Portal),
            "auditor" => Some(Role::Auditor),
            _ => text
                .strip_prefix("officer:")
                .filter(|id| !id.is_empty())
                .map(|id| Role::Officer(id.to_owned())),
        }
    }

    pub fn as_string(&self) -> String {
        match self {
            Role::Portal => "portal".into(),
            Role::Auditor => "auditor".into(),
            Role::Officer(id) => format!("officer:{id}"),
        }
    }

    pub fn may_verify(&self) -> bool {
        matches!(self, Role::Portal | Role::Auditor)
    }

    /// Whether the role may write verified requests into the permanent archive: only a portal,
    /// which keeps the requests it accepted. Auditors read; officers' results are stored by the
    /// signing itself; an anonymous caller never stores.
    pub fn may_store(&self) -> bool {
        matches!(self, Role::Portal)
    }
}

struct Token {
    hash: [u8; 32],
    name: String,
    role: Role,
}

/// The configured tokens.
pub struct Auth {
    verify_requires_token: bool,
    tokens: Vec<Token>,
}

impl Default for Auth {
    /// No tokens; verification open; signing impossible.
    fn default() -> Self {
        Auth {
            verify_requires_token: false,
            tokens: Vec::new(),
        }
    }
}

/// Checks `[auth]` against the configured officers. Errors name the token by its `name`.
pub fn check_config(config: &AuthConfig, officer_ids: &[&str]) -> Result<(), String> {
    config.throttle()?;
    Auth::from_config(config, officer_ids).map(|_| ())
}

impl Auth {
    pub fn from_config(config: &AuthConfig, officer_ids: &[&str]) -> Result<Auth, String> {
        let mut tokens: Vec<Token> = Vec::new();
        for t in &config.tokens {
            let named = |why: String| format!("auth.tokens {:?}: {why}", t.name);
            if t.token.is_some() {
                return Err(named(
                    "`token` must not be written in the configuration: give its SHA-256 as `sha256`"
                        .into(),
                ));
            }
            let role = Role::parse(t.role.trim()).ok_or_else(|| {
                named(format!(
                    "role {:?} is not portal, auditor or officer:ID",
                    t.role
                ))
            })?;
            if let Role::Officer(id) = &role {
                if !officer_ids.contains(&id.as_str()) {
                    return Err(named(format!("no officer {id:?} is configured")));
                }
            }
            let hex_text = t.sha256.trim().to_ascii_lowercase();
            let mut hash = [0u8; 32];
            if hex_text.len() != 64 || hex::decode_to_slice(&hex_text, &mut hash).is_err() {
                return Err(named(
                    "sha256 must be the 64 hex digits of the token's SHA-256".into(),
                ));
            }
            if tokens.iter().any(|other| other.hash == hash) {
                return Err(named("the same token is configured twice".into()));
            }
            tokens.push(Token {
                hash,
                name: t.name.clone(),
                role,
            });
        }
        Ok(Auth {
            verify_requires_token: config.verify_requires_token,
            tokens,
        })
    }

    pub fn verify_requires_token(&self) -> bool {
        self.verify_requires_token
    }

    /// The role of the bearer token of a request.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<(Role, &str), AuthFailure> {
        let value = headers
            .get(AUTHORIZATION)
            .ok_or(AuthFailure::MissingToken)?;
        let text = value.to_str().map_err(|_| AuthFailure::InvalidToken)?;
        let (scheme, token) = text.split_once(' ').ok_or(AuthFailure::InvalidToken)?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
            return Err(AuthFailure::InvalidToken);
        }
        let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Every configured hash is compared, whatever matches.
        let mut found = subtle::Choice::from(0);
        let mut index = 0u32;
        for (i, t) in self.tokens.iter().enumerate() {
            let same = t.hash.ct_eq(&presented);
            index = u32::conditional_select(&index, &(i as u32), same);
            found |= same;
        }
        if bool::from(found) {
            let t = &self.tokens[index as usize];
            Ok((t.role.clone(), t.name.as_str()))
        } else {
            Err(AuthFailure::InvalidToken)
        }
    }
}

/// Why a call is not authorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` header (401).
    MissingToken,
    /// Not a bearer token, or none configured matches (401).
    InvalidToken,
    /// The token's role may not make this call (403).
    Forbidden,
    /// An officer's token used to sign as another officer (403).
    WrongOfficer,
}

impl AuthFailure {
    pub fn code(self) -> &'static str {
        match self {
            AuthFailure::MissingToken => "missing_token",
            AuthFailure::InvalidToken => "invalid_token",
            AuthFailure::Forbidden => "forbidden",
            AuthFailure::WrongOfficer => "wrong_officer",
        }
    }

    pub fn status_code(self) -> StatusCode {
        match self {
            AuthFailure::MissingToken | AuthFailure::InvalidToken => StatusCode::UNAUTHORIZED,
            AuthFailure::Forbidden | AuthFailure::WrongOfficer => StatusCode::FORBIDDEN,
        }
    }

    fn message(self) -> &'static str {
        match self {
            AuthFailure::MissingToken => {
                "this call needs a bearer token: Authorization: Bearer TOKEN"
            }
            AuthFailure::InvalidToken => "the bearer token is not a valid token of this service",
            AuthFailure::Forbidden => "the token's role may not make this call",
            AuthFailure::WrongOfficer => {
                "an officer's token signs as that officer only, not as another"
            }
        }
    }

    /// The JSON error body, `WWW-Authenticate` on 401, and the outcome for the request counter.
    pub fn respond(self, id: &RequestId) -> Response {
        let status = self.status_code();
        let kind = if status == StatusCode::UNAUTHORIZED {
            "unauthorized"
        } else {
            "forbidden"
        };
        let body = ErrorBody {
            status: kind,
            reason: self.code(),
            message: self.message().to_owned(),
            request_id: id.as_str(),
        };
        let mut response = (
            status,
            [(CONTENT_TYPE, "application/json")],
            serde_json::to_vec(&body).unwrap_or_default(),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            let challenge = match self {
                AuthFailure::InvalidToken => "Bearer error=\"invalid_token\"",
                _ => "Bearer",
            };
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response.extensions_mut().insert(Outcome {
            outcome: kind,
            reason: self.code(),
        });
        response
    }
}

/// Middleware on the verification routes when `auth.verify_requires_token` is set: a `portal` or
/// `auditor` token is needed.
pub async fn gate(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let auth = &state.signing.auth;
    if auth.verify_requires_token() {
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map(|m| m.as_str());
        if route.is_some_and(|r| VERIFY_ROUTES.contains(&r)) {
            let id = request
                .extensions()
                .get::<RequestId>()
                .cloned()
                .unwrap_or_else(RequestId::generate);
            match auth.authenticate(request.headers()) {
                Ok((role, _)) if role.may_verify() => {}
                Ok(_) => return AuthFailure::Forbidden.respond(&id),
                Err(failure) => return failure.respond(&id),
            }
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(tokens: &[(&str, &str)]) -> AuthConfig {
        AuthConfig {
            verify_requires_token: true,
            tokens: tokens
                .iter()
                .map(|(token, role)| TokenConfig {
                    name: format!("{role} holder"),
                    role: role.to_string(),
                    sha256: hex::encode(Sha256::digest(token.as_bytes())),
                    token: None,
                })
                .collect(),
            ..AuthConfig::default()
        }
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
        h
    }

    #[test]
    fn tokens_map_to_their_roles() {
        let auth = Auth::from_config(
            &config(&[
                ("p-token", "portal"),
                ("a-token", "auditor"),
                ("o-token", "officer:head"),
            ]),
            &["head"],
        )
        .unwrap();
        assert_eq!(
            auth.authenticate(&bearer("p-token")).unwrap().0,
            Role::Portal
        );
        assert_eq!(
            auth.authenticate(&bearer("a-token")).unwrap().0,
            Role::Auditor
        );
        assert_eq!(
            auth.authenticate(&bearer("o-token")).unwrap().0,
            Role::Officer("head".into())
        );
        assert_eq!(
            auth.authenticate(&bearer("other")).unwrap_err(),
            AuthFailure::InvalidToken
        );
        assert_eq!(
            auth.authenticate(&HeaderMap::new()).unwrap_err(),
            AuthFailure::MissingToken
        );
        let mut basic = HeaderMap::new();
        basic.insert(AUTHORIZATION, "Basic cC10b2tlbg==".parse().unwrap());
        assert_eq!(
            auth.authenticate(&basic).unwrap_err(),
            AuthFailure::InvalidToken
        );
    }

    #[test]
    fn configuration_mistakes_are_refused() {
        let e = |c: AuthConfig| Auth::from_config(&c, &["head"]).err().unwrap();
        assert!(e(config(&[("x", "officer:nobody")])).contains("no officer"));
        assert!(e(config(&[("x", "admin")])).contains("not portal"));
        assert!(e(config(&[("x", "portal"), ("x", "auditor")])).contains("twice"));
        let mut c = config(&[("x", "portal")]);
        c.tokens[0].sha256 = "abc".into();
        assert!(e(c).contains("64 hex digits"));
        let mut c = config(&[("x", "portal")]);
        c.tokens[0].token = Some(serde::de::IgnoredAny);
        let text = e(c);
        assert!(text.contains("`token` must not be written"), "{text}");
    }
}
