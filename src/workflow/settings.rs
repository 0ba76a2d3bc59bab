//! The configuration of the state-service procedure (`[workflow]`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkflowConfig {
    /// The catalogue of services (a TOML data file); none: the built-in `config/services.toml`.
    pub catalogue: Option<PathBuf>,
    /// Public holidays (`YYYY-MM-DD`) that working-day deadlines skip, besides Saturdays and
    /// Sundays. The default lists Kazakhstan's public holidays of 2026 and 2027; days moved by a
    /// government decree are added here.
    pub holidays: Vec<String>,
    /// A submission that a stop left half done (recorded, its signing condition never) is taken
    /// up again at start and every minute once it is this old (seconds); younger ones may still
    /// be in the hands of another node sharing the database.
    pub resume_after_seconds: u64,
}

/// Kazakhstan's public holidays (Labour Code, art. 84; Law on holidays) in 2026 and 2027,
/// Kurban Ait by the date announced for it.
pub const KAZAKHSTAN_HOLIDAYS: &[&str] = &[
    "2026-01-01",
    "2026-01-02",
    "2026-01-07",
    "2026-03-08",
    "2026-03-21",
    "2026-03-22",
    "2026-03-23",
    "2026-05-01",
    "2026-05-07",
    "2026-05-09",
    "2026-05-27",
    "2026-07-06",
    "2026-08-30",
    "2026-10-25",
    "2026-12-16",
    "2027-01-01",
    "2027-01-02",
    "2027-01-07",
    "2027-03-08",
    "2027-03-21",
    "2027-03-22",
    "2027-03-23",
    "2027-05-01",
    "2027-05-07",
    "2027-05-09",
    "2027-05-16",
    "2027-07-06",
    "2027-08-30",
    "2027-10-25",
    "2027-12-16",
];

impl Default for WorkflowConfig {
    fn default() -> Self {
        WorkflowConfig {
            catalogue: None,
            holidays: KAZAKHSTAN_HOLIDAYS
                .iter()
                .map(|d| (*d).to_owned())
                .collect(),
            resume_after_seconds: 120,
        }
    }
}

impl WorkflowConfig {
    pub fn holiday_dates(&self) -> Result<Vec<time::Date>, String> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        self.holidays
            .iter()
            .map(|d| {
                time::Date::parse(d.trim(), &format)
                    .map_err(|_| format!("workflow.holidays: {d:?} is not a date YYYY-MM-DD"))
            })
            .collect()
    }
}
