//! How long a temporary approval lasts. Hours, days and weeks are fixed lengths; months and years are calendar
//! months and years in UTC (31 January plus one month is the last day of February).

use super::DurationUnit;
use crate::Timestamp;
use time::{Month, OffsetDateTime};

impl DurationUnit {
    /// The moment `amount` of this unit after `from`, or `None` past the calendar's end.
    pub fn after(self, amount: u32, from: Timestamp) -> Option<Timestamp> {
        let amount = i64::from(amount);
        let hours = match self {
            DurationUnit::Hours => amount,
            DurationUnit::Days => amount * 24,
            DurationUnit::Weeks => amount * 24 * 7,
            DurationUnit::Months => return add_months(from.to_datetime(), amount).map(Timestamp::from_datetime),
            DurationUnit::Years => return add_months(from.to_datetime(), amount * 12).map(Timestamp::from_datetime),
        };
        Some(from.plus_seconds(hours * 3600))
    }
}

fn add_months(at: OffsetDateTime, months: i64) -> Option<OffsetDateTime> {
    let index = i64::from(at.year()) * 12 + i64::from(u8::from(at.month())) - 1 + months;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = at.day().min(time::util::days_in_month(month, year));
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    Some(at.replace_date(date))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn fixed_units_and_calendar_units() {
        let start = at("2024-01-31T10:00:00.000Z");
        assert_eq!(
            DurationUnit::Hours.after(5, start),
            Some(at("2024-01-31T15:00:00.000Z"))
        );
        assert_eq!(DurationUnit::Days.after(1, start), Some(at("2024-02-01T10:00:00.000Z")));
        assert_eq!(
            DurationUnit::Weeks.after(2, start),
            Some(at("2024-02-14T10:00:00.000Z"))
        );
        assert_eq!(
            DurationUnit::Months.after(1, start),
            Some(at("2024-02-29T10:00:00.000Z")),
            "leap February"
        );
        assert_eq!(
            DurationUnit::Months.after(13, start),
            Some(at("2025-02-28T10:00:00.000Z"))
        );
        assert_eq!(
            DurationUnit::Years.after(1, at("2024-02-29T00:00:00.000Z")),
            Some(at("2025-02-28T00:00:00.000Z"))
        );
        assert_eq!(DurationUnit::Years.after(u32::MAX, start), None);
    }
}
