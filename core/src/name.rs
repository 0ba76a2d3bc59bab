//! Distinguished names: a readable form and a comparison key.
//!
//! Issuer/subject chaining compares names the way RFC 5280 §7.1 asks: attribute by attribute, with
//! strings compared case-insensitively after trimming and collapsing internal white space, so a CA
//! that re-encodes its name (PrintableString → UTF8String, different spacing or case) still chains.

use x509_parser::prelude::{FromDer, X509Name};

/// A parsed distinguished name. `key` is what chaining compares; `der` is the original encoding.
#[derive(Clone, Debug)]
pub struct DistinguishedName {
    pub der: Vec<u8>,
    key: NameKey,
    display: String,
    attributes: Vec<(String, String)>,
}

/// The normalised form of a name: each RDN as a sorted list of (OID, normalised value).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameKey(Vec<Vec<(String, NormalisedValue)>>);

impl NameKey {
    /// Whether this name lies in the directory subtree `base`: its first RDNs are `base`'s RDNs
    /// (RFC 5280 §4.2.1.10, compared as chaining compares names).
    pub fn starts_with(&self, base: &NameKey) -> bool {
        self.0.starts_with(&base.0)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum NormalisedValue {
    Text(String),
    Raw(Vec<u8>),
}

fn normalise_text(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Short labels for the attribute types NCA certificates use.
fn short_label(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SURNAME",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "T",
        "2.5.4.42" => "G",
        "1.2.840.113549.1.9.1" => "E",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        _ => return None,
    })
}

impl DistinguishedName {
    pub fn from_x509(name: &X509Name<'_>) -> Self {
        let mut key = Vec::new();
        let mut parts = Vec::new();
        let mut attributes = Vec::new();
        for rdn in name.iter_rdn() {
            let mut set = Vec::new();
            for attr in rdn.iter() {
                let oid = attr.attr_type().to_id_string();
                let (value, shown) = match attr.as_str() {
                    Ok(text) => (NormalisedValue::Text(normalise_text(text)), text.to_owned()),
                    Err(_) => {
                        let raw = attr.attr_value().data.to_vec();
                        let shown = format!("#{}", hex::encode(&raw));
                        (NormalisedValue::Raw(raw), shown)
                    }
                };
                let label = short_label(&oid).map(str::to_owned).unwrap_or(oid.clone());
                parts.push(format!("{label}={shown}"));
                attributes.push((oid.clone(), shown));
                set.push((oid, value));
            }
            set.sort();
            key.push(set);
        }
        DistinguishedName {
            der: name.as_raw().to_vec(),
            key: NameKey(key),
            display: parts.join(", "),
            attributes,
        }
    }

    /// Parses a DER-encoded Name (used for CRL issuers).
    pub fn from_der(der: &[u8]) -> Option<Self> {
        match X509Name::from_der(der) {
            Ok(([], name)) => Some(Self::from_x509(&name)),
            _ => None,
        }
    }

    pub fn key(&self) -> &NameKey {
        &self.key
    }

    pub fn matches(&self, other: &DistinguishedName) -> bool {
        self.key == other.key
    }

    pub fn is_empty(&self) -> bool {
        self.key.0.is_empty()
    }

    /// The first value of an attribute, by dotted OID.
    pub fn attribute(&self, oid: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(o, _)| o == oid)
            .map(|(_, v)| v.as_str())
    }

    pub fn attributes_of<'a>(&'a self, oid: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.attributes
            .iter()
            .filter(move |(o, _)| o == oid)
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Display for DistinguishedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display)
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_text;

    #[test]
    fn normalisation_ignores_case_and_spacing() {
        assert_eq!(normalise_text("  Good   CA "), normalise_text("good ca"));
        assert_eq!(
            normalise_text("ҰЛТТЫҚ Орталық"),
            normalise_text("ұлттық ОРТАЛЫҚ")
        );
        assert_ne!(normalise_text("Good CA"), normalise_text("GoodCA"));
    }
}
