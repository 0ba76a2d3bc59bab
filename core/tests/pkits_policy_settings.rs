//! PKITS certificate-policy paths (sections 4.8-4.12) under settings other than the defaults that
//! `pkits.rs` runs: an initial policy set, initial-explicit-policy, initial-policy-mapping-inhibit
//! and initial-any-policy-inhibit, as `VerifyOptions::policy` takes them. A refusal must be
//! `chain_untrusted` with a policy detail; an acceptance must be `valid`.

use std::path::PathBuf;
use std::sync::Arc;

use qoltanba_core::{
    parse_time, Certificate, Crl, CrlSnapshot, KeyUsagePolicy, ObjectIdentifier, PolicyOptions,
    Reason, Status, Verdict, Verifier, VerifyOptions,
};

const POLICY_1: &str = "2.16.840.1.101.3.2.1.48.1";
const POLICY_2: &str = "2.16.840.1.101.3.2.1.48.2";
const POLICY_3: &str = "2.16.840.1.101.3.2.1.48.3";
const POLICY_6: &str = "2.16.840.1.101.3.2.1.48.6";

fn read(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/pkits")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn cert(name: &str) -> Arc<Certificate> {
    Arc::new(Certificate::from_der(&read(&format!("certs/{name}.crt"))).expect(name))
}

/// Verifies `ee` under `TrustAnchorRootCertificate` through `cas` (which also name the CRLs).
fn verify(cas: &[&str], ee: &str, policy: PolicyOptions) -> Verdict {
    let mut crls = vec![read("crls/TrustAnchorRootCRL.crl")];
    crls.extend(cas.iter().map(|ca| read(&format!("crls/{ca}CRL.crl"))));
    let crls = crls
        .into_iter()
        .map(|der| Arc::new(Crl::from_der(der, 100_000).expect("CRL")));
    let verifier = Verifier::new(
        vec![cert("TrustAnchorRootCertificate")],
        Vec::new(),
        CrlSnapshot::new(crls),
    )
    .expect("verifier")
    // The deployment's policy inputs, as `[trust]` sets them in the service.
    .with_policy(policy);
    let options = VerifyOptions {
        at: Some(parse_time("2020-06-01T12:00:00Z").expect("time")),
        key_usage: KeyUsagePolicy::Any,
        extra_intermediates: cas.iter().map(|ca| cert(&format!("{ca}Cert"))).collect(),
        ..VerifyOptions::default()
    };
    verifier.verify_certificate(&cert(ee), &options)
}

fn explicit(oids: &[&str]) -> PolicyOptions {
    PolicyOptions {
        initial_policy_set: (!oids.is_empty()).then(|| {
            oids.iter()
                .map(|o| ObjectIdentifier::new_unwrap(o))
                .collect()
        }),
        initial_explicit_policy: true,
        ..PolicyOptions::default()
    }
}

fn assert_valid(verdict: &Verdict) {
    assert_eq!(verdict.status, Status::Valid, "{}", verdict.message);
}

fn assert_policy_refusal(verdict: &Verdict) {
    assert_eq!(
        verdict.reason,
        Some(Reason::ChainUntrusted),
        "{}",
        verdict.message
    );
    assert!(
        verdict.message.contains("certificate policies"),
        "{}",
        verdict.message
    );
}

#[test]
fn no_policies_and_different_policies_fail_when_an_explicit_policy_is_required() {
    // 4.8.2: no certificate asserts a policy.
    let cas = ["NoPoliciesCA"];
    let ee = "AllCertificatesNoPoliciesTest2EE";
    assert_valid(&verify(&cas, ee, PolicyOptions::default()));
    assert_policy_refusal(&verify(&cas, ee, explicit(&[])));
    // 4.8.3: the subordinate CA asserts another policy than its issuer.
    let cas = ["GoodCA", "PoliciesP2subCA"];
    let ee = "DifferentPoliciesTest3EE";
    assert_valid(&verify(&cas, ee, PolicyOptions::default()));
    assert_policy_refusal(&verify(&cas, ee, explicit(&[])));
}

#[test]
fn the_initial_policy_set_selects_among_the_paths_policies() {
    // 4.8.6: overlapping policies narrow to NIST-test-policy-1.
    let cas = [
        "PoliciesP1234CA",
        "PoliciesP1234subCAP123",
        "PoliciesP1234subsubCAP123P12",
    ];
    let ee = "OverlappingPoliciesTest6EE";
    let verdict = verify(&cas, ee, PolicyOptions::default());
    assert_valid(&verdict);
    assert_eq!(verdict.evidence.policies, Some(vec![POLICY_1.to_string()]));
    assert_valid(&verify(&cas, ee, explicit(&[POLICY_1])));
    assert_policy_refusal(&verify(&cas, ee, explicit(&[POLICY_2])));
    // 4.8.10: every certificate asserts policies 1 and 2.
    let cas = ["PoliciesP12CA"];
    let ee = "AllCertificatesSamePoliciesTest10EE";
    assert_valid(&verify(&cas, ee, explicit(&[POLICY_1])));
    assert_valid(&verify(&cas, ee, explicit(&[POLICY_2])));
    assert_policy_refusal(&verify(&cas, ee, explicit(&[POLICY_3])));
}

#[test]
fn any_policy_throughout_accepts_whatever_the_caller_asks_for() {
    // 4.8.11: anyPolicy in every certificate.
    let cas = ["anyPolicyCA"];
    let ee = "AllCertificatesanyPolicyTest11EE";
    let verdict = verify(&cas, ee, PolicyOptions::default());
    assert_valid(&verdict);
    assert_eq!(
        verdict.evidence.policies,
        Some(vec!["2.5.29.32.0".to_string()])
    );
    assert_valid(&verify(&cas, ee, explicit(&[POLICY_1])));
    // 4.12.3: inhibitAnyPolicy allows one more certificate; the caller may inhibit it outright.
    let cas = ["inhibitAnyPolicy1CA", "inhibitAnyPolicy1subCA1"];
    let ee = "inhibitAnyPolicyTest3EE";
    assert_valid(&verify(&cas, ee, PolicyOptions::default()));
    let inhibited = PolicyOptions {
        initial_any_policy_inhibit: true,
        ..PolicyOptions::default()
    };
    assert_policy_refusal(&verify(&cas, ee, inhibited));
}

#[test]
fn mapped_policies_follow_the_issuer_domain_and_mapping_can_be_inhibited() {
    // 4.10.1: policy 1 mapped to policy 2, which the end certificate asserts.
    let cas = ["Mapping1to2CA"];
    let ee = "ValidPolicyMappingTest1EE";
    let verdict = verify(&cas, ee, PolicyOptions::default());
    assert_valid(&verdict);
    assert_eq!(verdict.evidence.policies, Some(vec![POLICY_2.to_string()]));
    assert_valid(&verify(&cas, ee, explicit(&[POLICY_1])));
    assert_policy_refusal(&verify(&cas, ee, explicit(&[POLICY_2])));
    let no_mapping = PolicyOptions {
        initial_policy_mapping_inhibit: true,
        ..explicit(&[])
    };
    assert_policy_refusal(&verify(&cas, ee, no_mapping));
    // 4.10.5: policy 1 mapped to policies 2, 3 and 4.
    let cas = ["P1Mapping1to234CA", "P1Mapping1to234subCA"];
    let ee = "ValidPolicyMappingTest5EE";
    assert_valid(&verify(&cas, ee, explicit(&[POLICY_1])));
    assert_policy_refusal(&verify(&cas, ee, explicit(&[POLICY_6])));
}
