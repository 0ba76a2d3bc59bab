//! A small test PKI for revocation rules: certificates from `rcgen` (ECDSA P-256), CRLs encoded
//! with the `der`/`x509-cert` types and signed with the same keys, so a test can build exactly
//! the CRL a rule is about (partitions, indirect entries, deltas, holds, odd encodings).

#![allow(dead_code)]

use std::sync::Arc;

use der::asn1::{Any, BitString, GeneralizedTime, OctetString, UtcTime};
use der::{Decode, Encode, Sequence, Tag};
use qoltanba_core::{
    parse_time, Certificate, Crl, CrlSnapshot, KeyUsagePolicy, Reason, Status, Verifier,
    VerifyOptions,
};
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SigningKey,
};
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, IssuingDistributionPoint};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlDistributionPoints};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::time::Time;

const ECDSA_SHA256: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// A date at midnight UTC.
pub fn day(text: &str) -> OffsetDateTime {
    parse_time(&format!("{text}T00:00:00Z")).unwrap()
}

/// The validation time of every test unless it says otherwise.
pub fn t() -> OffsetDateTime {
    day("2026-06-01")
}

/// A certificate holder: its key, the parameters it was issued with, the parsed certificate.
pub struct Holder {
    pub params: CertificateParams,
    pub key: KeyPair,
    pub cert: Arc<Certificate>,
    pub name: Name,
}

impl Holder {
    /// A self-signed CA: the trust anchor.
    pub fn root(cn: &str) -> Holder {
        Holder::self_signed(ca_params(
            cn,
            &[KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
        ))
    }

    /// A self-signed certificate with these parameters.
    pub fn self_signed(params: CertificateParams) -> Holder {
        let key = KeyPair::generate().unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        Holder::from_der(params, key, &der)
    }

    /// A CA certificate issued by `self`.
    pub fn ca(&self, cn: &str) -> Holder {
        self.issue(ca_params(
            cn,
            &[KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
        ))
    }

    /// An end-entity certificate issued by `self`; `points` becomes its cRLDistributionPoints.
    pub fn ee(&self, cn: &str, serial: u64, points: Option<Vec<DistributionPoint>>) -> Holder {
        let mut params = ee_params(cn, serial);
        if let Some(points) = points {
            let value = CrlDistributionPoints(points).to_der().unwrap();
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(&[2, 5, 29, 31], value));
        }
        self.issue(params)
    }

    pub fn issue(&self, mut params: CertificateParams) -> Holder {
        let key = KeyPair::generate().unwrap();
        // rcgen writes a subjectKeyIdentifier into CA certificates only; CRL signers need one.
        if matches!(params.is_ca, IsCa::NoCa) {
            let id = OctetString::new(params.key_identifier(&key)).unwrap();
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(
                    &[2, 5, 29, 14],
                    id.to_der().unwrap(),
                ));
        }
        let issuer = Issuer::from_params(&self.params, &self.key);
        let der = params.signed_by(&key, &issuer).unwrap().der().to_vec();
        Holder::from_der(params, key, &der)
    }

    fn from_der(params: CertificateParams, key: KeyPair, der: &[u8]) -> Holder {
        let parsed = x509_cert::Certificate::from_der(der).unwrap();
        Holder {
            params,
            key,
            cert: Arc::new(Certificate::from_der(der).unwrap()),
            name: parsed.tbs_certificate.subject,
        }
    }

    /// `holder`'s certificate re-issued by `self` with its serial number encoded as `serial`
    /// (content octets, taken as they are: a non-minimal encoding stays non-minimal).
    pub fn reissue_with_serial(&self, holder: &Holder, serial: &[u8]) -> Arc<Certificate> {
        let cert = x509_cert::Certificate::from_der(&holder.cert.der).unwrap();
        // The TBSCertificate as a SEQUENCE OF its elements: the serial is the second one (after
        // the explicit version).
        let mut fields = Vec::<Any>::from_der(&cert.tbs_certificate.to_der().unwrap()).unwrap();
        fields[1] = Any::new(Tag::Integer, serial.to_vec()).unwrap();
        let tbs = fields.to_der().unwrap();
        let signature = self.key.sign(&tbs).unwrap();
        let der = SignedDer {
            tbs: Any::from_der(&tbs).unwrap(),
            algorithm: cert.signature_algorithm,
            signature: BitString::from_bytes(&signature).unwrap(),
        }
        .to_der()
        .unwrap();
        Arc::new(Certificate::from_der(&der).unwrap())
    }

    pub fn ski(&self) -> Vec<u8> {
        self.cert.subject_key_id.clone().unwrap()
    }

    /// A CRL of `self`, signed with its own key.
    pub fn crl(&self) -> CrlSpec<'_> {
        CrlSpec::new(self.name.clone(), &self.key)
    }
}

pub fn ca_params(cn: &str, usages: &[KeyUsagePurpose]) -> CertificateParams {
    let mut params = base_params(cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = usages.to_vec();
    params
}

pub fn ee_params(cn: &str, serial: u64) -> CertificateParams {
    let mut params = base_params(cn);
    params.serial_number = Some(serial.into());
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params
}

fn base_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.not_before = day("2025-01-01");
    params.not_after = day("2028-01-01");
    params
}

/// A directoryName.
pub fn dir(name: &Name) -> GeneralName {
    GeneralName::DirectoryName(name.clone())
}

pub fn uri(text: &str) -> GeneralName {
    GeneralName::UniformResourceIdentifier(der::asn1::Ia5String::new(text).unwrap())
}

/// A Name with one CN (for distribution-point names that name no certificate).
pub fn cn_name(cn: &str) -> Name {
    format!("CN={cn}").parse().unwrap()
}

/// One revoked-certificate entry.
pub struct EntrySpec {
    /// The INTEGER's content octets, exactly as they go into the CRL.
    pub serial: Vec<u8>,
    pub date: OffsetDateTime,
    pub reason: Option<u8>,
    pub certificate_issuer: Option<Name>,
}

pub const KEY_COMPROMISE: u8 = 1;
pub const CERTIFICATE_HOLD: u8 = 6;
pub const REMOVE_FROM_CRL: u8 = 8;

pub fn entry(cert: &Certificate, date: OffsetDateTime, reason: Option<u8>) -> EntrySpec {
    EntrySpec {
        serial: cert.serial.clone(),
        date,
        reason,
        certificate_issuer: None,
    }
}

pub struct CrlSpec<'a> {
    pub issuer: Name,
    pub key: &'a KeyPair,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
    pub number: Option<u32>,
    pub number_critical: bool,
    pub delta_base: Option<u32>,
    pub idp: Option<IssuingDistributionPoint>,
    pub aki: Option<Vec<u8>>,
    pub entries: Vec<EntrySpec>,
}

#[derive(Sequence)]
struct EntryDer {
    serial: Any,
    date: Time,
    extensions: Option<Vec<Extension>>,
}

#[derive(Sequence)]
struct TbsDer {
    version: u8,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    this_update: Time,
    next_update: Option<Time>,
    revoked: Option<Vec<EntryDer>>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

#[derive(Sequence)]
struct SignedDer {
    tbs: Any,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

#[derive(Sequence)]
struct CrlDer {
    tbs: TbsDer,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

fn time(at: OffsetDateTime) -> Time {
    let secs = std::time::Duration::from_secs(at.unix_timestamp() as u64);
    // RFC 5280 §5.1.2.4: UTCTime through 2049, GeneralizedTime from 2050.
    match UtcTime::from_unix_duration(secs) {
        Ok(utc) => Time::UtcTime(utc),
        Err(_) => Time::GeneralTime(GeneralizedTime::from_unix_duration(secs).unwrap()),
    }
}

fn extension(oid: &str, critical: bool, value: Vec<u8>) -> Extension {
    Extension {
        extn_id: oid.parse().unwrap(),
        critical,
        extn_value: OctetString::new(value).unwrap(),
    }
}

impl<'a> CrlSpec<'a> {
    pub fn new(issuer: Name, key: &'a KeyPair) -> Self {
        CrlSpec {
            issuer,
            key,
            this_update: day("2026-05-01"),
            next_update: Some(day("2026-07-01")),
            number: Some(1),
            number_critical: false,
            delta_base: None,
            idp: None,
            aki: None,
            entries: Vec::new(),
        }
    }

    pub fn der(&self) -> Vec<u8> {
        let mut exts = Vec::new();
        if let Some(n) = self.number {
            exts.push(extension(
                "2.5.29.20",
                self.number_critical,
                n.to_der().unwrap(),
            ));
        }
        if let Some(base) = self.delta_base {
            exts.push(extension("2.5.29.27", true, base.to_der().unwrap()));
        }
        if let Some(idp) = &self.idp {
            exts.push(extension("2.5.29.28", true, idp.to_der().unwrap()));
        }
        if let Some(aki) = &self.aki {
            let value = AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(aki.clone()).unwrap()),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            };
            exts.push(extension("2.5.29.35", false, value.to_der().unwrap()));
        }
        let entries: Vec<EntryDer> = self
            .entries
            .iter()
            .map(|e| {
                let mut exts = Vec::new();
                if let Some(code) = e.reason {
                    let value = Any::new(Tag::Enumerated, vec![code]).unwrap();
                    exts.push(extension("2.5.29.21", false, value.to_der().unwrap()));
                }
                if let Some(issuer) = &e.certificate_issuer {
                    let value = vec![dir(issuer)].to_der().unwrap();
                    exts.push(extension("2.5.29.29", true, value));
                }
                EntryDer {
                    serial: Any::new(Tag::Integer, e.serial.clone()).unwrap(),
                    date: time(e.date),
                    extensions: (!exts.is_empty()).then_some(exts),
                }
            })
            .collect();
        let algorithm = AlgorithmIdentifierOwned {
            oid: ECDSA_SHA256,
            parameters: None,
        };
        let tbs = TbsDer {
            version: 1,
            signature: algorithm.clone(),
            issuer: self.issuer.clone(),
            this_update: time(self.this_update),
            next_update: self.next_update.map(time),
            revoked: (!entries.is_empty()).then_some(entries),
            extensions: (!exts.is_empty()).then_some(exts),
        };
        let signature = self.key.sign(&tbs.to_der().unwrap()).unwrap();
        CrlDer {
            tbs,
            algorithm,
            signature: BitString::from_bytes(&signature).unwrap(),
        }
        .to_der()
        .unwrap()
    }

    pub fn build(&self) -> Arc<Crl> {
        Arc::new(Crl::from_der(self.der(), 1000).unwrap())
    }
}

/// What the core answers for `ee` under `anchor`, with `intermediates` and `crls`, at `at`.
pub fn judge_at(
    anchor: &Holder,
    intermediates: &[&Holder],
    crls: Vec<Arc<Crl>>,
    ee: &Holder,
    at: OffsetDateTime,
) -> (Status, Option<Reason>, String) {
    judge_cert(anchor, intermediates, crls, &ee.cert, at)
}

/// [`judge_at`] for a certificate without its key.
pub fn judge_cert(
    anchor: &Holder,
    intermediates: &[&Holder],
    crls: Vec<Arc<Crl>>,
    ee: &Arc<Certificate>,
    at: OffsetDateTime,
) -> (Status, Option<Reason>, String) {
    let verifier = Verifier::new(
        vec![anchor.cert.clone()],
        intermediates.iter().map(|h| h.cert.clone()).collect(),
        CrlSnapshot::new(crls),
    )
    .unwrap();
    let options = VerifyOptions {
        at: Some(at),
        key_usage: KeyUsagePolicy::Any,
        ..VerifyOptions::default()
    };
    let verdict = verifier.verify_certificate(ee, &options);
    (verdict.status, verdict.reason, verdict.message)
}

pub fn judge(
    anchor: &Holder,
    intermediates: &[&Holder],
    crls: Vec<Arc<Crl>>,
    ee: &Holder,
) -> (Status, Option<Reason>, String) {
    judge_at(anchor, intermediates, crls, ee, t())
}

/// A distribution point with a full name.
pub fn point(names: Vec<GeneralName>) -> DistributionPoint {
    DistributionPoint {
        distribution_point: Some(x509_cert::ext::pkix::name::DistributionPointName::FullName(
            names,
        )),
        reasons: None,
        crl_issuer: None,
    }
}

/// An issuing distribution point with a full name.
pub fn idp(names: Vec<GeneralName>) -> IssuingDistributionPoint {
    IssuingDistributionPoint {
        distribution_point: Some(x509_cert::ext::pkix::name::DistributionPointName::FullName(
            names,
        )),
        only_contains_user_certs: false,
        only_contains_ca_certs: false,
        only_some_reasons: None,
        indirect_crl: false,
        only_contains_attribute_certs: false,
    }
}

pub fn no_idp_name() -> IssuingDistributionPoint {
    IssuingDistributionPoint {
        distribution_point: None,
        ..idp(Vec::new())
    }
}

pub fn assert_verdict(
    got: &(Status, Option<Reason>, String),
    status: Status,
    reason: Option<Reason>,
) {
    assert_eq!((got.0, got.1), (status, reason), "{}", got.2);
}
