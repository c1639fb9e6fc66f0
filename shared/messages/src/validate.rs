//! Field checks shared by the gateways and the domains, each naming the field and
//! what is wrong with it ([`Invalid`]; a gateway answers it with 400
//! `invalid_field`), and the maximum length of every field a client writes
//! (documented in the README).
pub use crate::contracts::addressing::{
    MAX_ADDRESS_LINE_CHARS, MAX_CITY_CHARS, MAX_STATE_CHARS, MAX_ZIP_CHARS, PostalAddress,
};

/// A field that breaks its rule: which field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}`: {problem}")]
pub struct Invalid {
    /// The field, as the client wrote it (`from_address.zip`).
    pub field: String,
    /// What is wrong, in words.
    pub problem: String,
}

impl Invalid {
    /// `field` breaks its rule: `problem`.
    pub fn field(field: &str, problem: &str) -> Self {
        Self { field: field.to_owned(), problem: problem.to_owned() }
    }
}

/// A person's or an account's name.
pub const MAX_NAME_CHARS: usize = 200;
/// An email address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// A phone number as written.
pub const MAX_PHONE_CHARS: usize = 32;
/// An `Idempotency-Key` header.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 128;
/// A listing's cursor.
pub const MAX_CURSOR_CHARS: usize = 512;
/// A password (long enough for any passphrase, short enough to hash cheaply).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// An email's shape: `local@domain.tld`, no spaces, at most 254 characters.
pub fn email(field: &str, value: &str) -> Result<(), Invalid> {
    let value = value.trim();
    let bad = |problem: &str| Err(Invalid::field(field, problem));
    if value.is_empty() {
        return bad("is required");
    }
    if value.len() > MAX_EMAIL_CHARS {
        return Err(Invalid::field(field, &format!("must be at most {MAX_EMAIL_CHARS} characters")));
    }
    if value.chars().any(char::is_whitespace) {
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

/// A non-blank text of one line, at most `max` characters, without control characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<(), Invalid> {
    if value.trim().is_empty() || value.chars().count() > max {
        return Err(Invalid::field(field, &format!("must be 1 to {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(Invalid::field(field, "must be one line without control characters"));
    }
    Ok(())
}

/// A postal address under `field`: each line within its maximum.
pub fn postal_address(field: &str, address: &PostalAddress) -> Result<(), Invalid> {
    text(&format!("{field}.line1"), &address.line1, MAX_ADDRESS_LINE_CHARS)?;
    if let Some(line2) = address.line2.as_deref().filter(|l| !l.trim().is_empty()) {
        text(&format!("{field}.line2"), line2, MAX_ADDRESS_LINE_CHARS)?;
    }
    text(&format!("{field}.city"), &address.city, MAX_CITY_CHARS)?;
    text(&format!("{field}.state"), &address.state, MAX_STATE_CHARS)?;
    text(&format!("{field}.zip"), &address.zip, MAX_ZIP_CHARS)
}

/// An opaque token a client sends back (`Idempotency-Key`, a cursor): visible
/// ASCII, 1 to `max` characters.
pub fn token(field: &str, value: &str, max: usize) -> Result<(), Invalid> {
    if value.is_empty() || value.len() > max || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Invalid::field(field, &format!("must be 1 to {max} visible ASCII characters")));
    }
    Ok(())
}

/// A calendar date `YYYY-MM-DD`, not before `today`.
pub fn future_date(field: &str, value: &str, today: time::Date) -> Result<time::Date, Invalid> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date =
        time::Date::parse(value, format).map_err(|_| Invalid::field(field, "must be a date written YYYY-MM-DD"))?;
    if date < today {
        return Err(Invalid::field(field, "must not be in the past"));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bound_names_its_field() {
        let address = |line1: &str, zip: &str| PostalAddress {
            line1: line1.into(),
            line2: Some(String::new()),
            city: "Springfield".into(),
            state: "IL".into(),
            zip: zip.into(),
        };
        assert!(postal_address("from_address", &address("1 Main St", "62701")).is_ok());
        let long = "x".repeat(5_000);
        let e = postal_address("from_address", &address(&long, "62701")).unwrap_err();
        assert!(e.to_string().starts_with("`from_address.line1`") && e.to_string().contains("100"), "{e}");
        let e = postal_address("to_address", &address("1 Main St", "62701-000000000000")).unwrap_err();
        assert!(e.to_string().starts_with("`to_address.zip`"), "{e}");
        assert!(text("name", "Ada\r\nBcc: x@y.z", 200).unwrap_err().to_string().contains("one line"));
        assert!(token("Idempotency-Key", &"k".repeat(129), MAX_IDEMPOTENCY_KEY_CHARS).is_err());
        assert!(token("Idempotency-Key", "a key", MAX_IDEMPOTENCY_KEY_CHARS).is_err());
        assert!(token("Idempotency-Key", "order-42", MAX_IDEMPOTENCY_KEY_CHARS).is_ok());
        assert!(email("email", &format!("{}@example.com", "a".repeat(250))).unwrap_err().to_string().contains("254"));
    }

    #[test]
    fn emails() {
        for ok in ["a@b.co", "first.last+tag@example.com", " Mover@Updater.Local "] {
            assert!(email("email", ok).is_ok(), "{ok}");
        }
        for bad in ["", "plain", "@example.com", "a@", "a@b", "a@.com", "a@b.", "a b@c.com", "a@b@c.com", "a@b..com"] {
            let e = email("email", bad).unwrap_err();
            assert!(e.to_string().starts_with("`email`"), "{bad}: {e}");
        }
    }

    #[test]
    fn dates() {
        let today = time::macros::date!(2026 - 11 - 26);
        assert_eq!(future_date("move_date", "2026-12-01", today).unwrap(), time::macros::date!(2026 - 12 - 01));
        assert!(future_date("move_date", "2026-11-26", today).is_ok());
        for bad in ["2026-11-25", "2026-02-30", "tomorrow", "2026/12/01", "26-12-01", ""] {
            let e = future_date("move_date", bad, today).unwrap_err();
            assert!(e.to_string().starts_with("`move_date`"), "{bad}: {e}");
        }
    }

    #[test]
    fn texts() {
        assert!(text("name", " ", 10).is_err());
        assert!(text("name", "Ada", 10).is_ok());
        assert!(text("name", "x".repeat(11).as_str(), 10).is_err());
    }
}
