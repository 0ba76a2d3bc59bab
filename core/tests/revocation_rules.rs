//! Revocation rules of CONTRACT.md §3 (RFC 5280 §5, §6.3), each against CRLs built for it: the
//! findings of issue 16 that made a revoked certificate come back `valid` (or a usable CRL
//! count as none), plus the rules around them.

mod crl_pki;

use crl_pki::*;
use qoltanba_core::{Crl, Reason, Status};
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, Reasons};
use x509_cert::ext::pkix::name::DistributionPointName;
use x509_cert::name::RelativeDistinguishedName;

const UNKNOWN: (Status, Option<Reason>) = (Status::Indeterminate, Some(Reason::RevocationUnknown));
const REVOKED: (Status, Option<Reason>) = (Status::Invalid, Some(Reason::CertRevoked));
const VALID: (Status, Option<Reason>) = (Status::Valid, None);

fn expect(got: (Status, Option<Reason>, String), want: (Status, Option<Reason>)) {
    assert_verdict(&got, want.0, want.1);
}

// ---- Finding 1: CRL scope (issuing distribution point vs the certificate's points) ----

#[test]
fn a_partition_crl_does_not_cover_a_certificate_without_distribution_points() {
    let root = Holder::root("Scope Root");
    let ee = root.ee("No DP", 10, None);
    let mut crl = root.crl();
    crl.idp = Some(idp(vec![uri("http://crl.example/part1.crl")]));
    expect(judge(&root, &[], vec![crl.build()], &ee), UNKNOWN);
    // Named by the issuer's DN, the partition is the issuer's own: it covers the certificate.
    crl.idp = Some(idp(vec![dir(&root.name)]));
    expect(judge(&root, &[], vec![crl.build()], &ee), VALID);
}

#[test]
fn a_partition_crl_does_not_cover_a_certificate_naming_another_point() {
    let root = Holder::root("Scope Root");
    let by_dir = root.ee("Dir DP", 11, Some(vec![point(vec![dir(&cn_name("CRL2"))])]));
    let by_uri = root.ee("URI DP", 12, Some(vec![point(vec![uri("http://b/2.crl")])]));
    let mut crl = root.crl();
    crl.idp = Some(idp(vec![uri("http://b/1.crl"), dir(&cn_name("CRL1"))]));
    expect(judge(&root, &[], vec![crl.build()], &by_dir), UNKNOWN);
    expect(judge(&root, &[], vec![crl.build()], &by_uri), UNKNOWN);
    // The same partition, named as the certificates name it, covers them (and its entries count).
    crl.idp = Some(idp(vec![dir(&cn_name("CRL2")), uri("http://b/2.crl")]));
    crl.entries = vec![entry(&by_dir.cert, day("2026-04-01"), Some(KEY_COMPROMISE))];
    expect(judge(&root, &[], vec![crl.build()], &by_dir), REVOKED);
    expect(judge(&root, &[], vec![crl.build()], &by_uri), VALID);
}

#[test]
fn name_relative_to_the_crl_issuer_is_the_issuer_dn_plus_the_rdn() {
    let root = Holder::root("Relative Root");
    let rdn: RelativeDistinguishedName =
        "CN=part 7".parse::<x509_cert::name::Name>().unwrap().0[0].clone();
    let relative = DistributionPoint {
        distribution_point: Some(DistributionPointName::NameRelativeToCRLIssuer(rdn.clone())),
        reasons: None,
        crl_issuer: None,
    };
    let ee = root.ee("Relative", 13, Some(vec![relative]));
    let mut full = root.name.clone();
    full.0.push(rdn);
    let mut crl = root.crl();
    crl.entries = vec![entry(&ee.cert, day("2026-04-01"), None)];
    crl.idp = Some(idp(vec![dir(&full)]));
    expect(judge(&root, &[], vec![crl.build()], &ee), REVOKED);
    crl.idp = Some(idp(vec![dir(&cn_name("part 7"))]));
    expect(judge(&root, &[], vec![crl.build()], &ee), UNKNOWN);
}

#[test]
fn only_contains_user_or_ca_certs_limit_the_scope() {
    let root = Holder::root("Kinds Root");
    let ee = root.ee("User", 14, None);
    let mut crl = root.crl();
    let mut scope = no_idp_name();
    scope.only_contains_ca_certs = true;
    crl.idp = Some(scope.clone());
    expect(judge(&root, &[], vec![crl.build()], &ee), UNKNOWN);
    scope.only_contains_ca_certs = false;
    scope.only_contains_user_certs = true;
    crl.idp = Some(scope);
    expect(judge(&root, &[], vec![crl.build()], &ee), VALID);
}

fn some_reasons(reasons: &[Reasons]) -> x509_cert::ext::pkix::crl::dp::ReasonFlags {
    reasons.iter().fold(Default::default(), |set, r| set | *r)
}

#[test]
fn reason_partitions_must_together_cover_every_reason() {
    let root = Holder::root("Reasons Root");
    let ee = root.ee("Partitioned", 15, None);
    let key_reasons = some_reasons(&[Reasons::KeyCompromise, Reasons::CaCompromise]);
    let other_reasons = some_reasons(&[
        Reasons::AffiliationChanged,
        Reasons::Superseded,
        Reasons::CessationOfOperation,
        Reasons::CertificateHold,
        Reasons::PrivilegeWithdrawn,
        Reasons::AaCompromise,
    ]);
    let partition = |reasons, number| {
        let mut crl = root.crl();
        let mut scope = no_idp_name();
        scope.only_some_reasons = Some(reasons);
        crl.idp = Some(scope);
        crl.number = Some(number);
        crl
    };
    let keys = partition(key_reasons, 1);
    let others = partition(other_reasons, 2);
    expect(judge(&root, &[], vec![keys.build()], &ee), UNKNOWN);
    expect(
        judge(&root, &[], vec![keys.build(), others.build()], &ee),
        VALID,
    );
    let mut revoking = partition(other_reasons, 2);
    revoking.entries = vec![entry(&ee.cert, day("2026-04-01"), Some(4))];
    expect(
        judge(&root, &[], vec![keys.build(), revoking.build()], &ee),
        REVOKED,
    );
    // The certificate's own point may limit the reasons too: only keyCompromise from this
    // point, so the complete CRL of another point must cover the rest.
    let limited = DistributionPoint {
        reasons: Some(some_reasons(&[Reasons::KeyCompromise])),
        ..point(vec![uri("http://r/keys.crl")])
    };
    let ee2 = root.ee("Point reasons", 16, Some(vec![limited]));
    let mut crl = root.crl();
    crl.idp = Some(idp(vec![uri("http://r/keys.crl")]));
    expect(judge(&root, &[], vec![crl.build()], &ee2), UNKNOWN);
}

// ---- Finding 2: indirect CRLs ----

/// Root → CA1 (publishes an indirect CRL) and CA2 (its certificates point to CA1's CRL).
struct Indirect {
    root: Holder,
    ca1: Holder,
    ca2: Holder,
    ee: Holder,
}

impl Indirect {
    fn new() -> Self {
        let root = Holder::root("Indirect Root");
        let ca1 = root.ca("Indirect CA1");
        let ca2 = root.ca("Indirect CA2");
        let via_ca1 = DistributionPoint {
            distribution_point: None,
            reasons: None,
            crl_issuer: Some(vec![dir(&ca1.name)]),
        };
        let ee = ca2.ee("Indirect EE", 77, Some(vec![via_ca1]));
        Indirect { root, ca1, ca2, ee }
    }

    fn indirect_crl(&self, entries: Vec<EntrySpec>) -> Crl {
        let mut crl = self.ca1.crl();
        let mut scope = idp(vec![dir(&self.ca1.name)]);
        scope.indirect_crl = true;
        crl.idp = Some(scope);
        crl.entries = entries;
        Crl::clone(&crl.build())
    }

    fn judge(&self, indirect: Crl) -> (Status, Option<Reason>, String) {
        let root_crl = self.root.crl().build();
        judge(
            &self.root,
            &[&self.ca1, &self.ca2],
            vec![root_crl, std::sync::Arc::new(indirect)],
            &self.ee,
        )
    }
}

#[test]
fn an_indirect_crl_named_by_crl_issuer_decides() {
    let pki = Indirect::new();
    expect(pki.judge(pki.indirect_crl(Vec::new())), VALID);
    let revoked = EntrySpec {
        certificate_issuer: Some(pki.ca2.name.clone()),
        ..entry(&pki.ee.cert, day("2026-04-01"), Some(KEY_COMPROMISE))
    };
    expect(pki.judge(pki.indirect_crl(vec![revoked])), REVOKED);
}

#[test]
fn certificate_issuer_carries_over_to_the_following_entries() {
    let pki = Indirect::new();
    let first = EntrySpec {
        serial: vec![0x05],
        certificate_issuer: Some(pki.ca2.name.clone()),
        ..entry(&pki.ee.cert, day("2026-04-01"), None)
    };
    // No certificateIssuer: still CA2's, as the entry before it says.
    let second = entry(&pki.ee.cert, day("2026-04-01"), Some(KEY_COMPROMISE));
    expect(pki.judge(pki.indirect_crl(vec![first, second])), REVOKED);

    // The same serial under CA1's own name is another certificate.
    let ca1_own = EntrySpec {
        certificate_issuer: Some(pki.ca1.name.clone()),
        ..entry(&pki.ee.cert, day("2026-04-01"), Some(KEY_COMPROMISE))
    };
    let other = EntrySpec {
        serial: vec![0x05],
        certificate_issuer: Some(pki.ca2.name.clone()),
        ..entry(&pki.ee.cert, day("2026-04-01"), None)
    };
    expect(pki.judge(pki.indirect_crl(vec![ca1_own, other])), VALID);
}

#[test]
fn a_crl_issuer_point_needs_an_indirect_crl() {
    let pki = Indirect::new();
    let mut crl = pki.ca1.crl();
    crl.idp = Some(idp(vec![dir(&pki.ca1.name)]));
    expect(pki.judge(Crl::clone(&crl.build())), UNKNOWN);
}

// ---- Findings 3 and 7: holds, deltas, several complete CRLs ----

fn held<'a>(root: &'a Holder, ee: &Holder) -> CrlSpec<'a> {
    let mut crl = root.crl();
    crl.entries = vec![entry(&ee.cert, day("2026-04-15"), Some(CERTIFICATE_HOLD))];
    crl
}

#[test]
fn a_delta_issued_after_t_does_not_lift_a_hold_in_force_at_t() {
    let root = Holder::root("Hold Root");
    let ee = root.ee("Held", 20, None);
    let base = held(&root, &ee);
    let mut delta = root.crl();
    delta.number = Some(2);
    delta.delta_base = Some(1);
    delta.this_update = day("2026-06-10");
    delta.next_update = Some(day("2026-06-20"));
    delta.entries = vec![entry(&ee.cert, day("2026-06-09"), Some(REMOVE_FROM_CRL))];
    expect(
        judge(&root, &[], vec![base.build(), delta.build()], &ee),
        REVOKED,
    );
    // Issued before T, the same delta releases the hold.
    delta.this_update = day("2026-05-20");
    delta.entries = vec![entry(&ee.cert, day("2026-05-19"), Some(REMOVE_FROM_CRL))];
    expect(
        judge(&root, &[], vec![base.build(), delta.build()], &ee),
        VALID,
    );
    // A delta that updates another base (BaseCRLNumber above this base's number) is not used.
    delta.delta_base = Some(5);
    delta.number = Some(6);
    expect(
        judge(&root, &[], vec![base.build(), delta.build()], &ee),
        REVOKED,
    );
}

#[test]
fn a_later_complete_crl_cannot_lift_a_hold_in_force_at_t_but_may_add_a_revocation() {
    let root = Holder::root("Later Root");
    let ee = root.ee("Held", 21, None);
    let current = held(&root, &ee);
    let mut later = root.crl();
    later.number = Some(2);
    later.this_update = day("2026-06-15");
    later.next_update = Some(day("2026-07-15"));
    expect(
        judge(&root, &[], vec![current.build(), later.build()], &ee),
        REVOKED,
    );
    // A later CRL adding a revocation dated before T proves it; one dated after T does not.
    let clean = root.crl();
    later.entries = vec![entry(&ee.cert, day("2026-05-25"), Some(KEY_COMPROMISE))];
    expect(
        judge(&root, &[], vec![clean.build(), later.build()], &ee),
        REVOKED,
    );
    later.entries = vec![entry(&ee.cert, day("2026-06-05"), Some(KEY_COMPROMISE))];
    expect(
        judge(&root, &[], vec![clean.build(), later.build()], &ee),
        VALID,
    );
}

#[test]
fn the_newest_current_complete_crl_releases_an_older_hold() {
    let root = Holder::root("Newest Root");
    let ee = root.ee("Released", 22, None);
    let older = held(&root, &ee);
    let mut newer = root.crl();
    newer.number = Some(2);
    newer.this_update = day("2026-05-20");
    expect(
        judge(&root, &[], vec![older.build(), newer.build()], &ee),
        VALID,
    );
    // Order in the snapshot does not matter; the CRL number does.
    expect(
        judge(&root, &[], vec![newer.build(), older.build()], &ee),
        VALID,
    );
    // A hold placed by the newer CRL stands.
    let mut older_clean = root.crl();
    older_clean.number = Some(1);
    let mut newer_held = held(&root, &ee);
    newer_held.number = Some(2);
    newer_held.this_update = day("2026-05-20");
    expect(
        judge(
            &root,
            &[],
            vec![older_clean.build(), newer_held.build()],
            &ee,
        ),
        REVOKED,
    );
}

// ---- Findings 4 and 5 (CRL signers) ----

/// Root → CA (certificate signing key) and a separate CRL-signing certificate with the CA's
/// name, issued by the root (as in PKITS 4.4.19).
fn separate_signer_pki(signer_usages: &[rcgen::KeyUsagePurpose]) -> (Holder, Holder, Holder) {
    let root = Holder::root("Signer Root");
    let ca = root.ca("Split CA");
    let mut params = ee_params("Split CA", 900);
    params.key_usages = signer_usages.to_vec();
    let signer = root.issue(params);
    (root, ca, signer)
}

#[test]
fn a_crl_from_a_revoked_crl_signer_is_unusable_and_revokes_nothing() {
    let (root, ca, signer) = separate_signer_pki(&[rcgen::KeyUsagePurpose::CrlSign]);
    let ee = ca.ee("Split EE", 30, None);
    let mut ca_crl = CrlSpec::new(ca.name.clone(), &signer.key);
    ca_crl.aki = Some(signer.ski());
    ca_crl.entries = vec![entry(&ee.cert, day("2026-04-01"), Some(KEY_COMPROMISE))];
    let clean_root = root.crl();
    expect(
        judge(
            &root,
            &[&ca, &signer],
            vec![clean_root.build(), ca_crl.build()],
            &ee,
        ),
        REVOKED,
    );
    let mut revoking_root = root.crl();
    revoking_root.entries = vec![entry(&signer.cert, day("2026-03-01"), Some(KEY_COMPROMISE))];
    expect(
        judge(
            &root,
            &[&ca, &signer],
            vec![revoking_root.build(), ca_crl.build()],
            &ee,
        ),
        UNKNOWN,
    );
}

#[test]
fn a_crl_signer_needs_key_usage_with_crl_sign() {
    for usages in [vec![], vec![rcgen::KeyUsagePurpose::DigitalSignature]] {
        let (root, ca, signer) = separate_signer_pki(&usages);
        let ee = ca.ee("Split EE", 31, None);
        let mut ca_crl = CrlSpec::new(ca.name.clone(), &signer.key);
        ca_crl.aki = Some(signer.ski());
        let got = judge(
            &root,
            &[&ca, &signer],
            vec![root.crl().build(), ca_crl.build()],
            &ee,
        );
        expect(got, UNKNOWN);
    }
}

#[test]
fn a_sibling_cas_end_entity_named_like_the_ca_cannot_sign_its_crls() {
    let root = Holder::root("Sibling Root");
    let ca1 = root.ca("Sibling CA1");
    let ca2 = root.ca("Sibling CA2");
    let ee1 = ca1.ee("Victim", 40, None);
    // CA2 issued an end-entity certificate whose subject is CA1's name, without key usage.
    let mut params = ee_params("Sibling CA1", 41);
    params.key_usages = Vec::new();
    let impostor = ca2.issue(params);
    let mut forged = CrlSpec::new(ca1.name.clone(), &impostor.key);
    forged.aki = Some(impostor.ski());
    forged.number = Some(99);
    let crls = vec![root.crl().build(), ca2.crl().build(), forged.build()];
    expect(judge(&root, &[&ca1, &ca2, &impostor], crls, &ee1), UNKNOWN);
}

// ---- Finding 6: encodings ----

#[test]
fn a_non_minimal_entry_serial_makes_the_crl_malformed() {
    let root = Holder::root("Encoding Root");
    let ee = root.ee("Padded", 0x42, None);
    let mut crl = root.crl();
    let mut padded = vec![0x00];
    padded.extend_from_slice(&ee.cert.serial);
    crl.entries = vec![EntrySpec {
        serial: padded,
        ..entry(&ee.cert, day("2026-04-01"), None)
    }];
    assert!(Crl::from_der(crl.der(), 1000).is_err());
    // Negative serials: 0xFF7F (-129) is minimal, 0xFF80 (-128, which is 0x80) is not.
    crl.entries[0].serial = vec![0xFF, 0x7F];
    assert!(Crl::from_der(crl.der(), 1000).is_ok());
    crl.entries[0].serial = vec![0xFF, 0x80];
    assert!(Crl::from_der(crl.der(), 1000).is_err());
    crl.entries[0].serial = Vec::new();
    assert!(Crl::from_der(crl.der(), 1000).is_err());
}

#[test]
fn a_certificate_with_a_padded_serial_is_never_found_not_revoked() {
    let root = Holder::root("Padded Root");
    let ee = root.ee("Padded cert", 0x42, None);
    let padded = root.reissue_with_serial(&ee, &[0x00, 0x42]);
    assert_eq!(
        padded.serial,
        [0x00, 0x42],
        "the test needs the padding kept"
    );
    let mut crl = root.crl();
    crl.entries = vec![EntrySpec {
        serial: vec![0x42],
        ..entry(&ee.cert, day("2026-04-01"), Some(KEY_COMPROMISE))
    }];
    let got = judge_cert(&root, &[], vec![crl.build()], &padded, t());
    assert_ne!(got.0, Status::Valid, "{}", got.2);
}

#[test]
fn an_invalid_reason_code_makes_the_crl_malformed() {
    let root = Holder::root("Reason Root");
    let ee = root.ee("Odd reason", 43, None);
    let mut crl = root.crl();
    crl.entries = vec![entry(&ee.cert, day("2026-04-01"), Some(7))];
    assert!(Crl::from_der(crl.der(), 1000).is_err());
}

// ---- Finding 13: CRL numbers ----

#[test]
fn a_complete_crl_without_a_number_or_with_a_critical_one_is_unusable() {
    let root = Holder::root("Number Root");
    let ee = root.ee("Numbered", 50, None);
    let mut crl = root.crl();
    crl.number = None;
    expect(judge(&root, &[], vec![crl.build()], &ee), UNKNOWN);
    crl.number = Some(3);
    crl.number_critical = true;
    expect(judge(&root, &[], vec![crl.build()], &ee), UNKNOWN);
    crl.number_critical = false;
    expect(judge(&root, &[], vec![crl.build()], &ee), VALID);
}

// ---- The usability window (CONTRACT.md §3 (a), (b)) ----

#[test]
fn a_crl_is_usable_when_current_or_issued_later_while_the_certificate_was_valid() {
    let root = Holder::root("Window Root");
    let ee = root.ee("Windowed", 60, None);
    let mut crl = root.crl();
    // (b): issued after T, before the certificate expired (2028-01-01).
    crl.this_update = day("2027-01-01");
    crl.next_update = Some(day("2027-02-01"));
    expect(judge(&root, &[], vec![crl.build()], &ee), VALID);
    crl.entries = vec![entry(&ee.cert, day("2026-05-01"), Some(KEY_COMPROMISE))];
    expect(judge(&root, &[], vec![crl.build()], &ee), REVOKED);
    // An entry dated after T does not revoke at T.
    crl.entries = vec![entry(&ee.cert, day("2026-12-01"), Some(KEY_COMPROMISE))];
    expect(judge(&root, &[], vec![crl.build()], &ee), VALID);
    // Issued after the certificate expired: proves nothing.
    crl.this_update = day("2028-02-01");
    crl.next_update = Some(day("2028-03-01"));
    crl.entries.clear();
    expect(judge(&root, &[], vec![crl.build()], &ee), UNKNOWN);
    // Stale at T: nextUpdate passed.
    crl.this_update = day("2026-04-01");
    crl.next_update = Some(day("2026-05-01"));
    expect(judge(&root, &[], vec![crl.build()], &ee), UNKNOWN);
    // nextUpdate exactly at T: no longer current.
    crl.next_update = Some(t());
    expect(judge(&root, &[], vec![crl.build()], &ee), UNKNOWN);
}

#[test]
fn a_crl_without_next_update_is_current_for_a_bounded_age_only() {
    let root = Holder::root("Open-ended Root");
    let ee = root.ee("Open-ended", 61, None);
    let mut crl = root.crl();
    crl.next_update = None;
    crl.this_update = t() - time::Duration::days(3);
    expect(judge(&root, &[], vec![crl.build()], &ee), VALID);
    crl.entries = vec![entry(&ee.cert, day("2026-05-01"), Some(KEY_COMPROMISE))];
    expect(judge(&root, &[], vec![crl.build()], &ee), REVOKED);
    // A copy older than the bound proves nothing any more: it might predate a revocation.
    crl.entries.clear();
    crl.this_update = t() - qoltanba_core::MAX_AGE_WITHOUT_NEXT_UPDATE - time::Duration::seconds(1);
    let (status, reason, detail) = judge(&root, &[], vec![crl.build()], &ee);
    assert!(detail.contains("no nextUpdate"), "{detail}");
    expect((status, reason, detail), UNKNOWN);
    crl.this_update = t() - qoltanba_core::MAX_AGE_WITHOUT_NEXT_UPDATE;
    expect(judge(&root, &[], vec![crl.build()], &ee), VALID);
}

// ---- Finding 5: CRL admission (the live store) applies the same signer rule ----

#[test]
fn admission_accepts_only_crl_signers_the_verifier_would_use() {
    use qoltanba_core::{CrlSnapshot, Verifier};
    use rcgen::KeyUsagePurpose::{CrlSign, KeyCertSign};
    // Admission judges at the time it runs: certificates valid for long.
    let long = |mut params: rcgen::CertificateParams| {
        params.not_after = day("2099-01-01");
        params
    };
    let ca = |cn| long(ca_params(cn, &[KeyCertSign, CrlSign]));
    let root = Holder::self_signed(ca("Admission Root"));
    let ca1 = root.issue(ca("Admission CA1"));
    let ca2 = root.issue(ca("Admission CA2"));
    let mut params = long(ee_params("Admission CA1", 60));
    params.key_usages = Vec::new();
    let impostor = ca2.issue(params);
    let mut params = long(ee_params("Admission CA1", 61));
    params.key_usages = vec![CrlSign];
    let separate = root.issue(params);
    let cas: Vec<_> = [&root, &ca1, &ca2, &impostor, &separate]
        .iter()
        .map(|h| h.cert.clone())
        .collect();
    let signed_by = |holder: &Holder| {
        let mut crl = CrlSpec::new(ca1.name.clone(), &holder.key);
        crl.aki = Some(holder.ski());
        crl.build()
    };
    let verifier = |held: Vec<std::sync::Arc<Crl>>| {
        Verifier::new(
            vec![root.cert.clone()],
            vec![ca1.cert.clone(), ca2.cert.clone()],
            CrlSnapshot::new(held),
        )
        .unwrap()
    };
    let plain = verifier(Vec::new());
    let own = plain.crl_signer(&ca1.crl().build(), &cas).unwrap();
    assert_eq!(own.fingerprint, ca1.cert.fingerprint);
    let e = plain.crl_signer(&signed_by(&impostor), &cas).unwrap_err();
    assert_eq!(e.code(), "unusable_signer", "{e}");
    let accepted = plain.crl_signer(&signed_by(&separate), &cas).unwrap();
    assert_eq!(accepted.fingerprint, separate.cert.fingerprint);
    // Once the root's CRL held by the verifier revokes the separate signer, its CRLs are refused.
    let mut revoking = root.crl();
    revoking.this_update = day("2025-06-01");
    revoking.next_update = Some(day("2098-12-01"));
    revoking.entries = vec![entry(
        &separate.cert,
        day("2025-05-01"),
        Some(KEY_COMPROMISE),
    )];
    let informed = verifier(vec![revoking.build()]);
    let e = informed
        .crl_signer(&signed_by(&separate), &cas)
        .unwrap_err();
    assert_eq!(e.code(), "unusable_signer", "{e}");
}

#[test]
fn the_search_for_a_crl_signer_is_bounded() {
    let (root, ca, _) = separate_signer_pki(&[rcgen::KeyUsagePurpose::CrlSign]);
    let ee = ca.ee("Bounded EE", 70, None);
    // Twenty certificates named like the CA, with cRLSign, none holding the CRL's key.
    let decoys: Vec<Holder> = (0..20)
        .map(|i| {
            let mut params = ee_params("Split CA", 1000 + i);
            params.key_usages = vec![rcgen::KeyUsagePurpose::CrlSign];
            root.issue(params)
        })
        .collect();
    let stranger = rcgen::KeyPair::generate().unwrap();
    let forged = CrlSpec::new(ca.name.clone(), &stranger);
    let mut intermediates: Vec<&Holder> = decoys.iter().collect();
    intermediates.push(&ca);
    let got = judge(
        &root,
        &intermediates,
        vec![root.crl().build(), forged.build()],
        &ee,
    );
    assert!(got.2.contains("gave up after"), "{}", got.2);
    expect(got, UNKNOWN);
}
