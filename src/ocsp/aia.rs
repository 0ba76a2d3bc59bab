//! The OCSP responders a certificate names itself: the id-ad-ocsp entries of its
//! authorityInfoAccess extension (RFC 5280 §4.2.2.1) that are HTTP(S) URLs.

use der::Decode;
use spki::ObjectIdentifier;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::AuthorityInfoAccessSyntax;

use qoltanba_core::Certificate;

const ID_PE_AUTHORITY_INFO_ACCESS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.1");
const ID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");

/// The HTTP(S) OCSP URLs of `cert`'s authorityInfoAccess, in order; none when it has no such
/// extension or it cannot be read (the certificate's other faults are the verifier's to report).
pub fn ocsp_urls(cert: &Certificate) -> Vec<String> {
    let Ok(parsed) = x509_cert::Certificate::from_der(&cert.der) else {
        return Vec::new();
    };
    let Some(extensions) = &parsed.tbs_certificate.extensions else {
        return Vec::new();
    };
    let mut urls = Vec::new();
    for ext in extensions
        .iter()
        .filter(|e| e.extn_id == ID_PE_AUTHORITY_INFO_ACCESS)
    {
        let Ok(aia) = AuthorityInfoAccessSyntax::from_der(ext.extn_value.as_bytes()) else {
            continue;
        };
        for access in aia.0.iter().filter(|a| a.access_method == ID_AD_OCSP) {
            if let GeneralName::UniformResourceIdentifier(uri) = &access.access_location {
                let url = uri.as_str().to_owned();
                if crate::url::is_http_url(&url) && !urls.contains(&url) {
                    urls.push(url);
                }
            }
        }
    }
    urls
}
