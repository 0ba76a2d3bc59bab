//! The certificates of the test PKI: their specification and issuance with rcgen.

use der::asn1::OctetString;
use der::{Decode, Encode};
use rcgen::{
    BasicConstraints, CertificateParams, CrlDistributionPoint, CustomExtension,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyUsagePurpose, SerialNumber,
};
use time::OffsetDateTime;
use x509_cert::name::Name;

use crate::keys::{Key, KeyAlgo};
use crate::names::Subject;
use crate::times::*;
use crate::Result;

/// Base URL of the CRL distribution points.
pub const CRL_BASE_URL: &str = "http://crl.test.qoltanba.kz";

const OID_SUBJECT_KEY_IDENTIFIER: &[u64] = &[2, 5, 29, 14];

/// What a certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// CA: keyCertSign + cRLSign, basicConstraints CA:TRUE.
    Ca,
    /// Signing: digitalSignature + nonRepudiation, EKU emailProtection.
    Sign,
    /// Authentication: digitalSignature + keyEncipherment, EKU clientAuth.
    Auth,
}

impl Usage {
    pub fn label(self) -> &'static str {
        match self {
            Usage::Ca => "ca",
            Usage::Sign => "sign",
            Usage::Auth => "auth",
        }
    }
}

/// Role EKUs of the NCA profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// 1.2.398.3.3.4.1.1
    Individual,
    /// 1.2.398.3.3.4.1.2
    LegalEntity,
    /// 1.2.398.3.3.4.1.2.1
    FirstHead,
    /// 1.2.398.3.3.4.1.2.2
    SigningRight,
    /// 1.2.398.3.3.4.1.2.5 (employee without signing right; only in fixtures/officers/)
    Employee,
}

impl Role {
    pub fn oid(self) -> &'static [u64] {
        match self {
            Role::Individual => &[1, 2, 398, 3, 3, 4, 1, 1],
            Role::LegalEntity => &[1, 2, 398, 3, 3, 4, 1, 2],
            Role::FirstHead => &[1, 2, 398, 3, 3, 4, 1, 2, 1],
            Role::SigningRight => &[1, 2, 398, 3, 3, 4, 1, 2, 2],
            Role::Employee => &[1, 2, 398, 3, 3, 4, 1, 2, 5],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Individual => "individual",
            Role::LegalEntity => "legal_entity",
            Role::FirstHead => "first_head",
            Role::SigningRight => "signing_right",
            Role::Employee => "employee",
        }
    }
}

/// The role a verifier is expected to derive from a set of role EKUs:
/// first head and signing right win over the plain legal-entity employee.
pub fn expected_role(roles: &[Role]) -> Option<Role> {
    [
        Role::FirstHead,
        Role::SigningRight,
        Role::Employee,
        Role::LegalEntity,
        Role::Individual,
    ]
    .into_iter()
    .find(|r| roles.contains(r))
}

/// Dotted form of an OID given as arcs.
pub fn dotted(arcs: &[u64]) -> String {
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// Specification of one certificate.
#[derive(Clone, Debug)]
pub struct CertSpec {
    pub name: &'static str,
    /// Name of the issuing certificate; equal to `name` when self-signed.
    pub issuer: &'static str,
    pub algo: KeyAlgo,
    pub subject: Subject,
    pub usage: Usage,
    pub roles: Vec<Role>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// pathLenConstraint of a CA (None: unconstrained).
    pub path_len: Option<u8>,
}

impl CertSpec {
    fn ca(name: &'static str, issuer: &'static str, algo: KeyAlgo, subject: Subject) -> Self {
        let root = name == issuer;
        CertSpec {
            name,
            issuer,
            algo,
            subject,
            usage: Usage::Ca,
            roles: Vec::new(),
            not_before: if root { ROOT_FROM } else { INTERMEDIATE_FROM },
            not_after: if root { ROOT_TO } else { INTERMEDIATE_TO },
            path_len: if root { None } else { Some(0) },
        }
    }

    fn ee(name: &'static str, subject: Subject, usage: Usage, roles: &[Role]) -> Self {
        CertSpec {
            name,
            issuer: "nca-rsa",
            algo: KeyAlgo::Rsa(2048),
            subject,
            usage,
            roles: roles.to_vec(),
            not_before: EE_FROM,
            not_after: EE_TO,
            path_len: None,
        }
    }

    fn issued_by(mut self, issuer: &'static str, algo: KeyAlgo) -> Self {
        self.issuer = issuer;
        self.algo = algo;
        self
    }

    fn valid(mut self, from: OffsetDateTime, to: OffsetDateTime) -> Self {
        self.not_before = from;
        self.not_after = to;
        self
    }

    pub fn self_signed(&self) -> bool {
        self.name == self.issuer
    }

    /// The EKU OIDs in the order they are written.
    pub fn eku_oids(&self) -> Vec<Vec<u64>> {
        let mut ekus: Vec<Vec<u64>> = Vec::new();
        match self.usage {
            Usage::Ca => return ekus,
            Usage::Auth => ekus.push(vec![1, 3, 6, 1, 5, 5, 7, 3, 2]),
            Usage::Sign => ekus.push(vec![1, 3, 6, 1, 5, 5, 7, 3, 4]),
        }
        ekus.extend(self.roles.iter().map(|r| r.oid().to_vec()));
        ekus
    }
}

pub const NCA_RSA_CN: &str = "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) ТЕСТ";
const DALA_MURA: &str = "ТОО \"ДАЛА МҰРА\"";
const DALA_MURA_BIN: &str = "050340001235";
const KAZAKH_ZHOLDARY: &str = "АҚ \"ҚАЗАҚ ЖОЛДАРЫ\"";
const KAZAKH_ZHOLDARY_BIN: &str = "040340001233";

/// All certificates, issuers before the certificates they issue.
/// Serial numbers are assigned in this order starting at 0x1001.
pub fn specs() -> Vec<CertSpec> {
    use Role::*;
    use Usage::*;
    let rsa = KeyAlgo::Rsa(2048);
    let aigerim =
        Subject::individual("АХМЕТОВА АЙГЕРІМ", "880415300127").with_given_name("САМАТҚЫЗЫ");
    let asel = Subject::legal("ОМАРОВА ӘСЕЛ", "750712500237", DALA_MURA, DALA_MURA_BIN);
    vec![
        CertSpec::ca(
            "root",
            "root",
            KeyAlgo::Rsa(3072),
            Subject::ca("ҚР ҰКО ТЕСТ ТҮБІР").with_org("qoltanba test PKI"),
        ),
        CertSpec::ca("nca-rsa", "root", rsa, Subject::ca(NCA_RSA_CN)),
        CertSpec::ca(
            "nca-ec",
            "root",
            KeyAlgo::P256,
            Subject::ca("ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (EC) ТЕСТ"),
        ),
        CertSpec::ca(
            "nca-revoked-ca",
            "root",
            rsa,
            Subject::ca("ЕСКІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ ТЕСТ"),
        ),
        CertSpec::ca("evil-root", "evil-root", rsa, Subject::ca(NCA_RSA_CN)),
        CertSpec::ee("individual-sign", aigerim.clone(), Sign, &[Individual]),
        CertSpec::ee("individual-auth", aigerim.clone(), Auth, &[Individual]),
        CertSpec::ee(
            "head-sign",
            Subject::legal("БЕКОВ ЕРЛАН", "900102400138", DALA_MURA, DALA_MURA_BIN)
                .with_given_name("ҚАЙРАТҰЛЫ"),
            Sign,
            &[LegalEntity, FirstHead],
        ),
        CertSpec::ee(
            "employee-sign",
            asel.clone(),
            Sign,
            &[LegalEntity, SigningRight],
        ),
        CertSpec::ee("employee-auth", asel, Auth, &[LegalEntity, SigningRight]),
        CertSpec::ee(
            "revoked-sign",
            Subject::individual("СЕРІКОВ НҰРЛАН", "821114300340"),
            Sign,
            &[Individual],
        ),
        CertSpec::ee(
            "hold-sign",
            Subject::individual("ЖҰМАБАЕВА ДИНА", "950303400457"),
            Sign,
            &[Individual],
        ),
        CertSpec::ee(
            "delta-revoked-sign",
            Subject::individual("ҒАЛЫМОВ ТІМУР", "010203600561"),
            Sign,
            &[Individual],
        ),
        CertSpec::ee(
            "expired-sign",
            Subject::individual("ҚАСЫМОВ БОЛАТ", "701225800679"),
            Sign,
            &[Individual],
        )
        .valid(EXPIRED_FROM, EXPIRED_TO),
        CertSpec::ee(
            "future-sign",
            Subject::individual("ӨТЕПОВА ҰЛЖАН", "850606400780"),
            Sign,
            &[Individual],
        )
        .valid(FUTURE_FROM, FUTURE_TO),
        CertSpec::ee(
            "ec-individual-sign",
            Subject::individual("НҰРҒАЛИЕВ АСҚАР", "930919500895"),
            Sign,
            &[Individual],
        )
        .issued_by("nca-ec", KeyAlgo::P256),
        CertSpec::ee(
            "ec-head-sign",
            Subject::legal(
                "ТӨЛЕГЕНОВ МАРАТ",
                "660430500919",
                KAZAKH_ZHOLDARY,
                KAZAKH_ZHOLDARY_BIN,
            ),
            Sign,
            &[LegalEntity, FirstHead],
        )
        .issued_by("nca-ec", KeyAlgo::P256),
        CertSpec::ee(
            "p384-sign",
            Subject::individual("ЖАҚСЫЛЫҚОВА ҚАРЛЫҒАШ", "991231400129"),
            Sign,
            &[Individual],
        )
        .issued_by("nca-ec", KeyAlgo::P384),
        CertSpec::ee(
            "revoked-ca-ee-sign",
            Subject::individual("ӘБІЛОВ ДӘУРЕН", "120240021112"),
            Sign,
            &[Individual],
        )
        .issued_by("nca-revoked-ca", rsa),
        CertSpec::ee("evil-sign", aigerim, Sign, &[Individual]).issued_by("evil-root", rsa),
    ]
}

/// An issued certificate with its key.
pub struct IssuedCert {
    pub spec: CertSpec,
    pub serial: u64,
    pub key: Key,
    key_pair: rcgen::KeyPair,
    params: CertificateParams,
    pub der: Vec<u8>,
    pub pem: String,
    /// SubjectKeyIdentifier value.
    pub ski: Vec<u8>,
    /// The subject Name exactly as encoded in the certificate.
    pub subject_name: Name,
}

impl IssuedCert {
    pub fn serial_hex(&self) -> String {
        format!("0x{:X}", self.serial)
    }

    pub fn serial_bytes(&self) -> Vec<u8> {
        serial_bytes(self.serial)
    }
}

/// All issued certificates, in specification order.
pub struct Pki {
    pub certs: Vec<IssuedCert>,
}

impl Pki {
    pub fn get(&self, name: &str) -> &IssuedCert {
        self.certs
            .iter()
            .find(|c| c.spec.name == name)
            .unwrap_or_else(|| panic!("unknown certificate {name}"))
    }

    /// Issues every certificate of `specs`.
    pub fn build(specs: Vec<CertSpec>) -> Result<Pki> {
        let mut pki = Pki { certs: Vec::new() };
        for (i, spec) in specs.into_iter().enumerate() {
            spec.subject.check()?;
            let serial = 0x1001 + i as u64;
            eprintln!("  certificate {} ({})", spec.name, spec.algo.label());
            let key = Key::generate(spec.algo)?;
            let key_pair = key.rcgen_key_pair()?;
            let params = params_for(&spec, serial, &key_pair)?;
            let cert = if spec.self_signed() {
                params.self_signed(&key_pair)?
            } else {
                let issuer = pki.get(spec.issuer);
                let signer = Issuer::from_params(&issuer.params, &issuer.key_pair);
                params.signed_by(&key_pair, &signer)?
            };
            let der = cert.der().to_vec();
            let parsed = x509_cert::Certificate::from_der(&der)?;
            let ski = subject_key_identifier(&parsed)?;
            pki.certs.push(IssuedCert {
                serial,
                key,
                key_pair,
                params,
                pem: cert.pem(),
                der,
                ski,
                subject_name: parsed.tbs_certificate.subject,
                spec,
            });
        }
        let (real, forged) = (pki.get("nca-rsa"), pki.get("evil-root"));
        if real.subject_name.to_der()? != forged.subject_name.to_der()? {
            return Err("evil-root subject differs from nca-rsa subject".into());
        }
        Ok(pki)
    }
}

fn serial_bytes(serial: u64) -> Vec<u8> {
    let bytes = serial.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(7);
    bytes[first..].to_vec()
}

pub(crate) fn params_for(
    spec: &CertSpec,
    serial: u64,
    key: &rcgen::KeyPair,
) -> Result<CertificateParams> {
    let mut params = CertificateParams::default();
    params.distinguished_name = spec.subject.to_rcgen()?;
    params.serial_number = Some(SerialNumber::from_slice(&serial_bytes(serial)));
    params.not_before = spec.not_before;
    params.not_after = spec.not_after;
    params.use_authority_key_identifier_extension = !spec.self_signed();
    if !spec.self_signed() {
        params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![format!("{CRL_BASE_URL}/{}.crl", spec.issuer)],
        }];
    }
    params.extended_key_usages = spec
        .eku_oids()
        .into_iter()
        .map(ExtendedKeyUsagePurpose::Other)
        .collect();
    match spec.usage {
        Usage::Ca => {
            // rcgen writes SubjectKeyIdentifier and critical basicConstraints for CAs.
            params.is_ca = IsCa::Ca(match spec.path_len {
                Some(n) => BasicConstraints::Constrained(n),
                None => BasicConstraints::Unconstrained,
            });
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        }
        Usage::Sign | Usage::Auth => {
            params.is_ca = IsCa::NoCa;
            params.key_usages = if spec.usage == Usage::Sign {
                vec![
                    KeyUsagePurpose::DigitalSignature,
                    KeyUsagePurpose::ContentCommitment,
                ]
            } else {
                vec![
                    KeyUsagePurpose::DigitalSignature,
                    KeyUsagePurpose::KeyEncipherment,
                ]
            };
            // rcgen only writes the SubjectKeyIdentifier of CAs; add it for end entities
            // with the same method (truncated SHA-256 of the public key).
            let ski = OctetString::new(params.key_identifier(key))?.to_der()?;
            params.custom_extensions = vec![CustomExtension::from_oid_content(
                OID_SUBJECT_KEY_IDENTIFIER,
                ski,
            )];
        }
    }
    Ok(params)
}

fn subject_key_identifier(cert: &x509_cert::Certificate) -> Result<Vec<u8>> {
    let ski_oid = const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER;
    let ext = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == ski_oid)
        .ok_or("certificate without SubjectKeyIdentifier")?;
    Ok(OctetString::from_der(ext.extn_value.as_bytes())?
        .as_bytes()
        .to_vec())
}
