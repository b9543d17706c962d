//! When things are due: a date in the user's calendar plus an optional `HH:MM`, read in the
//! user's time zone and stored in UTC; the start of "today" and "this week" in a time zone.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::calendar::CalendarKind;

/// Parses a time of day as people type it: `9:30`, `09:30`, `۱۴:۰۵`. Empty is `Ok(None)`.
pub fn parse_time(raw: &str) -> Result<Option<NaiveTime>, &'static str> {
    let s = crate::digits::to_ascii(raw.trim());
    if s.is_empty() {
        return Ok(None);
    }
    NaiveTime::parse_from_str(&s, "%H:%M")
        .map(Some)
        .map_err(|_| "time.bad_format")
}

/// The instant a wall-clock time in `tz` names. In a gap (clocks moved forward) the time after
/// the gap is used; in an overlap, the earlier of the two.
pub fn local_to_utc(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    let mut t = local;
    for _ in 0..4 {
        if let Some(x) = tz.from_local_datetime(&t).earliest() {
            return x.with_timezone(&Utc);
        }
        t += Duration::minutes(30);
    }
    tz.from_utc_datetime(&local).with_timezone(&Utc)
}

/// A date (and optional time, else the start of the day) in `tz`, as a UTC instant.
pub fn date_time_in(date: NaiveDate, time: Option<NaiveTime>, tz: Tz) -> DateTime<Utc> {
    local_to_utc(date.and_time(time.unwrap_or(NaiveTime::MIN)), tz)
}

/// Today's date in `tz`.
pub fn today_in(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// `[start, end)` of the day `date` in `tz`, as UTC instants.
pub fn day_bounds(date: NaiveDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let next = date.succ_opt().unwrap_or(date);
    (date_time_in(date, None, tz), date_time_in(next, None, tz))
}

/// `[start, end)` of the week holding `today`: Saturday to Friday in the Jalali calendar (as
/// in Iran), Monday to Sunday in the Gregorian one.
pub fn week_range(today: NaiveDate, cal: CalendarKind) -> (NaiveDate, NaiveDate) {
    let back = match cal {
        CalendarKind::Jalali => (today.weekday().num_days_from_monday() + 2) % 7,
        CalendarKind::Gregorian => today.weekday().num_days_from_monday(),
    };
    let start = today - Duration::days(i64::from(back));
    (start, start + Duration::days(7))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    #[test]
    fn times_with_persian_digits() {
        assert_eq!(parse_time("۱۴:۰۵"), Ok(NaiveTime::from_hms_opt(14, 5, 0)));
        assert_eq!(parse_time(" "), Ok(None));
        assert_eq!(parse_time("25:00"), Err("time.bad_format"));
    }

    #[test]
    fn tehran_midnight_is_the_evening_before_in_utc() {
        let tz = chrono_tz::Asia::Tehran;
        let d = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let (start, end) = day_bounds(d, tz);
        assert_eq!(start.to_rfc3339(), "2026-11-24T20:30:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-11-25T20:30:00+00:00");
        let t = date_time_in(d, NaiveTime::from_hms_opt(0, 15, 0), tz);
        assert_eq!(today_in(t, tz), d);
        assert_eq!(t.date_naive(), d.pred_opt().unwrap());
    }

    #[test]
    fn weeks_start_on_saturday_in_jalali() {
        let wed = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let (s, e) = week_range(wed, CalendarKind::Jalali);
        assert_eq!(s.weekday(), Weekday::Sat);
        assert!(s <= wed && wed < e);
        let (s, _) = week_range(wed, CalendarKind::Gregorian);
        assert_eq!(s.weekday(), Weekday::Mon);
        let sat = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(week_range(sat, CalendarKind::Jalali).0, sat);
    }
}
