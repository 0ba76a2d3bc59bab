//! Deadlines as the regulations state them: N working days (Saturdays, Sundays and public holidays
//! do not count) or N calendar days, from the day of submission, in Kazakhstan's time (UTC+5).
//! The fixed-date public holidays hold by rule for every year; the moveable one (Kurban Ait) and
//! days moved by decree come from the configuration, and a year without them is warned about.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, OffsetDateTime, UtcOffset, Weekday};

/// Kazakhstan has one time zone, UTC+5, since 1 March 2024.
pub const KAZAKHSTAN: UtcOffset = match UtcOffset::from_hms(5, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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

/// Kazakhstan's public holidays with a fixed date, every year (Labour Code art. 84; Law "On
/// holidays in the Republic of Kazakhstan" as amended in 2022): New Year (1-2 January),
/// Orthodox Christmas (7 January), International Women's Day (8 March), Nauryz (21-23 March),
/// Unity Day (1 May), Defender of the Fatherland Day (7 May), Victory Day (9 May), Capital Day
/// (6 July), Constitution Day (30 August), Republic Day (25 October), Independence Day
/// (16 December).
pub const FIXED_HOLIDAYS: [(Month, u8); 14] = [
    (Month::January, 1),
    (Month::January, 2),
    (Month::January, 7),
    (Month::March, 8),
    (Month::March, 21),
    (Month::March, 22),
    (Month::March, 23),
    (Month::May, 1),
    (Month::May, 7),
    (Month::May, 9),
    (Month::July, 6),
    (Month::August, 30),
    (Month::October, 25),
    (Month::December, 16),
];

/// Whether `day` is a fixed-date public holiday.
pub fn is_fixed_holiday(day: Date) -> bool {
    FIXED_HOLIDAYS
        .iter()
        .any(|&(month, d)| day.month() == month && day.day() == d)
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    /// Configured days off besides the fixed-date holidays: Kurban Ait, days moved by decree.
    listed: BTreeSet<Date>,
    /// Years whose moveable holiday is configured.
    moveable_years: BTreeSet<i32>,
    /// Years already warned about, so a busy service warns once per year, not per deadline.
    warned: Arc<Mutex<BTreeSet<i32>>>,
}

impl Calendar {
    /// A calendar with the fixed-date holidays and `holidays` (the configured list; fixed-date
    /// days in it are harmless).
    pub fn new(holidays: impl IntoIterator<Item = Date>) -> Self {
        let listed: BTreeSet<Date> = holidays.into_iter().collect();
        let moveable_years = listed
            .iter()
            .filter(|d| !is_fixed_holiday(**d))
            .map(|d| d.year())
            .collect();
        Calendar {
            listed,
            moveable_years,
            warned: Arc::default(),
        }
    }

    pub fn is_working_day(&self, day: Date) -> bool {
        !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
            && !is_fixed_holiday(day)
            && !self.listed.contains(&day)
    }

    /// The years from `from` to `to` for which no moveable holiday is configured: their
    /// deadlines count Kurban Ait as a working day.
    pub fn years_without_moveable_holidays(&self, from: Date, to: Date) -> Vec<i32> {
        (from.year()..=to.year())
            .filter(|y| !self.moveable_years.contains(y))
            .collect()
    }

    /// Warns once per year about a deadline counted in a year without its moveable holiday.
    fn warn_about_missing_years(&self, from: Date, to: Date) {
        let missing = self.years_without_moveable_holidays(from, to);
        if missing.is_empty() {
            return;
        }
        let mut warned = self
            .warned
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for year in missing {
            if warned.insert(year) {
                tracing::warn!(
                    year,
                    "workflow.holidays has no Kurban Ait date for {year}: working-day deadlines \
                     in {year} count it as a working day; add the announced date"
                );
            }
        }
    }

    /// The last day of the term that starts with a submission at `submitted`: the day of
    /// submission does not count; the deadline is the Nth (working or calendar) day after it.
    pub fn deadline(&self, submitted: OffsetDateTime, term: Term) -> Date {
        let mut day = submitted.to_offset(KAZAKHSTAN).date();
        match term.kind {
            DayKind::Calendar => day + Duration::days(i64::from(term.days)),
            DayKind::Working => {
                let first = day;
                let mut left = term.days;
                while left > 0 {
                    day += Duration::days(1);
                    if self.is_working_day(day) {
                        left -= 1;
                    }
                }
                self.warn_about_missing_years(first, day);
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
    fn fixed_date_holidays_hold_in_any_year() {
        // Nauryz 2031: Fri 21, Sat 22, Sun 23 March; Thu 20 + 1 working day = Mon 24.
        let cal = Calendar::new([]);
        assert_eq!(
            cal.deadline(datetime!(2031-03-20 10:00 +05:00), working(1)),
            date!(2031 - 03 - 24)
        );
        // Independence Day 2040 is a Sunday anyway; Republic Day 2035 (Thu 25 Oct) is skipped.
        assert_eq!(
            cal.deadline(datetime!(2035-10-24 10:00 +05:00), working(1)),
            date!(2035 - 10 - 26)
        );
        assert!(!cal.is_working_day(date!(2099 - 01 - 07)));
    }

    #[test]
    fn years_without_the_moveable_holiday_are_named() {
        let cal = Calendar::new([date!(2026 - 05 - 27), date!(2027 - 01 - 01)]);
        // 2027 has only a fixed-date day listed: no Kurban Ait known.
        assert_eq!(
            cal.years_without_moveable_holidays(date!(2026 - 12 - 20), date!(2028 - 01 - 10)),
            vec![2027, 2028]
        );
        assert!(cal
            .years_without_moveable_holidays(date!(2026 - 01 - 01), date!(2026 - 12 - 31))
            .is_empty());
        // Kurban Ait 2026 (Wed 27 May) is skipped: Tue 26 + 1 = Thu 28.
        assert_eq!(
            cal.deadline(datetime!(2026-05-26 10:00 +05:00), working(1)),
            date!(2026 - 05 - 28)
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
