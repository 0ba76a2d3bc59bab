//! Deadlines as the regulations state them: N working days (Saturdays, Sundays and the configured
//! public holidays do not count) or N calendar days, from the day of submission, in Kazakhstan's
//! time (UTC+5).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, UtcOffset, Weekday};

/// Kazakhstan has one time zone, UTC+5, since 1 March 2024.
pub const KAZAKHSTAN: UtcOffset = match UtcOffset::from_hms(5, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Working,
    Calendar,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub days: u32,
    pub kind: DayKind,
}

impl Term {
    /// "10 working days" / "15 calendar days".
    pub fn describe(&self) -> String {
        match self.kind {
            DayKind::Working => format!("{} working days", self.days),
            DayKind::Calendar => format!("{} calendar days", self.days),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    holidays: BTreeSet<Date>,
}

impl Calendar {
    pub fn new(holidays: impl IntoIterator<Item = Date>) -> Self {
        Calendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_working_day(&self, day: Date) -> bool {
        !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
            && !self.holidays.contains(&day)
    }

    /// The last day of the term that starts with a submission at `submitted`: the day of
    /// submission does not count; the deadline is the Nth (working or calendar) day after it.
    pub fn deadline(&self, submitted: OffsetDateTime, term: Term) -> Date {
        let mut day = submitted.to_offset(KAZAKHSTAN).date();
        match term.kind {
            DayKind::Calendar => day + Duration::days(i64::from(term.days)),
            DayKind::Working => {
                let mut left = term.days;
                while left > 0 {
                    day += Duration::days(1);
                    if self.is_working_day(day) {
                        left -= 1;
                    }
                }
                day
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn kz_2026() -> Calendar {
        // A few of the 2026 public holidays of Kazakhstan.
        Calendar::new([
            date!(2026 - 03 - 23),
            date!(2026 - 05 - 01),
            date!(2026 - 05 - 07),
            date!(2026 - 12 - 16),
        ])
    }

    fn working(days: u32) -> Term {
        Term {
            days,
            kind: DayKind::Working,
        }
    }

    #[test]
    fn working_days_skip_weekends() {
        let cal = Calendar::default();
        // Friday 2026-06-05 + 1 working day = Monday 2026-06-08.
        assert_eq!(
            cal.deadline(datetime!(2026-06-05 10:00 +05:00), working(1)),
            date!(2026 - 06 - 08)
        );
        // Monday + 10 working days = the Monday two weeks later.
        assert_eq!(
            cal.deadline(datetime!(2026-06-01 10:00 +05:00), working(10)),
            date!(2026 - 06 - 15)
        );
        // A Saturday submission: counting starts on Monday.
        assert_eq!(
            cal.deadline(datetime!(2026-06-06 10:00 +05:00), working(1)),
            date!(2026 - 06 - 08)
        );
    }

    #[test]
    fn working_days_skip_holidays() {
        let cal = kz_2026();
        // Thu 2026-04-30 + 1: Fri 1 May is a holiday, then the weekend: Mon 4 May.
        assert_eq!(
            cal.deadline(datetime!(2026-04-30 10:00 +05:00), working(1)),
            date!(2026 - 05 - 04)
        );
        // Mon 4 May + 5: 5, 6, (7 holiday), 8, 11, 12.
        assert_eq!(
            cal.deadline(datetime!(2026-05-04 10:00 +05:00), working(5)),
            date!(2026 - 05 - 12)
        );
        // Over Independence Day (Wed 16 Dec): Mon 14 Dec + 10 = Tue 29 Dec.
        assert_eq!(
            cal.deadline(datetime!(2026-12-14 09:00 +05:00), working(10)),
            date!(2026 - 12 - 29)
        );
    }

    #[test]
    fn calendar_days_count_everything() {
        let cal = kz_2026();
        let term = Term {
            days: 15,
            kind: DayKind::Calendar,
        };
        assert_eq!(
            cal.deadline(datetime!(2026-04-30 10:00 +05:00), term),
            date!(2026 - 05 - 15)
        );
    }

    #[test]
    fn the_day_is_kazakhstan_s() {
        let cal = Calendar::default();
        // 20:00 UTC on Friday is already Saturday 01:00 in Kazakhstan.
        assert_eq!(
            cal.deadline(datetime!(2026-06-05 20:00 UTC), working(1)),
            date!(2026 - 06 - 08)
        );
        assert_eq!(
            cal.deadline(
                datetime!(2026-06-05 20:00 UTC),
                Term {
                    days: 1,
                    kind: DayKind::Calendar
                }
            ),
            date!(2026 - 06 - 07)
        );
    }
}
