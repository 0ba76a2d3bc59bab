//! The certificate model: parsed once at the edge into owned, checked fields, plus the NCA profile
//! (IIN, BIN, names, role) of `NCA-PROFILE.md`.

use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::envelope::Signed;
use crate::name::DistinguishedName;
use crate::name_constraints::{AltName, NameConstraints};
use crate::policy::PolicyExtensions;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("not a DER X.509 certificate: {0}")]
    Malformed(String),
}

/// The role an NCA certificate gives its holder, from the extended key usage OIDs.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Individual,
    LegalEntity,
    FirstHead,
    SigningRight,
    FinanceSigningRight,
    Hr,
    Employee,
    /// A treasury client (EKU 1.2.398.5.19.1.2.2.1): signs payment documents for the treasury.
    TreasuryClient,
    /// An information system of a legal entity: the legal-entity EKU, a subject UID and no IIN.
    InformationSystem,
}

impl Role {
    /// Most specific first: a head's certificate carries both the legal-entity and the head OID.
    const BY_OID: [(&'static str, Role); 8] = [
        ("1.2.398.5.19.1.2.2.1", Role::TreasuryClient),
        ("1.2.398.3.3.4.1.2.1", Role::FirstHead),
        ("1.2.398.3.3.4.1.2.2", Role::SigningRight),
        ("1.2.398.3.3.4.1.2.3", Role::FinanceSigningRight),
        ("1.2.398.3.3.4.1.2.4", Role::Hr),
        ("1.2.398.3.3.4.1.2.5", Role::Employee),
        ("1.2.398.3.3.4.1.2", Role::LegalEntity),
        ("1.2.398.3.3.4.1.1", Role::Individual),
    ];

    fn from_ekus(ekus: &[String]) -> Option<Role> {
        Self::BY_OID
            .iter()
            .find(|(oid, _)| ekus.iter().any(|e| e == oid))
            .map(|(_, role)| *role)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Individual => "individual",
            Role::LegalEntity => "legal_entity",
            Role::FirstHead => "first_head",
            Role::SigningRight => "signing_right",
            Role::FinanceSigningRight => "finance_signing_right",
            Role::Hr => "hr",
            Role::Employee => "employee",
            Role::TreasuryClient => "treasury_client",
            Role::InformationSystem => "information_system",
        }
    }
}

/// Key usage bits (RFC 5280 §4.2.1.3) that the verifier cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyUsage {
    pub digital_signature: bool,
    pub non_repudiation: bool,
    pub key_encipherment: bool,
    pub key_agreement: bool,
    pub key_cert_sign: bool,
    pub crl_sign: bool,
}

impl KeyUsage {
    pub fn names(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (on, name) in [
            (self.digital_signature, "digitalSignature"),
            (self.non_repudiation, "nonRepudiation"),
            (self.key_encipherment, "keyEncipherment"),
            (self.key_agreement, "keyAgreement"),
            (self.key_cert_sign, "keyCertSign"),
            (self.crl_sign, "cRLSign"),
        ] {
            if on {
                out.push(name);
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasicConstraints {
    pub ca: bool,
    pub path_len: Option<u32>,
}

/// Who the certificate says its holder is, per the NCA profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub iin: Option<String>,
    pub bin: Option<String>,
    pub common_name: Option<String>,
    pub surname: Option<String>,
    pub given_name: Option<String>,
    pub organization: Option<String>,
    pub role: Option<Role>,
    /// The IIN or BIN fails the control digit: an NCA test certificate (CONTRACT §2).
    pub test_id: bool,
}

/// Twelve ASCII digits after a prefix such as `IIN` or `BIN`.
fn prefixed_id(value: &str, prefix: &str) -> Option<String> {
    let digits = value.trim().strip_prefix(prefix)?;
    (digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.to_owned())
}

/// id-ad-ocsp (RFC 5280 §4.2.2.1): an authorityInfoAccess entry that names an OCSP responder.
const ID_AD_OCSP: &str = "1.3.6.1.5.5.7.48.1";

/// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): a delegated responder whose status is not checked.
const ID_PKIX_OCSP_NOCHECK: &str = "1.3.6.1.5.5.7.48.1.5";

/// The NCA's private extension naming the key storage type (NCA-PROFILE.md).
const NCA_KEY_STORAGE: &str = "1.2.398.3.3.5";

/// The value of the key-storage extension: a SEQUENCE of OIDs in the NCA's certificates
/// (1.2.398.3.3.5.1.1 in the 2025 test keys); anything else is shown in hex.
fn key_storage(value: &[u8]) -> String {
    use der::Decode;
    match Vec::<const_oid::ObjectIdentifier>::from_der(value) {
        Ok(oids) if !oids.is_empty() => oids
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        _ => hex::encode(value),
    }
}

/// Extensions this verifier understands; any other critical extension makes the certificate unusable.
const UNDERSTOOD_EXTENSIONS: [&str; 16] = [
    "2.5.29.14",         // subjectKeyIdentifier
    "2.5.29.35",         // authorityKeyIdentifier
    "2.5.29.15",         // keyUsage
    "2.5.29.37",         // extKeyUsage
    "2.5.29.19",         // basicConstraints
    "2.5.29.17",         // subjectAltName
    "2.5.29.18",         // issuerAltName
    "2.5.29.32",         // certificatePolicies
    "2.5.29.31",         // cRLDistributionPoints
    "2.5.29.46",         // freshestCRL
    "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
    "2.5.29.30",         // nameConstraints (name_constraints.rs)
    "2.5.29.33",         // policyMappings (policy.rs)
    "2.5.29.36",         // policyConstraints (policy.rs)
    "2.5.29.54",         // inhibitAnyPolicy (policy.rs)
    ID_PKIX_OCSP_NOCHECK,
];

/// Extensions that path validation acts on: one that does not decode makes the certificate unfit
/// for a path even when it is not critical, since ignoring it could widen what the path allows.
const PATH_EXTENSIONS: [&str; 8] = [
    "2.5.29.15", // keyUsage
    "2.5.29.17", // subjectAltName
    "2.5.29.19", // basicConstraints
    "2.5.29.30", // nameConstraints
    "2.5.29.32", // certificatePolicies
    "2.5.29.33", // policyMappings
    "2.5.29.36", // policyConstraints
    "2.5.29.54", // inhibitAnyPolicy
];

/// An OID as x509-parser decoded it, in the `const_oid` form the policy graph compares.
fn to_oid(oid: &x509_parser::der_parser::Oid<'_>) -> Option<const_oid::ObjectIdentifier> {
    const_oid::ObjectIdentifier::from_bytes(oid.as_bytes()).ok()
}

#[derive(Debug, Clone)]
pub struct Certificate {
    pub der: Vec<u8>,
    /// SHA-256 of the DER: the identity of this exact certificate.
    pub fingerprint: [u8; 32],
    pub signed: Signed,
    pub version: u32,
    /// The serial as encoded (big-endian two's complement), compared byte for byte with CRL entries.
    pub serial: Vec<u8>,
    pub subject: DistinguishedName,
    pub issuer: DistinguishedName,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// The whole SubjectPublicKeyInfo, DER.
    pub spki: Vec<u8>,
    pub spki_sha256: [u8; 32],
    pub basic_constraints: Option<BasicConstraints>,
    pub key_usage: Option<KeyUsage>,
    pub ext_key_usage: Vec<String>,
    /// Whether the extended key usage extension is marked critical (false when absent).
    pub ext_key_usage_critical: bool,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
    pub crl_urls: Vec<String>,
    /// The OCSP responders the certificate names (authorityInfoAccess, id-ad-ocsp URIs), in
    /// order: where the service asks about this certificate's status.
    pub ocsp_urls: Vec<String>,
    /// The certificate carries id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): as a delegated OCSP
    /// responder, its own status need not be checked.
    pub ocsp_nocheck: bool,
    /// The cRLDistributionPoints extension, in the form CRL scope matching compares; empty when
    /// the certificate has none.
    pub crl_distribution_points: Vec<crate::dist_point::CertDistributionPoint>,
    pub unsupported_critical: Vec<String>,
    /// The NCA's private extension 1.2.398.3.3.5 (the key storage type, non-critical): the OIDs
    /// it lists, comma-separated, reported as they are.
    pub key_storage: Option<String>,
    pub identity: Identity,
    /// certificatePolicies, policyMappings, policyConstraints and inhibitAnyPolicy (policy.rs).
    pub policy: PolicyExtensions,
    /// The nameConstraints extension (name_constraints.rs).
    pub name_constraints: Option<Box<NameConstraints>>,
    /// The subjectAltName entries, which name constraints apply to.
    pub alt_names: Vec<AltName>,
    /// Why the certificate breaks a rule of RFC 5280 §4 that makes it unfit for any path (an empty
    /// subject without a critical subjectAltName, a malformed path extension, keyCertSign without
    /// cA). Kept instead of refusing to parse, so that a verdict can say it.
    pub content_problem: Option<String>,
    /// [`name_key_hash`] of `subject.key()` and `issuer.key()`, computed once so that pools find
    /// subjects and issuers without hashing whole names on every lookup.
    subject_key_hash: u64,
    issuer_key_hash: u64,
    /// Subject and issuer are the same name (§6.1 asks this of every certificate of a path).
    self_issued: bool,
}

impl Certificate {
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let (rest, x509) =
            X509Certificate::from_der(der).map_err(|e| CertError::Malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CertError::Malformed(
                "trailing bytes after the certificate".into(),
            ));
        }
        let der = &der[..der.len() - rest.len()];
        let signed = Signed::from_der(der).map_err(|e| CertError::Malformed(e.to_string()))?;
        // RFC 5280 §4.1.1.2: the unsigned outer algorithm must equal the signed inner one.
        let (outer, inner) = (&x509.signature_algorithm, &x509.tbs_certificate.signature);
        let params = |a: &x509_parser::x509::AlgorithmIdentifier<'_>| {
            a.parameters.as_ref().map(|p| p.data.to_vec())
        };
        if outer.algorithm != inner.algorithm || params(outer) != params(inner) {
            return Err(CertError::Malformed(
                "inner and outer signature algorithms differ".into(),
            ));
        }
        let subject = DistinguishedName::from_x509(x509.subject());
        let issuer = DistinguishedName::from_x509(x509.issuer());

        let mut cert = Certificate {
            der: der.to_vec(),
            fingerprint: Sha256::digest(der).into(),
            signed,
            version: x509.version().0 + 1,
            serial: x509.raw_serial().to_vec(),
            not_before: x509.validity().not_before.to_datetime(),
            not_after: x509.validity().not_after.to_datetime(),
            spki: x509.public_key().raw.to_vec(),
            spki_sha256: Sha256::digest(x509.public_key().raw).into(),
            basic_constraints: None,
            key_usage: None,
            ext_key_usage: Vec::new(),
            ext_key_usage_critical: false,
            subject_key_id: None,
            authority_key_id: None,
            crl_urls: Vec::new(),
            ocsp_urls: Vec::new(),
            ocsp_nocheck: false,
            crl_distribution_points: Vec::new(),
            unsupported_critical: Vec::new(),
            key_storage: None,
            identity: Identity::default(),
            policy: PolicyExtensions::default(),
            name_constraints: None,
            alt_names: Vec::new(),
            content_problem: None,
            self_issued: subject.matches(&issuer),
            subject_key_hash: name_key_hash(subject.key()),
            issuer_key_hash: name_key_hash(issuer.key()),
            subject,
            issuer,
        };
        cert.read_extensions(&x509)?;
        cert.identity = cert.read_identity();
        Ok(cert)
    }

    fn read_extensions(&mut self, x509: &X509Certificate<'_>) -> Result<(), CertError> {
        let mut seen = std::collections::HashSet::new();
        let mut san_critical = false;
        for ext in x509.extensions() {
            let oid = ext.oid.to_id_string();
            if !seen.insert(oid.clone()) {
                return Err(CertError::Malformed(format!(
                    "extension {oid} appears twice"
                )));
            }
            match ext.parsed_extension() {
                ParsedExtension::BasicConstraints(bc) => {
                    self.basic_constraints = Some(BasicConstraints {
                        ca: bc.ca,
                        path_len: bc.path_len_constraint,
                    })
                }
                ParsedExtension::KeyUsage(ku) => {
                    self.key_usage = Some(KeyUsage {
                        digital_signature: ku.digital_signature(),
                        non_repudiation: ku.non_repudiation(),
                        key_encipherment: ku.key_encipherment(),
                        key_agreement: ku.key_agreement(),
                        key_cert_sign: ku.key_cert_sign(),
                        crl_sign: ku.crl_sign(),
                    })
                }
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    let mut oids = Vec::new();
                    for (on, oid) in [
                        (eku.any, "2.5.29.37.0"),
                        (eku.server_auth, "1.3.6.1.5.5.7.3.1"),
                        (eku.client_auth, "1.3.6.1.5.5.7.3.2"),
                        (eku.code_signing, "1.3.6.1.5.5.7.3.3"),
                        (eku.email_protection, "1.3.6.1.5.5.7.3.4"),
                        (eku.time_stamping, "1.3.6.1.5.5.7.3.8"),
                        (eku.ocsp_signing, "1.3.6.1.5.5.7.3.9"),
                    ] {
                        if on {
                            oids.push(oid.to_owned());
                        }
                    }
                    oids.extend(eku.other.iter().map(|o| o.to_id_string()));
                    self.ext_key_usage = oids;
                    self.ext_key_usage_critical = ext.critical;
                }
                ParsedExtension::SubjectKeyIdentifier(ski) => {
                    self.subject_key_id = Some(ski.0.to_vec())
                }
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    self.authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                ParsedExtension::CRLDistributionPoints(dps) => {
                    self.crl_distribution_points = crate::dist_point::read_crl_distribution_points(
                        ext.value,
                        &self.issuer.der,
                    )
                    .map_err(|e| CertError::Malformed(format!("cRLDistributionPoints: {e}")))?;
                    for dp in dps.iter() {
                        if let Some(DistributionPointName::FullName(names)) = &dp.distribution_point
                        {
                            for name in names {
                                if let GeneralName::URI(uri) = name {
                                    self.crl_urls.push((*uri).to_owned());
                                }
                            }
                        }
                    }
                }
                ParsedExtension::CertificatePolicies(policies) => {
                    let mut oids = Vec::with_capacity(policies.len());
                    for info in policies {
                        match to_oid(&info.policy_id) {
                            Some(p) => oids.push(p),
                            None => self.problem("an unreadable policy identifier".into()),
                        }
                    }
                    // §4.2.1.4: "A certificate policy OID MUST NOT appear more than once".
                    // Sorted, so that thousands of policies cost n log n, not n².
                    let mut sorted = oids.clone();
                    sorted.sort_unstable();
                    if let Some(twice) = sorted.windows(2).find(|w| w[0] == w[1]) {
                        self.problem(format!("policy {} appears twice", twice[0]));
                    }
                    self.policy.policies = Some(oids);
                }
                ParsedExtension::PolicyMappings(mappings) => {
                    for m in &mappings.mappings {
                        match (
                            to_oid(&m.issuer_domain_policy),
                            to_oid(&m.subject_domain_policy),
                        ) {
                            (Some(from), Some(to)) => self.policy.mappings.push((from, to)),
                            _ => self.problem("an unreadable policy mapping".into()),
                        }
                    }
                }
                ParsedExtension::PolicyConstraints(pc) => {
                    self.policy.require_explicit_policy = pc.require_explicit_policy;
                    self.policy.inhibit_policy_mapping = pc.inhibit_policy_mapping;
                }
                ParsedExtension::InhibitAnyPolicy(inhibit) => {
                    self.policy.inhibit_any_policy = Some(inhibit.skip_certs)
                }
                ParsedExtension::NameConstraints(nc) => match NameConstraints::from_parsed(nc) {
                    Ok(nc) => self.name_constraints = Some(Box::new(nc)),
                    Err(e) => self.problem(e.to_string()),
                },
                ParsedExtension::SubjectAlternativeName(san) => {
                    san_critical = ext.critical;
                    if san.general_names.is_empty() {
                        self.problem("an empty subjectAltName".into());
                    }
                    for name in &san.general_names {
                        match AltName::from_general_name(name) {
                            Some(n) => self.alt_names.push(n),
                            None => self.problem("a malformed subjectAltName entry".into()),
                        }
                    }
                }
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    for desc in aia.iter() {
                        if desc.access_method.to_id_string() == ID_AD_OCSP {
                            if let GeneralName::URI(uri) = &desc.access_location {
                                self.ocsp_urls.push((*uri).to_owned());
                            }
                        }
                    }
                }
                _ if oid == ID_PKIX_OCSP_NOCHECK => self.ocsp_nocheck = true,
                _ if oid == NCA_KEY_STORAGE => self.key_storage = Some(key_storage(ext.value)),
                ParsedExtension::ParseError { error } if ext.critical => {
                    return Err(CertError::Malformed(format!(
                        "critical extension {oid} is unreadable: {error}"
                    )));
                }
                ParsedExtension::ParseError { error }
                    if PATH_EXTENSIONS.contains(&oid.as_str()) =>
                {
                    self.problem(format!("extension {oid} is unreadable: {error}"));
                }
                _ => {}
            }
            if ext.critical && !UNDERSTOOD_EXTENSIONS.contains(&oid.as_str()) {
                self.unsupported_critical.push(oid);
            }
        }
        // §4.1.2.6: an empty subject is allowed only with a critical subjectAltName.
        if self.subject.is_empty() && (!san_critical || self.alt_names.is_empty()) {
            self.problem("an empty subject without a critical subjectAltName".into());
        }
        // §4.2.1.3: "If the keyCertSign bit is asserted, then the cA bit in the basic constraints
        // extension MUST also be asserted."
        if self.key_usage.is_some_and(|ku| ku.key_cert_sign) && !self.is_ca() {
            self.problem("keyCertSign in a certificate that is not a CA".into());
        }
        Ok(())
    }

    /// Records the first content problem (the first is the one reported).
    fn problem(&mut self, why: String) {
        if self.content_problem.is_none() {
            self.content_problem = Some(why);
        }
    }

    fn read_identity(&self) -> Identity {
        let s = &self.subject;
        let iin = s
            .attributes_of("2.5.4.5")
            .find_map(|v| prefixed_id(v, "IIN"));
        let bin = s
            .attributes_of("2.5.4.11")
            .find_map(|v| prefixed_id(v, "BIN"));
        let uid = s.attribute("0.9.2342.19200300.100.1.1").is_some();
        let role = match Role::from_ekus(&self.ext_key_usage) {
            Some(Role::LegalEntity) if uid && iin.is_none() => Some(Role::InformationSystem),
            other => other,
        };
        let test_id = [&iin, &bin]
            .into_iter()
            .flatten()
            .any(|id| !crate::ids::is_valid_id(id));
        Identity {
            iin,
            bin,
            test_id,
            common_name: s.attribute("2.5.4.3").map(str::to_owned),
            surname: s.attribute("2.5.4.4").map(str::to_owned),
            given_name: s.attribute("2.5.4.42").map(str::to_owned),
            organization: s.attribute("2.5.4.10").map(str::to_owned),
            role,
        }
    }

    pub fn is_ca(&self) -> bool {
        self.basic_constraints.is_some_and(|bc| bc.ca)
    }

    pub fn is_self_issued(&self) -> bool {
        self.self_issued
    }

    /// May this certificate's key sign certificates? (basicConstraints CA, v3, keyCertSign if KU present)
    pub fn can_sign_certificates(&self) -> Result<(), &'static str> {
        if self.version < 3 || !self.is_ca() {
            return Err(NOT_CA);
        }
        if self.key_usage.is_some_and(|ku| !ku.key_cert_sign) {
            return Err(NO_KEY_CERT_SIGN);
        }
        Ok(())
    }

    /// May this certificate's key sign CRLs? (cRLSign if KU present)
    pub fn can_sign_crls(&self) -> bool {
        self.key_usage.is_none_or(|ku| ku.crl_sign)
    }

    /// The OCSP responder URLs of the authorityInfoAccess extension (id-ad-ocsp), in the
    /// certificate's order; empty when it names none.
    pub fn ocsp_responders(&self) -> &[String] {
        &self.ocsp_urls
    }

    pub fn serial_hex(&self) -> String {
        serial_hex(&self.serial)
    }

    pub fn fingerprint_hex(&self) -> String {
        hex::encode(self.fingerprint)
    }

    /// `name_key_hash` of the subject name.
    pub fn subject_key_hash(&self) -> u64 {
        self.subject_key_hash
    }

    /// `name_key_hash` of the issuer name.
    pub fn issuer_key_hash(&self) -> u64 {
        self.issuer_key_hash
    }
}

/// The hash of a name's comparison key under a per-process random key, the same for the whole
/// process: equal keys give equal hashes, and input cannot be crafted to make different names
/// collide. Indexes built on it still compare the keys themselves.
pub fn name_key_hash(key: &crate::name::NameKey) -> u64 {
    static HASHER: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    std::hash::BuildHasher::hash_one(
        HASHER.get_or_init(std::collections::hash_map::RandomState::new),
        key,
    )
}

/// `0x…` of a serial as encoded, without redundant leading zero bytes.
pub fn serial_hex(serial: &[u8]) -> String {
    let trimmed = match serial {
        [0, rest @ ..] if !rest.is_empty() && rest[0] & 0x80 != 0 => rest,
        other => other,
    };
    format!("0x{}", hex::encode(trimmed))
}

/// A bounded, process-wide memory of certificates already parsed from untrusted input (the
/// certificates a CMS SignedData carries). The same signer and intermediate certificates arrive
/// with every signature a client sends, and parsing one (DER walk, extensions, name
/// normalisation, two SHA-256) costs as much as a third of an RSA-2048 signature check.
///
/// Parsing is a pure function of the DER bytes, so handing out the earlier result changes no
/// verdict. An entry is found by a hash (under a per-process random key) of the DER's length and
/// tail, and is used only when its DER equals the input byte for byte, so a collision costs a
/// parse, never a wrong certificate. Only successfully parsed certificates are kept.
///
/// Memory is bounded against adversarial input: certificates over [`Self::MAX_DER`] bytes are not
/// kept, and entries live in two generations of at most [`Self::GENERATION_ENTRIES`] entries and
/// [`Self::GENERATION_BYTES`] bytes of DER each. When the current generation is full it becomes
/// the previous one and the old previous one is dropped; a hit in the previous generation moves
/// the entry back to the current one, so certificates in steady use survive a flood of new ones.
pub struct ParsedCertificates {
    hasher: std::collections::hash_map::RandomState,
    generations: std::sync::RwLock<Generations>,
}

#[derive(Default)]
struct Generations {
    current: std::collections::HashMap<u64, std::sync::Arc<Certificate>>,
    current_bytes: usize,
    previous: std::collections::HashMap<u64, std::sync::Arc<Certificate>>,
}

impl Generations {
    fn find(&self, key: u64, der: &[u8]) -> (Option<&std::sync::Arc<Certificate>>, bool) {
        if let Some(c) = self.current.get(&key).filter(|c| c.der == der) {
            return (Some(c), true);
        }
        (self.previous.get(&key).filter(|c| c.der == der), false)
    }

    fn insert(&mut self, key: u64, cert: std::sync::Arc<Certificate>) {
        let size = cert.der.len();
        if self.current.len() >= ParsedCertificates::GENERATION_ENTRIES
            || self.current_bytes + size > ParsedCertificates::GENERATION_BYTES
        {
            self.previous = std::mem::take(&mut self.current);
            self.current_bytes = 0;
        }
        if let Some(replaced) = self.current.insert(key, cert) {
            // A colliding key: the slot now holds the newer certificate.
            self.current_bytes -= replaced.der.len();
        }
        self.current_bytes += size;
    }
}

impl Default for ParsedCertificates {
    fn default() -> Self {
        ParsedCertificates {
            hasher: std::collections::hash_map::RandomState::new(),
            generations: std::sync::RwLock::new(Generations::default()),
        }
    }
}

impl ParsedCertificates {
    /// Certificates larger than this are parsed every time (real ones are a few kilobytes).
    pub const MAX_DER: usize = 16 << 10;
    pub const GENERATION_ENTRIES: usize = 1024;
    pub const GENERATION_BYTES: usize = 2 << 20;

    /// The cache shared by the whole process.
    pub fn global() -> &'static ParsedCertificates {
        static GLOBAL: std::sync::OnceLock<ParsedCertificates> = std::sync::OnceLock::new();
        GLOBAL.get_or_init(ParsedCertificates::default)
    }

    /// The slot of a DER certificate: its length and its last bytes, which hold the issuer's
    /// signature and so differ between any two real certificates. Hashing a bounded tail instead
    /// of the whole DER keeps a hit cheap; bytes that merely share a tail only share a slot (the
    /// full comparison tells them apart, and the newer one takes the slot).
    fn key(&self, der: &[u8]) -> u64 {
        let tail = &der[der.len().saturating_sub(64)..];
        std::hash::BuildHasher::hash_one(&self.hasher, (der.len(), tail))
    }

    /// `Certificate::from_der(der)`, shared with earlier calls for the same bytes.
    pub fn parse(&self, der: &[u8]) -> Result<std::sync::Arc<Certificate>, CertError> {
        if der.len() > Self::MAX_DER {
            return Certificate::from_der(der).map(std::sync::Arc::new);
        }
        let key = self.key(der);
        let previous = {
            let generations = self.generations.read().unwrap_or_else(|p| p.into_inner());
            match generations.find(key, der) {
                (Some(cert), true) => return Ok(cert.clone()),
                (found, _) => found.cloned(),
            }
        };
        let cert = match previous {
            Some(cert) => cert,
            None => std::sync::Arc::new(Certificate::from_der(der)?),
        };
        self.generations
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, cert.clone());
        Ok(cert)
    }
}

/// Why a certificate may not issue certificates ([`Certificate::can_sign_certificates`]).
const NOT_CA: &str = "the issuer is not a CA (basicConstraints cA is not TRUE)";
const NO_KEY_CERT_SIGN: &str = "the issuer's key usage lacks keyCertSign";

/// The phrase of a refusal of [`Certificate::can_sign_certificates`].
pub(crate) fn ca_refusal_phrase(why: &str) -> crate::phrase::Phrase {
    use crate::phrase::{Phrase, PhraseKey};
    match why {
        NOT_CA => Phrase::new(PhraseKey::IssuerNotCa),
        NO_KEY_CERT_SIGN => Phrase::new(PhraseKey::IssuerNoKeyCertSign),
        other => Phrase::verbatim(other),
    }
}
