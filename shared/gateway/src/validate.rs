//! Field checks shared by the gateways, each naming what is wrong.
use crate::error::ApiError;

/// An email's shape: `local@domain.tld`, no spaces, at most 254 characters.
pub fn email(field: &str, value: &str) -> Result<(), ApiError> {
    let value = value.trim();
    let bad = |problem: &str| Err(ApiError::invalid_field(field, problem));
    if value.is_empty() {
        return bad("is required");
    }
    if value.len() > 254 || value.chars().any(char::is_whitespace) {
        return bad("is not a valid email address");
    }
    match value.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..") =>
        {
            Ok(())
        }
        _ => bad("is not a valid email address"),
    }
}

/// A non-blank text of at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.trim().is_empty() || value.chars().count() > max {
        return Err(ApiError::invalid_field(field, &format!("must be 1 to {max} characters")));
    }
    Ok(())
}

/// A calendar date `YYYY-MM-DD`, not before `today`.
pub fn future_date(field: &str, value: &str, today: time::Date) -> Result<time::Date, ApiError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(value, format)
        .map_err(|_| ApiError::invalid_field(field, "must be a date written YYYY-MM-DD"))?;
    if date < today {
        return Err(ApiError::invalid_field(field, "must not be in the past"));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b.co", "first.last+tag@example.com", " Mover@Updater.Local "] {
            assert!(email("email", ok).is_ok(), "{ok}");
        }
        for bad in ["", "plain", "@example.com", "a@", "a@b", "a@.com", "a@b.", "a b@c.com", "a@b@c.com", "a@b..com"] {
            let e = email("email", bad).unwrap_err();
            assert!(e.message.starts_with("`email`"), "{bad}: {e}");
        }
    }

    #[test]
    fn dates() {
        let today = time::macros::date!(2026 - 11 - 26);
        assert_eq!(future_date("move_date", "2026-12-01", today).unwrap(), time::macros::date!(2026 - 12 - 01));
        assert!(future_date("move_date", "2026-11-26", today).is_ok());
        for bad in ["2026-11-25", "2026-02-30", "tomorrow", "2026/12/01", "26-12-01", ""] {
            let e = future_date("move_date", bad, today).unwrap_err();
            assert!(e.message.starts_with("`move_date`"), "{bad}: {e}");
        }
    }

    #[test]
    fn texts() {
        assert!(text("name", " ", 10).is_err());
        assert!(text("name", "Ada", 10).is_ok());
        assert!(text("name", "x".repeat(11).as_str(), 10).is_err());
    }
}
