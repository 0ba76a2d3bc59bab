//! The CRL model: parsed once, entries indexed by serial for O(1) lookups.
//!
//! The entry list is walked once with `der`'s borrowing reader. Each entry becomes a 16-byte record
//! pointing back into the CRL's own DER for its serial, and a hash table of record indices gives
//! O(1) lookups, so a CRL of a million entries costs about 24 bytes per entry beyond its DER.

use std::hash::BuildHasher;

use const_oid::db::rfc5280::{
    ID_CE_CERTIFICATE_ISSUER, ID_CE_CRL_REASONS, ID_CE_HOLD_INSTRUCTION_CODE, ID_CE_INVALIDITY_DATE,
};
use der::asn1::{AnyRef, ObjectIdentifier, OctetStringRef};
use der::{Decode, Sequence, Tag, Tagged};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierRef;
use time::OffsetDateTime;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BaseCrlNumber, CrlNumber, FreshestCrl};
use x509_cert::time::Time;

use crate::asn1::{each, RawSequence};
use crate::dist_point::{self, NameForm, ReasonMask, ALL_REASONS};
use crate::envelope::Signed;
use crate::name::{DistinguishedName, NameKey};

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
    pub(crate) fn from_code(code: u8) -> Option<Self> {
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

/// What an issuingDistributionPoint limits the CRL to (RFC 5280 §5.2.5). Equal scopes (and only
/// they) are about the same certificates and reasons, so the CRL store keeps one slot per scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    pub only_user_certs: bool,
    pub only_ca_certs: bool,
    pub only_attribute_certs: bool,
    pub only_some_reasons: bool,
    pub indirect: bool,
    pub distribution_point_urls: Vec<String>,
    /// The full names of the IDP's distributionPoint (a nameRelativeToCRLIssuer resolved against
    /// the CRL issuer); `None` when the CRL names no distribution point.
    pub(crate) distribution_point: Option<Vec<NameForm>>,
    /// The reasons the CRL covers: onlySomeReasons, or all of them.
    pub(crate) reasons: ReasonMask,
}

impl Default for Scope {
    fn default() -> Self {
        Scope {
            only_user_certs: false,
            only_ca_certs: false,
            only_attribute_certs: false,
            only_some_reasons: false,
            indirect: false,
            distribution_point_urls: Vec::new(),
            distribution_point: None,
            reasons: ALL_REASONS,
        }
    }
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
    /// Where the delta CRLs updating this one are published (freshestCRL, RFC 5280 §5.2.6).
    pub freshest_urls: Vec<String>,
    /// Critical CRL or entry extensions this verifier cannot process: the CRL must not be used.
    pub unsupported_critical: Vec<String>,
    /// Why the CRL, though readable, must not be used as evidence (CONTRACT.md §3): a complete
    /// CRL without a CRL number, a critical CRL number, a certificateIssuer entry in a CRL that
    /// is not indirect.
    pub defects: Vec<String>,
    /// The certificate issuers that certificateIssuer entry extensions of an indirect CRL name,
    /// other than the CRL issuer; entry records refer to them by position (plus one).
    entry_issuers: Vec<NameKey>,
    index: EntryIndex,
}

/// What the CRL-level extensions say.
#[derive(Default)]
struct CrlExtensions {
    number: Option<CrlNumberValue>,
    delta_base: Option<CrlNumberValue>,
    authority_key_id: Option<Vec<u8>>,
    scope: Scope,
    freshest_urls: Vec<String>,
    unsupported_critical: Vec<String>,
    defects: Vec<String>,
}

impl CrlExtensions {
    /// `issuer` is the CRL issuer's name: an IDP's nameRelativeToCRLIssuer is relative to it.
    fn read(exts: &RawSequence<'_>, issuer: &x509_cert::name::Name) -> Result<Self, CrlError> {
        let mut out = CrlExtensions::default();
        for_each_extension(exts, |ext| {
            let id = ext.id.to_string();
            let value = ext.value.as_bytes();
            let bad = |e: der::Error| CrlError::Malformed(format!("extension {id}: {e}"));
            match id.as_str() {
                "2.5.29.20" => {
                    let n = CrlNumber::from_der(value).map_err(bad)?;
                    out.number = Some(CrlNumberValue::from_be(n.0.as_bytes()));
                    // RFC 5280 §5.2.3: "this extension MUST NOT be marked critical".
                    if ext.critical {
                        out.defects.push("its CRL number is marked critical".into());
                    }
                }
                "2.5.29.27" => {
                    let n = BaseCrlNumber::from_der(value).map_err(bad)?;
                    out.delta_base = Some(CrlNumberValue::from_be(n.0.as_bytes()));
                }
                "2.5.29.35" => {
                    let aki = AuthorityKeyIdentifier::from_der(value).map_err(bad)?;
                    out.authority_key_id = aki.key_identifier.map(|k| k.as_bytes().to_vec());
                }
                "2.5.29.28" => {
                    let idp = IssuingDistributionPoint::from_der(value).map_err(bad)?;
                    let distribution_point = idp
                        .distribution_point
                        .as_ref()
                        .map(|name| dist_point::names_of(name, Some(issuer)))
                        .transpose()
                        .map_err(|e| CrlError::Malformed(format!("extension {id}: {e}")))?;
                    out.scope = Scope {
                        only_user_certs: idp.only_contains_user_certs,
                        only_ca_certs: idp.only_contains_ca_certs,
                        only_attribute_certs: idp.only_contains_attribute_certs,
                        only_some_reasons: idp.only_some_reasons.is_some(),
                        indirect: idp.indirect_crl,
                        distribution_point_urls: urls_of(&idp.distribution_point),
                        distribution_point,
                        reasons: idp
                            .only_some_reasons
                            .as_ref()
                            .map_or(ALL_REASONS, dist_point::reason_mask),
                    };
                }
                "2.5.29.46" => {
                    let freshest = FreshestCrl::from_der(value).map_err(bad)?;
                    out.freshest_urls = freshest
                        .0
                        .iter()
                        .flat_map(|dp| urls_of(&dp.distribution_point))
                        .collect();
                }
                _ => {}
            }
            if ext.critical && !UNDERSTOOD_CRL_EXTENSIONS.contains(&id.as_str()) {
                out.unsupported_critical.push(format!("CRL extension {id}"));
            }
            Ok(())
        })?;
        Ok(out)
    }
}

/// One revoked certificate: where its serial lies in the DER, when and why it was revoked.
#[derive(Debug, Clone, Copy)]
struct EntryRecord {
    serial_at: u32,
    serial_len: u16,
    reason: u8,
    /// Whose certificate: [`CRL_ISSUER`], [`OTHER_ISSUER`], or `1 + ` a position in
    /// `Crl::entry_issuers`.
    issuer: u8,
    revoked_at: i64,
}

const NO_REASON: u8 = u8::MAX;
/// The entry's certificate was issued by the CRL issuer.
const CRL_ISSUER: u8 = 0;
/// The entry's certificateIssuer names no directoryName: it matches no certificate here.
const OTHER_ISSUER: u8 = u8::MAX;
/// Distinct certificate issuers an indirect CRL may name (the record keeps one byte for them).
const MAX_ENTRY_ISSUERS: usize = 254;

/// Record indices in a hash table keyed by serial; the serial bytes themselves stay in the DER.
#[derive(Default, Clone)]
struct EntryIndex {
    records: Vec<EntryRecord>,
    table: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl std::fmt::Debug for EntryIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EntryIndex({} entries)", self.records.len())
    }
}

impl EntryIndex {
    fn serial<'a>(der: &'a [u8], r: &EntryRecord) -> &'a [u8] {
        let start = r.serial_at as usize;
        &der[start..start + usize::from(r.serial_len)]
    }

    /// Room for about `entries` records without rehashing while indexing.
    fn with_capacity(entries: usize) -> Self {
        EntryIndex {
            records: Vec::with_capacity(entries),
            table: hashbrown::HashTable::with_capacity(entries),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// Adds a record; a serial listed twice for the same issuer keeps its first entry.
    fn insert(&mut self, der: &[u8], record: EntryRecord) {
        let serial = Self::serial(der, &record);
        let hash = self.hasher.hash_one(serial);
        let (records, hasher) = (&self.records, &self.hasher);
        let slot = self.table.entry(
            hash,
            |&i| {
                let r = &records[i as usize];
                r.issuer == record.issuer && Self::serial(der, r) == serial
            },
            |&i| hasher.hash_one(Self::serial(der, &records[i as usize])),
        );
        if let hashbrown::hash_table::Entry::Vacant(vacant) = slot {
            vacant.insert(records.len() as u32);
            self.records.push(record);
        }
    }

    fn find(&self, der: &[u8], serial: &[u8], issuer: u8) -> Option<&EntryRecord> {
        let hash = self.hasher.hash_one(serial);
        self.table
            .find(hash, |&i| {
                let r = &self.records[i as usize];
                r.issuer == issuer && Self::serial(der, r) == serial
            })
            .map(|&i| &self.records[i as usize])
    }
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
const UNDERSTOOD_ENTRY_EXTENSIONS: [ObjectIdentifier; 4] = [
    ID_CE_CRL_REASONS,
    ID_CE_INVALIDITY_DATE,
    ID_CE_HOLD_INSTRUCTION_CODE,
    ID_CE_CERTIFICATE_ISSUER,
];

/// Is this INTEGER content minimally encoded (X.690 §8.3.2, required by DER)?
pub(crate) fn minimal_integer(content: &[u8]) -> bool {
    match content {
        [] => false,
        [0x00, next, ..] => next & 0x80 != 0,
        [0xFF, next, ..] => next & 0x80 == 0,
        _ => true,
    }
}

/// A reasonCode extension value: a DER ENUMERATED holding a code RFC 5280 §5.3.1 defines.
fn reason_code(value: &[u8]) -> Result<u8, CrlError> {
    let bad = || CrlError::Malformed("an entry's reasonCode is not a valid CRLReason".into());
    let any = AnyRef::from_der(value).map_err(|_| bad())?;
    match (any.tag(), any.value()) {
        (Tag::Enumerated, [code]) if RevocationReason::from_code(*code).is_some() => Ok(*code),
        _ => Err(bad()),
    }
}

impl Crl {
    /// Parses a DER CRL, refusing more than `max_entries` entries. The DER is kept, not copied.
    pub fn from_der(der: impl Into<Vec<u8>>, max_entries: usize) -> Result<Self, CrlError> {
        let signed = Signed::from_der(der).map_err(malformed)?;
        let tbs = TbsCertList::from_der(signed.tbs()).map_err(malformed)?;
        if tbs.version.is_some_and(|v| v != 1) {
            return Err(CrlError::Malformed("CRL version is not v2".into()));
        }
        if tbs.signature.oid != signed_algorithm_oid(signed.der())? {
            return Err(CrlError::Malformed(
                "inner and outer signature algorithms differ".into(),
            ));
        }
        let issuer_der = der::Encode::to_der(&tbs.issuer).map_err(malformed)?;
        let issuer = DistinguishedName::from_der(&issuer_der)
            .ok_or_else(|| CrlError::Malformed("unreadable issuer name".into()))?;
        let issuer_name = x509_cert::name::Name::from_der(&issuer_der).map_err(malformed)?;
        let mut extensions = match &tbs.extensions {
            Some(exts) => CrlExtensions::read(exts, &issuer_name)?,
            None => CrlExtensions::default(),
        };
        // CONTRACT.md §3: a complete CRL must carry a CRL number (RFC 5280 §5.2.3: conforming
        // CAs MUST include it; a delta CRL as well, §5.2.4). Without it, "newest" is undefined.
        if extensions.number.is_none() {
            extensions.defects.push("it carries no CRL number".into());
        }
        // Where the entry list lies inside the whole DER, so records can point into it.
        let revoked = tbs.revoked.as_ref().map(|list| {
            let offset = list.0.as_ptr() as usize - signed.der().as_ptr() as usize;
            offset..offset + list.0.len()
        });
        let this_update = to_datetime(tbs.this_update);
        let next_update = tbs.next_update.map(to_datetime);
        let mut crl = Crl {
            sha256: Sha256::digest(signed.der()).into(),
            issuer,
            this_update,
            next_update,
            number: extensions.number,
            delta_base: extensions.delta_base,
            authority_key_id: extensions.authority_key_id,
            scope: extensions.scope,
            freshest_urls: extensions.freshest_urls,
            unsupported_critical: extensions.unsupported_critical,
            defects: extensions.defects,
            entry_issuers: Vec::new(),
            index: EntryIndex::default(),
            signed,
        };
        if let Some(range) = revoked {
            crl.index_entries(range, max_entries)?;
        }
        Ok(crl)
    }

    fn index_entries(
        &mut self,
        range: std::ops::Range<usize>,
        max_entries: usize,
    ) -> Result<(), CrlError> {
        let der = self.signed.der();
        let base = der.as_ptr() as usize;
        // An entry without extensions takes about 35 bytes: size the index once, not by doubling.
        let mut index = EntryIndex::with_capacity((range.len() / 32).min(max_entries));
        let mut unsupported = Vec::new();
        let mut entry_issuers: Vec<NameKey> = Vec::new();
        let mut foreign_issuer_named = false;
        // RFC 5280 §5.3.3: an entry without certificateIssuer belongs to the issuer of the
        // entry before it; the first, to the CRL issuer.
        let mut issuer = CRL_ISSUER;
        let mut reader = der::SliceReader::new(&der[range]).map_err(malformed)?;
        while !der::Reader::is_finished(&reader) {
            if index.records.len() >= max_entries {
                return Err(CrlError::TooManyEntries(max_entries));
            }
            let entry = RevokedRef::decode(&mut reader).map_err(malformed)?;
            if entry.serial.tag() != Tag::Integer {
                return Err(CrlError::Malformed("entry serial is not an INTEGER".into()));
            }
            let serial = entry.serial.value();
            // A non-minimal serial would never equal the certificate's: refuse the CRL rather
            // than silently miss the entry (CONTRACT.md §3).
            if !minimal_integer(serial) {
                return Err(CrlError::Malformed(
                    "an entry serial is not a minimally encoded INTEGER".into(),
                ));
            }
            let mut reason = NO_REASON;
            if let Some(exts) = &entry.extensions {
                for_each_extension(exts, |ext| {
                    if ext.id == ID_CE_CRL_REASONS {
                        reason = reason_code(ext.value.as_bytes())?;
                    }
                    if ext.id == ID_CE_CERTIFICATE_ISSUER {
                        issuer = self.entry_issuer(ext.value.as_bytes(), &mut entry_issuers)?;
                        foreign_issuer_named = true;
                    }
                    if ext.critical && !UNDERSTOOD_ENTRY_EXTENSIONS.contains(&ext.id) {
                        let what = format!("CRL entry extension {}", ext.id);
                        if !unsupported.contains(&what) {
                            unsupported.push(what);
                        }
                    }
                    Ok(())
                })?;
            }
            let serial_len = u16::try_from(serial.len())
                .map_err(|_| CrlError::Malformed("entry serial is too long".into()))?;
            let serial_at = u32::try_from(serial.as_ptr() as usize - base)
                .map_err(|_| CrlError::Malformed("CRL larger than 4 GiB".into()))?;
            let revoked_at = entry.date.to_unix_duration().as_secs() as i64;
            index.insert(
                der,
                EntryRecord {
                    serial_at,
                    serial_len,
                    reason,
                    issuer,
                    revoked_at,
                },
            );
        }
        if foreign_issuer_named && !self.scope.indirect {
            self.defects
                .push("a certificateIssuer entry extension in a CRL that is not indirect".into());
        }
        self.index = index;
        self.entry_issuers = entry_issuers;
        self.unsupported_critical.extend(unsupported);
        Ok(())
    }

    /// The issuer number of a certificateIssuer extension value (see [`EntryRecord::issuer`]).
    fn entry_issuer(&self, value: &[u8], known: &mut Vec<NameKey>) -> Result<u8, CrlError> {
        let names = Vec::<GeneralName>::from_der(value)
            .map_err(|e| CrlError::Malformed(format!("certificateIssuer: {e}")))?;
        let key = names.iter().find_map(|n| match n {
            GeneralName::DirectoryName(dn) => der::Encode::to_der(dn)
                .ok()
                .and_then(|der| DistinguishedName::from_der(&der)),
            _ => None,
        });
        let Some(name) = key else {
            return Ok(OTHER_ISSUER);
        };
        if name.key() == self.issuer.key() {
            return Ok(CRL_ISSUER);
        }
        let position = match known.iter().position(|k| k == name.key()) {
            Some(p) => p,
            None if known.len() < MAX_ENTRY_ISSUERS => {
                known.push(name.key().clone());
                known.len() - 1
            }
            None => {
                return Err(CrlError::Malformed(format!(
                    "more than {MAX_ENTRY_ISSUERS} certificate issuers"
                )))
            }
        };
        Ok(position as u8 + 1)
    }

    /// The entry for a certificate serial (as encoded) of the CRL issuer, in O(1).
    pub fn lookup(&self, serial: &[u8]) -> Option<RevokedEntry> {
        self.find(serial, CRL_ISSUER)
    }

    /// The entry for the certificate `serial` issued by `issuer`, in O(1): in an indirect CRL
    /// an entry counts only for the issuer its certificateIssuer (carried over from the entries
    /// before it) names.
    pub fn lookup_issued_by(&self, issuer: &NameKey, serial: &[u8]) -> Option<RevokedEntry> {
        let number = if self.entry_issuers.is_empty() || issuer == self.issuer.key() {
            if issuer != self.issuer.key() {
                return None;
            }
            CRL_ISSUER
        } else {
            let position = self.entry_issuers.iter().position(|k| k == issuer)?;
            position as u8 + 1
        };
        self.find(serial, number)
    }

    fn find(&self, serial: &[u8], issuer: u8) -> Option<RevokedEntry> {
        self.index
            .find(self.signed.der(), serial, issuer)
            .map(|r| RevokedEntry {
                date: OffsetDateTime::from_unix_timestamp(r.revoked_at)
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                reason: RevocationReason::from_code(r.reason),
            })
    }

    /// Why this CRL can never be evidence about any certificate, or `None` when it may be: an
    /// unsupported critical extension, or a defect such as a missing or critical CRL number.
    /// The verifier refuses such a CRL for every question, so a store must not hold it in place
    /// of a usable one.
    pub fn unusable_reason(&self) -> Option<String> {
        if let Some(what) = self.unsupported_critical.first() {
            return Some(format!("unsupported critical {what}"));
        }
        self.defects.first().cloned()
    }

    pub fn entry_count(&self) -> usize {
        self.index.records.len()
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
