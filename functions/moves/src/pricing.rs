//! The deposit of a move, priced by the service (never by the client), from a
//! table by crew size and date:
//!
//! | part | amount |
//! |---|---|
//! | per crew member | $40.00 |
//! | a Saturday or Sunday | +25 % |
//! | fewer than 7 days ahead | +50 % |
//!
//! rounded to the cent. `GET /moves/quote` answers it; `POST /moves` charges it.
use time::{Date, Weekday};

/// Cents per crew member.
pub const PER_CREW_MEMBER_CENTS: u64 = 4_000;
/// Weekend surcharge, in percent.
pub const WEEKEND_PERCENT: u64 = 25;
/// Short-notice surcharge, in percent.
pub const SHORT_NOTICE_PERCENT: u64 = 50;
/// Moves fewer than this many days ahead pay the short-notice surcharge.
pub const SHORT_NOTICE_DAYS: i64 = 7;
/// The currency of every price.
pub const CURRENCY: &str = "USD";

/// The deposit, in cents, of a move on `date` with `crew_size` people, quoted on `today`.
pub fn deposit_cents(date: Date, crew_size: u32, today: Date) -> u64 {
    let base = PER_CREW_MEMBER_CENTS * u64::from(crew_size);
    let mut percent = 100;
    if matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
        percent += WEEKEND_PERCENT;
    }
    if (date - today).whole_days() < SHORT_NOTICE_DAYS {
        percent += SHORT_NOTICE_PERCENT;
    }
    (base * percent).div_ceil(100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_table_prices_crew_weekends_and_short_notice() {
        let today = date!(2031 - 05 - 01); // a Thursday
        assert_eq!(deposit_cents(date!(2031 - 05 - 14), 1, today), 4_000, "a Wednesday two weeks ahead");
        assert_eq!(deposit_cents(date!(2031 - 05 - 14), 8, today), 32_000);
        assert_eq!(deposit_cents(date!(2031 - 05 - 17), 2, today), 10_000, "a Saturday: +25 %");
        assert_eq!(deposit_cents(date!(2031 - 05 - 02), 2, today), 12_000, "tomorrow: +50 %");
        assert_eq!(deposit_cents(date!(2031 - 05 - 04), 3, today), 21_000, "a Sunday in three days: +75 %");
        assert_eq!(deposit_cents(date!(2031 - 05 - 08), 1, today), 4_000, "seven days ahead is not short notice");
    }
}
