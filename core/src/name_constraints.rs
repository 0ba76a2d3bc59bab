//! Name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)(c), §6.1.4 (g)).
//!
//! Instead of folding every CA's subtrees into one intersected `permitted_subtrees` state (which
//! needs subtree intersection per name form), each CA's constraints are kept as they are and every
//! name below that CA is checked against them: a name must lie in one of the CA's permitted subtrees
//! of its form (when the CA names any of that form) and in none of its excluded subtrees. This is
//! the same decision as the RFC's state machine, and what BoringSSL's `pki/` does.
//!
//! The work is names × constraints over the path; [`Budget`] counts it so that a crafted
//! certificate (thousands of names under thousands of subtrees) fails the path instead of
//! stalling the verifier.

use x509_parser::extensions::{GeneralName, NameConstraints as ParsedConstraints};

use crate::name::{DistinguishedName, NameKey};

/// A name of a certificate that name constraints apply to (§6.1.3 (b)(c)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AltName {
    Email(String),
    Dns(String),
    Uri(String),
    /// 4 or 16 octets.
    Ip(Vec<u8>),
    Directory(NameKey),
    /// otherName, x400Address, ediPartyName, registeredID: no constraint of ours matches these, and
    /// a CA that constrains such a form cannot be honoured (see [`Subtree::Unsupported`]).
    Other(u8),
}

impl AltName {
    /// The owned form of a subjectAltName entry; `None` for an entry that does not decode.
    pub fn from_general_name(name: &GeneralName<'_>) -> Option<AltName> {
        Some(match name {
            GeneralName::RFC822Name(s) => AltName::Email((*s).to_owned()),
            GeneralName::DNSName(s) => AltName::Dns((*s).to_owned()),
            GeneralName::URI(s) => AltName::Uri((*s).to_owned()),
            GeneralName::IPAddress(b) if b.len() == 4 || b.len() == 16 => AltName::Ip(b.to_vec()),
            GeneralName::IPAddress(_) => return None,
            GeneralName::DirectoryName(n) => {
                AltName::Directory(DistinguishedName::from_x509(n).key().clone())
            }
            GeneralName::OtherName(..) => AltName::Other(0),
            GeneralName::X400Address(_) => AltName::Other(3),
            GeneralName::EDIPartyName(_) => AltName::Other(5),
            GeneralName::RegisteredID(_) => AltName::Other(8),
            GeneralName::Invalid(..) => return None,
        })
    }
}

/// One GeneralSubtree base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subtree {
    Email(String),
    Dns(String),
    Uri(String),
    /// Address and mask of the same length: 4 + 4 or 16 + 16 octets.
    Ip {
        addr: Vec<u8>,
        mask: Vec<u8>,
    },
    Directory(NameKey),
    /// A form this verifier does not compare (the GeneralName tag). A name of that form under such
    /// a constraint fails rather than passing unchecked.
    Unsupported(u8),
}

/// The name constraints of one CA certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameConstraints {
    pub permitted: Vec<Subtree>,
    pub excluded: Vec<Subtree>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameConstraintError {
    #[error("a malformed name constraint: {0}")]
    Malformed(&'static str),
}

impl NameConstraints {
    pub fn from_parsed(parsed: &ParsedConstraints<'_>) -> Result<Self, NameConstraintError> {
        let convert = |list: &Option<Vec<x509_parser::extensions::GeneralSubtree<'_>>>| {
            list.iter()
                .flatten()
                .map(|s| Subtree::from_general_name(&s.base))
                .collect::<Result<Vec<_>, _>>()
        };
        let constraints = NameConstraints {
            permitted: convert(&parsed.permitted_subtrees)?,
            excluded: convert(&parsed.excluded_subtrees)?,
        };
        // §4.2.1.10: "Conforming CAs MUST NOT issue certificates where name constraints is an
        // empty sequence."
        if constraints.permitted.is_empty() && constraints.excluded.is_empty() {
            return Err(NameConstraintError::Malformed("an empty nameConstraints"));
        }
        Ok(constraints)
    }

    fn len(&self) -> usize {
        self.permitted.len() + self.excluded.len()
    }
}

impl Subtree {
    fn from_general_name(name: &GeneralName<'_>) -> Result<Subtree, NameConstraintError> {
        Ok(match name {
            GeneralName::RFC822Name(s) => Subtree::Email((*s).to_owned()),
            GeneralName::DNSName(s) => Subtree::Dns((*s).to_owned()),
            GeneralName::URI(s) => Subtree::Uri((*s).to_owned()),
            GeneralName::IPAddress(b) if b.len() == 8 || b.len() == 32 => {
                let (addr, mask) = b.split_at(b.len() / 2);
                Subtree::Ip {
                    addr: addr.to_vec(),
                    mask: mask.to_vec(),
                }
            }
            GeneralName::IPAddress(_) => {
                return Err(NameConstraintError::Malformed(
                    "an iPAddress subtree that is not address and mask",
                ))
            }
            GeneralName::DirectoryName(n) => {
                Subtree::Directory(DistinguishedName::from_x509(n).key().clone())
            }
            GeneralName::OtherName(..) => Subtree::Unsupported(0),
            GeneralName::X400Address(_) => Subtree::Unsupported(3),
            GeneralName::EDIPartyName(_) => Subtree::Unsupported(5),
            GeneralName::RegisteredID(_) => Subtree::Unsupported(8),
            GeneralName::Invalid(..) => {
                return Err(NameConstraintError::Malformed("an undecodable subtree"))
            }
        })
    }

    /// `Some(matches)` when the subtree is of the name's form, `None` when the forms differ.
    fn covers(&self, name: &NameRef<'_>) -> Option<bool> {
        match (self, name) {
            (Subtree::Email(c), NameRef::Email(n)) => Some(email_matches(c, n)),
            (Subtree::Dns(c), NameRef::Dns(n)) => Some(dns_matches(c, n)),
            (Subtree::Uri(c), NameRef::Uri(n)) => Some(uri_matches(c, n)),
            (Subtree::Ip { addr, mask }, NameRef::Ip(n)) => Some(ip_matches(addr, mask, n)),
            (Subtree::Directory(c), NameRef::Directory(n)) => Some(n.starts_with(c)),
            // A form we cannot compare never "matches" a permitted subtree, and always counts as
            // matching an excluded one: the safe answer both ways.
            (Subtree::Unsupported(t), NameRef::Other(u)) if t == u => Some(false),
            _ => None,
        }
    }
}

/// A name of the certificate being checked, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum NameRef<'a> {
    Email(&'a str),
    Dns(&'a str),
    Uri(&'a str),
    Ip(&'a [u8]),
    Directory(&'a NameKey),
    Other(u8),
}

impl<'a> NameRef<'a> {
    fn of(name: &'a AltName) -> Self {
        match name {
            AltName::Email(s) => NameRef::Email(s),
            AltName::Dns(s) => NameRef::Dns(s),
            AltName::Uri(s) => NameRef::Uri(s),
            AltName::Ip(b) => NameRef::Ip(b),
            AltName::Directory(k) => NameRef::Directory(k),
            AltName::Other(t) => NameRef::Other(*t),
        }
    }

    fn describe(&self) -> String {
        match self {
            NameRef::Email(s) => format!("rfc822Name {s}"),
            NameRef::Dns(s) => format!("dNSName {s}"),
            NameRef::Uri(s) => format!("URI {s}"),
            NameRef::Ip(b) => match b.len() {
                4 => format!(
                    "iPAddress {}",
                    std::net::Ipv4Addr::from([b[0], b[1], b[2], b[3]])
                ),
                _ => {
                    // AltName::Ip holds 4 or 16 octets; a shorter one would show zero-padded.
                    let mut a = [0u8; 16];
                    let n = b.len().min(16);
                    a[..n].copy_from_slice(&b[..n]);
                    format!("iPAddress {}", std::net::Ipv6Addr::from(a))
                }
            },
            NameRef::Directory(_) => "the directory name".into(),
            NameRef::Other(t) => format!("a GeneralName of form [{t}]"),
        }
    }
}

/// Comparisons left before a path is refused as too costly.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub limit: usize,
    pub spent: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("{name} is outside the permitted subtrees")]
    NotPermitted { name: String },
    #[error("{name} is in an excluded subtree")]
    Excluded { name: String },
    #[error("checking name constraints would take more than {0} comparisons (limit)")]
    Budget(usize),
}

impl Violation {
    /// The violation as a phrase (its `Display` is this phrase in English).
    pub fn phrase(&self) -> crate::phrase::Phrase {
        use crate::phrase::{Phrase, PhraseKey};
        match self {
            Violation::NotPermitted { name } => {
                Phrase::new(PhraseKey::NameNotPermitted).text("name", name.clone())
            }
            Violation::Excluded { name } => {
                Phrase::new(PhraseKey::NameExcluded).text("name", name.clone())
            }
            Violation::Budget(limit) => {
                Phrase::new(PhraseKey::NameBudget).text("limit", limit.to_string())
            }
        }
    }
}

/// The subject's names a CA's constraints apply to: the subject DN (when not empty), every
/// subjectAltName entry, and the subject's emailAddress attributes when the certificate has no
/// rfc822Name alternative name (§4.2.1.10).
pub fn names_of<'a>(
    subject: &'a DistinguishedName,
    alt_names: &'a [AltName],
) -> impl Iterator<Item = NameRef<'a>> + 'a {
    const EMAIL_ADDRESS: &str = "1.2.840.113549.1.9.1";
    let has_rfc822 = alt_names.iter().any(|n| matches!(n, AltName::Email(_)));
    let dn = (!subject.is_empty()).then(|| NameRef::Directory(subject.key()));
    let emails = subject
        .attributes_of(EMAIL_ADDRESS)
        .filter(move |_| !has_rfc822)
        .map(NameRef::Email);
    dn.into_iter()
        .chain(alt_names.iter().map(NameRef::of))
        .chain(emails)
}

/// Checks one certificate's names against one CA's constraints, spending the budget.
pub fn check<'a>(
    constraints: &NameConstraints,
    names: impl Iterator<Item = NameRef<'a>>,
    budget: &mut Budget,
) -> Result<(), Violation> {
    for name in names {
        budget.spent = budget.spent.saturating_add(constraints.len());
        if budget.spent > budget.limit {
            return Err(Violation::Budget(budget.limit));
        }
        let mut form_constrained = false;
        let mut permitted = false;
        for subtree in &constraints.permitted {
            if let Some(hit) = subtree.covers(&name) {
                form_constrained = true;
                if hit {
                    permitted = true;
                    break;
                }
            }
        }
        if form_constrained && !permitted {
            return Err(Violation::NotPermitted {
                name: name.describe(),
            });
        }
        for subtree in &constraints.excluded {
            let hit = match (subtree, &name) {
                (Subtree::Unsupported(t), NameRef::Other(u)) => t == u,
                _ => subtree.covers(&name) == Some(true),
            };
            if hit {
                return Err(Violation::Excluded {
                    name: name.describe(),
                });
            }
        }
    }
    Ok(())
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// `name` ends with `suffix`, compared without ASCII case.
fn ends_with_ignore_case(name: &str, suffix: &str) -> bool {
    name.len() >= suffix.len()
        && name.is_char_boundary(name.len() - suffix.len())
        && eq_ignore_case(&name[name.len() - suffix.len()..], suffix)
}

/// A host within a domain constraint: equal, or more labels on the left. A constraint starting
/// with "." admits only hosts strictly inside the domain (the form §4.2.1.10 gives for rfc822 and
/// URI constraints, and that CAs use for dNSName too).
fn host_in_domain(constraint: &str, host: &str) -> bool {
    let constraint = constraint.strip_suffix('.').unwrap_or(constraint);
    let host = host.strip_suffix('.').unwrap_or(host);
    if constraint.is_empty() {
        return true;
    }
    if constraint.starts_with('.') {
        return ends_with_ignore_case(host, constraint);
    }
    if eq_ignore_case(host, constraint) {
        return true;
    }
    ends_with_ignore_case(host, constraint)
        && host.as_bytes()[host.len() - constraint.len() - 1] == b'.'
}

/// §4.2.1.10: a dNSName constraint is satisfied by "any DNS name that can be constructed by simply
/// adding zero or more labels to the left-hand side of the name".
fn dns_matches(constraint: &str, name: &str) -> bool {
    host_in_domain(constraint, name)
}

/// §4.2.1.10: a mailbox (`a@host`) matches that address; a host matches addresses at that host;
/// `.domain` matches addresses at any host inside the domain.
fn email_matches(constraint: &str, name: &str) -> bool {
    let Some((local, host)) = name.rsplit_once('@') else {
        return false;
    };
    match constraint.rsplit_once('@') {
        // Local parts are case-sensitive (RFC 5321); hosts are not.
        Some((c_local, c_host)) => local == c_local && eq_ignore_case(host, c_host),
        None if constraint.starts_with('.') => ends_with_ignore_case(host, constraint),
        None => eq_ignore_case(host, constraint),
    }
}

/// §4.2.1.10: a URI constraint applies to the host of the URI's authority; a URI without a host
/// name (no authority, or an IP literal) does not match.
fn uri_matches(constraint: &str, uri: &str) -> bool {
    let Some(host) = uri_host(uri) else {
        return false;
    };
    if constraint.starts_with('.') {
        ends_with_ignore_case(host, constraint)
    } else {
        eq_ignore_case(host, constraint)
    }
}

/// The host name of `scheme://[userinfo@]host[:port][/...]`, if it is a name and not an address.
fn uri_host(uri: &str) -> Option<&str> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        return None; // an IPv6 literal
    }
    let host = host_port.split(':').next().unwrap_or("");
    if host.is_empty() || host.parse::<std::net::Ipv4Addr>().is_ok() {
        return None;
    }
    Some(host)
}

fn ip_matches(addr: &[u8], mask: &[u8], name: &[u8]) -> bool {
    name.len() == addr.len()
        && name
            .iter()
            .zip(addr)
            .zip(mask)
            .all(|((n, a), m)| n & m == a & m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_adds_labels_on_the_left_only() {
        assert!(dns_matches("example.com", "example.com"));
        assert!(dns_matches("example.com", "www.Example.COM"));
        assert!(!dns_matches("example.com", "wwwexample.com"));
        assert!(!dns_matches("www.example.com", "example.com"));
        assert!(dns_matches(".example.com", "a.example.com"));
        assert!(!dns_matches(".example.com", "example.com"));
        assert!(dns_matches("", "anything.kz"));
    }

    #[test]
    fn email_mailbox_host_and_domain() {
        assert!(email_matches("user@example.com", "user@EXAMPLE.com"));
        assert!(!email_matches("user@example.com", "User@example.com"));
        assert!(email_matches("example.com", "anyone@example.com"));
        assert!(!email_matches("example.com", "anyone@mail.example.com"));
        assert!(email_matches(".example.com", "anyone@mail.example.com"));
        assert!(!email_matches(".example.com", "anyone@example.com"));
        assert!(!email_matches("example.com", "no-at-sign"));
    }

    #[test]
    fn uri_host_rules() {
        assert!(uri_matches("host.kz", "https://host.kz/path"));
        assert!(uri_matches("host.kz", "http://user@HOST.kz:8080?q"));
        assert!(!uri_matches("host.kz", "https://a.host.kz/"));
        assert!(uri_matches(".host.kz", "https://a.host.kz/"));
        assert!(!uri_matches(".host.kz", "https://host.kz/"));
        assert!(!uri_matches("host.kz", "urn:host.kz"));
        assert!(!uri_matches("10.0.0.1", "https://10.0.0.1/"));
        assert!(!uri_matches("host.kz", "https://[::1]/"));
    }

    #[test]
    fn ip_masks_v4_and_v6() {
        assert!(ip_matches(
            &[10, 1, 0, 0],
            &[255, 255, 0, 0],
            &[10, 1, 2, 3]
        ));
        assert!(!ip_matches(
            &[10, 1, 0, 0],
            &[255, 255, 0, 0],
            &[10, 2, 2, 3]
        ));
        let mut v6 = [0u8; 16];
        v6[0] = 0x20;
        v6[1] = 0x01;
        let mut mask = [0u8; 16];
        mask[..2].copy_from_slice(&[0xff, 0xff]);
        let mut name = v6;
        name[15] = 7;
        assert!(ip_matches(&v6, &mask, &name));
        // A v4 address is never inside a v6 subtree.
        assert!(!ip_matches(&v6, &mask, &[32, 1, 0, 7]));
    }

    #[test]
    fn permitted_binds_only_its_form_and_excluded_wins() {
        let c = NameConstraints {
            permitted: vec![Subtree::Dns("kz".into())],
            excluded: vec![Subtree::Dns("bad.kz".into())],
        };
        let mut budget = Budget {
            limit: 100,
            spent: 0,
        };
        let ok = [
            AltName::Dns("egov.kz".into()),
            AltName::Email("a@b.c".into()),
        ];
        assert_eq!(check(&c, ok.iter().map(NameRef::of), &mut budget), Ok(()));
        let out = [AltName::Dns("example.com".into())];
        assert!(matches!(
            check(&c, out.iter().map(NameRef::of), &mut budget),
            Err(Violation::NotPermitted { .. })
        ));
        let excluded = [AltName::Dns("x.bad.kz".into())];
        assert!(matches!(
            check(&c, excluded.iter().map(NameRef::of), &mut budget),
            Err(Violation::Excluded { .. })
        ));
    }

    #[test]
    fn unsupported_forms_fail_safe() {
        let c = NameConstraints {
            permitted: vec![Subtree::Unsupported(0)],
            excluded: vec![],
        };
        let mut budget = Budget {
            limit: 100,
            spent: 0,
        };
        let other = [AltName::Other(0)];
        assert!(check(&c, other.iter().map(NameRef::of), &mut budget).is_err());
        let dns = [AltName::Dns("a.kz".into())];
        assert!(check(&c, dns.iter().map(NameRef::of), &mut budget).is_ok());
    }

    #[test]
    fn the_budget_stops_the_work() {
        let c = NameConstraints {
            permitted: (0..10).map(|i| Subtree::Dns(format!("d{i}.kz"))).collect(),
            excluded: vec![],
        };
        let names: Vec<AltName> = (0..10).map(|_| AltName::Dns("d9.kz".into())).collect();
        let mut budget = Budget {
            limit: 99,
            spent: 0,
        };
        assert_eq!(
            check(&c, names.iter().map(NameRef::of), &mut budget),
            Err(Violation::Budget(99))
        );
        let mut budget = Budget {
            limit: 100,
            spent: 0,
        };
        assert_eq!(
            check(&c, names.iter().map(NameRef::of), &mut budget),
            Ok(())
        );
    }
}
