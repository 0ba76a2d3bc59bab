//! The verification page of `qoltanba serve`: `GET /` and `GET /assets/{file}`, embedded in the
//! binary (no CDN, works offline). The page calls `POST /v1/verify` of the same service.
//! `GET /docs` is the API page: Swagger UI (vendored in `web/vendor/swagger-ui`) showing
//! `/openapi.json`.
//!
//! Every answer carries a strict Content-Security-Policy (scripts, styles and requests only from
//! this origin, nothing inline, no framing), `nosniff`, `no-referrer`, and an `ETag` computed from
//! the embedded bytes with `Cache-Control: no-cache`: browsers keep the files but revalidate them,
//! so a new binary is picked up at once and an unchanged file costs a 304.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The Content-Security-Policy of the page and its assets.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const INDEX: Asset = Asset {
    name: "index.html",
    content_type: "text/html; charset=utf-8",
    body: include_bytes!("../web/index.html"),
};

/// The API page: Swagger UI over `/openapi.json`.
const DOCS: Asset = Asset {
    name: "docs.html",
    content_type: "text/html; charset=utf-8",
    body: include_bytes!("../web/docs.html"),
};

/// Swagger UI draws its icons from `data:` images; everything else stays as strict as the page's.
pub const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

const ASSETS: [Asset; 7] = [
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/app.js"),
    },
    Asset {
        name: "style.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../web/style.css"),
    },
    Asset {
        name: "i18n.json",
        content_type: "application/json",
        body: include_bytes!("../web/i18n.json"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../web/favicon.svg"),
    },
    Asset {
        name: "docs.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/docs.js"),
    },
    Asset {
        name: "swagger-ui-bundle.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../web/vendor/swagger-ui/swagger-ui-bundle.js"),
    },
    Asset {
        name: "swagger-ui.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../web/vendor/swagger-ui/swagger-ui.css"),
    },
];

/// Where each file's ETag sits in [`etags`]: the two pages, then the assets.
const FIRST_ASSET: usize = 2;

/// The routes of the page, to merge into the service's router.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/docs", get(docs))
        .route("/assets/{file}", get(asset))
}

async fn index(headers: HeaderMap) -> Response {
    serve(&INDEX, 0, &headers, CONTENT_SECURITY_POLICY)
}

async fn docs(headers: HeaderMap) -> Response {
    serve(&DOCS, 1, &headers, DOCS_CONTENT_SECURITY_POLICY)
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    match ASSETS.iter().position(|a| a.name == file) {
        Some(i) => serve(
            &ASSETS[i],
            i + FIRST_ASSET,
            &headers,
            CONTENT_SECURITY_POLICY,
        ),
        None => {
            let mut response = (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "no such asset\n",
            )
                .into_response();
            security_headers(response.headers_mut());
            response
        }
    }
}

/// The strong ETag of each embedded file (index first, then `ASSETS`), computed once.
fn etags() -> &'static [HeaderValue] {
    static ETAGS: OnceLock<Vec<HeaderValue>> = OnceLock::new();
    ETAGS.get_or_init(|| {
        [&INDEX, &DOCS]
            .into_iter()
            .chain(ASSETS.iter())
            .map(|a| {
                let digest = ring::digest::digest(&ring::digest::SHA256, a.body);
                let tag = format!("\"{}\"", hex::encode(&digest.as_ref()[..16]));
                HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"0\""))
            })
            .collect()
    })
}

fn serve(
    asset: &Asset,
    index: usize,
    request: &HeaderMap,
    content_security_policy: &'static str,
) -> Response {
    let etag = etags()[index].clone();
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || t.as_bytes() == etag.as_bytes())
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            )],
            asset.body,
        )
            .into_response()
    };
    let h = response.headers_mut();
    h.insert(header::ETAG, etag);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    security_headers(h);
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(content_security_policy),
    );
    response
}

fn security_headers(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn get_asset(name: &str, headers: HeaderMap) -> Response {
        asset(Path(name.to_owned()), headers).await
    }

    #[tokio::test]
    async fn index_and_assets_have_their_types_and_headers() {
        let page = index(HeaderMap::new()).await;
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(
            page.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        assert_eq!(
            page.headers()[header::CONTENT_SECURITY_POLICY],
            CONTENT_SECURITY_POLICY
        );
        assert_eq!(page.headers()[header::CACHE_CONTROL], "no-cache");
        let body = to_bytes(page.into_body(), usize::MAX).await.unwrap();
        assert!(body.starts_with(b"<!doctype html>"));

        for (name, ty) in [
            ("app.js", "text/javascript; charset=utf-8"),
            ("style.css", "text/css; charset=utf-8"),
            ("i18n.json", "application/json"),
            ("favicon.svg", "image/svg+xml"),
        ] {
            let r = get_asset(name, HeaderMap::new()).await;
            assert_eq!(r.status(), StatusCode::OK, "{name}");
            assert_eq!(r.headers()[header::CONTENT_TYPE], ty, "{name}");
            assert_eq!(r.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            assert!(r.headers().contains_key(header::ETAG));
        }
        let api_page = docs(HeaderMap::new()).await;
        assert_eq!(api_page.status(), StatusCode::OK);
        assert_eq!(
            api_page.headers()[header::CONTENT_SECURITY_POLICY],
            DOCS_CONTENT_SECURITY_POLICY
        );
        let body = to_bytes(api_page.into_body(), usize::MAX).await.unwrap();
        let text = String::from_utf8_lossy(&body);
        for needed in [
            "/assets/swagger-ui-bundle.js",
            "/assets/docs.js",
            "/assets/swagger-ui.css",
        ] {
            assert!(text.contains(needed), "{needed}");
            let name = needed.trim_start_matches("/assets/");
            assert_eq!(
                get_asset(name, HeaderMap::new()).await.status(),
                StatusCode::OK
            );
        }
        let missing = get_asset("../Cargo.toml", HeaderMap::new()).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn a_matching_etag_is_answered_with_304() {
        let first = get_asset("app.js", HeaderMap::new()).await;
        let etag = first.headers()[header::ETAG].clone();
        let mut again = HeaderMap::new();
        again.insert(header::IF_NONE_MATCH, etag.clone());
        let second = get_asset("app.js", again).await;
        assert_eq!(second.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(second.headers()[header::ETAG], etag);
        let mut other = HeaderMap::new();
        other.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"x\""));
        assert_eq!(get_asset("app.js", other).await.status(), StatusCode::OK);
    }

    #[test]
    fn the_page_has_no_inline_script_or_style() {
        let html = std::str::from_utf8(INDEX.body).unwrap();
        for (at, _) in html.match_indices("<script") {
            let tag = &html[at..at + html[at..].find('>').unwrap()];
            assert!(tag.contains("src="), "inline script: {tag}");
        }
        assert!(!html.contains("<style"));
        assert!(!html.contains(" style="));
        let handler = html.match_indices(" on").any(|(at, _)| {
            let rest = &html[at + 3..];
            let name_len = rest.bytes().take_while(u8::is_ascii_lowercase).count();
            name_len > 0 && rest[name_len..].starts_with('=')
        });
        assert!(!handler, "an inline event handler");
    }

    #[test]
    fn every_language_has_every_text() {
        let all: serde_json::Value = serde_json::from_slice(ASSETS[2].body).unwrap();
        let all = all.as_object().unwrap();
        let keys = |lang: &str| -> std::collections::BTreeSet<String> {
            all[lang].as_object().unwrap().keys().cloned().collect()
        };
        let en = keys("en");
        for lang in ["kk", "ru"] {
            assert_eq!(keys(lang), en, "{lang} and en differ");
        }
        for reason in qoltanba_core::Reason::ALL {
            assert!(
                en.contains(&format!("reason_{}", reason.as_str())),
                "{reason:?}"
            );
        }
        for usage in [
            "invalid_id",
            "bad_time",
            "unreadable_file",
            "missing_content",
            "too_large",
            "bad_request",
            "no_trust_anchor",
        ] {
            assert!(en.contains(&format!("usage_{usage}")), "{usage}");
        }
        for lang in ["kk", "ru", "en"] {
            for (key, text) in all[lang].as_object().unwrap() {
                assert!(
                    !text.as_str().unwrap().trim().is_empty(),
                    "{lang}.{key} is empty"
                );
            }
        }
    }
}
