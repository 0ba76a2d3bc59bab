//! The certificates of `fixtures/gost/`: their table and their issuance. rcgen cannot sign with
//! GOST, so each TBSCertificate is built from `x509-cert` types, hashed with the issuer's hash
//! (Streebog-512, or GOST 34.311-95 under the 2004 CA) and signed with the issuer's GOST key; the
//! signature BIT STRING holds r‖s with each half little-endian, as in the NCA's certificates.
//!
//! The profile is copied from the NCA's real test certificates (`fixtures/nca/`): the extensions
//! in the same order with the same criticality, the NULL parameters of the signature algorithm,
//! the SEQUENCE { curve, digest } key parameters, SHA-1 key identifiers (RFC 5280 method 1) and
//! a serial number that is the subject key identifier with its top bit cleared.

use const_oid::db::rfc5280::{
    ID_AD_CA_ISSUERS, ID_AD_OCSP, ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_BASIC_CONSTRAINTS,
    ID_CE_CERTIFICATE_POLICIES, ID_CE_CRL_DISTRIBUTION_POINTS, ID_CE_EXT_KEY_USAGE,
    ID_CE_FRESHEST_CRL, ID_CE_KEY_USAGE, ID_CE_SUBJECT_KEY_IDENTIFIER, ID_KP_CLIENT_AUTH,
    ID_KP_EMAIL_PROTECTION, ID_KP_TIME_STAMPING, ID_PE_AUTHORITY_INFO_ACCESS, ID_QT_CPS,
};
use const_oid::ObjectIdentifier;
use der::asn1::{
    Any, BitString, Ia5String, OctetString, PrintableStringRef, SetOfVec, Utf8StringRef,
};
use der::{Decode, Encode};
use time::OffsetDateTime;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::pkix::certpolicy::{PolicyInformation, PolicyQualifierInfo};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CertificatePolicies, CrlDistributionPoints, ExtendedKeyUsage, FreshestCrl, KeyUsage, KeyUsages,
};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::certs::{dotted, Role};
use crate::gost_keys::{GostAlgo, GostKey};
use crate::names::Subject;
use crate::times::*;
use crate::Result;

/// Where the CRLs of `fixtures/gost/` are said to be published.
pub const CRL_URL: &str = "http://crl.test.qoltanba.kz/gost";
/// Where the CA certificates are said to be published (AIA caIssuers).
pub const CERT_URL: &str = "http://pki.test.qoltanba.kz/gost";
/// The OCSP responder named in the end-entity certificates (AIA; no responder exists).
pub const OCSP_URL: &str = "http://ocsp.test.qoltanba.kz/gost/";
/// The CPS qualifier of the certificate policies.
pub const CPS_URL: &str = "http://pki.test.qoltanba.kz/cps";

/// The NCA's certificate policy of the CA and the end entities (1.2.398.3.3.2).
pub const POLICY_NCA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.3.2");
/// The policy of the real NCA root (1.2.398.3.1.2).
pub const POLICY_ROOT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.1.2");
/// The NCA's private extension: the key storage type (non-critical).
pub const KEY_STORAGE_EXT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.3.5");
/// Its value in the 2025 test keys: SEQUENCE { OID 1.2.398.3.3.5.1.1 }.
pub const KEY_STORAGE_FILE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.398.3.3.5.1.1");

const SURNAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.4");
const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
const GIVEN_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.42");
const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const COUNTRY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
const ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const ORG_UNIT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");

pub const ROOT_CN: &str = "ҚР ҰКО ТЕСТ ТҮБІР (GOST)";
pub const NCA_GOST_CN: &str = "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) ТЕСТ";
/// The GOST TSA's name.
pub const TSA_CN: &str = "ТЕСТ УАҚЫТ БЕЛГІСІ ҚЫЗМЕТІ (GOST TSA)";
pub const NCA_GOST2004_CN: &str = "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST 2004) ТЕСТ";
const DALA_MURA: &str = "ТОО \"ДАЛА МҰРА\"";
const DALA_MURA_BIN: &str = "050340001235";
const KAZAKH_ZHOLDARY: &str = "АҚ \"ҚАЗАҚ ЖОЛДАРЫ\"";
const KAZAKH_ZHOLDARY_BIN: &str = "040340001233";

/// The certificate profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// A CA: basicConstraints CA (critical), keyCertSign + cRLSign (critical), as the NCA's.
    Ca,
    /// The NCA's 2024 profile, one key that signs and authenticates: digitalSignature +
    /// nonRepudiation + keyAgreement, EKU emailProtection + roles, the key-storage extension.
    Nca2024,
    /// A pre-2024 SIGN certificate: digitalSignature + nonRepudiation, EKU emailProtection + roles.
    SignPre2024,
    /// A pre-2024 AUTH certificate: digitalSignature + keyEncipherment, EKU clientAuth + roles.
    AuthPre2024,
    /// A time-stamping authority (RFC 3161 §2.3): digitalSignature + nonRepudiation, the extended
    /// key usage id-kp-timeStamping alone and critical.
    Tsa,
}

impl Profile {
    pub fn label(self) -> &'static str {
        match self {
            Profile::Ca => "CA",
            Profile::Nca2024 => "NCA 2024 (sign+auth)",
            Profile::SignPre2024 => "pre-2024 SIGN",
            Profile::AuthPre2024 => "pre-2024 AUTH",
            Profile::Tsa => "TSA",
        }
    }

    fn key_usage(self) -> KeyUsage {
        KeyUsage(match self {
            Profile::Ca => KeyUsages::KeyCertSign | KeyUsages::CRLSign,
            Profile::Nca2024 => {
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation | KeyUsages::KeyAgreement
            }
            Profile::SignPre2024 | Profile::Tsa => {
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation
            }
            Profile::AuthPre2024 => KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment,
        })
    }

    pub fn key_usage_label(self) -> &'static str {
        match self {
            Profile::Ca => "keyCertSign, cRLSign",
            Profile::Nca2024 => "digitalSignature, nonRepudiation, keyAgreement",
            Profile::SignPre2024 | Profile::Tsa => "digitalSignature, nonRepudiation",
            Profile::AuthPre2024 => "digitalSignature, keyEncipherment",
        }
    }
}

/// What `qoltanba verify-cert` must answer at the reference time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expect {
    pub status: &'static str,
    pub reason: Option<&'static str>,
}

pub const VALID: Expect = Expect {
    status: "valid",
    reason: None,
};

pub const fn invalid(reason: &'static str) -> Expect {
    Expect {
        status: "invalid",
        reason: Some(reason),
    }
}

/// One certificate of the table.
#[derive(Clone, Debug)]
pub struct GostCertSpec {
    /// File stem under `fixtures/gost/pki/`.
    pub name: &'static str,
    /// The issuing certificate; `name` itself when self-signed.
    pub issuer: &'static str,
    pub algo: GostAlgo,
    pub subject: Subject,
    pub profile: Profile,
    pub roles: Vec<Role>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// `verify-cert` at the reference time with the GOST bundles (CAs: with `--any-key-usage`).
    pub expect: Expect,
    pub story: &'static str,
}

impl GostCertSpec {
    fn ca(
        name: &'static str,
        issuer: &'static str,
        algo: GostAlgo,
        cn: &str,
        story: &'static str,
    ) -> Self {
        let root = name == issuer;
        GostCertSpec {
            name,
            issuer,
            algo,
            subject: Subject::ca(cn),
            profile: Profile::Ca,
            roles: Vec::new(),
            not_before: if root { ROOT_FROM } else { INTERMEDIATE_FROM },
            not_after: if root { ROOT_TO } else { INTERMEDIATE_TO },
            expect: VALID,
            story,
        }
    }

    fn ee(name: &'static str, subject: Subject, roles: &[Role], story: &'static str) -> Self {
        GostCertSpec {
            name,
            issuer: "nca-gost",
            algo: GostAlgo::G2015_512,
            subject,
            profile: Profile::Nca2024,
            roles: roles.to_vec(),
            not_before: EE_FROM,
            not_after: EE_TO,
            expect: VALID,
            story,
        }
    }

    fn expect(mut self, expect: Expect) -> Self {
        self.expect = expect;
        self
    }

    fn valid(mut self, from: OffsetDateTime, to: OffsetDateTime) -> Self {
        self.not_before = from;
        self.not_after = to;
        self
    }

    fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    fn issued_by(mut self, issuer: &'static str, algo: GostAlgo) -> Self {
        self.issuer = issuer;
        self.algo = algo;
        self
    }

    pub fn self_signed(&self) -> bool {
        self.name == self.issuer
    }

    pub fn is_ca(&self) -> bool {
        self.profile == Profile::Ca
    }

    /// The EKU OIDs, in order.
    pub fn ekus(&self) -> Result<Vec<ObjectIdentifier>> {
        let mut ekus = match self.profile {
            Profile::Ca => return Ok(Vec::new()),
            Profile::Tsa => return Ok(vec![ID_KP_TIME_STAMPING]),
            Profile::AuthPre2024 => vec![ID_KP_CLIENT_AUTH],
            Profile::Nca2024 | Profile::SignPre2024 => vec![ID_KP_EMAIL_PROTECTION],
        };
        for role in &self.roles {
            ekus.push(ObjectIdentifier::new(&dotted(role.oid()))?);
        }
        Ok(ekus)
    }

    /// The role a verifier derives (the most specific role EKU).
    pub fn role(&self) -> Option<Role> {
        crate::certs::expected_role(&self.roles)
    }
}

/// All certificates, issuers first.
pub fn specs() -> Vec<GostCertSpec> {
    use GostAlgo::*;
    use Role::*;
    let aigerim =
        Subject::individual("АХМЕТОВА АЙГЕРІМ", "880415300127").with_given_name("САМАТҚЫЗЫ");
    let dala = |cn: &str, iin: &str| Subject::legal(cn, iin, DALA_MURA, DALA_MURA_BIN);
    vec![
        GostCertSpec::ca(
            "root",
            "root",
            G2015_512,
            ROOT_CN,
            "the trust anchor (trust.pem)",
        ),
        GostCertSpec::ca(
            "nca-gost",
            "root",
            G2015_512,
            NCA_GOST_CN,
            "the issuing CA of the 2024 profile (intermediates.pem)",
        ),
        GostCertSpec::ca(
            "nca-gost2004",
            "root",
            G2004,
            NCA_GOST2004_CN,
            "a GOST 34.310-2004 issuing CA (CryptoPro-A key), certified by the 2015-512 root (intermediates.pem)",
        ),
        GostCertSpec::ca(
            "evil-ca",
            "evil-ca",
            G2015_512,
            NCA_GOST_CN,
            "forged: the name of nca-gost, another key, self-signed; in no bundle",
        )
        .expect(invalid("chain_untrusted")),
        GostCertSpec::ee(
            "individual-sign",
            aigerim.clone(),
            &[Individual],
            "individual (IIN 880415300127), the NCA 2024 profile",
        ),
        GostCertSpec::ee(
            "head-sign",
            dala("БЕКОВ ЕРЛАН", "900102400138").with_given_name("ҚАЙРАТҰЛЫ"),
            &[LegalEntity, FirstHead],
            "first head of ТОО \"ДАЛА МҰРА\" (BIN 050340001235)",
        ),
        GostCertSpec::ee(
            "employee-sign",
            dala("ОМАРОВА ӘСЕЛ", "750712500237"),
            &[LegalEntity, SigningRight],
            "employee of ТОО \"ДАЛА МҰРА\" with signing right",
        ),
        GostCertSpec::ee(
            "staff-sign",
            dala("ЖАНДОСОВА ТОМИРИС", "920701401235"),
            &[LegalEntity, Employee],
            "employee of ТОО \"ДАЛА МҰРА\" without signing right (role employee)",
        ),
        GostCertSpec::ee(
            "revoked-sign",
            Subject::individual("СЕРІКОВ НҰРЛАН", "821114300340"),
            &[Individual],
            "revoked in nca-gost.crl: keyCompromise since 2026-03-01",
        )
        .expect(invalid("cert_revoked")),
        GostCertSpec::ee(
            "hold-sign",
            Subject::individual("ЖҰМАБАЕВА ДИНА", "950303400457"),
            &[Individual],
            "on hold in nca-gost.crl since 2026-01-10, released (removeFromCRL) in nca-gost-delta.crl",
        ),
        GostCertSpec::ee(
            "delta-revoked-sign",
            Subject::individual("ҒАЛЫМОВ ТІМУР", "010203600561"),
            &[Individual],
            "revoked only in nca-gost-delta.crl: affiliationChanged since 2026-03-20",
        )
        .expect(invalid("cert_revoked")),
        GostCertSpec::ee(
            "expired-sign",
            Subject::individual("ҚАСЫМОВ БОЛАТ", "701225800679"),
            &[Individual],
            "expired 2025-06-01",
        )
        .valid(EXPIRED_FROM, EXPIRED_TO)
        .expect(invalid("cert_expired")),
        GostCertSpec::ee(
            "future-sign",
            Subject::individual("ӨТЕПОВА ҰЛЖАН", "850606400780"),
            &[Individual],
            "valid from 2030-01-01",
        )
        .valid(FUTURE_FROM, FUTURE_TO)
        .expect(invalid("cert_not_yet_valid")),
        GostCertSpec::ee(
            "individual-auth",
            aigerim.clone(),
            &[Individual],
            "pre-2024 AUTH key of the individual: no nonRepudiation",
        )
        .profile(Profile::AuthPre2024)
        .expect(invalid("key_usage_not_signing")),
        GostCertSpec::ee(
            "evil-sign",
            aigerim,
            &[Individual],
            "the individual's name under the forged evil-ca",
        )
        .issued_by("evil-ca", G2015_512)
        .expect(invalid("chain_untrusted")),
        GostCertSpec {
            algo: G2015_256,
            ..GostCertSpec::ee(
                "gost256-sign",
                Subject::individual("НҰРҒАЛИЕВ АСҚАР", "930919500895"),
                &[Individual],
                "a GOST 2015-256 key (Streebog-256 signatures) issued by nca-gost",
            )
        },
        GostCertSpec::ee(
            "gost2004-sign",
            Subject::legal(
                "ТӨЛЕГЕНОВ МАРАТ",
                "660430500919",
                KAZAKH_ZHOLDARY,
                KAZAKH_ZHOLDARY_BIN,
            ),
            &[LegalEntity, FirstHead],
            "a GOST 34.310-2004 key of a first head (pre-2024 SIGN profile) under nca-gost2004",
        )
        .issued_by("nca-gost2004", G2004)
        .profile(Profile::SignPre2024),
        GostCertSpec::ee(
            "tsa",
            Subject::ca(TSA_CN),
            &[],
            "the GOST time-stamping authority: EKU timeStamping only, critical (RFC 3161 §2.3)",
        )
        .valid(crate::tsa::TSA_FROM, crate::tsa::TSA_TO)
        .profile(Profile::Tsa),
    ]
}

/// The CRL stem, and the delta CRL stem if any, that a certificate issued by `issuer` names.
pub fn crl_stems(issuer: &str) -> (&'static str, Option<&'static str>) {
    match issuer {
        "root" => ("root", None),
        "nca-gost2004" => ("nca-gost2004", None),
        // evil-ca copies the real CA's addresses.
        _ => ("nca-gost", Some("nca-gost-delta")),
    }
}

/// An issued certificate.
pub struct GostCert {
    pub spec: GostCertSpec,
    pub key: GostKey,
    pub cert: Certificate,
    pub der: Vec<u8>,
    pub pem: String,
    pub ski: Vec<u8>,
}

impl GostCert {
    pub fn serial(&self) -> &SerialNumber {
        &self.cert.tbs_certificate.serial_number
    }

    pub fn serial_hex(&self) -> String {
        format!("0x{}", hex::encode_upper(self.serial().as_bytes()))
    }

    pub fn subject_name(&self) -> &Name {
        &self.cert.tbs_certificate.subject
    }
}

/// Every certificate of [`specs`].
pub struct GostPki {
    pub certs: Vec<GostCert>,
}

impl GostPki {
    pub fn get(&self, name: &str) -> &GostCert {
        self.certs
            .iter()
            .find(|c| c.spec.name == name)
            .unwrap_or_else(|| panic!("unknown GOST certificate {name}"))
    }

    pub fn build(specs: Vec<GostCertSpec>) -> Result<GostPki> {
        let mut pki = GostPki { certs: Vec::new() };
        for spec in specs {
            spec.subject.check()?;
            eprintln!("  certificate {} ({})", spec.name, spec.algo.label());
            let key = GostKey::derive(spec.name, spec.algo)?;
            let cert = if spec.self_signed() {
                issue(spec, key, None)?
            } else {
                let issuer = pki.get(spec.issuer);
                issue(spec, key, Some(issuer))?
            };
            pki.certs.push(cert);
        }
        let (real, forged) = (pki.get("nca-gost"), pki.get("evil-ca"));
        if real.subject_name().to_der()? != forged.subject_name().to_der()? {
            return Err("evil-ca subject differs from nca-gost subject".into());
        }
        Ok(pki)
    }
}

/// The subject Name: CN, SURNAME, SERIALNUMBER, C, O, OU, G (the NCA's order), one attribute per
/// RDN; SERIALNUMBER and C PrintableString, the rest UTF8String.
pub fn name(subject: &Subject) -> Result<Name> {
    let utf8 = |s: &str| -> Result<Any> { Ok(Any::encode_from(&Utf8StringRef::new(s)?)?) };
    let printable =
        |s: &str| -> Result<Any> { Ok(Any::encode_from(&PrintableStringRef::new(s)?)?) };
    let mut attrs: Vec<(ObjectIdentifier, Any)> = vec![(COMMON_NAME, utf8(&subject.cn)?)];
    if let Some(v) = &subject.surname {
        attrs.push((SURNAME, utf8(v)?));
    }
    if let Some(v) = &subject.iin {
        attrs.push((SERIAL_NUMBER, printable(&format!("IIN{v}"))?));
    }
    if let Some(v) = &subject.country {
        attrs.push((COUNTRY, printable(v)?));
    }
    if let Some(v) = &subject.org {
        attrs.push((ORGANIZATION, utf8(v)?));
    }
    if let Some(v) = &subject.bin {
        attrs.push((ORG_UNIT, utf8(&format!("BIN{v}"))?));
    }
    if let Some(v) = &subject.given_name {
        attrs.push((GIVEN_NAME, utf8(v)?));
    }
    let rdns = attrs
        .into_iter()
        .map(|(oid, value)| {
            Ok(RelativeDistinguishedName(SetOfVec::try_from(vec![
                AttributeTypeAndValue { oid, value },
            ])?))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RdnSequence(rdns))
}

/// An extension with its value's DER.
pub fn extension(oid: ObjectIdentifier, critical: bool, value: &impl Encode) -> Result<Extension> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

fn uri(url: &str) -> Result<GeneralName> {
    Ok(GeneralName::UniformResourceIdentifier(Ia5String::new(url)?))
}

fn distribution_point(url: &str) -> Result<DistributionPoint> {
    Ok(DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![uri(url)?])),
        reasons: None,
        crl_issuer: None,
    })
}

fn policies(policy: ObjectIdentifier, cps: &str) -> Result<CertificatePolicies> {
    Ok(CertificatePolicies(vec![PolicyInformation {
        policy_identifier: policy,
        policy_qualifiers: Some(vec![PolicyQualifierInfo {
            policy_qualifier_id: ID_QT_CPS,
            qualifier: Some(Any::encode_from(&Ia5String::new(cps)?)?),
        }]),
    }]))
}

/// UTCTime (every date here is before 2050), as the NCA writes.
pub fn x509_time(t: OffsetDateTime) -> Result<Time> {
    let secs = u64::try_from(t.unix_timestamp())?;
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs))?;
    Ok(Time::UtcTime(der::asn1::UtcTime::from_date_time(dt)?))
}

/// Issues the certificate of `spec` with `key`, signed by `issuer` (itself when `None`).
fn issue(spec: GostCertSpec, key: GostKey, issuer: Option<&GostCert>) -> Result<GostCert> {
    let ski = key.key_identifier();
    // The NCA's serial numbers are their key identifiers with the top bit cleared.
    let mut serial = ski.clone();
    serial[0] &= 0x7f;
    let serial = SerialNumber::new(&serial)?;
    let subject = name(&spec.subject)?;
    let (issuer_name, issuer_ski, issuer_algo) = match issuer {
        Some(i) => (i.subject_name().clone(), i.ski.clone(), i.spec.algo),
        None => (subject.clone(), ski.clone(), spec.algo),
    };

    let ski_ext = extension(
        ID_CE_SUBJECT_KEY_IDENTIFIER,
        false,
        &OctetString::new(ski.clone())?,
    )?;
    let key_usage = extension(ID_CE_KEY_USAGE, true, &spec.profile.key_usage())?;
    let (crl, delta) = crl_stems(spec.issuer);
    let crl_dp = extension(
        ID_CE_CRL_DISTRIBUTION_POINTS,
        false,
        &CrlDistributionPoints(vec![distribution_point(&format!("{CRL_URL}/{crl}.crl"))?]),
    )?;
    let ca_issuers = AccessDescription {
        access_method: ID_AD_CA_ISSUERS,
        access_location: uri(&format!("{CERT_URL}/{}.cer", spec.issuer))?,
    };

    let extensions = if spec.is_ca() {
        // The NCA's root and CA: basicConstraints, keyUsage, [CRL DP], SKI, AKI (key id,
        // issuer, serial), [AIA], policies.
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(issuer_ski)?),
            authority_cert_issuer: Some(vec![GeneralName::DirectoryName(match issuer {
                Some(i) => i.cert.tbs_certificate.issuer.clone(),
                None => subject.clone(),
            })]),
            authority_cert_serial_number: Some(match issuer {
                Some(i) => i.serial().clone(),
                None => serial.clone(),
            }),
        };
        let mut exts = vec![
            extension(
                ID_CE_BASIC_CONSTRAINTS,
                true,
                &BasicConstraints {
                    ca: true,
                    path_len_constraint: None,
                },
            )?,
            key_usage,
        ];
        if !spec.self_signed() {
            exts.push(crl_dp);
        }
        exts.push(ski_ext);
        exts.push(extension(ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &aki)?);
        if !spec.self_signed() {
            exts.push(extension(
                ID_PE_AUTHORITY_INFO_ACCESS,
                false,
                &AuthorityInfoAccessSyntax(vec![ca_issuers]),
            )?);
        }
        let policy = if spec.self_signed() {
            POLICY_ROOT
        } else {
            POLICY_NCA
        };
        exts.push(extension(
            ID_CE_CERTIFICATE_POLICIES,
            false,
            &policies(policy, CPS_URL)?,
        )?);
        exts
    } else {
        // The NCA's end entities: policies, AIA (OCSP, caIssuers), CRL DP, freshest CRL, EKU,
        // keyUsage (critical), SKI, AKI (key id), key storage.
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(issuer_ski)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        let ocsp = AccessDescription {
            access_method: ID_AD_OCSP,
            access_location: uri(OCSP_URL)?,
        };
        let mut exts = vec![
            extension(
                ID_CE_CERTIFICATE_POLICIES,
                false,
                &policies(POLICY_NCA, CPS_URL)?,
            )?,
            extension(
                ID_PE_AUTHORITY_INFO_ACCESS,
                false,
                &AuthorityInfoAccessSyntax(vec![ocsp, ca_issuers]),
            )?,
            crl_dp,
        ];
        if let Some(delta) = delta {
            exts.push(extension(
                ID_CE_FRESHEST_CRL,
                false,
                &FreshestCrl(vec![distribution_point(&format!("{CRL_URL}/{delta}.crl"))?]),
            )?);
        }
        // RFC 3161 §2.3: a TSA's extended key usage is critical.
        exts.push(extension(
            ID_CE_EXT_KEY_USAGE,
            spec.profile == Profile::Tsa,
            &ExtendedKeyUsage(spec.ekus()?),
        )?);
        exts.push(key_usage);
        exts.push(ski_ext);
        exts.push(extension(ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &aki)?);
        if spec.profile == Profile::Nca2024 {
            exts.push(extension(
                KEY_STORAGE_EXT,
                false,
                &KeyStorage {
                    storage: KEY_STORAGE_FILE,
                },
            )?);
        }
        exts
    };

    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: serial,
        signature: issuer_algo.signature_algorithm(),
        issuer: issuer_name,
        validity: Validity {
            not_before: x509_time(spec.not_before)?,
            not_after: x509_time(spec.not_after)?,
        },
        subject,
        subject_public_key_info: key.spki()?,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let tbs_der = tbs.to_der()?;
    let signature = match issuer {
        Some(i) => i.key.sign(&tbs_der)?,
        None => key.sign(&tbs_der)?,
    };
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: issuer_algo.signature_algorithm(),
        signature: BitString::from_bytes(&signature)?,
    };
    let der = cert.to_der()?;
    // What is written is what a strict DER parser reads back.
    if Certificate::from_der(&der)?.to_der()? != der {
        return Err(format!("{}: the certificate does not round-trip", spec.name).into());
    }
    let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &der)
        .map_err(|e| format!("PEM encoding: {e}"))?;
    Ok(GostCert {
        spec,
        key,
        cert,
        der,
        pem,
        ski,
    })
}

/// The value of the NCA's key-storage extension: SEQUENCE { OID }.
#[derive(der::Sequence)]
struct KeyStorage {
    storage: ObjectIdentifier,
}
