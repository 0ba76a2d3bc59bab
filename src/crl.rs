//! The CRL model: parsed once, entries indexed by serial for O(1) lookups.
//!
//! The entry list is walked with `der`'s borrowing reader, so a CRL of a million entries costs one
//! pass and one small index record per entry, not a tree of owned objects.

use std::collections::HashMap;

use der::asn1::{AnyRef, ObjectIdentifier, OctetStringRef};
use der::{Decode, Sequence, Tag, Tagged};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierRef;
use time::OffsetDateTime;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BaseCrlNumber, CrlNumber};
use x509_cert::time::Time;

use crate::asn1::{each, RawSequence};
use crate::envelope::Signed;
use crate::name::DistinguishedName;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrlError {
    #[error("not a DER X.509 CRL: {0}")]
    Malformed(String),
    #[error("the CRL has more than {0} entries")]
    TooManyEntries(usize),
}

/// CRLReason (RFC 5280 §5.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
    RemoveFromCrl,
    PrivilegeWithdrawn,
    AaCompromise,
}

impl RevocationReason {
    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::Unspecified,
            1 => Self::KeyCompromise,
            2 => Self::CaCompromise,
            3 => Self::AffiliationChanged,
            4 => Self::Superseded,
            5 => Self::CessationOfOperation,
            6 => Self::CertificateHold,
            8 => Self::RemoveFromCrl,
            9 => Self::PrivilegeWithdrawn,
            10 => Self::AaCompromise,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::CaCompromise => "cACompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::CertificateHold => "certificateHold",
            Self::RemoveFromCrl => "removeFromCRL",
            Self::PrivilegeWithdrawn => "privilegeWithdrawn",
            Self::AaCompromise => "aACompromise",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevokedEntry {
    pub date: OffsetDateTime,
    pub reason: Option<RevocationReason>,
}

/// A CRL number: a non-negative integer of up to 20 octets, compared numerically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlNumberValue(Vec<u8>);

impl CrlNumberValue {
    fn from_be(bytes: &[u8]) -> Self {
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        CrlNumberValue(bytes[start..].to_vec())
    }

    pub fn to_decimal(&self) -> String {
        // Numbers above u128 are shown in hex; in practice CRL numbers are small.
        if self.0.len() <= 16 {
            let mut value: u128 = 0;
            for b in &self.0 {
                value = (value << 8) | u128::from(*b);
            }
            value.to_string()
        } else {
            format!("0x{}", hex::encode(&self.0))
        }
    }
}

impl PartialOrd for CrlNumberValue {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CrlNumberValue {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}

/// What an issuingDistributionPoint limits the CRL to (RFC 5280 §5.2.5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub only_user_certs: bool,
    pub only_ca_certs: bool,
    pub only_attribute_certs: bool,
    pub only_some_reasons: bool,
    pub indirect: bool,
    pub distribution_point_urls: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Crl {
    pub sha256: [u8; 32],
    pub signed: Signed,
    pub issuer: DistinguishedName,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
    pub number: Option<CrlNumberValue>,
    /// Set on a delta CRL: the BaseCRLNumber of the complete CRL it updates.
    pub delta_base: Option<CrlNumberValue>,
    pub authority_key_id: Option<Vec<u8>>,
    pub scope: Scope,
    /// Critical CRL or entry extensions this verifier cannot process: the CRL must not be used.
    pub unsupported_critical: Vec<String>,
    entries: HashMap<Vec<u8>, RevokedEntry>,
}

#[derive(Sequence)]
struct TbsCertList<'a> {
    version: Option<u8>,
    signature: AlgorithmIdentifierRef<'a>,
    issuer: AnyRef<'a>,
    this_update: Time,
    next_update: Option<Time>,
    revoked: Option<RawSequence<'a>>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<RawSequence<'a>>,
}

#[derive(Sequence)]
struct ExtensionRef<'a> {
    id: ObjectIdentifier,
    #[asn1(default = "Default::default")]
    critical: bool,
    value: OctetStringRef<'a>,
}

#[derive(Sequence)]
struct RevokedRef<'a> {
    serial: AnyRef<'a>,
    date: Time,
    extensions: Option<RawSequence<'a>>,
}

fn for_each_extension<'a>(
    raw: &RawSequence<'a>,
    mut f: impl FnMut(ExtensionRef<'a>) -> Result<(), CrlError>,
) -> Result<(), CrlError> {
    let mut outcome = Ok(());
    each::<ExtensionRef<'a>>(raw.0, |ext| {
        if outcome.is_ok() {
            outcome = f(ext);
        }
        Ok(())
    })
    .map_err(malformed)?;
    outcome
}

fn malformed(e: der::Error) -> CrlError {
    CrlError::Malformed(e.to_string())
}

pub(crate) fn to_datetime(t: Time) -> OffsetDateTime {
    let secs = t.to_unix_duration().as_secs();
    OffsetDateTime::from_unix_timestamp(secs as i64).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn urls_of(name: &Option<DistributionPointName>) -> Vec<String> {
    match name {
        Some(DistributionPointName::FullName(names)) => names
            .iter()
            .filter_map(|n| match n {
                GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

const UNDERSTOOD_CRL_EXTENSIONS: [&str; 7] = [
    "2.5.29.35",         // authorityKeyIdentifier
    "2.5.29.20",         // cRLNumber
    "2.5.29.27",         // deltaCRLIndicator
    "2.5.29.28",         // issuingDistributionPoint
    "2.5.29.46",         // freshestCRL
    "2.5.29.18",         // issuerAltName
    "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
];
const REASON_CODE: &str = "2.5.29.21";
const UNDERSTOOD_ENTRY_EXTENSIONS: [&str; 3] = [
    REASON_CODE,
    "2.5.29.24", // invalidityDate
    "2.5.29.23", // holdInstructionCode
];

impl Crl {
    /// Parses a DER CRL, refusing more than `max_entries` entries.
    pub fn from_der(der: &[u8], max_entries: usize) -> Result<Self, CrlError> {
        let signed = Signed::from_der(der).map_err(malformed)?;
        let tbs = TbsCertList::from_der(&signed.tbs).map_err(malformed)?;
        if tbs.version.is_some_and(|v| v != 1) {
            return Err(CrlError::Malformed("CRL version is not v2".into()));
        }
        let issuer_der = der::Encode::to_der(&tbs.issuer).map_err(malformed)?;
        let issuer = DistinguishedName::from_der(&issuer_der)
            .ok_or_else(|| CrlError::Malformed("unreadable issuer name".into()))?;
        if tbs.signature.oid != signed_algorithm_oid(der)? {
            return Err(CrlError::Malformed(
                "inner and outer signature algorithms differ".into(),
            ));
        }

        let mut crl = Crl {
            sha256: Sha256::digest(der).into(),
            issuer,
            this_update: to_datetime(tbs.this_update),
            next_update: tbs.next_update.map(to_datetime),
            number: None,
            delta_base: None,
            authority_key_id: None,
            scope: Scope::default(),
            unsupported_critical: Vec::new(),
            entries: HashMap::new(),
            signed: Signed {
                tbs: Vec::new(),
                algorithm: signed.algorithm.clone(),
                signature: Vec::new(),
            },
        };
        if let Some(exts) = &tbs.extensions {
            crl.read_extensions(exts)?;
        }
        if let Some(list) = &tbs.revoked {
            crl.index_entries(list, max_entries)?;
        }
        crl.signed = signed;
        Ok(crl)
    }

    fn read_extensions(&mut self, exts: &RawSequence<'_>) -> Result<(), CrlError> {
        for_each_extension(exts, |ext| {
            let id = ext.id.to_string();
            let value = ext.value.as_bytes();
            let bad = |e: der::Error| CrlError::Malformed(format!("extension {id}: {e}"));
            match id.as_str() {
                "2.5.29.20" => {
                    let n = CrlNumber::from_der(value).map_err(bad)?;
                    self.number = Some(CrlNumberValue::from_be(n.0.as_bytes()));
                }
                "2.5.29.27" => {
                    let n = BaseCrlNumber::from_der(value).map_err(bad)?;
                    self.delta_base = Some(CrlNumberValue::from_be(n.0.as_bytes()));
                }
                "2.5.29.35" => {
                    let aki = AuthorityKeyIdentifier::from_der(value).map_err(bad)?;
                    self.authority_key_id = aki.key_identifier.map(|k| k.as_bytes().to_vec());
                }
                "2.5.29.28" => {
                    let idp = IssuingDistributionPoint::from_der(value).map_err(bad)?;
                    self.scope = Scope {
                        only_user_certs: idp.only_contains_user_certs,
                        only_ca_certs: idp.only_contains_ca_certs,
                        only_attribute_certs: idp.only_contains_attribute_certs,
                        only_some_reasons: idp.only_some_reasons.is_some(),
                        indirect: idp.indirect_crl,
                        distribution_point_urls: urls_of(&idp.distribution_point),
                    };
                }
                _ => {}
            }
            if ext.critical && !UNDERSTOOD_CRL_EXTENSIONS.contains(&id.as_str()) {
                self.unsupported_critical
                    .push(format!("CRL extension {id}"));
            }
            Ok(())
        })
    }

    fn index_entries(
        &mut self,
        list: &RawSequence<'_>,
        max_entries: usize,
    ) -> Result<(), CrlError> {
        let mut reader = der::SliceReader::new(list.0).map_err(malformed)?;
        while !der::Reader::is_finished(&reader) {
            if self.entries.len() >= max_entries {
                return Err(CrlError::TooManyEntries(max_entries));
            }
            let entry = RevokedRef::decode(&mut reader).map_err(malformed)?;
            if entry.serial.tag() != Tag::Integer {
                return Err(CrlError::Malformed("entry serial is not an INTEGER".into()));
            }
            let mut reason = None;
            if let Some(exts) = &entry.extensions {
                for_each_extension(exts, |ext| {
                    let id = ext.id.to_string();
                    if id == REASON_CODE {
                        let code = der::asn1::AnyRef::from_der(ext.value.as_bytes())
                            .ok()
                            .filter(|a| a.tag() == Tag::Enumerated && a.value().len() == 1)
                            .map(|a| a.value()[0]);
                        reason = code.and_then(RevocationReason::from_code);
                    }
                    if ext.critical && !UNDERSTOOD_ENTRY_EXTENSIONS.contains(&id.as_str()) {
                        let what = format!("CRL entry extension {id}");
                        if !self.unsupported_critical.contains(&what) {
                            self.unsupported_critical.push(what);
                        }
                    }
                    Ok(())
                })?;
            }
            self.entries.insert(
                entry.serial.value().to_vec(),
                RevokedEntry {
                    date: to_datetime(entry.date),
                    reason,
                },
            );
        }
        Ok(())
    }

    pub fn lookup(&self, serial: &[u8]) -> Option<&RevokedEntry> {
        self.entries.get(serial)
    }

    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    pub fn is_delta(&self) -> bool {
        self.delta_base.is_some()
    }

    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }

    pub fn number_string(&self) -> Option<String> {
        self.number.as_ref().map(CrlNumberValue::to_decimal)
    }
}

fn signed_algorithm_oid(der: &[u8]) -> Result<ObjectIdentifier, CrlError> {
    #[derive(Sequence)]
    struct Outer<'a> {
        tbs: AnyRef<'a>,
        algorithm: AlgorithmIdentifierRef<'a>,
        signature: AnyRef<'a>,
    }
    Ok(Outer::from_der(der).map_err(malformed)?.algorithm.oid)
}
