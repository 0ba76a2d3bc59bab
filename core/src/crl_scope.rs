//! Does a CRL cover a certificate, and for which reasons? RFC 5280 §6.3.3 (b), (c) and
//! CONTRACT.md §3 "Scope".
//!
//! A CRL covers a certificate through one of the certificate's distribution points: its issuer
//! is the certificate's issuer (or, for an indirect CRL, the point's cRLIssuer), and when the
//! CRL has an issuing distribution point its name matches one the point names. A certificate
//! without cRLDistributionPoints is treated as naming its issuer's DN. The reasons covered are
//! the CRL's onlySomeReasons intersected with the point's reasons.

use crate::cert::Certificate;
use crate::crl::Crl;
use crate::dist_point::{NameForm, ReasonMask, ALL_REASONS};
use crate::name::NameKey;

/// The reasons `crl` covers for `cert` (never empty), or why it covers none.
pub fn coverage(crl: &Crl, cert: &Certificate) -> Result<ReasonMask, String> {
    let scope = &crl.scope;
    if scope.only_attribute_certs {
        return Err("covers attribute certificates only".into());
    }
    if scope.only_user_certs && cert.is_ca() {
        return Err("covers end-entity certificates only".into());
    }
    if scope.only_ca_certs && !cert.is_ca() {
        return Err("covers CA certificates only".into());
    }
    let direct = crl.issuer.key() == cert.issuer.key();
    let mut mask: ReasonMask = 0;
    if cert.crl_distribution_points.is_empty() {
        // CONTRACT.md §3: no distribution point means the issuer's DN is the point's name.
        if direct && idp_matches(crl, |n| is_directory(n, cert.issuer.key())) {
            mask = scope.reasons;
        }
    } else {
        for point in &cert.crl_distribution_points {
            let issuer_matches = match &point.crl_issuer {
                // (b)(1): an indirect CRL whose issuer is the point's cRLIssuer.
                Some(names) => {
                    scope.indirect && names.iter().any(|n| is_directory(n, crl.issuer.key()))
                }
                None => direct,
            };
            if !issuer_matches {
                continue;
            }
            // (b)(2)(i): a name of the IDP matches one of the point's names, or, when the point
            // has no distributionPoint, one of its cRLIssuer names.
            let named = match (&point.names, &point.crl_issuer) {
                (Some(names), _) | (None, Some(names)) => idp_matches(crl, |n| names.contains(n)),
                (None, None) => false,
            };
            if named {
                mask |= scope.reasons & point.reasons.unwrap_or(ALL_REASONS);
            }
        }
        // RFC 5280 §6.3.3, last step: a CRL of the certificate's issuer that no distribution
        // point names still counts, when it is not itself limited to a distribution point.
        if mask == 0 && direct && scope.distribution_point.is_none() {
            mask = scope.reasons;
        }
    }
    if mask == 0 {
        if !direct && !scope.indirect {
            return Err("not issued by the certificate's issuer".into());
        }
        return Err("its distribution point is not one named by the certificate".into());
    }
    Ok(mask)
}

/// True when the CRL names no distribution point, or one of its names satisfies `wanted`.
fn idp_matches(crl: &Crl, wanted: impl Fn(&NameForm) -> bool) -> bool {
    match &crl.scope.distribution_point {
        None => true,
        Some(names) => names.iter().any(wanted),
    }
}

fn is_directory(name: &NameForm, key: &NameKey) -> bool {
    matches!(name, NameForm::Directory(k) if k == key)
}

/// The names under which CRLs about `cert` are filed: its issuer, then the cRLIssuer of each of
/// its distribution points (indirect CRLs), without repeats.
pub fn crl_issuers(cert: &Certificate) -> impl Iterator<Item = &NameKey> {
    let points = &cert.crl_distribution_points;
    std::iter::once(cert.issuer.key()).chain(points.iter().enumerate().filter_map(move |(i, p)| {
        let key = p.crl_issuer_dn.as_ref()?;
        let repeated = key == cert.issuer.key()
            || points[..i]
                .iter()
                .any(|q| q.crl_issuer_dn.as_ref() == Some(key));
        (!repeated).then_some(key)
    }))
}
