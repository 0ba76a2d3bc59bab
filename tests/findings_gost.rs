//! The path and revocation findings of issue 16 on certificates and CRLs signed with GOST R
//! 34.10-2015 512-bit in the NCA byte order (and, the same tests, with RSA 2048), built for each
//! rule with test-pki's builders (`test_pki::builder`) and judged through the public
//! `qoltanba_core::Verifier` API.
//!
//! Why here and not in `core/tests`: test-pki signs with `qoltanba-core`'s GOST primitives and
//! hands out `qoltanba_core::Certificate`/`Crl` values, so it depends on the core. A core test
//! using it would link a second copy of the core whose types are not the test's; the root crate
//! has exactly one `qoltanba-core`, shared with test-pki.
//!
//! Every test judges the case the rule is about and a control case that differs only in what the
//! rule looks at and comes out otherwise (a CRL that is usable for a matching certificate, a
//! current copy of an expired anchor, ...), so removing the rule makes the test fail. The
//! findings with GOST tests elsewhere (8, 11, 12 and two signers: `core/tests/cms_layer.rs`) are
//! not repeated. Each finding runs once per algorithm: `gost::finding_…` and `rsa::finding_…`.

use std::sync::Arc;

use qoltanba_core::{
    parse_time, Crl, CrlSnapshot, IdNumber, KeyUsagePolicy, Reason, Status, Verdict, Verifier,
    VerifyOptions,
};
use test_pki::builder::{
    day, dir, idp, name, point, revoked, uri, Algorithm, CertSpec, Issued, Key,
};
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

/// The validation time of every test.
const AT: &str = "2026-06-01T12:00:00Z";

const REVOKED: (Status, Option<Reason>) = (Status::Invalid, Some(Reason::CertRevoked));
const UNKNOWN: (Status, Option<Reason>) = (Status::Indeterminate, Some(Reason::RevocationUnknown));
const EXPIRED: (Status, Option<Reason>) = (Status::Invalid, Some(Reason::CertExpired));
const UNTRUSTED: (Status, Option<Reason>) = (Status::Invalid, Some(Reason::ChainUntrusted));
const VALID: (Status, Option<Reason>) = (Status::Valid, None);

fn key(algorithm: Algorithm, seed: &str) -> Key {
    Key::derive(algorithm, seed)
}

fn options() -> VerifyOptions {
    VerifyOptions {
        at: Some(parse_time(AT).expect("time")),
        key_usage: KeyUsagePolicy::Any,
        ..VerifyOptions::default()
    }
}

/// One verification: trust anchors, configured intermediates, intermediates that come with the
/// input (in this order), the CRLs held.
#[derive(Default)]
struct Case<'a> {
    anchors: Vec<&'a Issued>,
    intermediates: Vec<&'a Issued>,
    extra: Vec<&'a Issued>,
    crls: Vec<Arc<Crl>>,
}

impl<'a> Case<'a> {
    fn new(anchor: &'a Issued) -> Self {
        Case {
            anchors: vec![anchor],
            ..Case::default()
        }
    }

    fn intermediates(mut self, cas: &[&'a Issued]) -> Self {
        self.intermediates = cas.to_vec();
        self
    }

    fn extra(mut self, certs: &[&'a Issued]) -> Self {
        self.extra = certs.to_vec();
        self
    }

    fn crls(mut self, crls: Vec<Arc<Crl>>) -> Self {
        self.crls = crls;
        self
    }

    fn verify_with(&self, cert: &Issued, options: VerifyOptions) -> Verdict {
        let certs = |list: &[&Issued]| list.iter().map(|c| c.cert()).collect::<Vec<_>>();
        let verifier = Verifier::new(
            certs(&self.anchors),
            certs(&self.intermediates),
            CrlSnapshot::new(self.crls.clone()),
        )
        .expect("verifier");
        let options = VerifyOptions {
            extra_intermediates: certs(&self.extra),
            ..options
        };
        verifier.verify_certificate(&cert.cert(), &options)
    }

    fn verify(&self, cert: &Issued) -> Verdict {
        self.verify_with(cert, options())
    }
}

/// The verdict has this status and reason (a status other than `valid` for every refusal).
#[track_caller]
fn expect(verdict: &Verdict, (status, reason): (Status, Option<Reason>)) {
    assert_eq!(
        (verdict.status, verdict.reason),
        (status, reason),
        "{}",
        verdict.message
    );
}

/// [`expect`], and the message names `detail`.
#[track_caller]
fn expect_saying(verdict: &Verdict, want: (Status, Option<Reason>), detail: &str) {
    expect(verdict, want);
    assert!(
        verdict.message.contains(detail),
        "expected {detail:?} in: {}",
        verdict.message
    );
}

/// keyUsage with this one bit.
fn key_usage(bit: KeyUsages) -> Option<KeyUsage> {
    Some(KeyUsage(bit.into()))
}

// ---- Finding 1: a partition CRL covers only the certificates of its distribution point ----

fn finding_01_a_partition_crl_does_not_cover_certificates_outside_its_scope(algo: Algorithm) {
    let root = CertSpec::ca("Scope Root").self_signed(key(algo, "root"));
    let crl2 = name("CN=CRL2");
    let no_point = CertSpec::end_entity("No DP", 10).issue(key(algo, "ee1"), &root);
    let by_dir = CertSpec::end_entity("Dir DP", 11)
        .distribution_points(vec![point(vec![dir(&crl2)])])
        .issue(key(algo, "ee2"), &root);
    let by_uri = CertSpec::end_entity("URI DP", 12)
        .distribution_points(vec![point(vec![uri("http://crl.test.kz/2.crl")])])
        .issue(key(algo, "ee3"), &root);
    let all = [&no_point, &by_dir, &by_uri];
    let mut crl = root.crl();
    crl.entries = all
        .iter()
        .map(|c| revoked(c, day("2026-04-01"), Some(CrlReason::KeyCompromise)))
        .collect();
    // The partition of another point, named by a URI and a directoryName.
    crl.idp = Some(idp(vec![
        uri("http://crl.test.kz/1.crl"),
        dir(&name("CN=CRL1")),
    ]));
    let outside = Case::new(&root).crls(vec![crl.build(&root.key)]);
    for cert in all {
        expect(&outside.verify(cert), UNKNOWN);
    }
    // The same CRL naming the points as the certificates name them (the issuer's DN for the
    // one without a point) covers them, and its entries revoke them.
    crl.idp = Some(idp(vec![
        dir(root.name()),
        dir(&crl2),
        uri("http://crl.test.kz/2.crl"),
    ]));
    let inside = Case::new(&root).crls(vec![crl.build(&root.key)]);
    for cert in all {
        expect(&inside.verify(cert), REVOKED);
    }
}

// ---- Finding 2: a delta issued after T does not lift a hold in force at T ----

fn finding_02_a_delta_issued_after_t_does_not_erase_a_hold(algo: Algorithm) {
    let root = CertSpec::ca("Hold Root").self_signed(key(algo, "root"));
    let ee = CertSpec::end_entity("Held", 20).issue(key(algo, "ee1"), &root);
    let mut base = root.crl();
    base.entries = vec![revoked(
        &ee,
        day("2026-04-15"),
        Some(CrlReason::CertificateHold),
    )];
    let mut delta = root.crl();
    delta.number = Some(2);
    delta.delta_base = Some(1);
    delta.this_update = day("2026-06-10");
    delta.next_update = Some(day("2026-06-20"));
    delta.entries = vec![revoked(
        &ee,
        day("2026-06-09"),
        Some(CrlReason::RemoveFromCRL),
    )];
    let after_t = Case::new(&root).crls(vec![base.build(&root.key), delta.build(&root.key)]);
    expect_saying(&after_t.verify(&ee), REVOKED, "certificateHold");
    // Issued before T, the same release counts: the delta is combined with its base.
    delta.this_update = day("2026-05-20");
    delta.entries[0].date = day("2026-05-19");
    let before_t = Case::new(&root).crls(vec![base.build(&root.key), delta.build(&root.key)]);
    expect(&before_t.verify(&ee), VALID);
}

// ---- Finding 3: a CRL signed by a revoked CRL-signing certificate is unusable ----

fn finding_03_a_crl_from_a_revoked_crl_signer_revokes_nothing(algo: Algorithm) {
    let root = CertSpec::ca("Signer Root").self_signed(key(algo, "root"));
    let ca = CertSpec::ca("Split CA").issue(key(algo, "ca1"), &root);
    // A separate CRL-signing certificate with the CA's name, certified by the root (PKITS
    // 4.4.19-4.4.21).
    let signer = CertSpec::end_entity("Split CA", 900)
        .key_usage(key_usage(KeyUsages::CRLSign))
        .issue(key(algo, "signer"), &root);
    let ee = CertSpec::end_entity("Split EE", 30).issue(key(algo, "ee1"), &ca);
    let mut ca_crl = signer.crl();
    ca_crl.entries = vec![revoked(
        &ee,
        day("2026-04-01"),
        Some(CrlReason::KeyCompromise),
    )];
    let ca_crl = ca_crl.build(&signer.key);
    let case = |root_crl: Arc<Crl>| {
        Case::new(&root)
            .intermediates(&[&ca, &signer])
            .crls(vec![root_crl, ca_crl.clone()])
            .verify(&ee)
    };
    // While the signer stands, its CRL is usable and revokes the certificate.
    expect(&case(root.crl().build(&root.key)), REVOKED);
    let mut revoking = root.crl();
    revoking.entries = vec![revoked(
        &signer,
        day("2026-03-01"),
        Some(CrlReason::KeyCompromise),
    )];
    expect(&case(revoking.build(&root.key)), UNKNOWN);
}

// ---- Finding 4: a sibling CA's end entity named like the CA cannot clear its revocations ----

fn finding_04_a_sibling_cas_end_entity_cannot_sign_the_cas_crls(algo: Algorithm) {
    let root = CertSpec::ca("Sibling Root").self_signed(key(algo, "root"));
    let ca1 = CertSpec::ca("Sibling CA1").issue(key(algo, "ca1"), &root);
    let ca2 = CertSpec::ca("Sibling CA2").issue(key(algo, "ca2"), &root);
    let victim = CertSpec::end_entity("Victim", 40).issue(key(algo, "ee1"), &ca1);
    // CA1's own CRL puts the victim on hold; a newer complete CRL of the same scope that no
    // longer lists it would release the hold (finding 7), if its signer may sign CA1's CRLs.
    let mut own = ca1.crl();
    own.entries = vec![revoked(
        &victim,
        day("2026-04-15"),
        Some(CrlReason::CertificateHold),
    )];
    let own = own.build(&ca1.key);
    // A newer complete CRL of CA1's name without the entry, signed by `signer`.
    let newer_from = |signer: &Issued| {
        let mut crl = signer.crl();
        crl.number = Some(99);
        crl.this_update = day("2026-05-20");
        crl.build(&signer.key)
    };
    let judge = |signer: &Issued, with_own: bool| {
        let mut crls = vec![
            root.crl().build(&root.key),
            ca2.crl().build(&ca2.key),
            newer_from(signer),
        ];
        if with_own {
            crls.push(own.clone());
        }
        Case::new(&root)
            .intermediates(&[&ca1, &ca2, signer])
            .crls(crls)
            .verify(&victim)
    };
    // CA2 issued end-entity certificates whose subject is CA1's name: without keyUsage, and
    // with keyUsage but no cRLSign.
    for (serial, usage) in [(41, None), (42, key_usage(KeyUsages::DigitalSignature))] {
        let impostor = CertSpec::end_entity("Sibling CA1", serial)
            .key_usage(usage)
            .issue(key(algo, "impostor"), &ca2);
        expect(&judge(&impostor, true), REVOKED);
        expect(&judge(&impostor, false), UNKNOWN);
    }
    // The same newer CRL from a CRL signer the rule admits (cRLSign, certified on the same
    // anchor) is usable: it releases the hold, and alone it proves the certificate not revoked.
    let separate = CertSpec::end_entity("Sibling CA1", 43)
        .key_usage(key_usage(KeyUsages::CRLSign))
        .issue(key(algo, "signer"), &root);
    expect(&judge(&separate, true), VALID);
    expect(&judge(&separate, false), VALID);
}

// ---- Finding 5: INTEGERs that are not minimally encoded ----

fn finding_05_a_non_minimal_entry_serial_makes_the_crl_malformed(algo: Algorithm) {
    let root = CertSpec::ca("Encoding Root").self_signed(key(algo, "root"));
    let ee = CertSpec::end_entity("Padded", 0x42).issue(key(algo, "ee1"), &root);
    let mut crl = root.crl();
    crl.entries = vec![revoked(
        &ee,
        day("2026-04-01"),
        Some(CrlReason::KeyCompromise),
    )];
    // Minimal, the entry is read and revokes the certificate.
    let minimal = Crl::from_der(crl.der(&root.key), 1000).expect("a minimal serial parses");
    expect(
        &Case::new(&root).crls(vec![Arc::new(minimal)]).verify(&ee),
        REVOKED,
    );
    // 00 42, FF 80 (-128, which is 80) and an empty INTEGER are not DER: the CRL is refused as a
    // whole, so it can never be taken for one without the entry.
    for octets in [vec![0x00, 0x42], vec![0xFF, 0x80], Vec::new()] {
        crl.entries[0].serial = octets.clone();
        let refused = Crl::from_der(crl.der(&root.key), 1000);
        assert!(refused.is_err(), "{octets:02x?} was accepted");
    }
    // FF 7F (-129) is minimal.
    crl.entries[0].serial = vec![0xFF, 0x7F];
    assert!(Crl::from_der(crl.der(&root.key), 1000).is_ok());
}

fn finding_05_a_certificate_with_a_padded_serial_is_never_found_not_revoked(algo: Algorithm) {
    let root = CertSpec::ca("Padded Root").self_signed(key(algo, "root"));
    let plain = CertSpec::end_entity("Padded cert", 0x42).issue(key(algo, "ee1"), &root);
    let padded = CertSpec::end_entity("Padded cert", 0x42)
        .raw_serial(&[0x00, 0x42])
        .issue(key(algo, "ee1"), &root);
    assert_eq!(padded.cert().serial, [0x00, 0x42], "the padding is kept");
    let mut crl = root.crl();
    crl.entries = vec![revoked(
        &plain,
        day("2026-04-01"),
        Some(CrlReason::KeyCompromise),
    )];
    let case = Case::new(&root).crls(vec![crl.build(&root.key)]);
    expect(&case.verify(&plain), REVOKED);
    // No entry can match a serial that is not DER: its status is unknown, never "not revoked".
    let verdict = case.verify(&padded);
    assert_ne!(verdict.status, Status::Valid, "{}", verdict.message);
    expect_saying(&verdict, UNKNOWN, "not a minimally encoded INTEGER");
    // The same with a CRL that lists nothing: a clean CRL is not a silent miss.
    let clean = Case::new(&root).crls(vec![root.crl().build(&root.key)]);
    expect(&clean.verify(&plain), VALID);
    expect_saying(
        &clean.verify(&padded),
        UNKNOWN,
        "not a minimally encoded INTEGER",
    );
}

// ---- Finding 6: building backtracks past an expired (or revoked) copy of an intermediate ----

fn finding_06_an_expired_or_revoked_copy_of_an_intermediate_does_not_hide_the_current_one(
    algo: Algorithm,
) {
    let root = CertSpec::ca("Backtrack Root").self_signed(key(algo, "root"));
    let current = CertSpec::ca("Issuing CA")
        .serial(7)
        .issue(key(algo, "ca1"), &root);
    // The same name and key, certified earlier and expired.
    let expired = CertSpec::ca("Issuing CA")
        .serial(6)
        .valid(day("2019-01-01"), day("2024-01-01"))
        .issue(key(algo, "ca1"), &root);
    let ee = CertSpec::end_entity("Signer", 60).issue(key(algo, "ee1"), &current);
    let crls = || {
        vec![
            root.crl().build(&root.key),
            current.crl().build(&current.key),
        ]
    };
    let with = |copies: &[&Issued]| Case::new(&root).extra(copies).crls(crls()).verify(&ee);
    // The expired copy first, as the signature's own certificates may put it.
    expect(&with(&[&expired, &current]), VALID);
    expect(&with(&[&current, &expired]), VALID);
    // With only the expired copy the path exists and its certificate is reported expired.
    expect_saying(&with(&[&expired]), EXPIRED, "expired");

    // A copy as current as the good one but revoked ranks the same, so the order of the input
    // puts it first: only backtracking from its failed judgement finds the good path.
    let revoked_copy = CertSpec::ca("Issuing CA")
        .serial(666)
        .issue(key(algo, "ca1"), &root);
    let mut root_crl = root.crl();
    root_crl.entries = vec![revoked(
        &revoked_copy,
        day("2026-03-01"),
        Some(CrlReason::KeyCompromise),
    )];
    let root_crl = root_crl.build(&root.key);
    let with = |copies: &[&Issued]| {
        Case::new(&root)
            .extra(copies)
            .crls(vec![root_crl.clone(), current.crl().build(&current.key)])
            .verify(&ee)
    };
    expect(&with(&[&revoked_copy, &current]), VALID);
    expect(&with(&[&revoked_copy]), REVOKED);
}

// ---- Finding 7: the newest usable complete CRL decides ----

fn finding_07_the_newest_complete_crl_releases_an_older_hold(algo: Algorithm) {
    let root = CertSpec::ca("Newest Root").self_signed(key(algo, "root"));
    let ee = CertSpec::end_entity("Released", 70).issue(key(algo, "ee1"), &root);
    let hold = revoked(&ee, day("2026-04-15"), Some(CrlReason::CertificateHold));
    let mut older = root.crl();
    older.entries = vec![hold.clone()];
    let mut newer = root.crl();
    newer.number = Some(2);
    newer.this_update = day("2026-05-20");
    let (older, newer) = (older.build(&root.key), newer.build(&root.key));
    // Both orders: the CRL number decides, not the place in the snapshot.
    let judge = |crls: Vec<Arc<Crl>>| Case::new(&root).crls(crls).verify(&ee);
    expect(&judge(vec![older.clone(), newer.clone()]), VALID);
    expect(&judge(vec![newer, older]), VALID);
    // A hold placed by the newer CRL stands against an older clean one.
    let older_clean = root.crl().build(&root.key);
    let mut newer_held = root.crl();
    newer_held.number = Some(2);
    newer_held.this_update = day("2026-05-20");
    newer_held.entries = vec![hold];
    let newer_held = newer_held.build(&root.key);
    expect(
        &judge(vec![older_clean.clone(), newer_held.clone()]),
        REVOKED,
    );
    expect(&judge(vec![newer_held, older_clean]), REVOKED);
}

// ---- Finding 10: the trust anchor's validity and pathLenConstraint; an anchor as signer ----

fn finding_10_an_expired_trust_anchor_is_cert_expired(algo: Algorithm) {
    let anchor = |to: &str| {
        CertSpec::ca("Anchor Root")
            .valid(day("2015-01-01"), day(to))
            .self_signed(key(algo, "root"))
    };
    let (expired, current) = (anchor("2026-01-01"), anchor("2036-01-01"));
    // One end entity, issued under the name and key both anchor certificates share.
    let ee = CertSpec::end_entity("Signer", 100).issue(key(algo, "ee1"), &current);
    let crls = || vec![current.crl().build(&current.key)];
    expect(&Case::new(&current).crls(crls()).verify(&ee), VALID);
    expect_saying(
        &Case::new(&expired).crls(crls()).verify(&ee),
        EXPIRED,
        "expired",
    );
}

fn finding_10_the_anchors_path_length_constraint_applies(algo: Algorithm) {
    let root = CertSpec::ca("Path Root")
        .path_len(0)
        .self_signed(key(algo, "root"));
    let ca = CertSpec::ca("Issuing CA").issue(key(algo, "ca1"), &root);
    let ee = CertSpec::end_entity("Signer", 101).issue(key(algo, "ee1"), &ca);
    let crls = || vec![root.crl().build(&root.key), ca.crl().build(&ca.key)];
    let through_ca = Case::new(&root).intermediates(&[&ca]).crls(crls());
    expect_saying(&through_ca.verify(&ee), UNTRUSTED, "pathLenConstraint");
    // Directly under the anchor the constraint allows the end entity.
    let direct = CertSpec::end_entity("Direct signer", 102).issue(key(algo, "ee2"), &root);
    expect(&through_ca.verify(&direct), VALID);
    // The same hierarchy under an anchor without the constraint is valid: the constraint decides.
    let open = CertSpec::ca("Path Root").self_signed(key(algo, "root"));
    let unconstrained = Case::new(&open).intermediates(&[&ca]).crls(crls());
    expect(&unconstrained.verify(&ee), VALID);
}

fn finding_10_a_signer_that_is_a_trust_anchor_gets_every_signer_check(algo: Algorithm) {
    let signer = |spec: CertSpec| spec.self_signed(key(algo, "ee1"));
    // SERIALNUMBER IIN880415300127 (the last RDN is written first).
    let profile = || {
        let mut spec = CertSpec::end_entity("Anchored signer", 103);
        spec.subject = name("2.5.4.5=IIN880415300127,CN=Anchored signer");
        spec
    };
    let verify = |cert: &Issued, options: VerifyOptions| Case::new(cert).verify_with(cert, options);
    let signing = VerifyOptions {
        key_usage: KeyUsagePolicy::DocumentSigning,
        expected_id: Some("880415300127".parse::<IdNumber>().expect("id")),
        ..options()
    };
    expect(&verify(&signer(profile()), signing.clone()), VALID);
    let expired = signer(profile().valid(day("2024-01-01"), day("2026-01-01")));
    expect_saying(&verify(&expired, signing.clone()), EXPIRED, "expired");
    let auth_key = signer(profile().key_usage(key_usage(KeyUsages::DigitalSignature)));
    expect_saying(
        &verify(&auth_key, signing.clone()),
        (Status::Invalid, Some(Reason::KeyUsageNotSigning)),
        "nonRepudiation",
    );
    let other_id = VerifyOptions {
        expected_id: Some("000000000000".parse::<IdNumber>().expect("id")),
        ..signing
    };
    expect_saying(
        &verify(&signer(profile()), other_id),
        (Status::Invalid, Some(Reason::IdentityMismatch)),
        "880415300127",
    );
}

// ---- Finding 13: a complete CRL needs a non-critical CRL number ----

fn finding_13_a_complete_crl_without_a_number_or_with_a_critical_one_is_unusable(algo: Algorithm) {
    let root = CertSpec::ca("Number Root").self_signed(key(algo, "root"));
    let ee = CertSpec::end_entity("Numbered", 130).issue(key(algo, "ee1"), &root);
    let mut crl = root.crl();
    let judge = |crl: Arc<Crl>| Case::new(&root).crls(vec![crl]).verify(&ee);
    crl.number = None;
    expect(&judge(crl.build(&root.key)), UNKNOWN);
    crl.number = Some(3);
    crl.number_critical = true;
    expect(&judge(crl.build(&root.key)), UNKNOWN);
    crl.number_critical = false;
    expect(&judge(crl.build(&root.key)), VALID);
    // The usable one revokes what it lists; the unnumbered one, listing it, says nothing.
    crl.entries = vec![revoked(
        &ee,
        day("2026-04-01"),
        Some(CrlReason::KeyCompromise),
    )];
    expect(&judge(crl.build(&root.key)), REVOKED);
    crl.number = None;
    expect(&judge(crl.build(&root.key)), UNKNOWN);
}

/// Each finding once per algorithm: `gost::<finding>` and `rsa::<finding>`.
macro_rules! per_algorithm {
    ($($finding:ident),* $(,)?) => {
        mod gost {
            $(#[test] fn $finding() { super::$finding(super::Algorithm::Gost2015_512) })*
        }
        mod rsa {
            $(#[test] fn $finding() { super::$finding(super::Algorithm::Rsa2048) })*
        }
    };
}

per_algorithm!(
    finding_01_a_partition_crl_does_not_cover_certificates_outside_its_scope,
    finding_02_a_delta_issued_after_t_does_not_erase_a_hold,
    finding_03_a_crl_from_a_revoked_crl_signer_revokes_nothing,
    finding_04_a_sibling_cas_end_entity_cannot_sign_the_cas_crls,
    finding_05_a_non_minimal_entry_serial_makes_the_crl_malformed,
    finding_05_a_certificate_with_a_padded_serial_is_never_found_not_revoked,
    finding_06_an_expired_or_revoked_copy_of_an_intermediate_does_not_hide_the_current_one,
    finding_07_the_newest_complete_crl_releases_an_older_hold,
    finding_10_an_expired_trust_anchor_is_cert_expired,
    finding_10_the_anchors_path_length_constraint_applies,
    finding_10_a_signer_that_is_a_trust_anchor_gets_every_signer_check,
    finding_13_a_complete_crl_without_a_number_or_with_a_critical_one_is_unusable,
);
