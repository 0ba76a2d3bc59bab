//! Verifications over HTTP while the CRL snapshot is swapped under them, again and again: each one
//! must finish with a verdict that one whole snapshot gives (never a mix, never an error).

mod serve_support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use qoltanba_core::input::{self, InputLimits};
use qoltanba_core::CrlSnapshot;
use serve_support::*;

fn snapshot(names: &[&str]) -> Arc<CrlSnapshot> {
    let mut crls = Vec::new();
    for name in names {
        crls.extend(
            input::crls_from_bytes(&read(&format!("crl/{name}.crl")), &InputLimits::default())
                .unwrap(),
        );
    }
    Arc::new(CrlSnapshot::new(crls))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn verdicts_come_from_one_snapshot_while_swaps_happen() {
    let mut files: Vec<&str> = OTHER_CAS.to_vec();
    files.push("crl/nca-rsa.crl");
    let mut config = config(&files, &[]);
    config.limits.max_concurrent_verifications = 4;
    let server = Arc::new(start(config).await);

    // A: the full CRLs only. B: A plus nca-rsa's delta CRL, which revokes delta-revoked-sign and
    // takes hold-sign off hold.
    let without_delta = snapshot(&["root", "nca-ec", "nca-revoked-ca", "nca-rsa"]);
    let with_delta = snapshot(&[
        "root",
        "nca-ec",
        "nca-revoked-ca",
        "nca-rsa",
        "nca-rsa-delta",
    ]);

    let done = Arc::new(AtomicBool::new(false));
    let swaps = Arc::new(AtomicUsize::new(0));
    let swapper = {
        let (server, done, swaps) = (server.clone(), done.clone(), swaps.clone());
        tokio::spawn(async move {
            let mut n = 0usize;
            while !done.load(Ordering::Relaxed) {
                let next = if n.is_multiple_of(2) {
                    &with_delta
                } else {
                    &without_delta
                };
                server.verifier().replace_crls(next.clone());
                n += 1;
                if n.is_multiple_of(25) {
                    // A real refresh too: it swaps back to what the sources hold (A).
                    server.store().refresh_now().await;
                }
                swaps.store(n, Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_micros(300)).await;
            }
        })
    };

    let workers = 8;
    let per_worker = 30;
    let mut tasks = Vec::new();
    for w in 0..workers {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let mut seen: HashMap<(&'static str, bool), usize> = HashMap::new();
            for i in 0..per_worker {
                let sample = if (w + i) % 2 == 0 {
                    "delta-revoked.cms"
                } else {
                    "hold.cms"
                };
                let a = verify_sample(&server, sample, Some(T0)).await;
                assert_eq!(a.status, 200, "{sample}: {}", a.text);
                let delta = evidence_has_delta(&a.json);
                let expected = match (sample, delta) {
                    ("delta-revoked.cms", true) | ("hold.cms", false) => {
                        ("invalid", Some("cert_revoked"))
                    }
                    _ => ("valid", None),
                };
                assert_eq!(
                    a.verdict(),
                    expected,
                    "{sample} with delta={delta}: a torn verdict: {}",
                    a.text
                );
                // The evidence names the CRLs of one snapshot: the delta exactly when the
                // verdict says so.
                let numbers: Vec<&str> = a.json["evidence"]["crls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|c| c["number"].as_str())
                    .collect();
                assert!(
                    numbers.contains(&"100") || numbers.contains(&"101"),
                    "{numbers:?}"
                );
                assert_eq!(numbers.contains(&"101"), delta, "{numbers:?}");
                *seen.entry((sample, delta)).or_default() += 1;
            }
            seen
        }));
    }
    let mut seen: HashMap<(&'static str, bool), usize> = HashMap::new();
    for t in tasks {
        for (k, v) in t.await.expect("worker") {
            *seen.entry(k).or_default() += v;
        }
    }
    done.store(true, Ordering::Relaxed);
    swapper.await.unwrap();
    assert_eq!(seen.values().sum::<usize>(), workers * per_worker);
    assert!(
        swaps.load(Ordering::Relaxed) > 20,
        "too few swaps to mean anything"
    );
    // Both snapshots were seen by both samples.
    for key in [
        ("delta-revoked.cms", true),
        ("delta-revoked.cms", false),
        ("hold.cms", true),
        ("hold.cms", false),
    ] {
        assert!(
            seen.get(&key).copied().unwrap_or(0) > 0,
            "never saw {key:?}: {seen:?}"
        );
    }
    let metrics = get(&server, "/metrics").await.text;
    assert!(!metrics.contains("code=\"500\""), "{metrics}");
    assert!(
        metrics.contains("qoltanba_verifications_in_flight 0"),
        "{metrics}"
    );
    match Arc::try_unwrap(server) {
        Ok(server) => server.shutdown().await.unwrap(),
        Err(_) => panic!("the server is still shared"),
    }
}
