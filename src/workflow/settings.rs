//! The configuration of the state-service procedure (`[workflow]`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkflowConfig {
    /// The catalogue of services (a TOML data file); none: the built-in `config/services.toml`.
    pub catalogue: Option<PathBuf>,
    /// Public holidays (`YYYY-MM-DD`) that working-day deadlines skip besides Saturdays, Sundays
    /// and the fixed-date public holidays, which the calendar knows by rule for every year
    /// ([`super::calendar::FIXED_HOLIDAYS`]): the moveable Kurban Ait of each year and days moved
    /// by a government decree. A year with no such date is counted without Kurban Ait, with a
    /// warning.
    pub holidays: Vec<String>,
    /// A submission that a stop left half done (recorded, its signing condition never) is taken
    /// up again at start and every minute once it is this old (seconds); younger ones may still
    /// be in the hands of another node sharing the database.
    pub resume_after_seconds: u64,
}

/// Kazakhstan's moveable public holiday, Kurban Ait (the first day), on the dates announced for
/// it; the fixed-date holidays need no list.
pub const KAZAKHSTAN_MOVEABLE_HOLIDAYS: &[&str] = &["2026-05-27", "2027-05-16"];

impl Default for WorkflowConfig {
    fn default() -> Self {
        WorkflowConfig {
            catalogue: None,
            holidays: KAZAKHSTAN_MOVEABLE_HOLIDAYS
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
