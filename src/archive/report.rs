//! The tallies of a re-verification run and the auditor's report: a summary table for the
//! terminal, a JSON report, and one self-contained printable HTML file.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::reverify::{Reverification, TimeBasis};
use qoltanba_core::{Status, Verdict};

/// Counts by outcome at one of the two times.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Tally {
    pub valid: u64,
    /// By reason code.
    pub invalid: BTreeMap<String, u64>,
    pub indeterminate: BTreeMap<String, u64>,
}

impl Tally {
    fn add(&mut self, verdict: &Verdict) {
        let reason = verdict.reason.map_or("-", |r| r.as_str()).to_owned();
        match verdict.status {
            Status::Valid => self.valid += 1,
            Status::Invalid => *self.invalid.entry(reason).or_default() += 1,
            Status::Indeterminate => *self.indeterminate.entry(reason).or_default() += 1,
        }
    }

    /// `(label, count)` rows: valid, then invalid and indeterminate by reason.
    fn rows(&self) -> Vec<(String, u64)> {
        let mut rows = vec![("valid".to_owned(), self.valid)];
        rows.extend(
            self.invalid
                .iter()
                .map(|(r, n)| (format!("invalid: {r}"), *n)),
        );
        rows.extend(
            self.indeterminate
                .iter()
                .map(|(r, n)| (format!("indeterminate: {r}"), *n)),
        );
        rows
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub documents: u64,
    /// Judged at a verified time-stamp's time (the rest at the time the archive received them).
    pub timestamped: u64,
    pub as_of_signing: Tally,
    pub as_of_now: Tally,
    /// Valid as of signing, not valid now (expired or revoked since): still proof of what was signed.
    pub valid_then_not_now: u64,
}

impl Summary {
    pub fn add(&mut self, r: &Reverification) {
        self.documents += 1;
        if r.as_of_signing.basis == TimeBasis::Timestamp {
            self.timestamped += 1;
        }
        self.as_of_signing.add(&r.as_of_signing.verdict);
        self.as_of_now.add(&r.as_of_now.verdict);
        if r.as_of_signing.verdict.status == Status::Valid
            && r.as_of_now.verdict.status != Status::Valid
        {
            self.valid_then_not_now += 1;
        }
    }

    /// The terminal table: one row per outcome, the two times side by side.
    pub fn table(&self) -> String {
        let mut labels: Vec<String> = Vec::new();
        for (label, _) in self
            .as_of_signing
            .rows()
            .into_iter()
            .chain(self.as_of_now.rows())
        {
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
        let count = |tally: &Tally, label: &str| {
            tally
                .rows()
                .into_iter()
                .find(|(l, _)| l == label)
                .map_or(0, |(_, n)| n)
        };
        let width = labels.iter().map(String::len).max().unwrap_or(0).max(7);
        let mut out = format!(
            "{:<width$}  {:>12}  {:>12}\n",
            "outcome", "as of signing", "as of now"
        );
        out.push_str(&format!("{}\n", "-".repeat(width + 30)));
        for label in &labels {
            out.push_str(&format!(
                "{label:<width$}  {:>12}  {:>12}\n",
                count(&self.as_of_signing, label),
                count(&self.as_of_now, label)
            ));
        }
        out.push_str(&format!("{}\n", "-".repeat(width + 30)));
        out.push_str(&format!(
            "{:<width$}  {:>12}  {:>12}\n",
            "documents", self.documents, self.documents
        ));
        out.push_str(&format!(
            "time-stamped: {}   valid as of signing but not now: {}\n",
            self.timestamped, self.valid_then_not_now
        ));
        out
    }
}

/// The run's parameters, printed at the top of a report.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub archive: String,
    pub generated_at: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub signer: Option<String>,
}

/// One row of a report: what an auditor reads about a document.
#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    pub id: i64,
    pub kind: &'static str,
    pub received_at: String,
    pub signer: String,
    pub signing_basis: TimeBasis,
    pub signing_time: String,
    pub as_of_signing: String,
    pub as_of_now: String,
}

impl ReportRow {
    pub fn of(r: &Reverification) -> Self {
        let outcome = |v: &Verdict| match v.reason {
            None => v.status.as_str().to_owned(),
            Some(reason) => format!("{} ({})", v.status.as_str(), reason.as_str()),
        };
        let signer = r.signer.as_ref().map_or_else(String::new, |s| {
            let id = s.iin.clone().or_else(|| s.bin.clone()).unwrap_or_default();
            let name = s.common_name.clone().unwrap_or_default();
            format!("{name} {id}").trim().to_owned()
        });
        ReportRow {
            id: r.document_id,
            kind: r.kind.as_str(),
            received_at: r.received_at.clone(),
            signer,
            signing_basis: r.as_of_signing.basis,
            signing_time: r.as_of_signing.time.clone(),
            as_of_signing: outcome(&r.as_of_signing.verdict),
            as_of_now: outcome(&r.as_of_now.verdict),
        }
    }
}

/// Writes the JSON report as the rows arrive (an archive of millions is never held in memory):
/// `{"run": …, "documents": [ … ], "summary": …}`.
pub struct JsonReport<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> JsonReport<W> {
    pub fn start(mut out: W, run: &RunInfo) -> io::Result<Self> {
        write!(
            out,
            "{{\"run\":{},\"documents\":[",
            serde_json::to_string(run)?
        )?;
        Ok(JsonReport { out, first: true })
    }

    pub fn row(&mut self, r: &Reverification) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, r)?;
        Ok(())
    }

    pub fn finish(mut self, summary: &Summary) -> io::Result<()> {
        writeln!(
            self.out,
            "],\"summary\":{}}}",
            serde_json::to_string(summary)?
        )?;
        self.out.flush()
    }
}

/// The HTML report: one file with its style inline, printable. Every document that is not valid at
/// both times is listed; valid ones are counted (a million valid rows help nobody).
pub struct HtmlReport<W: Write> {
    out: W,
    listed: u64,
    max_listed: u64,
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#111;\
display:flex;flex-direction:column}.summary{order:-1}\
h1{font-size:1.5em}table{border-collapse:collapse;margin:1em 0}\
th,td{border:1px solid #999;padding:.25em .6em;text-align:left;vertical-align:top}\
th{background:#eee}td.n{text-align:right}.valid{color:#0a5c1f}.invalid{color:#a00}\
.indeterminate{color:#8a5a00}@media print{body{margin:0}a{color:inherit}}";

impl<W: Write> HtmlReport<W> {
    pub fn start(mut out: W, run: &RunInfo) -> io::Result<Self> {
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>qoltanba audit report</title><style>{STYLE}</style></head><body>\n\
             <section class=\"summary\"><h1>Re-verification of archived documents</h1>\n<table>\
             <tr><th>archive</th><td>{}</td></tr><tr><th>generated</th><td>{}</td></tr>\
             <tr><th>received from</th><td>{}</td></tr><tr><th>received before</th><td>{}</td></tr>\
             <tr><th>signer</th><td>{}</td></tr></table></section>\n\
             <h2>Documents not valid at both times</h2>\n<table><tr><th>id</th><th>kind</th>\
             <th>received</th><th>signer</th><th>as of signing</th><th>judged at</th>\
             <th>as of now</th></tr>\n",
            esc(&run.archive),
            esc(&run.generated_at),
            esc(run.from.as_deref().unwrap_or("(any)")),
            esc(run.to.as_deref().unwrap_or("(any)")),
            esc(run.signer.as_deref().unwrap_or("(any)")),
        )?;
        Ok(HtmlReport {
            out,
            listed: 0,
            max_listed: 100_000,
        })
    }

    pub fn row(&mut self, r: &Reverification) -> io::Result<()> {
        let both_valid = r.as_of_signing.verdict.status == Status::Valid
            && r.as_of_now.verdict.status == Status::Valid;
        if both_valid || self.listed >= self.max_listed {
            return Ok(());
        }
        self.listed += 1;
        let row = ReportRow::of(r);
        let class = |v: &Verdict| v.status.as_str();
        let basis = match row.signing_basis {
            TimeBasis::Timestamp => "time-stamp",
            TimeBasis::Received => "received",
            TimeBasis::Now => "now",
        };
        writeln!(
            self.out,
            "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"{}\">{}</td><td>{} ({basis})</td><td class=\"{}\">{}</td></tr>",
            row.id,
            row.kind,
            esc(&row.received_at),
            esc(&row.signer),
            class(&r.as_of_signing.verdict),
            esc(&row.as_of_signing),
            esc(&row.signing_time),
            class(&r.as_of_now.verdict),
            esc(&row.as_of_now),
        )
    }

    pub fn finish(mut self, summary: &Summary) -> io::Result<()> {
        writeln!(self.out, "</table>")?;
        if self.listed >= self.max_listed {
            writeln!(
                self.out,
                "<p>Only the first {} are listed; the JSON report has every document.</p>",
                self.max_listed
            )?;
        }
        // Written last (the tallies are known only now) and shown first (CSS order).
        writeln!(self.out, "<section class=\"summary\"><h2>Summary</h2>\n<table><tr><th>outcome</th><th>as of signing</th><th>as of now</th></tr>")?;
        let mut labels: Vec<String> = Vec::new();
        for (label, _) in summary
            .as_of_signing
            .rows()
            .into_iter()
            .chain(summary.as_of_now.rows())
        {
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
        for label in labels {
            let n = |t: &Tally| {
                t.rows()
                    .into_iter()
                    .find(|(l, _)| *l == label)
                    .map_or(0, |(_, n)| n)
            };
            writeln!(
                self.out,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&label),
                n(&summary.as_of_signing),
                n(&summary.as_of_now)
            )?;
        }
        writeln!(
            self.out,
            "<tr><th>documents</th><th class=\"n\">{0}</th><th class=\"n\">{0}</th></tr></table>\n\
             <p>Judged at a verified time-stamp: {1}. Valid as of signing but not now (expired or \
             revoked since): {2}.</p></section>\n</body></html>",
            summary.documents, summary.timestamped, summary.valid_then_not_now
        )?;
        self.out.flush()
    }
}
