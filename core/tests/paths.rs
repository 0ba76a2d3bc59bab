//! Path building and validation (CONTRACT §3a, RFC 5280 §6.1) on certificates built here with
//! rcgen: backtracking past failing candidates, the trust anchor's own validity and constraints,
//! certificate content rules, name constraints under their budget, and certificate policies.

use std::str::FromStr;
use std::sync::Arc;

use der::Encode;
use qoltanba_core::{
    parse_time, Certificate, Crl, CrlSnapshot, IdNumber, KeyUsagePolicy, ObjectIdentifier,
    PolicyOptions, Reason, Status, Verdict, Verifier, VerifyOptions,
};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CustomExtension, DnType,
    GeneralSubtree, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, NameConstraints,
    SerialNumber,
};
use time::OffsetDateTime;

const AT: &str = "2026-06-01T12:00:00Z";

fn ymd(y: i32) -> OffsetDateTime {
    rcgen::date_time_ymd(y, 1, 1)
}

/// A certificate authority of the test hierarchy: its parameters and key sign what it issues.
struct Ca {
    params: CertificateParams,
    key: KeyPair,
    cert: Arc<Certificate>,
}

impl Ca {
    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }

    /// A current CRL listing `revoked` (serial numbers), issued by this CA.
    fn crl(&self, revoked: &[u64]) -> Arc<Crl> {
        let params = CertificateRevocationListParams {
            this_update: ymd(2026),
            next_update: ymd(2027),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|&serial| rcgen::RevokedCertParams {
                    serial_number: SerialNumber::from(serial),
                    revocation_time: ymd(2026),
                    reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(&self.issuer()).expect("CRL");
        Arc::new(Crl::from_der(crl.der().to_vec(), 1000).expect("CRL parses"))
    }
}

fn ca_params(name: &str, tweak: impl FnOnce(&mut CertificateParams)) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = ymd(2025);
    params.not_after = ymd(2030);
    tweak(&mut params);
    params
}

fn parse(der: &[u8]) -> Arc<Certificate> {
    Arc::new(Certificate::from_der(der).expect("certificate parses"))
}

fn root(name: &str, tweak: impl FnOnce(&mut CertificateParams)) -> Ca {
    let params = ca_params(name, tweak);
    let key = KeyPair::generate().expect("key");
    let cert = parse(params.self_signed(&key).expect("self-signed").der());
    Ca { params, key, cert }
}

fn sub_ca(name: &str, issuer: &Ca, tweak: impl FnOnce(&mut CertificateParams)) -> Ca {
    let params = ca_params(name, tweak);
    let key = KeyPair::generate().expect("key");
    let cert = parse(
        params
            .signed_by(&key, &issuer.issuer())
            .expect("signed")
            .der(),
    );
    Ca { params, key, cert }
}

/// Another certificate for `ca`'s name and key, issued by `issuer` with other parameters.
fn copy_of(ca: &Ca, issuer: &Ca, tweak: impl FnOnce(&mut CertificateParams)) -> Arc<Certificate> {
    let mut params = ca.params.clone();
    tweak(&mut params);
    parse(
        params
            .signed_by(&ca.key, &issuer.issuer())
            .expect("signed")
            .der(),
    )
}

fn leaf_params(
    name: &str,
    sans: &[&str],
    tweak: impl FnOnce(&mut CertificateParams),
) -> CertificateParams {
    let sans: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(sans).expect("params");
    params.distinguished_name = rcgen::DistinguishedName::new();
    if !name.is_empty() {
        params.distinguished_name.push(DnType::CommonName, name);
    }
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    params.not_before = ymd(2025);
    params.not_after = ymd(2030);
    tweak(&mut params);
    params
}

fn leaf_der(
    name: &str,
    sans: &[&str],
    issuer: &Ca,
    tweak: impl FnOnce(&mut CertificateParams),
) -> Vec<u8> {
    let params = leaf_params(name, sans, tweak);
    let key = KeyPair::generate().expect("key");
    params
        .signed_by(&key, &issuer.issuer())
        .expect("signed")
        .der()
        .to_vec()
}

fn leaf(name: &str, sans: &[&str], issuer: &Ca) -> Arc<Certificate> {
    parse(&leaf_der(name, sans, issuer, |_| {}))
}

struct Case<'a> {
    anchors: Vec<Arc<Certificate>>,
    cas: Vec<&'a Ca>,
    extra: Vec<Arc<Certificate>>,
    /// Serial numbers every CA's CRL lists as revoked.
    revoked: Vec<u64>,
    options: VerifyOptions,
}

impl<'a> Case<'a> {
    fn new(anchor: &'a Ca) -> Self {
        Case {
            anchors: vec![anchor.cert.clone()],
            cas: vec![anchor],
            extra: Vec::new(),
            revoked: Vec::new(),
            options: VerifyOptions {
                at: Some(parse_time(AT).expect("time")),
                key_usage: KeyUsagePolicy::Any,
                ..VerifyOptions::default()
            },
        }
    }

    /// `ca` issues CRLs in this case; `copies` are given as extra intermediates, in this order.
    fn via(mut self, ca: &'a Ca, copies: &[Arc<Certificate>]) -> Self {
        self.cas.push(ca);
        self.extra.extend(copies.iter().cloned());
        self
    }

    /// `ca` issues CRLs and its certificate is given as an extra intermediate.
    fn through(self, ca: &'a Ca) -> Self {
        let cert = ca.cert.clone();
        self.via(ca, &[cert])
    }

    fn verify(&self, cert: &Arc<Certificate>) -> Verdict {
        let crls = CrlSnapshot::new(self.cas.iter().map(|ca| ca.crl(&self.revoked)));
        let verifier = Verifier::new(self.anchors.clone(), Vec::new(), crls).expect("verifier");
        let options = VerifyOptions {
            extra_intermediates: self.extra.clone(),
            ..self.options.clone()
        };
        verifier.verify_certificate(cert, &options)
    }
}

fn assert_valid(verdict: &Verdict) {
    assert_eq!(verdict.status, Status::Valid, "{}", verdict.message);
}

fn assert_refused(verdict: &Verdict, reason: Reason, detail: &str) {
    assert_eq!(verdict.reason, Some(reason), "{}", verdict.message);
    assert!(
        verdict.message.contains(detail),
        "expected {detail:?} in: {}",
        verdict.message
    );
}

// ---- backtracking (issue 16 finding 6) ----

#[test]
fn an_expired_copy_of_an_intermediate_does_not_hide_the_current_one() {
    let anchor = root("Root", |_| {});
    let ca = sub_ca("Issuing CA", &anchor, |_| {});
    let expired = copy_of(&ca, &anchor, |p| {
        p.not_before = ymd(2020);
        p.not_after = ymd(2024);
    });
    let ee = leaf("Signer", &[], &ca);
    // The expired copy first, as `--intermediate` put it before the signature's own.
    let both = Case::new(&anchor).via(&ca, &[expired.clone(), ca.cert.clone()]);
    assert_valid(&both.verify(&ee));
    let reversed = Case::new(&anchor).via(&ca, &[ca.cert.clone(), expired.clone()]);
    assert_valid(&reversed.verify(&ee));
    // With only the expired copy the path exists and its certificate is reported expired.
    let only_expired = Case::new(&anchor).via(&ca, &[expired]);
    assert_refused(&only_expired.verify(&ee), Reason::CertExpired, "expired");
}

#[test]
fn a_revoked_copy_of_an_intermediate_does_not_hide_a_current_one() {
    let anchor = root("Root", |_| {});
    let ca = sub_ca("Issuing CA", &anchor, |p| {
        p.serial_number = Some(7u64.into())
    });
    let revoked = copy_of(&ca, &anchor, |p| p.serial_number = Some(666u64.into()));
    let ee = leaf("Signer", &[], &ca);
    let mut both = Case::new(&anchor).via(&ca, &[revoked.clone(), ca.cert.clone()]);
    both.revoked = vec![666];
    assert_valid(&both.verify(&ee));
    let mut alone = Case::new(&anchor).via(&ca, &[revoked]);
    alone.revoked = vec![666];
    assert_refused(&alone.verify(&ee), Reason::CertRevoked, "revoked");
}

#[test]
fn an_issuer_is_still_tried_when_the_authority_key_identifier_contradicts_it() {
    let anchor = root("Root", |_| {});
    let wrong_aki = x509_cert::ext::pkix::AuthorityKeyIdentifier {
        key_identifier: Some(der::asn1::OctetString::new(vec![0xde, 0xad]).expect("octets")),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    let ee = parse(&leaf_der("Signer", &[], &anchor, |p| {
        p.use_authority_key_identifier_extension = false;
        p.custom_extensions = vec![CustomExtension::from_oid_content(
            &[2, 5, 29, 35],
            wrong_aki.to_der().expect("encodes"),
        )]
    }));
    assert_eq!(ee.authority_key_id.as_deref(), Some(&[0xde, 0xad][..]));
    assert_valid(&Case::new(&anchor).verify(&ee));
}

#[test]
fn copies_that_fail_signature_or_ca_checks_do_not_hide_a_good_path() {
    let anchor = root("Root", |_| {});
    let impostor = root("Root", |_| {}); // the anchor's name, another key
    let ca = sub_ca("Issuing CA", &anchor, |_| {});
    let forged = copy_of(&ca, &impostor, |_| {});
    let not_ca = copy_of(&ca, &anchor, |p| p.is_ca = IsCa::ExplicitNoCa);
    let ee = leaf("Signer", &[], &ca);
    let case = Case::new(&anchor).via(&ca, &[forged.clone(), not_ca.clone(), ca.cert.clone()]);
    assert_valid(&case.verify(&ee));
    // Alone, each is refused for what it is.
    let forged_only = Case::new(&anchor).via(&ca, &[forged]);
    assert_refused(
        &forged_only.verify(&ee),
        Reason::ChainUntrusted,
        "does not verify",
    );
    let not_ca_only = Case::new(&anchor).via(&ca, &[not_ca]);
    assert_refused(&not_ca_only.verify(&ee), Reason::ChainUntrusted, "not a CA");
}

#[test]
fn a_path_failing_its_name_constraints_does_not_hide_another() {
    let anchor = root("Root", |_| {});
    let ca = sub_ca("Issuing CA", &anchor, |_| {});
    let constrained = copy_of(&ca, &anchor, |p| {
        p.name_constraints = Some(NameConstraints {
            permitted_subtrees: Vec::new(),
            excluded_subtrees: vec![GeneralSubtree::DnsName("egov.kz".into())],
        })
    });
    let ee = leaf("Signer", &["portal.egov.kz"], &ca);
    let case = Case::new(&anchor).via(&ca, &[constrained.clone(), ca.cert.clone()]);
    assert_valid(&case.verify(&ee));
    let alone = Case::new(&anchor).via(&ca, &[constrained]);
    assert_refused(
        &alone.verify(&ee),
        Reason::ChainUntrusted,
        "excluded subtree",
    );
}

// ---- the trust anchor (issue 16 finding 10) ----

#[test]
fn an_expired_trust_anchor_is_cert_expired() {
    let anchor = root("Root", |p| {
        p.not_before = ymd(2015);
        p.not_after = ymd(2026); // before AT
    });
    let ee = leaf("Signer", &[], &anchor);
    assert_refused(
        &Case::new(&anchor).verify(&ee),
        Reason::CertExpired,
        "expired",
    );
}

#[test]
fn the_anchors_path_length_constraint_applies() {
    let anchor = root("Root", |p| {
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0))
    });
    let ca = sub_ca("Issuing CA", &anchor, |_| {});
    let ee = leaf("Signer", &[], &ca);
    let verdict = Case::new(&anchor).through(&ca).verify(&ee);
    assert_refused(&verdict, Reason::ChainUntrusted, "pathLenConstraint");
    // Directly under the anchor the constraint allows the end certificate.
    assert_valid(&Case::new(&anchor).verify(&leaf("Signer", &[], &anchor)));
}

#[test]
fn the_anchors_name_constraints_apply() {
    let anchor = root("Root", |p| {
        p.name_constraints = Some(NameConstraints {
            permitted_subtrees: vec![GeneralSubtree::DnsName("egov.kz".into())],
            excluded_subtrees: Vec::new(),
        })
    });
    let case = Case::new(&anchor);
    assert_valid(&case.verify(&leaf("Signer", &["portal.egov.kz"], &anchor)));
    assert_refused(
        &case.verify(&leaf("Signer", &["example.com"], &anchor)),
        Reason::ChainUntrusted,
        "outside the permitted subtrees",
    );
}

#[test]
fn a_signer_that_is_a_trust_anchor_gets_every_signer_check() {
    let signer = |tweak: fn(&mut CertificateParams)| {
        let mut params = leaf_params("Anchored signer", &[], |p| {
            p.distinguished_name
                .push(DnType::CustomDnType(vec![2, 5, 4, 5]), "IIN880415300127");
        });
        tweak(&mut params);
        let key = KeyPair::generate().expect("key");
        parse(params.self_signed(&key).expect("self-signed").der())
    };
    let verify = |cert: &Arc<Certificate>, options: VerifyOptions| {
        let verifier = Verifier::new(vec![cert.clone()], Vec::new(), CrlSnapshot::new(Vec::new()))
            .expect("verifier");
        verifier.verify_certificate(cert, &options)
    };
    let at = Some(parse_time(AT).expect("time"));
    let signing = VerifyOptions {
        at,
        key_usage: KeyUsagePolicy::DocumentSigning,
        expected_id: Some("880415300127".parse::<IdNumber>().expect("id")),
        ..VerifyOptions::default()
    };
    assert_valid(&verify(&signer(|_| {}), signing.clone()));
    let expired = signer(|p| p.not_after = ymd(2026));
    assert_refused(
        &verify(&expired, signing.clone()),
        Reason::CertExpired,
        "expired",
    );
    let auth_key = signer(|p| p.key_usages = vec![KeyUsagePurpose::DigitalSignature]);
    assert_refused(
        &verify(&auth_key, signing.clone()),
        Reason::KeyUsageNotSigning,
        "nonRepudiation",
    );
    let other_id = VerifyOptions {
        expected_id: Some("000000000000".parse::<IdNumber>().expect("id")),
        ..signing
    };
    assert_refused(
        &verify(&signer(|_| {}), other_id),
        Reason::IdentityMismatch,
        "880415300127",
    );
}

// ---- certificate content rules ----

#[test]
fn an_empty_subject_needs_a_critical_subject_alt_name() {
    let anchor = root("Root", |_| {});
    let case = Case::new(&anchor);
    // rcgen marks the subjectAltName critical when the subject is empty (RFC 5280 §4.1.2.6).
    assert_valid(&case.verify(&leaf("", &["portal.egov.kz"], &anchor)));
    let bare = parse(&leaf_der("", &[], &anchor, |_| {}));
    assert_refused(&case.verify(&bare), Reason::ChainUntrusted, "empty subject");
}

#[test]
fn key_cert_sign_without_ca_and_malformed_alt_names_fail_the_path() {
    let anchor = root("Root", |_| {});
    let case = Case::new(&anchor);
    let signer_ca = parse(&leaf_der("Signer", &[], &anchor, |p| {
        p.key_usages.push(KeyUsagePurpose::KeyCertSign)
    }));
    assert_refused(
        &case.verify(&signer_ca),
        Reason::ChainUntrusted,
        "keyCertSign",
    );
    let bad_san = parse(&leaf_der("Signer", &[], &anchor, |p| {
        p.custom_extensions = vec![CustomExtension::from_oid_content(
            &[2, 5, 29, 17],
            b"not a GeneralNames".to_vec(),
        )]
    }));
    assert_refused(&case.verify(&bad_san), Reason::ChainUntrusted, "2.5.29.17");
}

#[test]
fn a_duplicate_extension_makes_the_certificate_malformed() {
    let anchor = root("Root", |_| {});
    let duplicated = leaf_der("Signer", &[], &anchor, |p| {
        // basicConstraints (cA FALSE) a second time, after the one rcgen writes.
        let bc = x509_cert::ext::pkix::BasicConstraints {
            ca: false,
            path_len_constraint: None,
        };
        p.custom_extensions = vec![CustomExtension::from_oid_content(
            &[2, 5, 29, 19],
            bc.to_der().expect("encodes"),
        )]
    });
    let error = Certificate::from_der(&duplicated).expect_err("refused");
    assert!(error.to_string().contains("twice"), "{error}");
}

// ---- name constraints: the budget ----

fn dns_subtrees(count: usize) -> Vec<GeneralSubtree> {
    (0..count)
        .map(|i| GeneralSubtree::DnsName(format!("d{i}.kz")))
        .collect()
}

#[test]
fn a_thousand_names_under_a_thousand_constraints_answer_within_the_budget() {
    let anchor = root("Root", |_| {});
    let ca = sub_ca("Constrained CA", &anchor, |p| {
        p.name_constraints = Some(NameConstraints {
            permitted_subtrees: dns_subtrees(1000),
            excluded_subtrees: Vec::new(),
        })
    });
    let case = Case::new(&anchor).through(&ca);
    // Every name lies in the last subtree: each one is compared with all 1,000.
    let names: Vec<String> = (0..1000).map(|i| format!("h{i}.d999.kz")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_valid(&case.verify(&leaf("Signer", &refs, &ca)));
    // One name outside them is found within the budget too.
    let mut outside = refs.clone();
    outside[999] = "h.example.com";
    assert_refused(
        &case.verify(&leaf("Signer", &outside, &ca)),
        Reason::ChainUntrusted,
        "dNSName h.example.com is outside the permitted subtrees",
    );
    // Beyond the budget (1,100 × 1,000 comparisons > 1 << 20) the path fails and says why.
    let more: Vec<String> = (0..1100).map(|i| format!("h{i}.d999.kz")).collect();
    let refs: Vec<&str> = more.iter().map(String::as_str).collect();
    assert_refused(
        &case.verify(&leaf("Signer", &refs, &ca)),
        Reason::ChainUntrusted,
        "more than 1048576 comparisons",
    );
}

#[test]
fn a_name_constraint_that_is_not_critical_binds_all_the_same() {
    use x509_cert::ext::pkix::constraints::name::{
        GeneralSubtree as Subtree, NameConstraints as Nc,
    };
    let excluded = Nc {
        permitted_subtrees: None,
        excluded_subtrees: Some(vec![Subtree {
            base: x509_cert::ext::pkix::name::GeneralName::DnsName(
                der::asn1::Ia5String::new("egov.kz").expect("IA5"),
            ),
            minimum: 0,
            maximum: None,
        }]),
    };
    let mut extension =
        CustomExtension::from_oid_content(&[2, 5, 29, 30], excluded.to_der().expect("encodes"));
    extension.set_criticality(false);
    let anchor = root("Root", |_| {});
    let ca = sub_ca("Issuing CA", &anchor, |p| {
        p.custom_extensions = vec![extension]
    });
    let case = Case::new(&anchor).through(&ca);
    assert_valid(&case.verify(&leaf("Signer", &["portal.example.kz"], &ca)));
    assert_refused(
        &case.verify(&leaf("Signer", &["portal.egov.kz"], &ca)),
        Reason::ChainUntrusted,
        "dNSName portal.egov.kz is in an excluded subtree",
    );
}

#[test]
fn the_name_budget_covers_every_candidate_path_of_a_search() {
    let anchor = root("Root", |_| {});
    let constrained = |p: &mut CertificateParams| {
        p.name_constraints = Some(NameConstraints {
            permitted_subtrees: dns_subtrees(1000),
            excluded_subtrees: Vec::new(),
        })
    };
    let ca = sub_ca("Constrained CA", &anchor, constrained);
    let copy = copy_of(&ca, &anchor, |p| p.serial_number = Some(2u64.into()));
    // 600 names, the last outside the subtrees: each path costs about 600,000 comparisons
    // before it fails.
    let mut names: Vec<String> = (0..599).map(|i| format!("h{i}.d999.kz")).collect();
    names.push("h.example.com".into());
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let ee = leaf("Signer", &refs, &ca);
    let one = Case::new(&anchor).through(&ca).verify(&ee);
    assert_refused(
        &one,
        Reason::ChainUntrusted,
        "outside the permitted subtrees",
    );
    // Two such paths together exceed the budget of the search: it stops there.
    let two = Case::new(&anchor).via(&ca, &[ca.cert.clone(), copy]);
    assert_refused(&two.verify(&ee), Reason::ChainUntrusted, "(limit)");
}

#[test]
fn ip_email_and_directory_constraints() {
    let mut permitted_dn = rcgen::DistinguishedName::new();
    permitted_dn.push(DnType::OrganizationName, "Egov");
    let anchor = root("Root", |_| {});
    let ca = sub_ca("Constrained CA", &anchor, |p| {
        p.name_constraints = Some(NameConstraints {
            permitted_subtrees: vec![
                GeneralSubtree::IpAddress(rcgen::CidrSubnet::from_str("10.1.0.0/16").unwrap()),
                GeneralSubtree::IpAddress(rcgen::CidrSubnet::from_str("2001:db8::/32").unwrap()),
                GeneralSubtree::Rfc822Name(".egov.kz".into()),
            ],
            excluded_subtrees: vec![GeneralSubtree::DirectoryName(permitted_dn)],
        })
    });
    let case = Case::new(&anchor).through(&ca);
    assert_valid(&case.verify(&leaf("Signer", &["10.1.2.3"], &ca)));
    assert_refused(
        &case.verify(&leaf("Signer", &["10.2.0.1"], &ca)),
        Reason::ChainUntrusted,
        "iPAddress 10.2.0.1",
    );
    assert_valid(&case.verify(&leaf("Signer", &["2001:db8:5::1"], &ca)));
    assert_refused(
        &case.verify(&leaf("Signer", &["2001:db9::1"], &ca)),
        Reason::ChainUntrusted,
        "iPAddress 2001:db9::1",
    );
    let with_email = |email: &'static str, org: Option<&'static str>| {
        parse(&leaf_der("Signer", &[], &ca, |p| {
            if let Some(org) = org {
                p.distinguished_name.push(DnType::OrganizationName, org);
            }
            p.distinguished_name.push(
                DnType::CustomDnType(vec![1, 2, 840, 113549, 1, 9, 1]),
                rcgen::DnValue::Ia5String(email.try_into().unwrap()),
            );
        }))
    };
    // Without an rfc822Name alternative name the subject's emailAddress is constrained.
    assert_valid(&case.verify(&with_email("a@mail.egov.kz", None)));
    assert_refused(
        &case.verify(&with_email("a@example.com", None)),
        Reason::ChainUntrusted,
        "rfc822Name a@example.com",
    );
    // rcgen writes O after CN, so the subject does not start with O=Egov: not excluded. A subject
    // whose first RDN is O=Egov is.
    assert_valid(&case.verify(&with_email("a@mail.egov.kz", Some("Egov"))));
    let excluded = parse(&leaf_der("", &["10.1.0.9"], &ca, |p| {
        p.distinguished_name.push(DnType::OrganizationName, "Egov");
        p.distinguished_name.push(DnType::CommonName, "Signer");
    }));
    assert_refused(
        &case.verify(&excluded),
        Reason::ChainUntrusted,
        "excluded subtree",
    );
}

// ---- certificate policies ----

fn policies_extension(oids: &[&str]) -> CustomExtension {
    let policies = x509_cert::ext::pkix::CertificatePolicies(
        oids.iter()
            .map(|o| x509_cert::ext::pkix::certpolicy::PolicyInformation {
                policy_identifier: ObjectIdentifier::new_unwrap(o),
                policy_qualifiers: None,
            })
            .collect(),
    );
    CustomExtension::from_oid_content(&[2, 5, 29, 32], policies.to_der().expect("encodes"))
}

const NCA_SIGN: &str = "1.2.398.3.3.2.1";
const NCA_OTHER: &str = "1.2.398.3.3.2.4";

#[test]
fn the_verdict_reports_the_paths_valid_policies_and_the_caller_may_require_one() {
    let anchor = root("Root", |_| {});
    let ca = sub_ca("Issuing CA", &anchor, |p| {
        p.custom_extensions = vec![policies_extension(&[NCA_SIGN, NCA_OTHER])]
    });
    let ee = parse(&leaf_der("Signer", &[], &ca, |p| {
        p.custom_extensions = vec![policies_extension(&[NCA_SIGN])]
    }));
    let case = Case::new(&anchor).through(&ca);
    let verdict = case.verify(&ee);
    assert_valid(&verdict);
    assert_eq!(
        verdict.evidence.policies.as_deref(),
        Some(&[NCA_SIGN.to_string()][..])
    );
    let json = serde_json::to_value(&verdict).expect("JSON");
    assert_eq!(json["evidence"]["policies"], serde_json::json!([NCA_SIGN]));

    let require = |oid: &str| PolicyOptions {
        initial_policy_set: Some(vec![ObjectIdentifier::new_unwrap(oid)]),
        initial_explicit_policy: true,
        ..PolicyOptions::default()
    };
    let mut strict = Case::new(&anchor).through(&ca);
    strict.options.policy = Some(require(NCA_SIGN));
    assert_valid(&strict.verify(&ee));
    strict.options.policy = Some(require(NCA_OTHER));
    assert_refused(
        &strict.verify(&ee),
        Reason::ChainUntrusted,
        "certificate policies",
    );

    // Without a path there is no policy to report, and the JSON says nothing about it.
    let stranger = root("Other root", |_| {});
    let lost = Case::new(&stranger).verify(&ee);
    assert_eq!(lost.evidence.policies, None);
    let json = serde_json::to_value(&lost).expect("JSON");
    assert!(json["evidence"].get("policies").is_none(), "{json}");
}

#[test]
fn a_policy_listed_twice_fails_the_path() {
    let anchor = root("Root", |_| {});
    let ee = parse(&leaf_der("Signer", &[], &anchor, |p| {
        p.custom_extensions = vec![policies_extension(&[NCA_SIGN, NCA_OTHER, NCA_SIGN])]
    }));
    assert_refused(
        &Case::new(&anchor).verify(&ee),
        Reason::ChainUntrusted,
        &format!("policy {NCA_SIGN} appears twice"),
    );
}

#[test]
fn a_path_without_policies_is_valid_for_none_unless_one_is_required() {
    let anchor = root("Root", |_| {});
    let ee = leaf("Signer", &[], &anchor);
    let mut case = Case::new(&anchor);
    let verdict = case.verify(&ee);
    assert_valid(&verdict);
    assert_eq!(verdict.evidence.policies, Some(Vec::new()));
    case.options.policy = Some(PolicyOptions {
        initial_explicit_policy: true,
        ..PolicyOptions::default()
    });
    assert_refused(&case.verify(&ee), Reason::ChainUntrusted, "explicit policy");
}
