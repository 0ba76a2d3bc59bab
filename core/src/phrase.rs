//! The sentence of a check's detail, apart from its values: a [`PhraseKey`] and the values it
//! names (dates, serials, names, algorithm names, other phrases). The English `detail` of a
//! check is this phrase rendered with the English sentences below; a service renders the same
//! phrase in another language with its own sentences, so values never change and only the
//! sentence around them is translated.

use std::fmt;

use crate::verdict::Reason;

macro_rules! phrase_keys {
    ($($variant:ident => $name:literal, $english:literal;)*) => {
        /// Every sentence a detail can be made of. Placeholders are `{name}`; the values are the
        /// phrase's [`Arg`]s.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum PhraseKey {
            $($variant,)*
        }

        impl PhraseKey {
            pub const ALL: &'static [PhraseKey] = &[$(PhraseKey::$variant,)*];

            /// The stable name of the sentence (`web/i18n.json` holds it as `detail_<name>`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(PhraseKey::$variant => $name,)*
                }
            }

            /// The English sentence: the contract's text.
            pub fn english(self) -> &'static str {
                match self {
                    $(PhraseKey::$variant => $english,)*
                }
            }
        }
    };
}

phrase_keys! {
    // Text the core holds in English only (a parser's or a library's own words).
    Verbatim => "verbatim", "{text}";
    // Joining words.
    Noted => "noted", "{detail}; {note}";
    Both => "both", "{first} and {second}";
    NoneValue => "none", "none";
    NoReasonCode => "no_reason_code", "no reason code";
    // format
    InputEmpty => "input_empty", "the signature input is empty";
    InputNotText => "input_not_text", "the signature input is neither DER nor text (PEM or base64)";
    InputBadPem => "input_bad_pem", "unreadable PEM: {error}";
    InputPemLabel => "input_pem_label", "PEM label {label} is not a signature (expected CMS or PKCS7)";
    InputNotBase64 => "input_not_base64", "the signature input is neither DER, PEM nor base64";
    // content, message digest, content type, signature
    MissingContent => "missing_content", "the signature is detached: its signed content must be given with it";
    ContentDiffers => "content_differs", "the given data differs from the content inside the signature";
    DigestMatches => "digest_matches", "{hash} of the content matches";
    DigestDiffers => "digest_differs", "the content's digest differs from the signed messageDigest: the content was altered";
    NoMessageDigest => "no_message_digest", "signed attributes without a messageDigest";
    ContentTypeDiffers => "content_type_differs", "signed contentType {signed} differs from the content's {content}";
    NoContentType => "no_content_type", "signed attributes without a contentType";
    SignatureVerifies => "signature_verifies", "{algorithm}";
    SignatureFails => "signature_fails", "{algorithm}: {error}";
    SignatureNotChecked => "signature_not_checked", "not checked: the signer's certificate is missing";
    UnsupportedAlgorithm => "unsupported_algorithm", "unsupported algorithm: {what}";
    BadSignatureValue => "bad_signature_value", "the signature does not verify";
    UnusableKey => "unusable_key", "unusable public key: {why}";
    DigestOfNoHash => "digest_of_no_hash", "the signed attributes verify with {algorithm}, but their messageDigest is the digest of the content under no supported hash: the content was altered (digestAlgorithm: {why})";
    SignatureFailsNamedHash => "signature_fails_named_hash", "{algorithm}: {error}, with the hash its signature algorithm names (digestAlgorithm: {why})";
    // chain
    ChainTrusted => "chain_trusted", "{count} certificate(s) to trust anchor {anchor}";
    SignerCertificateMissing => "signer_certificate_missing", "the signer's certificate ({signer}) is neither in the signature nor configured";
    IssuerNotFound => "issuer_not_found", "no trusted issuer found for {subject} (issuer {issuer})";
    ChainBadSignature => "chain_bad_signature", "the signature on {subject} does not verify with the key of {issuer}";
    NotCa => "not_ca", "{issuer} may not issue {subject}: {why}";
    IssuerNotCa => "issuer_not_ca", "the issuer is not a CA (basicConstraints cA is not TRUE)";
    IssuerNoKeyCertSign => "issuer_no_key_cert_sign", "the issuer's key usage lacks keyCertSign";
    PathLength => "path_length", "pathLenConstraint exceeded at {subject}";
    UnsupportedCriticalExtension => "unsupported_critical_extension", "{subject} has an unsupported critical extension {oid}";
    NotConforming => "not_conforming", "{subject} is not a conforming certificate: {why}";
    NameConstraints => "name_constraints", "name constraints of {ca}: in {subject}, {why}";
    NameNotPermitted => "name_not_permitted", "{name} is outside the permitted subtrees";
    NameExcluded => "name_excluded", "{name} is in an excluded subtree";
    NameBudget => "name_budget", "checking name constraints would take more than {limit} comparisons (limit)";
    Policies => "policies", "certificate policies: {why}";
    ExplicitPolicyRequired => "explicit_policy_required", "certificate {depth} of the path: no valid policy remains and an explicit policy is required";
    NoAcceptablePolicy => "no_acceptable_policy", "the path is valid for none of the acceptable policies, and an explicit policy is required";
    AnyPolicyMapped => "any_policy_mapped", "certificate {depth} of the path maps a policy to or from anyPolicy";
    PoliciesTooComplex => "policies_too_complex", "processing the path's policies would take more than {limit} steps (limit)";
    ChainUnsupportedAlgorithm => "chain_unsupported_algorithm", "the signature on {subject} uses an algorithm this service does not implement: {why}";
    PathBudget => "path_budget", "path search gave up after {limit} candidate issuers (limit)";
    PathTooLong => "path_too_long", "no path within the limit of {limit} certificates";
    // validity
    ValidityPeriod => "validity_period", "{not_before} .. {not_after}";
    NotYetValid => "not_yet_valid", "not valid before {not_before}";
    Expired => "expired", "expired {not_after}";
    // revocation
    RevocationNoPath => "revocation_no_path", "not checked: there is no trusted path to verify CRLs with";
    NotRevokedCrl => "not_revoked_crl", "not revoked (CRL {numbers})";
    RevokedCrl => "revoked_crl", "revoked on {date} ({reason}), CRL {crl}";
    RevokedLapsedDelta => "revoked_lapsed_delta", "revoked on {date} ({reason}), delta CRL {crl} (lapsed since)";
    SerialNotMinimal => "serial_not_minimal", "the serial number of {subject} is not a minimally encoded INTEGER, so no CRL entry can match it";
    NoCrl => "no_crl", "no CRL from {issuer} is available";
    CrlRefused => "crl_refused", "CRL {number} ({date}): {why}";
    CrlWithoutNumber => "crl_without_number", "without number";
    OnlyDeltaCrls => "only_delta_crls", "only delta CRLs, no complete CRL";
    ReasonsNotCovered => "reasons_not_covered", "the usable CRLs do not cover every revocation reason (missing: {missing})";
    DeltaLapsed => "delta_lapsed", "delta CRL {number} ({date}): {why}; the revocations published since the complete CRL are unknown";
    CrlAfterExpiry => "crl_after_expiry", "issued after the certificate expired, so it proves nothing about it";
    CrlStaleNoNextUpdate => "crl_stale_no_next_update", "stale: it has no nextUpdate and was issued more than {days} days before the validation time";
    CrlStale => "crl_stale", "stale: nextUpdate {next_update} is not after the validation time";
    CrlPrefixed => "crl_prefixed", "CRL: {why}";
    PolicyNeedsBoth => "policy_needs_both", "{why} (the policy needs both CRL and OCSP)";
    OcspAnswerGood => "ocsp_answer_good", "good from {responder} produced {produced_at}";
    OcspAnswerRevoked => "ocsp_answer_revoked", "revoked from {responder} produced {produced_at}";
    OcspAnswerUnknown => "ocsp_answer_unknown", "unknown from {responder} produced {produced_at}";
    OcspGood => "ocsp_good", "OCSP: {answer}";
    OcspResponderUnknown => "ocsp_responder_unknown", "the responder {responder} does not know the certificate (unknown)";
    OcspNotIssued => "ocsp_not_issued", "OCSP: the CA does not know this certificate: {responder} answered \"revoked\" at {date} with the extended-revoke extension (not issued, RFC 6960 §2.2), produced {produced_at}";
    RevokedOcsp => "revoked_ocsp", "revoked on {date} ({reason}), OCSP {answer}";
    OcspRevokedLater => "ocsp_revoked_later", "OCSP: not revoked at the validation time (revoked later, on {date}), {answer}";
    OcspUnknown => "ocsp_unknown", "OCSP: {why}";
    OcspFrom => "ocsp_from", "{why} ({url})";
    NoOcspAnswer => "no_ocsp_answer", "no OCSP answer about {subject}";
    OcspNoResponse => "ocsp_no_response", "no response: {why}";
    OcspNotAStatus => "ocsp_not_a_status", "the responder answered {status}, not a status";
    OcspUnsupportedCritical => "ocsp_unsupported_critical", "unsupported critical extension {oid}";
    OcspNonceDiffers => "ocsp_nonce_differs", "the response's nonce is not the one the request sent";
    OcspNonceMissing => "ocsp_nonce_missing", "the response does not echo the request's nonce";
    // key usage
    SigningKey => "signing_key", "signing key ({usages})";
    NoNonRepudiation => "no_non_repudiation", "no nonRepudiation: key usage is {usages}";
    NoKeyUsage => "no_key_usage", "the certificate has no key usage extension, so no nonRepudiation";
    TsaNoEku => "tsa_no_eku", "the TSA certificate lacks the critical timeStamping extended key usage: it has no extended key usage";
    TsaOtherEku => "tsa_other_eku", "the TSA certificate lacks the critical timeStamping extended key usage: its extended key usage is {usages}";
    TsaEkuNotCritical => "tsa_eku_not_critical", "the TSA certificate lacks the critical timeStamping extended key usage: the extended key usage extension is not critical (RFC 3161 §2.3)";
    TsaEkuNotAlone => "tsa_eku_not_alone", "the TSA certificate's extended key usage must be timeStamping alone (RFC 3161 §2.3), not {usages}";
    TsaNoSignature => "tsa_no_signature", "the TSA certificate's key usage ({usages}) allows no signature";
    TsaKey => "tsa_key", "time-stamping key (critical EKU timeStamping)";
    // identity
    IdIsIin => "id_is_iin", "{id} is the certificate's IIN";
    IdIsBin => "id_is_bin", "{id} is the certificate's BIN";
    TestIdIsIin => "test_id_is_iin", "{id} is the certificate's IIN (an NCA test id, accepted because test ids are enabled)";
    TestIdIsBin => "test_id_is_bin", "{id} is the certificate's BIN (an NCA test id, accepted because test ids are enabled)";
    IdMismatch => "id_mismatch", "expected {expected}, certificate IIN {iin} / BIN {bin}";
    // time-stamp tokens
    TokenUnreadable => "token_unreadable", "a time-stamp token proves nothing: {error}";
    TokenVerifies => "token_verifies", "time-stamp by {tsa} at {gen_time} verifies (policy {policy}, serial {serial}): the signature existed then";
    UnnamedTsa => "unnamed_tsa", "an unnamed TSA";
    TokenProvesNothing => "token_proves_nothing", "a time-stamp token at {gen_time} proves nothing ({reason}): {why}";
    TokenNotVerified => "token_not_verified", "not verified";
    TokenDoesNotVerify => "token_does_not_verify", "it does not verify";

    TokenNotUsedCallerTime => "token_not_used_caller_time", "not used: the caller set the validation time";
    TokenNotUsedFuture => "token_not_used_future", "not used: its genTime is later than the current time";
    TokenUsed => "token_used", "the signer is judged at that time";
    TokenNotUsedEarlier => "token_not_used_earlier", "not used: an earlier one verifies";
    TokenVerifiedBut => "token_verified_but", "verified, but {note}";
    ImprintMatches => "imprint_matches", "{hash} of the signature value matches the token's messageImprint";
    ImprintDiffers => "imprint_differs", "the token's messageImprint is not the {hash} of this signature value: it time-stamps other data";
    TsaCertificateMissing => "tsa_certificate_missing", "not checked: the TSA's certificate is missing";
    EssNamesTsa => "ess_names_tsa", "the ESS signing-certificate attribute names the TSA's certificate";
    EssNamesOther => "ess_names_other", "the ESS signing-certificate attribute names another certificate than the TSA's";
    EssMissing => "ess_missing", "the token has no ESS signing-certificate attribute (RFC 3161 §2.4.1, RFC 5816)";
    EssUnreadable => "ess_unreadable", "the ESS signing-certificate attribute is unreadable: {why}";
}

/// A value of a phrase: text shown as it is, another phrase, or phrases one after another
/// (`; ` between them in every language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Phrase(Box<Phrase>),
    List(Vec<Phrase>),
    /// A reason code's sentence followed by a phrase, as [`Reason::explain`] joins them.
    Explained(Reason, Box<Phrase>),
}

/// One detail: its sentence and the values it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub key: PhraseKey,
    pub args: Vec<(&'static str, Arg)>,
}

/// Where a rendering finds its sentences.
pub trait Sentences {
    /// The sentence of `key`, with the placeholders of [`PhraseKey::english`].
    fn phrase(&self, key: PhraseKey) -> Option<&str>;
    /// The plain sentence of a reason code.
    fn reason(&self, reason: Reason) -> Option<&str>;
}

/// The English sentences, the ones the core writes `detail` with.
pub struct English;

impl Sentences for English {
    fn phrase(&self, key: PhraseKey) -> Option<&str> {
        Some(key.english())
    }

    fn reason(&self, reason: Reason) -> Option<&str> {
        Some(reason.sentence())
    }
}

impl Phrase {
    pub fn new(key: PhraseKey) -> Self {
        Phrase {
            key,
            args: Vec::new(),
        }
    }

    /// English text that has no sentence of its own (a parser's or library's message).
    pub fn verbatim(text: impl Into<String>) -> Self {
        Phrase::new(PhraseKey::Verbatim).text("text", text)
    }

    /// Adds a value shown as it is.
    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, Arg::Text(value.into())));
        self
    }

    /// Adds a value that is a phrase in turn.
    pub fn phrase(mut self, name: &'static str, value: Phrase) -> Self {
        self.args.push((name, Arg::Phrase(Box::new(value))));
        self
    }

    /// Adds phrases shown one after another.
    pub fn list(mut self, name: &'static str, values: Vec<Phrase>) -> Self {
        self.args.push((name, Arg::List(values)));
        self
    }

    /// `phrases` one after another, as one phrase (one alone is itself).
    pub fn joined(mut phrases: Vec<Phrase>) -> Phrase {
        if phrases.len() == 1 {
            if let Some(one) = phrases.pop() {
                return one;
            }
        }
        Phrase::verbatim("").list_into_text(phrases)
    }

    /// A verbatim phrase whose text is `phrases`, one after another.
    fn list_into_text(mut self, phrases: Vec<Phrase>) -> Phrase {
        self.args = vec![("text", Arg::List(phrases))];
        self
    }

    /// This phrase followed by `note`: "…; note".
    pub fn noted(self, note: Phrase) -> Phrase {
        Phrase::new(PhraseKey::Noted)
            .phrase("detail", self)
            .phrase("note", note)
    }

    /// `reason`'s sentence with this phrase after it, as [`Reason::explain`] writes it.
    pub fn explained(reason: Reason, detail: Phrase) -> Phrase {
        let mut phrase = Phrase::new(PhraseKey::Verbatim);
        phrase.args = vec![("text", Arg::Explained(reason, Box::new(detail)))];
        phrase
    }

    /// Every key this phrase uses, its own and those of the phrases inside.
    pub fn keys(&self) -> Vec<PhraseKey> {
        let mut keys = vec![self.key];
        for (_, arg) in &self.args {
            match arg {
                Arg::Text(_) => {}
                Arg::Phrase(p) | Arg::Explained(_, p) => keys.extend(p.keys()),
                Arg::List(list) => keys.extend(list.iter().flat_map(Phrase::keys)),
            }
        }
        keys
    }

    /// The phrase in the language of `sentences`; `None` when a sentence it needs is missing
    /// there (the caller then keeps the English detail).
    pub fn render(&self, sentences: &dyn Sentences) -> Option<String> {
        let template = sentences.phrase(self.key)?;
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                out.push_str(&rest[open..]);
                rest = "";
                break;
            };
            let name = &after[..close];
            match self.args.iter().find(|(n, _)| *n == name) {
                Some((_, arg)) => out.push_str(&render_arg(arg, sentences)?),
                // A placeholder without a value: the sentence does not fit this phrase.
                None => return None,
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Some(out)
    }
}

fn render_arg(arg: &Arg, sentences: &dyn Sentences) -> Option<String> {
    Some(match arg {
        Arg::Text(text) => text.clone(),
        Arg::Phrase(p) => p.render(sentences)?,
        Arg::List(list) => list
            .iter()
            .map(|p| p.render(sentences))
            .collect::<Option<Vec<_>>>()?
            .join("; "),
        Arg::Explained(reason, detail) => {
            explain(sentences.reason(*reason)?, &detail.render(sentences)?)
        }
    })
}

/// A sentence followed by what exactly was found, as one sentence: the rule of
/// [`Reason::explain`], in any language.
pub(crate) fn explain(sentence: &str, detail: &str) -> String {
    let detail = detail.trim();
    if detail.is_empty() {
        return sentence.to_owned();
    }
    let head = sentence.strip_suffix('.').unwrap_or(sentence);
    let end = if detail.ends_with(['.', '!', '?']) {
        ""
    } else {
        "."
    };
    format!("{head}: {detail}{end}")
}

/// The English rendering: what `detail` says.
impl fmt::Display for Phrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // English holds every sentence, so the rendering is always there.
        f.write_str(&self.render(&English).unwrap_or_default())
    }
}

/// The placeholders of a sentence, in order.
pub fn placeholders(sentence: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = sentence;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            break;
        };
        names.push(&after[..close]);
        rest = &after[close + 1..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_english_placeholders_are_names() {
        let mut names: Vec<_> = PhraseKey::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "two keys share a name");
        for key in PhraseKey::ALL {
            for name in placeholders(key.english()) {
                assert!(
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                    "{key:?}: {name}"
                );
            }
        }
    }

    #[test]
    fn errors_say_in_english_what_their_phrase_says() {
        use crate::chain::PathError;
        use crate::crypto::CryptoError;
        use crate::name_constraints::Violation;
        use crate::policy::PolicyError;
        let s = || "CN=a".to_owned();
        let policies = [
            PolicyError::ExplicitPolicyRequired { depth: 2 },
            PolicyError::NoAcceptablePolicy,
            PolicyError::AnyPolicyMapped { depth: 1 },
            PolicyError::TooComplex(9),
        ];
        let violations = [
            Violation::NotPermitted { name: s() },
            Violation::Excluded { name: s() },
            Violation::Budget(7),
        ];
        let mut paths = vec![
            PathError::IssuerNotFound {
                subject: s(),
                issuer: s(),
            },
            PathError::BadSignature {
                subject: s(),
                issuer: s(),
            },
            PathError::PathLength { subject: s() },
            PathError::UnsupportedCriticalExtension {
                subject: s(),
                oid: "1.2.3".into(),
            },
            PathError::Malformed {
                subject: s(),
                why: "x".into(),
            },
            PathError::UnsupportedAlgorithm {
                subject: s(),
                why: "y".into(),
            },
            PathError::BudgetExhausted(3),
            PathError::TooLong(4),
        ];
        for why in [
            "the issuer is not a CA (basicConstraints cA is not TRUE)",
            "the issuer's key usage lacks keyCertSign",
        ] {
            paths.push(PathError::NotCa {
                subject: s(),
                issuer: s(),
                why,
            });
        }
        paths.extend(policies.iter().cloned().map(PathError::Policy));
        paths.extend(
            violations
                .iter()
                .cloned()
                .map(|why| PathError::NameConstraints {
                    subject: s(),
                    ca: s(),
                    why,
                }),
        );
        for e in &paths {
            assert_eq!(e.phrase().to_string(), e.to_string());
            assert!(
                e.phrase().keys().iter().all(|k| *k != PhraseKey::Verbatim),
                "{e}: a sentence of its own"
            );
        }
        for e in [
            CryptoError::Unsupported("z".into()),
            CryptoError::BadSignature,
            CryptoError::BadKey("k".into()),
        ] {
            assert_eq!(e.phrase().to_string(), e.to_string());
        }
    }

    #[test]
    fn a_phrase_renders_its_values_into_the_sentence() {
        let p = Phrase::new(PhraseKey::Expired).text("not_after", "2025-01-01T00:00:00Z");
        assert_eq!(p.to_string(), "expired 2025-01-01T00:00:00Z");
        let list = Phrase::joined(vec![
            Phrase::new(PhraseKey::OnlyDeltaCrls),
            Phrase::new(PhraseKey::NoCrl).text("issuer", "CN={x}"),
        ]);
        assert_eq!(
            list.to_string(),
            "only delta CRLs, no complete CRL; no CRL from CN={x} is available"
        );
        let explained = Phrase::explained(
            Reason::CertExpired,
            Phrase::verbatim("expired on 2025-01-01."),
        );
        assert_eq!(
            explained.to_string(),
            Reason::CertExpired.explain("expired on 2025-01-01.")
        );
        // A missing placeholder value fails the rendering rather than showing "{x}".
        assert_eq!(Phrase::new(PhraseKey::Expired).render(&English), None);
    }
}
