//! Path building and validation from a certificate to a configured trust anchor (RFC 5280 §6.1):
//! candidate issuers by name and key identifier, depth-first with backtracking; on every complete
//! candidate path the signatures, basicConstraints and keyCertSign, pathLenConstraint (the anchor's
//! too), critical extensions, certificate content rules, name constraints (name_constraints.rs)
//! and certificate policies (policy.rs). Validity at the validation time steers the search (a path
//! whose certificates are all valid wins over one that is not); the verdict on validity and
//! revocation is the caller's, per certificate.

use std::collections::HashMap;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::cert::{name_key_hash, Certificate};
use crate::crypto::CryptoError;
use crate::name::NameKey;
use crate::name_constraints::{self, Budget, Violation};
use crate::phrase::{Phrase, PhraseKey};
use crate::policy::{self, PolicyError, PolicyOptions, ValidPolicies, ANY_POLICY};
use crate::sigcache::SigCache;

/// A set of certificates indexed by subject name.
///
/// The index is keyed by the certificates' precomputed subject-name hashes
/// ([`crate::cert::name_key_hash`]), so building a pool neither clones nor re-hashes names; a
/// lookup still compares the names themselves, so a hash collision never mixes subjects.
#[derive(Default, Clone)]
pub struct CertPool {
    certs: Vec<Arc<Certificate>>,
    by_subject: HashMap<u64, Vec<usize>>,
}

impl CertPool {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_certs(certs: impl IntoIterator<Item = Arc<Certificate>>) -> Self {
        let mut pool = Self::new();
        for cert in certs {
            pool.add(cert);
        }
        pool
    }

    /// Adds a certificate unless the very same one is already present.
    pub fn add(&mut self, cert: Arc<Certificate>) {
        let slot = self.by_subject.entry(cert.subject_key_hash()).or_default();
        // The same fingerprint means the same DER, hence the same subject.
        if slot
            .iter()
            .any(|&i| self.certs[i].fingerprint == cert.fingerprint)
        {
            return;
        }
        slot.push(self.certs.len());
        self.certs.push(cert);
    }

    /// Certificates whose subject is `cert`'s issuer.
    pub fn issuers_of<'a>(
        &'a self,
        cert: &'a Certificate,
    ) -> impl Iterator<Item = &'a Arc<Certificate>> {
        self.with_subject_hashed(cert.issuer.key(), cert.issuer_key_hash())
    }

    pub fn with_subject<'a>(
        &'a self,
        key: &'a NameKey,
    ) -> impl Iterator<Item = &'a Arc<Certificate>> {
        self.with_subject_hashed(key, name_key_hash(key))
    }

    /// Certificates with subject `key`, whose [`name_key_hash`] is `hash`.
    fn with_subject_hashed<'a>(
        &'a self,
        key: &'a NameKey,
        hash: u64,
    ) -> impl Iterator<Item = &'a Arc<Certificate>> {
        self.by_subject
            .get(&hash)
            .into_iter()
            .flatten()
            .map(move |&i| &self.certs[i])
            .filter(move |c| c.subject.key() == key)
    }

    pub fn contains(&self, cert: &Certificate) -> bool {
        // A certificate with the same fingerprint has the same subject, so the slot of the
        // subject's hash is the only place to look.
        self.by_subject
            .get(&cert.subject_key_hash())
            .into_iter()
            .flatten()
            .any(|&i| self.certs[i].fingerprint == cert.fingerprint)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Certificate>> {
        self.certs.iter()
    }
}

/// Bounds that keep adversarial certificate bundles from blowing up path building.
#[derive(Debug, Clone, Copy)]
pub struct PathLimits {
    /// Certificates in a path, anchor included.
    pub max_length: usize,
    /// Candidate issuers tried (each costs at most one signature check) per path search.
    pub max_candidates: usize,
    /// Name-constraint comparisons (names × subtrees) per path search, over all the candidate
    /// paths it validates.
    pub max_name_checks: usize,
}

impl Default for PathLimits {
    fn default() -> Self {
        PathLimits {
            max_length: 8,
            max_candidates: 64,
            max_name_checks: 1 << 20,
        }
    }
}

/// A validated path: `certs[0]` is the certificate asked about, the last one is the trust anchor.
#[derive(Debug, Clone)]
pub struct CertPath {
    pub certs: Vec<Arc<Certificate>>,
    /// The certificate policies the path is valid for (§6.1.6).
    pub policies: ValidPolicies,
}

impl CertPath {
    pub fn anchor(&self) -> &Arc<Certificate> {
        self.certs.last().expect("a path always holds its anchor")
    }

    /// The certificates below the anchor, each with its issuer.
    pub fn with_issuers(&self) -> impl Iterator<Item = (&Arc<Certificate>, &Arc<Certificate>)> {
        self.certs.windows(2).map(|w| (&w[0], &w[1]))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("no trusted issuer found for {subject} (issuer {issuer})")]
    IssuerNotFound { subject: String, issuer: String },
    #[error("the signature on {subject} does not verify with the key of {issuer}")]
    BadSignature { subject: String, issuer: String },
    #[error("{issuer} may not issue {subject}: {why}")]
    NotCa {
        subject: String,
        issuer: String,
        why: &'static str,
    },
    #[error("pathLenConstraint exceeded at {subject}")]
    PathLength { subject: String },
    #[error("{subject} has an unsupported critical extension {oid}")]
    UnsupportedCriticalExtension { subject: String, oid: String },
    #[error("{subject} is not a conforming certificate: {why}")]
    Malformed { subject: String, why: String },
    #[error("name constraints of {ca}: in {subject}, {why}")]
    NameConstraints {
        subject: String,
        ca: String,
        why: Violation,
    },
    #[error("certificate policies: {0}")]
    Policy(PolicyError),
    #[error("the signature on {subject} uses an algorithm this service does not implement: {why}")]
    UnsupportedAlgorithm { subject: String, why: String },
    #[error("path search gave up after {0} candidate issuers (limit)")]
    BudgetExhausted(usize),
    #[error("no path within the limit of {0} certificates")]
    TooLong(usize),
}

impl PathError {
    /// How informative an error is when several candidate paths failed: a concrete defect found on
    /// a real candidate beats "no issuer"; a defect of a complete path (policies, names) beats one
    /// of a single link; a search cut short by its budget says so above all.
    fn weight(&self) -> u8 {
        match self {
            PathError::IssuerNotFound { .. } => 0,
            PathError::TooLong(_) => 1,
            PathError::UnsupportedAlgorithm { .. } => 2,
            PathError::BudgetExhausted(_) => 5,
            PathError::NameConstraints { .. } | PathError::Policy(_) => 4,
            _ => 3,
        }
    }

    pub fn is_unsupported_algorithm(&self) -> bool {
        matches!(self, PathError::UnsupportedAlgorithm { .. })
    }

    /// The error as a phrase (its `Display` is this phrase in English).
    pub fn phrase(&self) -> Phrase {
        match self {
            PathError::IssuerNotFound { subject, issuer } => Phrase::new(PhraseKey::IssuerNotFound)
                .text("subject", subject.clone())
                .text("issuer", issuer.clone()),
            PathError::BadSignature { subject, issuer } => {
                Phrase::new(PhraseKey::ChainBadSignature)
                    .text("subject", subject.clone())
                    .text("issuer", issuer.clone())
            }
            PathError::NotCa {
                subject,
                issuer,
                why,
            } => Phrase::new(PhraseKey::NotCa)
                .text("issuer", issuer.clone())
                .text("subject", subject.clone())
                .phrase("why", crate::cert::ca_refusal_phrase(why)),
            PathError::PathLength { subject } => {
                Phrase::new(PhraseKey::PathLength).text("subject", subject.clone())
            }
            PathError::UnsupportedCriticalExtension { subject, oid } => {
                Phrase::new(PhraseKey::UnsupportedCriticalExtension)
                    .text("subject", subject.clone())
                    .text("oid", oid.clone())
            }
            // The certificate's defect in the parser's own words.
            PathError::Malformed { subject, why } => Phrase::new(PhraseKey::NotConforming)
                .text("subject", subject.clone())
                .text("why", why.clone()),
            PathError::NameConstraints { subject, ca, why } => {
                Phrase::new(PhraseKey::NameConstraints)
                    .text("ca", ca.clone())
                    .text("subject", subject.clone())
                    .phrase("why", why.phrase())
            }
            PathError::Policy(e) => Phrase::new(PhraseKey::Policies).phrase("why", e.phrase()),
            PathError::UnsupportedAlgorithm { subject, why } => {
                Phrase::new(PhraseKey::ChainUnsupportedAlgorithm)
                    .text("subject", subject.clone())
                    .text("why", why.clone())
            }
            PathError::BudgetExhausted(limit) => {
                Phrase::new(PhraseKey::PathBudget).text("limit", limit.to_string())
            }
            PathError::TooLong(limit) => {
                Phrase::new(PhraseKey::PathTooLong).text("limit", limit.to_string())
            }
        }
    }
}

pub struct PathBuilder<'a> {
    pub anchors: &'a CertPool,
    pub pools: &'a [&'a CertPool],
    pub cache: &'a SigCache,
    pub limits: PathLimits,
    /// The validation time: candidates valid at it are tried first, and a path holding a
    /// certificate outside its validity period is returned only when no other path validates.
    pub at: OffsetDateTime,
    /// The caller's policy inputs (§6.1.1).
    pub policy: &'a PolicyOptions,
}

/// The caller's judgement of a complete, validated path: true accepts it and ends the search.
pub type Judge<'j> = dyn FnMut(CertPath) -> bool + 'j;

struct Search<'j, 'k> {
    tried: usize,
    best_error: Option<PathError>,
    /// Whether any complete path passed validation (and went to `judge`).
    judged: bool,
    /// Name-constraint comparisons, shared by every candidate path of the search.
    names: Budget,
    judge: &'k mut Judge<'j>,
}

impl Search<'_, '_> {
    /// Notes the failure of a candidate of `rank`: one whose key identifier contradicts the
    /// child's (tried only in case the identifiers are wrong) explains a failure only when
    /// nothing else does.
    fn note_at(&mut self, rank: u8, error: PathError) {
        if rank < KEY_ID_MISMATCH || self.best_error.is_none() {
            self.note(error);
        }
    }

    fn note(&mut self, error: PathError) {
        if self
            .best_error
            .as_ref()
            .is_none_or(|b| error.weight() >= b.weight())
        {
            self.best_error = Some(error);
        }
    }
}

/// Candidate issuers are tried in rank order: 0 key identifiers agree (or one is absent) and the
/// candidate is valid at the validation time, 1 agree but not valid, 2 and 3 likewise with
/// contradicting key identifiers, which a correct issuer does not have but a CA with a faulty
/// authorityKeyIdentifier may.
const RANKS: u8 = 4;
const KEY_ID_MISMATCH: u8 = 2;

fn key_ids_compatible(child: &Certificate, issuer: &Certificate) -> bool {
    match (&child.authority_key_id, &issuer.subject_key_id) {
        (Some(aki), Some(ski)) => aki == ski,
        _ => true,
    }
}

impl PathBuilder<'_> {
    fn valid_at(&self, cert: &Certificate) -> bool {
        cert.not_before <= self.at && self.at <= cert.not_after
    }

    /// The order in which `candidate` is tried as the issuer of `child` (see [`RANKS`]).
    fn rank(&self, child: &Certificate, candidate: &Certificate) -> u8 {
        let mismatch = if key_ids_compatible(child, candidate) {
            0
        } else {
            KEY_ID_MISMATCH
        };
        mismatch + u8::from(!self.valid_at(candidate))
    }

    /// The best path from `leaf` to an anchor: one whose every certificate is valid at the
    /// validation time if there is one, else the first that passed everything but validity (the
    /// caller reports which certificate is out of its period), else the most relevant failure.
    pub fn build(&self, leaf: &Arc<Certificate>) -> Result<CertPath, PathError> {
        let mut current = None;
        let mut fallback = None;
        self.for_each_path(leaf, &mut |path| {
            if path.certs.iter().all(|c| self.valid_at(c)) {
                current = Some(path);
                return true;
            }
            if fallback.is_none() {
                fallback = Some(path);
            }
            false
        })?;
        current
            .or(fallback)
            .ok_or_else(|| PathError::IssuerNotFound {
                subject: leaf.subject.to_string(),
                issuer: leaf.issuer.to_string(),
            })
    }

    /// Hands every path from `leaf` to an anchor that passes validation to `judge`, most
    /// promising first (anchors before intermediates, candidates valid at the validation time
    /// before the others), until `judge` accepts one or the candidates or the budget run out.
    /// The caller's judgement covers what validation leaves to it (validity, revocation), so a
    /// path that fails there does not hide another that succeeds. `Err` when no path passed
    /// validation: the most relevant failure.
    pub fn for_each_path(
        &self,
        leaf: &Arc<Certificate>,
        judge: &mut Judge<'_>,
    ) -> Result<(), PathError> {
        if self.anchors.contains(leaf) {
            // A trust anchor is its own path; the caller still judges it as it judges a signer.
            judge(CertPath {
                certs: vec![leaf.clone()],
                policies: ValidPolicies {
                    authorities: vec![ANY_POLICY],
                    user: self.policy.initial_policy_set.clone(),
                },
            });
            return Ok(());
        }
        let mut search = Search {
            tried: 0,
            best_error: None,
            judged: false,
            names: Budget {
                limit: self.limits.max_name_checks,
                spent: 0,
            },
            judge,
        };
        let mut path = vec![leaf.clone()];
        self.extend(&mut path, &mut search);
        if search.judged {
            return Ok(());
        }
        Err(search
            .best_error
            .unwrap_or_else(|| PathError::IssuerNotFound {
                subject: leaf.subject.to_string(),
                issuer: leaf.issuer.to_string(),
            }))
    }

    fn check_signature(&self, child: &Certificate, issuer: &Certificate) -> Result<(), PathError> {
        self.cache
            .verify(
                &child.fingerprint,
                &child.signed,
                &issuer.spki,
                &issuer.spki_sha256,
            )
            .map_err(|e| match e {
                CryptoError::Unsupported(why) => PathError::UnsupportedAlgorithm {
                    subject: child.subject.to_string(),
                    why,
                },
                _ => PathError::BadSignature {
                    subject: child.subject.to_string(),
                    issuer: issuer.subject.to_string(),
                },
            })
    }

    fn spend(&self, search: &mut Search<'_, '_>) -> bool {
        search.tried += 1;
        if search.tried > self.limits.max_candidates {
            search.note(PathError::BudgetExhausted(self.limits.max_candidates));
            return false;
        }
        true
    }

    /// Extends `path` towards an anchor; true once the judge accepted a path. Candidates valid at
    /// the validation time go first, anchors before intermediates; a failing candidate is noted
    /// and the next one tried.
    fn extend(&self, path: &mut Vec<Arc<Certificate>>, search: &mut Search<'_, '_>) -> bool {
        let child = path.last().expect("path starts with the leaf").clone();
        if path.len() >= self.limits.max_length {
            search.note(PathError::TooLong(self.limits.max_length));
            return false;
        }
        for rank in 0..RANKS {
            for anchor in self.anchors.issuers_of(&child) {
                if self.rank(&child, anchor) != rank {
                    continue;
                }
                if !self.spend(search) {
                    return false;
                }
                if let Err(e) = self.check_signature(&child, anchor) {
                    search.note_at(rank, e);
                    continue;
                }
                path.push(anchor.clone());
                let done = self.complete(path, search);
                path.pop();
                if done {
                    return true;
                }
            }
        }
        for rank in 0..RANKS {
            for pool in self.pools {
                for candidate in pool.issuers_of(&child) {
                    if self.rank(&child, candidate) != rank
                        || path.iter().any(|c| c.fingerprint == candidate.fingerprint)
                        || self.anchors.contains(candidate)
                    {
                        continue;
                    }
                    if !self.spend(search) {
                        return false;
                    }
                    if let Err(why) = candidate.can_sign_certificates() {
                        let error = PathError::NotCa {
                            subject: child.subject.to_string(),
                            issuer: candidate.subject.to_string(),
                            why,
                        };
                        search.note_at(rank, error);
                        continue;
                    }
                    if let Err(e) = self.check_signature(&child, candidate) {
                        search.note_at(rank, e);
                        continue;
                    }
                    path.push(candidate.clone());
                    let done = self.extend(path, search);
                    path.pop();
                    if done {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Validates a path that reached an anchor and, if it passes, asks the judge.
    fn complete(&self, path: &[Arc<Certificate>], search: &mut Search<'_, '_>) -> bool {
        match validate(path, self.policy, &mut search.names) {
            Ok(policies) => {
                search.judged = true;
                (search.judge)(CertPath {
                    certs: path.to_vec(),
                    policies,
                })
            }
            Err(e) => {
                search.note(e);
                false
            }
        }
    }
}

/// The checks of RFC 5280 §6.1 that depend on the whole path (signatures and the issuers' CA
/// status were checked link by link while building it): content rules and critical extensions
/// (§6.1.4 (o)), pathLenConstraint from the anchor down (§6.1.4 (l), (m)), name constraints
/// (§6.1.3 (b), (c)) and certificate policies (§6.1.3 (d)-(f), §6.1.4 (a), (b), (h)-(j), §6.1.5).
fn validate(
    path: &[Arc<Certificate>],
    options: &PolicyOptions,
    names: &mut Budget,
) -> Result<ValidPolicies, PathError> {
    let (anchor, below_anchor) = path.split_last().expect("a path holds its anchor");
    for cert in below_anchor {
        if let Some(why) = &cert.content_problem {
            return Err(PathError::Malformed {
                subject: cert.subject.to_string(),
                why: why.clone(),
            });
        }
        if let Some(oid) = cert.unsupported_critical.first() {
            return Err(PathError::UnsupportedCriticalExtension {
                subject: cert.subject.to_string(),
                oid: oid.clone(),
            });
        }
    }
    // The anchor's own pathLenConstraint bounds the intermediates below it (CONTRACT §3a).
    let mut max_path_length = anchor
        .basic_constraints
        .and_then(|bc| bc.path_len)
        .map_or(usize::MAX, |limit| limit as usize);
    // Intermediates from the anchor side down; the leaf is not constrained by its own pathLen.
    for cert in below_anchor.iter().skip(1).rev() {
        if !cert.is_self_issued() {
            if max_path_length == 0 {
                return Err(PathError::PathLength {
                    subject: cert.subject.to_string(),
                });
            }
            max_path_length -= 1;
        }
        if let Some(limit) = cert.basic_constraints.and_then(|bc| bc.path_len) {
            max_path_length = max_path_length.min(limit as usize);
        }
    }
    check_name_constraints(path, names)?;
    policy::process(
        below_anchor
            .iter()
            .rev()
            .map(|c| (&c.policy, c.is_self_issued())),
        options,
    )
    .map_err(PathError::Policy)
}

/// Every CA of the path (the anchor included) constrains the names of the certificates below it,
/// except self-issued intermediates (§6.1.4 (g) applies to the names of "the certificate" only
/// when it is the end certificate or not self-issued, §6.1.3 (b)).
fn check_name_constraints(path: &[Arc<Certificate>], budget: &mut Budget) -> Result<(), PathError> {
    // The common path carries no constraints: no work, no allocation.
    if path.iter().all(|c| c.name_constraints.is_none()) {
        return Ok(());
    }
    for (i, ca) in path.iter().enumerate().skip(1) {
        let Some(constraints) = &ca.name_constraints else {
            continue;
        };
        for (j, cert) in path[..i].iter().enumerate() {
            if j > 0 && cert.is_self_issued() {
                continue;
            }
            let names = name_constraints::names_of(&cert.subject, &cert.alt_names);
            name_constraints::check(constraints, names, budget).map_err(|why| {
                PathError::NameConstraints {
                    subject: cert.subject.to_string(),
                    ca: ca.subject.to_string(),
                    why,
                }
            })?;
        }
    }
    Ok(())
}
