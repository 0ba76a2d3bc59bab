//! URLs as configuration and logs see them: whether a text is an HTTP(S) URL, and the redacted
//! form that may be written where operators and metrics read it (no credentials, no query values,
//! no fragment).

/// `http://` or `https://`, in any letter case.
pub fn is_http_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
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
pub fn redact_query(query: &str) -> String {
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
