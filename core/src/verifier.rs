//! `Verifier`: the one entry point that decides the signing conditions (CONTRACT.md) for every
//! caller — CLI, HTTP, workflow, audit and the officer signer's check of its own certificate.

use std::sync::Arc;

use arc_swap::ArcSwap;
use time::OffsetDateTime;

use crate::cert::Certificate;
use crate::chain::{CertPath, CertPool, PathBuilder, PathError, PathLimits};
use crate::cms::{CmsLimits, SignedMessage};
use crate::crl::Crl;
use crate::crl_check::{self, CrlIssuerError};
use crate::ids::IdNumber;
use crate::input;
use crate::ocsp::{
    self, Combined, OcspAnswer, OcspContext, RevocationPolicy, Sources, StatusQuery,
};
use crate::phrase::{Phrase, PhraseKey};
use crate::policy::PolicyOptions;
use crate::revocation::{CrlSnapshot, RevocationContext, RevocationStatus};
use crate::sigcache::SigCache;
use crate::signer::signature_checks;
use crate::timestamp::basis::{signer_time, SignerTime};
use crate::usage::{UsageError, UsageReason};
use crate::verdict::{
    first_reason, rfc3339, Check, CheckResult, Evidence, OcspEvidence, Reason, SignerOutcome,
    SignerSummary, Status, TimeBasis, Verdict,
};

/// What the signer's certificate must be for: a document-signing (SIGN) certificate, a
/// time-stamping authority's, or anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyUsagePolicy {
    /// nonRepudiation required (CONTRACT.md reason 7).
    #[default]
    DocumentSigning,
    /// A TSA's certificate (RFC 3161 §2.3): the extended key usage id-kp-timeStamping, alone and
    /// critical, instead of nonRepudiation; failing it is `key_usage_not_signing` too.
    TimeStamping,
    /// Any key usage (verify-cert `--any-key-usage`).
    Any,
}

#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The validation time set by the caller (every signer is judged at it, time basis
    /// `caller`; time-stamp tokens are still verified and reported). `None`: each signer with a
    /// signature time-stamp token that verifies is judged at its `genTime` (basis `timestamp`,
    /// CONTRACT §3), the others at [`unstamped_at`](Self::unstamped_at) or now.
    pub at: Option<OffsetDateTime>,
    /// With `at` unset: the validation time of a signer without a time-stamp token that
    /// verifies (basis `caller`), such as the time an archive received the document; `None`
    /// means now (basis `now`).
    pub unstamped_at: Option<OffsetDateTime>,
    pub expected_id: Option<IdNumber>,
    pub key_usage: KeyUsagePolicy,
    /// Extra untrusted certificates for path building (CLI `--intermediate` beyond configuration).
    pub extra_intermediates: Vec<Arc<Certificate>>,
    /// CRLs to judge revocation with instead of the live snapshot: the stored evidence of an
    /// archived document when it is re-verified as of its signing time.
    pub crls: Option<Arc<CrlSnapshot>>,
    /// The certificate-policy inputs of RFC 5280 §6.1.1 for this call; `None` takes the
    /// verifier's own (the deployment's, [`Verifier::with_policy`]: by default any policy, none
    /// required).
    pub policy: Option<PolicyOptions>,
    /// Where revocation status comes from: CRLs (the default), OCSP, or both in an order.
    pub revocation_policy: RevocationPolicy,
    /// OCSP answers the caller has: fetched by the service for [`Verifier::status_queries`], sent
    /// with the request, or kept with an archived document. Responses embedded in a SignedData
    /// (RFC 5940, id-ri-ocsp-response) are used too. Ignored under [`RevocationPolicy::Crl`].
    pub ocsp: Vec<OcspAnswer>,
    /// How old (producedAt before the validation time) a response without nextUpdate may be, as
    /// the NCA's are; `None` is [`DEFAULT_OCSP_MAX_AGE`].
    pub ocsp_max_age: Option<time::Duration>,
    /// How far a responder's clock may run ahead of the validation time: thisUpdate and
    /// producedAt up to this much after T still count as "at or before T". Zero by default, the
    /// contract's rule (thisUpdate <= T); OpenSSL's client allows five minutes. Verifying as of
    /// a time taken before the answer was fetched (a request's arrival) needs a little.
    pub ocsp_clock_skew: time::Duration,
}

/// The maximum age of an OCSP response without nextUpdate when the caller sets none: the NCA's
/// responder produces a fresh answer for every request, so an hour-old one has been kept a while.
pub const DEFAULT_OCSP_MAX_AGE: time::Duration = time::Duration::hours(1);

impl VerifyOptions {
    /// The request's time: `at`, else `unstamped_at`, else now.
    fn validation_time(&self) -> OffsetDateTime {
        let t = self
            .at
            .or(self.unstamped_at)
            .unwrap_or_else(OffsetDateTime::now_utc);
        // Whole seconds: certificate and CRL times have no finer resolution.
        t.replace_nanosecond(0).unwrap_or(t)
    }
}

pub struct Verifier {
    anchors: CertPool,
    intermediates: CertPool,
    crls: ArcSwap<CrlSnapshot>,
    cache: SigCache,
    path_limits: PathLimits,
    cms_limits: CmsLimits,
    /// The deployment's certificate-policy inputs, used when a call gives none.
    policy: PolicyOptions,
}

/// What one certificate-level evaluation found.
struct CertEvaluation {
    checks: Vec<Check>,
    evidence: Evidence,
}

impl Verifier {
    pub fn new(
        anchors: Vec<Arc<Certificate>>,
        intermediates: Vec<Arc<Certificate>>,
        crls: CrlSnapshot,
    ) -> Result<Self, UsageError> {
        if anchors.is_empty() {
            return Err(UsageError::new(
                UsageReason::NoTrustAnchor,
                "no trust anchor is configured: give at least one --trust certificate",
            ));
        }
        Ok(Verifier {
            anchors: CertPool::from_certs(anchors),
            intermediates: CertPool::from_certs(intermediates),
            crls: ArcSwap::from_pointee(crls),
            cache: SigCache::default(),
            path_limits: PathLimits::default(),
            cms_limits: CmsLimits::default(),
            policy: PolicyOptions::default(),
        })
    }

    /// Sets the deployment's certificate-policy inputs (RFC 5280 §6.1.1: the initial policy set,
    /// explicit policy, policy-mapping and anyPolicy inhibits): every verification whose options
    /// give none uses them, so a deployment can require, say, the NCA's policies once.
    pub fn with_policy(mut self, policy: PolicyOptions) -> Self {
        self.policy = policy;
        self
    }

    /// The policy inputs of the deployment.
    pub fn policy(&self) -> &PolicyOptions {
        &self.policy
    }

    fn policy_for<'a>(&'a self, options: &'a VerifyOptions) -> &'a PolicyOptions {
        options.policy.as_ref().unwrap_or(&self.policy)
    }

    /// Swaps in a new CRL snapshot; verifications in flight keep the one they started with.
    pub fn replace_crls(&self, snapshot: Arc<CrlSnapshot>) {
        self.crls.store(snapshot);
    }

    pub fn crls(&self) -> Arc<CrlSnapshot> {
        self.crls.load_full()
    }

    /// The configured intermediate certificates.
    pub fn intermediates(&self) -> impl Iterator<Item = &Arc<Certificate>> {
        self.intermediates.iter()
    }

    /// A path builder over the anchors, `pools` of candidate issuers, this verifier's signature
    /// cache and limits, for validation at `at` under `policy`.
    fn path_builder<'a>(
        &'a self,
        pools: &'a [&'a CertPool],
        at: OffsetDateTime,
        policy: &'a PolicyOptions,
    ) -> PathBuilder<'a> {
        PathBuilder {
            anchors: &self.anchors,
            pools,
            cache: &self.cache,
            limits: self.path_limits,
            at,
            policy,
        }
    }

    fn snapshot_for(&self, options: &VerifyOptions) -> Arc<CrlSnapshot> {
        match &options.crls {
            Some(given) => Arc::clone(given),
            None => self.crls.load_full(),
        }
    }

    /// Verifies a signature in any accepted encoding. `detached` is the content of a detached
    /// signature. `Err` only for a wrong call (e.g. a detached signature without its content).
    pub fn verify_signature(
        &self,
        input: &[u8],
        detached: Option<&[u8]>,
        options: &VerifyOptions,
    ) -> Result<Verdict, UsageError> {
        let at = options.validation_time();
        let der = match input::signature_der(input) {
            Ok(der) => der,
            Err(why) => return Ok(Verdict::malformed(at, why)),
        };
        match SignedMessage::from_der(&der, self.cms_limits) {
            Ok(message) => self.verify_message(&message, detached, options),
            // The parser's own words: a CMS structure's defects have no sentences of their own.
            Err(e) => Ok(Verdict::malformed(at, Phrase::verbatim(e.to_string()))),
        }
    }

    /// Verifies a parsed signature: every signer at its own time (see [`VerifyOptions::at`]),
    /// its time-stamp tokens verified and reported.
    pub fn verify_message(
        &self,
        message: &SignedMessage,
        detached: Option<&[u8]>,
        options: &VerifyOptions,
    ) -> Result<Verdict, UsageError> {
        self.judge_message(message, detached, options, Stamps::Verify)
    }

    /// Verifies a time-stamp token's own SignedData: its signer's unsigned attributes are not
    /// searched for tokens (a token is not time-stamped in turn, and nesting stays bounded).
    pub(crate) fn verify_token_message(
        &self,
        message: &SignedMessage,
        options: &VerifyOptions,
    ) -> Result<Verdict, UsageError> {
        self.judge_message(message, None, options, Stamps::Ignore)
    }

    fn judge_message(
        &self,
        message: &SignedMessage,
        detached: Option<&[u8]>,
        options: &VerifyOptions,
        stamps: Stamps,
    ) -> Result<Verdict, UsageError> {
        let at = options.validation_time();
        let fallback_basis = if options.at.is_some() || options.unstamped_at.is_some() {
            TimeBasis::Caller
        } else {
            TimeBasis::Now
        };
        let content: &[u8] = match (&message.content, detached) {
            (Some(inside), _) => inside,
            (None, Some(given)) => given,
            (None, None) => {
                return Err(UsageError::new(
                    UsageReason::MissingContent,
                    // Neutral: the command line and the API each say how to give it.
                    PhraseKey::MissingContent.english(),
                ));
            }
        };
        let content_mismatch = matches!((&message.content, detached), (Some(inside), Some(given)) if inside.as_slice() != given);

        let snapshot = self.snapshot_for(options);
        let cms_pool = CertPool::from_certs(
            message
                .certificates
                .iter()
                .cloned()
                .chain(options.extra_intermediates.iter().cloned()),
        );
        // Configured intermediates first: certificates the signer supplies cannot crowd out the
        // operator's own within the path-building budget.
        let pools = [&self.intermediates, &cms_pool];

        // The caller's OCSP answers and those the SignedData carries; nothing to gather when the
        // policy does not look at OCSP or nothing is embedded.
        let embedded_answers: Vec<OcspAnswer>;
        let answers: &[OcspAnswer] =
            if options.revocation_policy.uses_ocsp() && !message.ocsp_responses.is_empty() {
                embedded_answers = options
                    .ocsp
                    .iter()
                    .cloned()
                    .chain(
                        message
                            .ocsp_responses
                            .iter()
                            .map(|r| OcspAnswer::response(Arc::clone(r))),
                    )
                    .collect();
                &embedded_answers
            } else {
                &options.ocsp
            };

        let mut evidence = Evidence::default();
        let mut runs = Vec::with_capacity(message.signers.len());
        for (index, signer) in message.signers.iter().enumerate() {
            let mut signer_checks = Vec::new();
            if content_mismatch {
                signer_checks.push(Check::fail(
                    "content",
                    Reason::SignatureInvalid,
                    Phrase::new(PhraseKey::ContentDiffers),
                ));
            }
            let cert = [&cms_pool, &self.intermediates, &self.anchors]
                .iter()
                .find_map(|pool| pool.iter().find(|c| signer.id.matches(c)).cloned());
            signer_checks.extend(signature_checks(message, signer, content, cert.as_deref()));
            let mut time = match stamps {
                Stamps::Verify => signer_time(self, signer, options, (at, fallback_basis)),
                Stamps::Ignore => SignerTime {
                    at,
                    basis: fallback_basis,
                    checks: Vec::new(),
                    report: None,
                    verdict: None,
                },
            };
            signer_checks.append(&mut time.checks);
            match &cert {
                Some(cert) => {
                    let paths = self.path_builder(&pools, time.at, self.policy_for(options));
                    let mut found = self
                        .evaluate_certificate(cert, &paths, &snapshot, options, answers, time.at);
                    signer_checks.extend(found.checks);
                    if index == 0 {
                        evidence.chain = std::mem::take(&mut found.evidence.chain);
                        evidence.path = std::mem::take(&mut found.evidence.path);
                        evidence.policies = found.evidence.policies.take();
                    }
                    evidence.merge_revocation(found.evidence);
                }
                None => signer_checks.push(Check::fail(
                    "chain",
                    Reason::ChainUntrusted,
                    Phrase::new(PhraseKey::SignerCertificateMissing)
                        .text("signer", signer.id.describe()),
                )),
            }
            runs.push(SignerRun {
                checks: signer_checks,
                cert,
                time,
            });
        }
        if let Some(expected) = &options.expected_id {
            expected_identity(&mut runs, expected);
        }

        let several = message.signers.len() > 1;
        let mut checks = Vec::new();
        let mut outcomes = Vec::with_capacity(runs.len());
        for (index, (run, signer)) in runs.into_iter().zip(&message.signers).enumerate() {
            let mut signer_checks = run.checks;
            let reason = first_reason(&signer_checks);
            let signing_time = signer
                .signed_attributes
                .as_ref()
                .and_then(|a| a.signing_time);
            outcomes.push(SignerOutcome {
                index: index + 1,
                status: reason
                    .map(Reason::status)
                    .unwrap_or(crate::verdict::Status::Valid),
                reason,
                signer: run.cert.as_deref().map(SignerSummary::of),
                signing_time: signing_time.map(rfc3339),
                time_basis: run.time.basis,
                time: rfc3339(run.time.at),
                timestamp: run.time.report,
                timestamp_verdict: run.time.verdict,
            });
            if several {
                for c in &mut signer_checks {
                    c.signer = Some(index + 1);
                }
            }
            checks.extend(signer_checks);
        }
        let first = outcomes.first();
        let signer = first.and_then(|o| o.signer.clone());
        let signing_time = message
            .signers
            .first()
            .and_then(|s| s.signed_attributes.as_ref())
            .and_then(|a| a.signing_time);
        Ok(Verdict::from_checks(
            at,
            checks,
            signer,
            signing_time,
            evidence,
            outcomes,
        ))
    }

    /// The certification path of `cert` (the certificate first, the trust anchor last), built
    /// from the configured intermediates and `extra`, without judging validity or revocation:
    /// the certificates a signer embeds in its SignedData. `None` when no path reaches an anchor.
    pub fn certification_path(
        &self,
        cert: &Arc<Certificate>,
        extra: &[Arc<Certificate>],
    ) -> Option<Vec<Arc<Certificate>>> {
        let extra = CertPool::from_certs(extra.iter().cloned());
        let pools = [&extra, &self.intermediates];
        let policy = PolicyOptions::default();
        let paths = self.path_builder(&pools, OffsetDateTime::now_utc(), &policy);
        paths.build(cert).ok().map(|path| path.certs)
    }

    /// Admission of a CRL from an outside source: the certificate among `cas` that signed `crl`
    /// and may sign it now, by the rule verifications apply (CONTRACT.md §3: the CA itself, or a
    /// separate CRL signer with cRLSign, a path to a trust anchor, valid and not revoked by the
    /// CRLs this verifier holds); [`CrlIssuerError`] says why none did. The signature check is
    /// recorded in this verifier's cache, so the first verification that uses the CRL finds it
    /// done.
    pub fn crl_signer(
        &self,
        crl: &Crl,
        cas: &[Arc<Certificate>],
    ) -> Result<Arc<Certificate>, CrlIssuerError> {
        let configured = CertPool::from_certs(cas.iter().cloned());
        let pools = [&self.intermediates, &configured];
        let at = VerifyOptions::default().validation_time();
        // A CRL signer's path is judged under the default policy inputs (anyPolicy).
        let policy = PolicyOptions::default();
        let paths = self.path_builder(&pools, at, &policy);
        let crls = self.crls.load_full();
        let admission = crl_check::Admission {
            paths: &paths,
            crls: &crls,
            at,
        };
        crl_check::crl_signer(crl, cas, &admission)
    }

    /// Validates a certificate alone: path, validity, revocation, key usage and identity.
    pub fn verify_certificate(&self, cert: &Arc<Certificate>, options: &VerifyOptions) -> Verdict {
        let at = options.validation_time();
        let snapshot = self.snapshot_for(options);
        let extra = CertPool::from_certs(options.extra_intermediates.iter().cloned());
        let pools = [&extra, &self.intermediates];
        let paths = self.path_builder(&pools, at, self.policy_for(options));
        let mut found =
            self.evaluate_certificate(cert, &paths, &snapshot, options, &options.ocsp, at);
        if let Some(expected) = &options.expected_id {
            found.checks.push(identity_check(cert, expected));
        }
        let summary = SignerSummary::of(cert);
        let mut verdict = Verdict::from_checks(
            at,
            found.checks,
            Some(summary),
            None,
            found.evidence,
            Vec::new(),
        );
        if verdict.status == Status::Valid {
            // A certificate alone carries no signature to call valid.
            verdict.message = "Every condition holds: the certificate is valid.".to_owned();
        }
        verdict
    }

    /// The certificates whose status the service should ask OCSP responders about before it
    /// verifies `message`: every certificate below the anchor of the paths the signers'
    /// certificates (and the TSAs' of their time-stamp tokens) may take (at the validation time of `options`, from the same pools as
    /// [`Verifier::verify_message`]), each with its issuer and responders, without duplicates.
    /// Nothing is judged: the service fetches answers and passes them in
    /// [`VerifyOptions::ocsp`].
    pub fn status_queries(
        &self,
        message: &SignedMessage,
        options: &VerifyOptions,
    ) -> Vec<StatusQuery> {
        let mut queries = self.message_queries(message, options);
        // The TSAs of the signers' time-stamp tokens, whose paths are judged at genTime.
        for signer in &message.signers {
            for token in crate::timestamp::tokens_of(signer).into_iter().flatten() {
                let token_options = VerifyOptions {
                    at: Some(token.gen_time()),
                    extra_intermediates: options.extra_intermediates.clone(),
                    ..VerifyOptions::default()
                };
                for query in self.message_queries(&token.message, &token_options) {
                    if !queries.iter().any(|q| q.same_pair(&query)) {
                        queries.push(query);
                    }
                }
            }
        }
        queries
    }

    /// The queries about the paths of `message`'s signers alone.
    fn message_queries(
        &self,
        message: &SignedMessage,
        options: &VerifyOptions,
    ) -> Vec<StatusQuery> {
        let at = options.validation_time();
        let cms_pool = CertPool::from_certs(
            message
                .certificates
                .iter()
                .cloned()
                .chain(options.extra_intermediates.iter().cloned()),
        );
        let pools = [&self.intermediates, &cms_pool];
        let paths = self.path_builder(&pools, at, self.policy_for(options));
        let mut queries = Vec::new();
        for signer in &message.signers {
            let cert = [&cms_pool, &self.intermediates, &self.anchors]
                .iter()
                .find_map(|pool| pool.iter().find(|c| signer.id.matches(c)).cloned());
            if let Some(cert) = cert {
                collect_queries(&paths, &cert, &mut queries);
            }
        }
        queries
    }

    /// [`Verifier::status_queries`] for a signature in any accepted encoding; none when it is
    /// not readable (its verification says why).
    pub fn signature_status_queries(
        &self,
        input: &[u8],
        options: &VerifyOptions,
    ) -> Vec<StatusQuery> {
        let Ok(der) = input::signature_der(input) else {
            return Vec::new();
        };
        match SignedMessage::from_der(&der, self.cms_limits) {
            Ok(message) => self.status_queries(&message, options),
            Err(_) => Vec::new(),
        }
    }

    /// [`Verifier::status_queries`] for a certificate alone, as [`Verifier::verify_certificate`]
    /// builds its paths.
    pub fn certificate_status_queries(
        &self,
        cert: &Arc<Certificate>,
        options: &VerifyOptions,
    ) -> Vec<StatusQuery> {
        let at = options.validation_time();
        let extra = CertPool::from_certs(options.extra_intermediates.iter().cloned());
        let pools = [&extra, &self.intermediates];
        let paths = self.path_builder(&pools, at, self.policy_for(options));
        let mut queries = Vec::new();
        collect_queries(&paths, cert, &mut queries);
        queries
    }

    fn evaluate_certificate(
        &self,
        cert: &Arc<Certificate>,
        paths: &PathBuilder<'_>,
        snapshot: &CrlSnapshot,
        options: &VerifyOptions,
        answers: &[OcspAnswer],
        at: OffsetDateTime,
    ) -> CertEvaluation {
        let ocsp = OcspInputs {
            answers,
            policy: options.revocation_policy,
            max_age: options.ocsp_max_age.unwrap_or(DEFAULT_OCSP_MAX_AGE),
            clock_skew: options.ocsp_clock_skew,
        };
        // Every path that passes validation is judged on validity and revocation until one
        // passes both; when none does, the first (the most promising) is reported.
        let mut accepted: Option<CertEvaluation> = None;
        let mut first: Option<CertEvaluation> = None;
        let searched = paths.for_each_path(cert, &mut |path| {
            let judged = judge_path(&path, paths, snapshot, &ocsp, at);
            if first_reason(&judged.checks).is_none() {
                accepted = Some(judged);
                return true;
            }
            if first.is_none() {
                first = Some(judged);
            }
            false
        });
        let CertEvaluation {
            mut checks,
            evidence,
        } = match (accepted.or(first), searched) {
            (Some(found), _) => found,
            (None, Err(e)) => no_path(cert, &e, at),
            // for_each_path is Ok only after judging a path; kept total all the same.
            (None, Ok(())) => no_path(
                cert,
                &PathError::IssuerNotFound {
                    subject: cert.subject.to_string(),
                    issuer: cert.issuer.to_string(),
                },
                at,
            ),
        };

        match options.key_usage {
            KeyUsagePolicy::DocumentSigning => checks.push(key_usage_check(cert)),
            KeyUsagePolicy::TimeStamping => checks.push(time_stamping_check(cert)),
            KeyUsagePolicy::Any => {}
        }
        CertEvaluation { checks, evidence }
    }
}

/// The checks of one validated path: the chain itself, the validity of every certificate of the
/// path (the trust anchor's included, CONTRACT §3a) and the revocation of those below the anchor.
fn judge_path(
    path: &CertPath,
    paths: &PathBuilder<'_>,
    snapshot: &CrlSnapshot,
    ocsp: &OcspInputs<'_>,
    at: OffsetDateTime,
) -> CertEvaluation {
    let mut evidence = Evidence {
        chain: path.certs.iter().map(|c| c.subject.to_string()).collect(),
        path: path.certs.clone(),
        policies: Some(
            path.policies
                .authorities
                .iter()
                .map(ToString::to_string)
                .collect(),
        ),
        ..Evidence::default()
    };
    let mut checks = Vec::with_capacity(2 * path.certs.len() + 2);
    checks.push(Check::pass(
        "chain",
        Phrase::new(PhraseKey::ChainTrusted)
            .text("count", path.certs.len().to_string())
            .text("anchor", path.anchor().subject.to_string()),
    ));
    for c in &path.certs {
        checks.push(validity_check(c, at));
    }
    let context = RevocationContext {
        crls: snapshot,
        paths,
        at,
    };
    if ocsp.policy == RevocationPolicy::Crl {
        checks.extend(revocation_checks(path, &context, &mut evidence));
    } else {
        let ocsp_context = OcspContext {
            answers: ocsp.answers,
            max_age: ocsp.max_age,
            clock_skew: ocsp.clock_skew,
            at,
            cache: paths.cache,
            delegated: true,
        };
        let sources = Sources {
            crl: &context,
            ocsp: &ocsp_context,
            policy: ocsp.policy,
        };
        checks.extend(policy_revocation_checks(path, &sources, &mut evidence));
    }
    CertEvaluation { checks, evidence }
}

/// Paths of one certificate looked at for status queries: verification judges the most promising
/// first and rarely needs another.
const MAX_QUERY_PATHS: usize = 4;

/// Adds the (certificate, issuer) pairs of `cert`'s paths to `queries`, once each.
fn collect_queries(
    paths: &PathBuilder<'_>,
    cert: &Arc<Certificate>,
    queries: &mut Vec<StatusQuery>,
) {
    let mut seen = 0;
    let _ = paths.for_each_path(cert, &mut |path| {
        for (c, issuer) in path.with_issuers() {
            let known = queries.iter().any(|q| {
                q.cert.fingerprint == c.fingerprint && q.issuer.fingerprint == issuer.fingerprint
            });
            if !known {
                queries.push(StatusQuery {
                    cert: Arc::clone(c),
                    issuer: Arc::clone(issuer),
                    responders: c.ocsp_urls.clone(),
                });
            }
        }
        seen += 1;
        seen >= MAX_QUERY_PATHS
    });
}

/// The checks when no path validates: why, and the certificate's own validity.
fn no_path(cert: &Certificate, e: &PathError, at: OffsetDateTime) -> CertEvaluation {
    let checks = vec![
        path_failure(e),
        validity_check(cert, at),
        Check::unknown("revocation", None, Phrase::new(PhraseKey::RevocationNoPath)).about(cert),
    ];
    CertEvaluation {
        checks,
        evidence: Evidence::default(),
    }
}

/// One signer's findings before the expected identity is judged across all signers.
struct SignerRun {
    checks: Vec<Check>,
    cert: Option<Arc<Certificate>>,
    time: SignerTime,
}

/// Whether a message's signers' time-stamp tokens are looked at: yes for a document, no for a
/// time-stamp token's own SignedData.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stamps {
    Verify,
    Ignore,
}

/// CONTRACT §4: with several signers, an expected IIN/BIN matches when at least one valid
/// signer's certificate carries it; the others need not carry it.
///
/// Each signer whose certificate carries the id gets a passing identity check (so the verdict
/// says which signer matched). The others get the failing check only when no signer that
/// carries it can be valid: when every carrier is already invalid, or there is none. A carrier
/// that is only indeterminate (no usable CRL, say) keeps the whole verdict indeterminate rather
/// than letting the others make it `identity_mismatch`. With one signer this is the plain rule:
/// its certificate carries the id or the verdict is `identity_mismatch`.
fn expected_identity(runs: &mut [SignerRun], expected: &IdNumber) {
    let judged: Vec<Option<Check>> = runs
        .iter()
        .map(|run| run.cert.as_deref().map(|c| identity_check(c, expected)))
        .collect();
    let carrier_may_be_valid = runs.iter().zip(&judged).any(|(run, check)| {
        matches!(check, Some(c) if c.result == CheckResult::Pass)
            && first_reason(&run.checks).map(Reason::status) != Some(Status::Invalid)
    });
    for (run, check) in runs.iter_mut().zip(judged) {
        match check {
            Some(c) if c.result == CheckResult::Pass || !carrier_may_be_valid => run.checks.push(c),
            _ => {}
        }
    }
}

fn path_failure(e: &PathError) -> Check {
    if e.is_unsupported_algorithm() {
        Check::unknown("chain", Some(Reason::UnsupportedAlgorithm), e.phrase())
    } else {
        Check::fail("chain", Reason::ChainUntrusted, e.phrase())
    }
}

fn validity_check(cert: &Certificate, at: OffsetDateTime) -> Check {
    if cert.not_before > at {
        Check::fail(
            "validity",
            Reason::CertNotYetValid,
            Phrase::new(PhraseKey::NotYetValid).text("not_before", rfc3339(cert.not_before)),
        )
    } else if cert.not_after < at {
        Check::fail(
            "validity",
            Reason::CertExpired,
            Phrase::new(PhraseKey::Expired).text("not_after", rfc3339(cert.not_after)),
        )
    } else {
        Check::pass(
            "validity",
            Phrase::new(PhraseKey::ValidityPeriod)
                .text("not_before", rfc3339(cert.not_before))
                .text("not_after", rfc3339(cert.not_after)),
        )
    }
    .about(cert)
}

fn revocation_checks(
    path: &CertPath,
    context: &RevocationContext<'_>,
    evidence: &mut Evidence,
) -> Vec<Check> {
    let anchor = path.anchor();
    path.with_issuers()
        .map(|(cert, issuer)| {
            match context.status(cert, issuer, anchor) {
                RevocationStatus::Good { crls } => {
                    let mut numbers: Vec<String> = Vec::with_capacity(crls.len());
                    for crl in &crls {
                        // What `evidence.add_crl(crl)` does, with the snapshot's preformatted
                        // record (its `number` is `crl.number_string()`).
                        let item = context.crls.evidence_of(crl);
                        numbers.push(item.number.clone().unwrap_or_else(|| "-".into()));
                        if !evidence.crls.contains(&item) {
                            evidence.crls.push(item.into_owned());
                        }
                    }
                    Check::pass(
                        "revocation",
                        Phrase::new(PhraseKey::NotRevokedCrl).text("numbers", numbers.join(" + ")),
                    )
                }
                RevocationStatus::Revoked { crl, detail, .. } => {
                    evidence.add_crl(&crl);
                    Check::fail("revocation", Reason::CertRevoked, detail)
                }
                RevocationStatus::Unknown { why } => {
                    Check::unknown("revocation", Some(Reason::RevocationUnknown), why)
                }
            }
            .about(cert)
        })
        .collect()
}

/// The OCSP inputs of one verification.
struct OcspInputs<'a> {
    answers: &'a [OcspAnswer],
    policy: RevocationPolicy,
    max_age: time::Duration,
    clock_skew: time::Duration,
}

/// The revocation checks of a path under a policy that looks at OCSP (`revocation_checks` is
/// the CRL-only policy, unchanged).
fn policy_revocation_checks(
    path: &CertPath,
    sources: &Sources<'_>,
    evidence: &mut Evidence,
) -> Vec<Check> {
    let anchor = path.anchor();
    path.with_issuers()
        .map(|(cert, issuer)| {
            match sources.status(cert, issuer, anchor) {
                Combined::Good { crls, ocsp, note } => {
                    let mut parts = Vec::with_capacity(2);
                    if !crls.is_empty() {
                        let numbers: Vec<String> = crls
                            .iter()
                            .map(|crl| {
                                let item = sources.crl.crls.evidence_of(crl);
                                let number = item.number.clone().unwrap_or_else(|| "-".into());
                                if !evidence.crls.contains(&item) {
                                    evidence.crls.push(item.into_owned());
                                }
                                number
                            })
                            .collect();
                        parts.push(
                            Phrase::new(PhraseKey::NotRevokedCrl)
                                .text("numbers", numbers.join(" + ")),
                        );
                    }
                    if let Some((used, detail)) = ocsp {
                        evidence.add_ocsp(ocsp_evidence(&used), &used.response);
                        parts.push(detail);
                    }
                    let mut detail = both(parts);
                    if let Some(note) = note {
                        detail = detail.noted(note);
                    }
                    Check::pass("revocation", detail)
                }
                Combined::Revoked { crl, ocsp, detail } => {
                    if let Some(crl) = crl {
                        evidence.add_crl(&crl);
                    }
                    if let Some(used) = ocsp {
                        evidence.add_ocsp(ocsp_evidence(&used), &used.response);
                    }
                    Check::fail("revocation", Reason::CertRevoked, detail)
                }
                Combined::Unknown { why } => {
                    Check::unknown("revocation", Some(Reason::RevocationUnknown), why)
                }
            }
            .about(cert)
        })
        .collect()
}

fn ocsp_evidence(used: &ocsp::Used) -> OcspEvidence {
    let single = used.single();
    OcspEvidence {
        responder: used.signer.clone(),
        url: used.url.clone(),
        produced_at: rfc3339(used.produced_at),
        this_update: rfc3339(single.this_update),
        next_update: single.next_update.map(rfc3339),
        status: single.status.as_str(),
        sha256: used.response.sha256_hex(),
    }
}

/// One phrase, or two joined by "and".
fn both(mut parts: Vec<Phrase>) -> Phrase {
    match (parts.pop(), parts.pop()) {
        (Some(second), Some(first)) => Phrase::new(PhraseKey::Both)
            .phrase("first", first)
            .phrase("second", second),
        (Some(one), None) => one,
        _ => Phrase::verbatim(""),
    }
}

fn key_usage_check(cert: &Certificate) -> Check {
    match cert.key_usage {
        Some(ku) if ku.non_repudiation => Check::pass(
            "key_usage",
            Phrase::new(PhraseKey::SigningKey).text("usages", ku.names().join(", ")),
        ),
        Some(ku) => Check::fail(
            "key_usage",
            Reason::KeyUsageNotSigning,
            Phrase::new(PhraseKey::NoNonRepudiation).text("usages", ku.names().join(", ")),
        ),
        None => Check::fail(
            "key_usage",
            Reason::KeyUsageNotSigning,
            Phrase::new(PhraseKey::NoKeyUsage),
        ),
    }
    .about(cert)
}

/// RFC 3161 §2.3: "The corresponding certificate MUST contain only one instance of the extended
/// key usage field extension [...] with KeyPurposeID having value id-kp-timeStamping. This
/// extension MUST be critical." A key usage, when present, must allow signatures.
fn time_stamping_check(cert: &Certificate) -> Check {
    const TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
    let ekus = &cert.ext_key_usage;
    let failure = if ekus.is_empty() {
        Some(Phrase::new(PhraseKey::TsaNoEku))
    } else if !ekus.iter().any(|e| e == TIME_STAMPING) {
        Some(Phrase::new(PhraseKey::TsaOtherEku).text("usages", ekus.join(", ")))
    } else if !cert.ext_key_usage_critical {
        Some(Phrase::new(PhraseKey::TsaEkuNotCritical))
    } else if ekus.len() > 1 {
        Some(Phrase::new(PhraseKey::TsaEkuNotAlone).text("usages", ekus.join(", ")))
    } else {
        match cert.key_usage {
            Some(ku) if !ku.digital_signature && !ku.non_repudiation => {
                Some(Phrase::new(PhraseKey::TsaNoSignature).text("usages", ku.names().join(", ")))
            }
            _ => None,
        }
    };
    match failure {
        Some(detail) => Check::fail("key_usage", Reason::KeyUsageNotSigning, detail),
        None => Check::pass("key_usage", Phrase::new(PhraseKey::TsaKey)),
    }
    .about(cert)
}

fn identity_check(cert: &Certificate, expected_id: &IdNumber) -> Check {
    let expected = expected_id.to_string();
    let id = &cert.identity;
    // Only a deployment that enables test ids parses one as expected id (CONTRACT §2).
    let test = expected_id.is_test_id();
    if id.iin.as_deref() == Some(expected.as_str()) {
        let key = if test {
            PhraseKey::TestIdIsIin
        } else {
            PhraseKey::IdIsIin
        };
        Check::pass("identity", Phrase::new(key).text("id", expected))
    } else if id.bin.as_deref() == Some(expected.as_str()) {
        let key = if test {
            PhraseKey::TestIdIsBin
        } else {
            PhraseKey::IdIsBin
        };
        Check::pass("identity", Phrase::new(key).text("id", expected))
    } else {
        let has = |name: &'static str, v: &Option<String>, phrase: Phrase| match v {
            Some(v) => phrase.text(name, v.clone()),
            None => phrase.phrase(name, Phrase::new(PhraseKey::NoneValue)),
        };
        let phrase = Phrase::new(PhraseKey::IdMismatch).text("expected", expected);
        let phrase = has("iin", &id.iin, phrase);
        Check::fail(
            "identity",
            Reason::IdentityMismatch,
            has("bin", &id.bin, phrase),
        )
    }
    .about(cert)
}
