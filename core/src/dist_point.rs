//! Distribution-point names and reason sets (RFC 5280 §4.2.1.13, §5.2.5), in a form that CRL
//! scope matching (§6.3.3 (b)) can compare without re-parsing: built once when a certificate or
//! a CRL is parsed.
//!
//! A name is kept per GeneralName: a directoryName by its normalised comparison key (so that a
//! re-encoded DN still matches, as in chaining), any other type by its DER encoding (URIs, DNS
//! names, IP addresses… compare exactly). A nameRelativeToCRLIssuer is resolved to the full
//! directoryName it stands for (the CRL issuer, or the cRLIssuer, with the RDN appended).

use der::{Decode, Encode};
use x509_cert::ext::pkix::crl::dp::ReasonFlags;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::CrlDistributionPoints;
use x509_cert::name::{Name, RelativeDistinguishedName};

use crate::name::{DistinguishedName, NameKey};

/// ReasonFlags as a bit set (bit n = the ReasonFlags bit n of RFC 5280 §4.2.1.13).
pub type ReasonMask = u16;

/// Every reason a CRL can cover: keyCompromise (bit 1) through aACompromise (bit 8); bit 0 is
/// `unused`.
pub const ALL_REASONS: ReasonMask = 0x01FE;

/// The reasons a ReasonFlags value names, without the `unused` bit.
pub fn reason_mask(flags: &ReasonFlags) -> ReasonMask {
    flags.bits() & ALL_REASONS
}

/// The names of the reasons in `mask`, for messages.
pub fn reason_names(mask: ReasonMask) -> Vec<&'static str> {
    const NAMES: [&str; 9] = [
        "unused",
        "keyCompromise",
        "cACompromise",
        "affiliationChanged",
        "superseded",
        "cessationOfOperation",
        "certificateHold",
        "privilegeWithdrawn",
        "aACompromise",
    ];
    (1..9)
        .filter(|bit| mask & (1 << bit) != 0)
        .map(|bit| NAMES[bit])
        .collect()
}

/// One GeneralName, comparable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NameForm {
    Directory(NameKey),
    /// Any other GeneralName type: its whole DER encoding (the tag tells the type).
    Other(Vec<u8>),
}

impl NameForm {
    fn of(name: &GeneralName) -> Result<Self, String> {
        match name {
            GeneralName::DirectoryName(dn) => directory(dn),
            other => other
                .to_der()
                .map(NameForm::Other)
                .map_err(|e| format!("unencodable general name: {e}")),
        }
    }

    /// The URI, when this is a uniformResourceIdentifier.
    pub fn uri(name: &GeneralName) -> Option<String> {
        match name {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            _ => None,
        }
    }
}

fn directory(dn: &Name) -> Result<NameForm, String> {
    let der = dn.to_der().map_err(|e| format!("unencodable name: {e}"))?;
    DistinguishedName::from_der(&der)
        .map(|n| NameForm::Directory(n.key().clone()))
        .ok_or_else(|| "unreadable directoryName".to_string())
}

/// `base` with `rdn` appended (RFC 5280 §4.2.1.13: nameRelativeToCRLIssuer).
fn relative(base: &Name, rdn: &RelativeDistinguishedName) -> Result<NameForm, String> {
    let mut full = base.clone();
    full.0.push(rdn.clone());
    directory(&full)
}

/// The full names a DistributionPointName stands for; `base` is the name a relative name is
/// relative to (`None` when that name is not a directoryName: the relative name matches nothing).
pub fn names_of(
    name: &DistributionPointName,
    base: Option<&Name>,
) -> Result<Vec<NameForm>, String> {
    match name {
        DistributionPointName::FullName(names) => names.iter().map(NameForm::of).collect(),
        DistributionPointName::NameRelativeToCRLIssuer(rdn) => match base {
            Some(base) => Ok(vec![relative(base, rdn)?]),
            None => Ok(Vec::new()),
        },
    }
}

/// One distribution point of a certificate's cRLDistributionPoints extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertDistributionPoint {
    /// The distributionPoint field's full names; `None` when the field is absent.
    pub names: Option<Vec<NameForm>>,
    /// The reasons field; `None` means all reasons.
    pub reasons: Option<ReasonMask>,
    /// The cRLIssuer field's names; `None` when absent (the CRL issuer is the certificate issuer).
    pub crl_issuer: Option<Vec<NameForm>>,
    /// The first directoryName of cRLIssuer: where an indirect CRL for this point is filed.
    pub crl_issuer_dn: Option<NameKey>,
}

/// Reads a cRLDistributionPoints extension value. `issuer_der` is the certificate's issuer
/// name (a relative name without cRLIssuer is relative to it).
pub fn read_crl_distribution_points(
    value: &[u8],
    issuer_der: &[u8],
) -> Result<Vec<CertDistributionPoint>, String> {
    let points = CrlDistributionPoints::from_der(value).map_err(|e| e.to_string())?;
    if points.0.is_empty() {
        return Err("an empty cRLDistributionPoints".into());
    }
    let issuer = Name::from_der(issuer_der).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(points.0.len());
    for point in &points.0 {
        // RFC 5280 §4.2.1.13: a point names a distributionPoint, a cRLIssuer, or both.
        if point.distribution_point.is_none() && point.crl_issuer.is_none() {
            return Err("a distribution point with neither a name nor a cRLIssuer".into());
        }
        let crl_issuer_name = point.crl_issuer.as_ref().and_then(|names| {
            names.iter().find_map(|n| match n {
                GeneralName::DirectoryName(dn) => Some(dn),
                _ => None,
            })
        });
        let base = match &point.crl_issuer {
            Some(_) => crl_issuer_name,
            None => Some(&issuer),
        };
        let names = point
            .distribution_point
            .as_ref()
            .map(|n| names_of(n, base))
            .transpose()?;
        let crl_issuer = point
            .crl_issuer
            .as_ref()
            .map(|names| {
                names
                    .iter()
                    .map(NameForm::of)
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let crl_issuer_dn = crl_issuer.iter().flatten().find_map(|n| match n {
            NameForm::Directory(key) => Some(key.clone()),
            NameForm::Other(_) => None,
        });
        out.push(CertDistributionPoint {
            names,
            reasons: point.reasons.as_ref().map(reason_mask),
            crl_issuer,
            crl_issuer_dn,
        });
    }
    Ok(out)
}
