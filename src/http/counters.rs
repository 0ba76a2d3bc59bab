//! A labelled counter for `/metrics`: counts by a small set of label values, rendered in the
//! Prometheus text format. Shared by subsystems that count outcomes (archive stores, TSA
//! exchanges) without a metrics registry of their own.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Counts per label values (a fixed label name list, short values).
#[derive(Debug, Default)]
pub struct LabelledCounter {
    counts: Mutex<BTreeMap<Vec<&'static str>, u64>>,
}

impl LabelledCounter {
    /// Adds one for these label values (in the order of the names given to [`render`]).
    ///
    /// [`render`]: LabelledCounter::render
    pub fn add(&self, values: &[&'static str]) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *counts.entry(values.to_vec()).or_default() += 1;
    }

    /// The counter's `# HELP`, `# TYPE` and one line per label values seen.
    pub fn render(&self, name: &str, help: &str, labels: &[&str]) -> String {
        let mut out = format!("# HELP {name} {help}\n# TYPE {name} counter\n");
        let counts = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for (values, n) in counts.iter() {
            let pairs: Vec<String> = labels
                .iter()
                .zip(values)
                .map(|(label, value)| format!("{label}=\"{value}\""))
                .collect();
            let _ = writeln!(out, "{name}{{{}}} {n}", pairs.join(","));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_label_values() {
        let c = LabelledCounter::default();
        c.add(&["request", "stored"]);
        c.add(&["request", "stored"]);
        c.add(&["result", "archive_broken"]);
        let text = c.render("x_total", "Things.", &["kind", "outcome"]);
        assert!(text.contains("# TYPE x_total counter"), "{text}");
        assert!(
            text.contains("x_total{kind=\"request\",outcome=\"stored\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("x_total{kind=\"result\",outcome=\"archive_broken\"} 1"),
            "{text}"
        );
    }
}
