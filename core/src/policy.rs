//! Certificate policies (RFC 5280 §6.1.2-§6.1.5) as a policy graph (RFC 9618).
//!
//! RFC 5280's valid_policy_tree duplicates a node for every parent it could hang under, which a
//! crafted path of policy mappings turns into exponential work. The graph keeps one node per
//! (depth, policy) with all its parents, and decides exactly what the tree decides: at each depth
//! the set of policies the path so far supports (and whether anyPolicy still does), the expected
//! policies a node's children may assert (changed by policy mappings), and at the end the
//! intersection with the caller's initial policy set. Policy qualifiers are ignored, as §6.1
//! allows for a verifier that does not show them.

use const_oid::ObjectIdentifier;

/// anyPolicy (RFC 5280 §4.2.1.4).
pub const ANY_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.32.0");

/// The caller's inputs of §6.1.1 (c), (e), (f), (g).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyOptions {
    /// user-initial-policy-set; `None` is {anyPolicy}, the default.
    pub initial_policy_set: Option<Vec<ObjectIdentifier>>,
    /// initial-explicit-policy: the path must be valid for at least one policy of the set.
    pub initial_explicit_policy: bool,
    /// initial-policy-mapping-inhibit: policy mappings are not allowed anywhere in the path.
    pub initial_policy_mapping_inhibit: bool,
    /// initial-any-policy-inhibit: anyPolicy in a certificate is not taken to match every policy.
    pub initial_any_policy_inhibit: bool,
}

/// What one certificate says about policies (§4.2.1.4, .5, .11, .14).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyExtensions {
    /// certificatePolicies; `None` when the extension is absent.
    pub policies: Option<Vec<ObjectIdentifier>>,
    /// policyMappings: (issuerDomainPolicy, subjectDomainPolicy).
    pub mappings: Vec<(ObjectIdentifier, ObjectIdentifier)>,
    pub require_explicit_policy: Option<u32>,
    pub inhibit_policy_mapping: Option<u32>,
    pub inhibit_any_policy: Option<u32>,
}

impl PolicyExtensions {
    /// Whether the certificate carries anything beyond a plain certificatePolicies.
    fn constrains(&self) -> bool {
        !self.mappings.is_empty()
            || self.require_explicit_policy.is_some()
            || self.inhibit_policy_mapping.is_some()
            || self.inhibit_any_policy.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("certificate {depth} of the path: no valid policy remains and an explicit policy is required")]
    ExplicitPolicyRequired { depth: usize },
    #[error(
        "the path is valid for none of the acceptable policies, and an explicit policy is required"
    )]
    NoAcceptablePolicy,
    #[error("certificate {depth} of the path maps a policy to or from anyPolicy")]
    AnyPolicyMapped { depth: usize },
    #[error("processing the path's policies would take more than {0} steps (limit)")]
    TooComplex(usize),
}

impl PolicyError {
    /// The error as a phrase (its `Display` is this phrase in English).
    pub fn phrase(&self) -> crate::phrase::Phrase {
        use crate::phrase::{Phrase, PhraseKey};
        match self {
            PolicyError::ExplicitPolicyRequired { depth } => {
                Phrase::new(PhraseKey::ExplicitPolicyRequired).text("depth", depth.to_string())
            }
            PolicyError::NoAcceptablePolicy => Phrase::new(PhraseKey::NoAcceptablePolicy),
            PolicyError::AnyPolicyMapped { depth } => {
                Phrase::new(PhraseKey::AnyPolicyMapped).text("depth", depth.to_string())
            }
            PolicyError::TooComplex(limit) => {
                Phrase::new(PhraseKey::PoliciesTooComplex).text("limit", limit.to_string())
            }
        }
    }
}

/// Steps (node comparisons) allowed for one path: real paths take a few dozen; a crafted one with
/// thousands of policies and mappings per certificate is refused instead of stalling the verifier.
pub const MAX_POLICY_STEPS: usize = 1 << 20;

/// Counts the work of one path's policy processing.
struct Steps(usize);

impl Steps {
    fn spend(&mut self, n: usize) -> Result<(), PolicyError> {
        self.0 = self.0.saturating_add(n);
        if self.0 > MAX_POLICY_STEPS {
            return Err(PolicyError::TooComplex(MAX_POLICY_STEPS));
        }
        Ok(())
    }
}

/// The outcome of policy processing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidPolicies {
    /// The authorities-constrained policy set: the policies (in the end certificate's domain) the
    /// path is valid for, anyPolicy included when the whole path allows any policy.
    pub authorities: Vec<ObjectIdentifier>,
    /// The user-constrained policy set: `authorities` intersected with the initial policy set;
    /// `None` when that set is anyPolicy (the user set is then `authorities` itself).
    pub user: Option<Vec<ObjectIdentifier>>,
}

impl ValidPolicies {
    /// The user-constrained policy set.
    pub fn user(&self) -> &[ObjectIdentifier] {
        self.user.as_deref().unwrap_or(&self.authorities)
    }
}

#[derive(Debug)]
enum Expected {
    /// {valid_policy}: the node was not mapped.
    Itself,
    /// Set by a policy mapping (§6.1.4 (b)(1)).
    Mapped(Vec<ObjectIdentifier>),
}

#[derive(Debug)]
struct Node {
    policy: ObjectIdentifier,
    expected: Expected,
    /// Indices of the parents in the previous level (never the anyPolicy node).
    parents: Vec<usize>,
    /// The node hangs under the previous level's anyPolicy node.
    parent_any: bool,
}

impl Node {
    fn expects(&self, policy: &ObjectIdentifier) -> bool {
        match &self.expected {
            Expected::Itself => self.policy == *policy,
            Expected::Mapped(set) => set.contains(policy),
        }
    }

    fn expected(&self) -> &[ObjectIdentifier] {
        match &self.expected {
            Expected::Itself => std::slice::from_ref(&self.policy),
            Expected::Mapped(set) => set,
        }
    }
}

/// One depth of the graph: its policy nodes and whether the anyPolicy node is there.
#[derive(Debug, Default)]
struct Level {
    nodes: Vec<Node>,
    any: bool,
}

impl Level {
    fn is_empty(&self) -> bool {
        self.nodes.is_empty() && !self.any
    }

    fn find(&self, policy: &ObjectIdentifier) -> Option<usize> {
        self.nodes.iter().position(|n| n.policy == *policy)
    }
}

/// Processes the certificates of a path, from the one the trust anchor issued (§6.1's
/// certificate 1) to the end certificate (certificate n), each with whether it is self-issued.
pub fn process<'a>(
    certs: impl ExactSizeIterator<Item = (&'a PolicyExtensions, bool)> + Clone,
    options: &PolicyOptions,
) -> Result<ValidPolicies, PolicyError> {
    // The common path (NCA hierarchies: a policy or two per certificate, no mappings or policy
    // constraints) under the default inputs needs no graph.
    let simple = |(ext, _): (&PolicyExtensions, bool)| {
        !ext.constrains()
            && ext
                .policies
                .as_ref()
                .is_none_or(|p| p.len() <= SIMPLE_MAX_POLICIES)
    };
    if *options == PolicyOptions::default() && certs.clone().all(simple) {
        return Ok(process_simple(certs.map(|(ext, _)| ext)));
    }
    process_graph(certs, options)
}

/// Certificates with more policies than this go through the graph, whose work is counted.
const SIMPLE_MAX_POLICIES: usize = 16;

/// The outcome of the graph for a path without policyMappings, policyConstraints and
/// inhibitAnyPolicy, under the default inputs. Without mappings every node expects its own policy,
/// so a level is a set of policies plus whether the anyPolicy node is there; anyPolicy is never
/// inhibited (inhibit_anyPolicy starts at n + 1 and only loses one per certificate) and no
/// explicit policy is ever required, so the path is always accepted.
fn process_simple<'a>(certs: impl Iterator<Item = &'a PolicyExtensions>) -> ValidPolicies {
    let mut set: Vec<ObjectIdentifier> = Vec::new();
    let mut any = true;
    for ext in certs {
        // §6.1.3 (e): no certificatePolicies, no valid policy from here on.
        let Some(policies) = &ext.policies else {
            return ValidPolicies::default();
        };
        let cert_any = policies.contains(&ANY_POLICY);
        // (d)(1): the certificate's policies the previous level supports, in the certificate's
        // order; (d)(2): with anyPolicy, every policy of the previous level too.
        let mut next: Vec<ObjectIdentifier> = policies
            .iter()
            .filter(|p| **p != ANY_POLICY && (any || set.contains(p)))
            .copied()
            .collect();
        if cert_any {
            for p in &set {
                if !next.contains(p) {
                    next.push(*p);
                }
            }
        }
        any = any && cert_any;
        set = next;
        if set.is_empty() && !any {
            return ValidPolicies::default();
        }
    }
    if any {
        set.push(ANY_POLICY);
    }
    ValidPolicies {
        authorities: set,
        user: None,
    }
}

/// RFC 5280 §6.1.2-§6.1.5 on the policy graph.
fn process_graph<'a>(
    certs: impl ExactSizeIterator<Item = (&'a PolicyExtensions, bool)>,
    options: &PolicyOptions,
) -> Result<ValidPolicies, PolicyError> {
    let n = certs.len();
    let mut steps = Steps(0);
    let start = |inhibited: bool| if inhibited { 0 } else { n + 1 };
    // §6.1.2 (d), (e), (f).
    let mut explicit_policy = start(options.initial_explicit_policy);
    let mut inhibit_any_policy = start(options.initial_any_policy_inhibit);
    let mut policy_mapping = start(options.initial_policy_mapping_inhibit);

    // Depth 0: the root anyPolicy node (§6.1.2 (a)).
    let mut levels: Vec<Level> = Vec::with_capacity(n + 1);
    levels.push(Level {
        nodes: Vec::new(),
        any: true,
    });
    for (index, (ext, self_issued)) in certs.enumerate() {
        let depth = index + 1;
        let last = depth == n;
        let previous = levels.last().expect("depth 0 is always there");
        // §6.1.3 (d), (e).
        let mut level = match &ext.policies {
            Some(policies) if !previous.is_empty() => {
                let any_allowed = inhibit_any_policy > 0 || (!last && self_issued);
                next_level(previous, policies, any_allowed, &mut steps)?
            }
            _ => Level::default(),
        };
        // §6.1.3 (f).
        if explicit_policy == 0 && level.is_empty() {
            return Err(PolicyError::ExplicitPolicyRequired { depth });
        }
        if !last {
            // §6.1.4 (a), (b).
            if ext
                .mappings
                .iter()
                .any(|(from, to)| *from == ANY_POLICY || *to == ANY_POLICY)
            {
                return Err(PolicyError::AnyPolicyMapped { depth });
            }
            apply_mappings(&mut level, &ext.mappings, policy_mapping > 0, &mut steps)?;
            // §6.1.4 (h), (i), (j).
            if !self_issued {
                explicit_policy = explicit_policy.saturating_sub(1);
                policy_mapping = policy_mapping.saturating_sub(1);
                inhibit_any_policy = inhibit_any_policy.saturating_sub(1);
            }
            if ext.constrains() {
                let lower = |counter: &mut usize, to: Option<u32>| {
                    if let Some(to) = to {
                        *counter = (*counter).min(to as usize);
                    }
                };
                lower(&mut explicit_policy, ext.require_explicit_policy);
                lower(&mut policy_mapping, ext.inhibit_policy_mapping);
                lower(&mut inhibit_any_policy, ext.inhibit_any_policy);
            }
        } else {
            // §6.1.5 (a), (b).
            explicit_policy = explicit_policy.saturating_sub(1);
            if ext.require_explicit_policy == Some(0) {
                explicit_policy = 0;
            }
        }
        levels.push(level);
    }

    let valid = intersect(&levels, options.initial_policy_set.as_deref(), &mut steps)?;
    // §6.1.5 (g) and the final test of §6.1.6.
    if explicit_policy == 0 && valid.user().is_empty() {
        return Err(PolicyError::NoAcceptablePolicy);
    }
    Ok(valid)
}

/// §6.1.3 (d): the level of certificate i from the level of certificate i-1.
fn next_level(
    previous: &Level,
    policies: &[ObjectIdentifier],
    any_allowed: bool,
    steps: &mut Steps,
) -> Result<Level, PolicyError> {
    let mut level = Level::default();
    let mut cert_any = false;
    for policy in policies {
        if *policy == ANY_POLICY {
            cert_any = true;
            continue;
        }
        // (d)(1)(i): under every node that expects the policy; (ii) else under anyPolicy.
        steps.spend(previous.nodes.len() + 1)?;
        let parents: Vec<usize> = (0..previous.nodes.len())
            .filter(|&j| previous.nodes[j].expects(policy))
            .collect();
        if !parents.is_empty() || previous.any {
            level.nodes.push(Node {
                policy: *policy,
                expected: Expected::Itself,
                parent_any: parents.is_empty(),
                parents,
            });
        }
    }
    if cert_any && any_allowed {
        // (d)(2): every expected policy of the previous level not yet a node becomes one.
        for parent in &previous.nodes {
            for policy in parent.expected() {
                steps.spend(level.nodes.len() + previous.nodes.len() + 1)?;
                if level.find(policy).is_some() {
                    continue;
                }
                let parents = (0..previous.nodes.len())
                    .filter(|&j| previous.nodes[j].expects(policy))
                    .collect();
                level.nodes.push(Node {
                    policy: *policy,
                    expected: Expected::Itself,
                    parents,
                    parent_any: false,
                });
            }
        }
        level.any = previous.any;
    }
    Ok(level)
}

/// §6.1.4 (b): policy mappings of certificate i rewrite the expected policies of its level (or,
/// with mapping inhibited, delete the mapped policies).
fn apply_mappings(
    level: &mut Level,
    mappings: &[(ObjectIdentifier, ObjectIdentifier)],
    allowed: bool,
    steps: &mut Steps,
) -> Result<(), PolicyError> {
    if mappings.is_empty() {
        return Ok(());
    }
    steps.spend(mappings.len().saturating_mul(level.nodes.len() + 1))?;
    if !allowed {
        level
            .nodes
            .retain(|node| !mappings.iter().any(|(from, _)| *from == node.policy));
        return Ok(());
    }
    steps.spend(mappings.len().saturating_mul(mappings.len()))?;
    for (i, (from, _)) in mappings.iter().enumerate() {
        if mappings[..i].iter().any(|(f, _)| f == from) {
            continue; // this issuer policy is already done
        }
        let mut targets: Vec<ObjectIdentifier> = Vec::new();
        for (f, to) in mappings {
            if f == from && !targets.contains(to) {
                targets.push(*to);
            }
        }
        match level.find(from) {
            Some(j) => level.nodes[j].expected = Expected::Mapped(targets),
            None if level.any => level.nodes.push(Node {
                policy: *from,
                expected: Expected::Mapped(targets),
                parents: Vec::new(),
                parent_any: true,
            }),
            None => {}
        }
    }
    Ok(())
}

/// §6.1.5 (g): the authorities-constrained set (the last level) and its intersection with the
/// user-initial-policy-set, on the graph as RFC 9618 §4 does it on the tree's behalf.
fn intersect(
    levels: &[Level],
    initial: Option<&[ObjectIdentifier]>,
    steps: &mut Steps,
) -> Result<ValidPolicies, PolicyError> {
    let leaf = levels.last().expect("depth 0 is always there");
    let mut authorities: Vec<ObjectIdentifier> = leaf.nodes.iter().map(|n| n.policy).collect();
    if leaf.any {
        authorities.push(ANY_POLICY);
    }
    let Some(initial) = initial.filter(|set| !set.contains(&ANY_POLICY)) else {
        return Ok(ValidPolicies {
            authorities,
            user: None,
        });
    };
    if leaf.is_empty() {
        return Ok(ValidPolicies::default());
    }
    // Which nodes reach the last level (the tree would have pruned the others, §6.1.3 (d)(3)).
    let mut reachable: Vec<Vec<bool>> = levels.iter().map(|l| vec![false; l.nodes.len()]).collect();
    let depth = levels.len() - 1;
    reachable[depth].iter_mut().for_each(|r| *r = true);
    for k in (1..=depth).rev() {
        for (j, node) in levels[k].nodes.iter().enumerate() {
            if reachable[k][j] {
                for &p in &node.parents {
                    reachable[k - 1][p] = true;
                }
            }
        }
    }
    // A node is kept when it is, or descends from, a node hanging under anyPolicy whose policy
    // the caller accepts (the valid_policy_node_set of (g)(iii)).
    let mut kept: Vec<Vec<bool>> = levels.iter().map(|l| vec![false; l.nodes.len()]).collect();
    let mut boundary: Vec<ObjectIdentifier> = Vec::new();
    for k in 1..=depth {
        for (j, node) in levels[k].nodes.iter().enumerate() {
            steps.spend(initial.len() + boundary.len() + node.parents.len() + 1)?;
            let by_any = node.parent_any && initial.contains(&node.policy);
            if node.parent_any && reachable[k][j] && !boundary.contains(&node.policy) {
                boundary.push(node.policy);
            }
            kept[k][j] = by_any || node.parents.iter().any(|&p| kept[k - 1][p]);
        }
    }
    let mut user: Vec<ObjectIdentifier> = leaf
        .nodes
        .iter()
        .zip(&kept[depth])
        .filter(|(_, &k)| k)
        .map(|(n, _)| n.policy)
        .collect();
    if leaf.any {
        steps.spend(initial.len() * (boundary.len() + user.len() + 1))?;
        // (g)(iii)(3): anyPolicy at depth n stands for every acceptable policy not already
        // decided by a node of the valid_policy_node_set.
        for policy in initial {
            if !boundary.contains(policy) && !user.contains(policy) {
                user.push(*policy);
            }
        }
    }
    Ok(ValidPolicies {
        authorities,
        user: Some(user),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(s: &str) -> ObjectIdentifier {
        ObjectIdentifier::new_unwrap(s)
    }

    fn policies(list: &[&str]) -> PolicyExtensions {
        PolicyExtensions {
            policies: Some(list.iter().map(|s| oid(s)).collect()),
            ..PolicyExtensions::default()
        }
    }

    fn run(
        path: &[PolicyExtensions],
        options: &PolicyOptions,
    ) -> Result<ValidPolicies, PolicyError> {
        process(path.iter().map(|p| (p, false)), options)
    }

    const P1: &str = "1.2.398.3.3.2.1";
    const P2: &str = "1.2.398.3.3.2.2";
    const ANY: &str = "2.5.29.32.0";

    #[test]
    fn common_policies_survive_and_others_drop() {
        let path = [policies(&[P1, P2]), policies(&[P1])];
        let valid = run(&path, &PolicyOptions::default()).unwrap();
        assert_eq!(valid.authorities, vec![oid(P1)]);
    }

    #[test]
    fn a_certificate_without_policies_empties_the_set_unless_explicit_policy_is_required() {
        let path = [policies(&[P1]), PolicyExtensions::default()];
        assert!(run(&path, &PolicyOptions::default())
            .unwrap()
            .authorities
            .is_empty());
        let explicit = PolicyOptions {
            initial_explicit_policy: true,
            ..PolicyOptions::default()
        };
        assert!(run(&path, &explicit).is_err());
    }

    #[test]
    fn require_explicit_policy_counts_certificates() {
        let mut ca = policies(&[P1]);
        ca.require_explicit_policy = Some(2);
        // Two more certificates may follow before the path must be valid for a policy: the end
        // certificate is the second, so the whole path needs one.
        let path = [ca.clone(), policies(&[P1]), PolicyExtensions::default()];
        assert_eq!(
            run(&path, &PolicyOptions::default()),
            Err(PolicyError::NoAcceptablePolicy)
        );
        let with_policy = [ca.clone(), policies(&[P1]), policies(&[P1])];
        assert!(run(&with_policy, &PolicyOptions::default()).is_ok());
        // Three: the requirement starts after the path ends.
        ca.require_explicit_policy = Some(3);
        let path = [ca, policies(&[P1]), PolicyExtensions::default()];
        assert!(run(&path, &PolicyOptions::default()).is_ok());
    }

    #[test]
    fn mappings_translate_and_inhibition_deletes() {
        let mut ca = policies(&[P1]);
        ca.mappings = vec![(oid(P1), oid(P2))];
        ca.require_explicit_policy = Some(0);
        let path = [ca.clone(), policies(&[P2])];
        assert_eq!(
            run(&path, &PolicyOptions::default()).unwrap().authorities,
            vec![oid(P2)]
        );
        let inhibited = PolicyOptions {
            initial_policy_mapping_inhibit: true,
            ..PolicyOptions::default()
        };
        assert_eq!(
            run(&path, &inhibited),
            Err(PolicyError::ExplicitPolicyRequired { depth: 2 })
        );
    }

    #[test]
    fn mapping_any_policy_is_refused() {
        let mut ca = policies(&[ANY]);
        ca.mappings = vec![(oid(ANY), oid(P1))];
        let path = [ca, policies(&[P1])];
        assert_eq!(
            run(&path, &PolicyOptions::default()),
            Err(PolicyError::AnyPolicyMapped { depth: 1 })
        );
    }

    #[test]
    fn inhibit_any_policy_stops_any_policy_matching() {
        let mut ca = policies(&[ANY]);
        ca.inhibit_any_policy = Some(0);
        ca.require_explicit_policy = Some(0);
        let path = [ca.clone(), policies(&[ANY])];
        assert!(run(&path, &PolicyOptions::default()).is_err());
        ca.inhibit_any_policy = Some(1);
        let valid = run(&[ca, policies(&[ANY])], &PolicyOptions::default()).unwrap();
        assert_eq!(valid.authorities, vec![oid(ANY)]);
    }

    #[test]
    fn the_initial_policy_set_restricts_the_user_set() {
        let path = [policies(&[ANY]), policies(&[P1, P2])];
        let only_p2 = PolicyOptions {
            initial_policy_set: Some(vec![oid(P2)]),
            initial_explicit_policy: true,
            ..PolicyOptions::default()
        };
        let valid = run(&path, &only_p2).unwrap();
        assert_eq!(valid.user(), [oid(P2)]);
        assert_eq!(valid.authorities, vec![oid(P1), oid(P2)]);
        let other = PolicyOptions {
            initial_policy_set: Some(vec![oid("1.2.3.4")]),
            initial_explicit_policy: true,
            ..PolicyOptions::default()
        };
        assert_eq!(run(&path, &other), Err(PolicyError::NoAcceptablePolicy));
        // anyPolicy all the way down stands for the acceptable policies themselves.
        let any_path = [policies(&[ANY]), policies(&[ANY])];
        assert_eq!(run(&any_path, &other).unwrap().user(), [oid("1.2.3.4")]);
    }

    #[test]
    fn paths_without_policies_take_the_short_way_and_agree_with_the_graph() {
        let none = [PolicyExtensions::default(), PolicyExtensions::default()];
        assert_eq!(
            run(&none, &PolicyOptions::default()),
            Ok(ValidPolicies::default())
        );
        // The same path through the graph (an input that is not the default).
        let inputs = PolicyOptions {
            initial_policy_mapping_inhibit: true,
            ..PolicyOptions::default()
        };
        assert_eq!(run(&none, &inputs), Ok(ValidPolicies::default()));
    }

    #[test]
    fn thousands_of_policies_are_refused_not_ground_through() {
        let many: Vec<String> = (0..2000).map(|i| format!("1.2.3.{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let path = [policies(&refs), policies(&refs)];
        assert_eq!(
            run(&path, &PolicyOptions::default()),
            Err(PolicyError::TooComplex(MAX_POLICY_STEPS))
        );
        // A few hundred are still processed.
        let path = [policies(&refs[..300]), policies(&refs[..300])];
        assert_eq!(
            run(&path, &PolicyOptions::default())
                .unwrap()
                .authorities
                .len(),
            300
        );
    }

    proptest::proptest! {
        /// The short way and the graph agree on every path the short way takes.
        #[test]
        fn the_short_way_is_the_graph(
            path in proptest::collection::vec(
                proptest::option::of(proptest::sample::subsequence(vec![P1, P2, "1.2.3.3", ANY], 0..=4)),
                1..5,
            ),
        ) {
            let path: Vec<PolicyExtensions> = path
                .iter()
                .map(|p| PolicyExtensions {
                    policies: p.as_ref().map(|list| list.iter().map(|s| oid(s)).collect()),
                    ..PolicyExtensions::default()
                })
                .collect();
            let graph = process_graph(path.iter().map(|p| (p, false)), &PolicyOptions::default());
            let simple = process_simple(path.iter());
            proptest::prop_assert_eq!(graph, Ok(simple));
        }
    }

    #[test]
    fn mapping_chains_stay_polynomial() {
        // Each CA maps P1 and P2 to both P1 and P2: the RFC's tree doubles at every depth.
        let mut ca = policies(&[P1, P2]);
        ca.mappings = vec![
            (oid(P1), oid(P1)),
            (oid(P1), oid(P2)),
            (oid(P2), oid(P1)),
            (oid(P2), oid(P2)),
        ];
        let mut path: Vec<PolicyExtensions> = (0..64).map(|_| ca.clone()).collect();
        path.push(policies(&[P1]));
        let valid = run(&path, &PolicyOptions::default()).unwrap();
        assert_eq!(valid.authorities, vec![oid(P1)]);
    }
}
