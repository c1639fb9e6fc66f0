//! Plain-text email templates (`templates/*.txt`): a `Subject:` line, a blank
//! line, the body; `{{name}}` placeholders are filled from the event. A template
//! that names a value the event does not give is an error, never a blank.
use std::collections::BTreeMap;

use crate::error::NotificationError;

/// The one-time code, on `email_verification.requested`: fixed text and the code only.
pub const EMAIL_VERIFICATION: &str = include_str!("../templates/email_verification.txt");
/// Welcome email, on `email.verified` (to a proven address).
pub const EMAIL_VERIFIED: &str = include_str!("../templates/email_verified.txt");
/// Booking confirmed, on `move.booked`.
pub const MOVE_BOOKED: &str = include_str!("../templates/move_booked.txt");
/// Booking cancelled, on `move.cancelled`.
pub const MOVE_CANCELLED: &str = include_str!("../templates/move_cancelled.txt");

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

fn fill(text: &str, values: &BTreeMap<&str, String>) -> Result<String, NotificationError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or(NotificationError::UnclosedPlaceholder)?;
        let name = after[..end].trim();
        out.push_str(values.get(name).ok_or_else(|| NotificationError::MissingValue(name.to_owned()))?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Renders `template` with `values`.
pub fn render(template: &str, values: &BTreeMap<&str, String>) -> Result<Email, NotificationError> {
    let (first, body) = template.split_once('\n').ok_or(NotificationError::NoSubject)?;
    let subject = first.strip_prefix("Subject:").ok_or(NotificationError::NoSubject)?.trim();
    Ok(Email { subject: fill(subject, values)?, body: fill(body.trim_start_matches('\n'), values)? })
}

/// Cents as `$1,234.56`.
pub fn dollars(cents: u64) -> String {
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("${grouped}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&'static str, &str)]) -> BTreeMap<&'static str, String> {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn every_template_renders_with_its_event_values() {
        let booked =
            values(&[("move_date", "2027-03-01"), ("crew_size", "2"), ("deposit", "$150.00"), ("booking_id", "bkg_1")]);
        let email = render(MOVE_BOOKED, &booked).unwrap();
        assert_eq!(email.subject, "Your move on 2027-03-01 is booked");
        assert!(email.body.contains("a crew of 2") && email.body.contains("$150.00") && email.body.contains("bkg_1"));
        assert!(!email.body.contains("{{"));

        let cancelled = values(&[("move_date", "2027-03-01"), ("booking_id", "bkg_1"), ("reason", "card declined")]);
        assert!(render(MOVE_CANCELLED, &cancelled).unwrap().body.contains("cancelled: card declined."));
        let verified = values(&[("name", "Ada"), ("mover_id", "mov_1")]);
        let welcome = render(EMAIL_VERIFIED, &verified).unwrap();
        assert_eq!(welcome.subject, "Welcome to Updater");
        assert!(welcome.body.contains("Hello Ada") && welcome.body.contains("mov_1"));
        let code = values(&[("code", "123456"), ("expires_at", "2027-03-01T00:00:00Z")]);
        let verification = render(EMAIL_VERIFICATION, &code).unwrap();
        assert_eq!(verification.subject, "Your Updater verification code");
        assert!(verification.body.contains("is 123456"));
    }

    /// The placeholders of a template's subject line and of its body.
    fn placeholders(template: &str) -> (Vec<String>, Vec<String>) {
        let names = |text: &str| {
            text.split("{{").skip(1).filter_map(|p| p.split_once("}}")).map(|(n, _)| n.trim().to_owned()).collect()
        };
        let (subject, body) = template.split_once('\n').unwrap();
        (names(subject), names(body))
    }

    #[test]
    fn no_user_text_reaches_a_subject_and_the_code_email_carries_none_at_all() {
        // What a user writes (names, free text) may appear in a body sent to a proven
        // address; subjects carry only the system's own values.
        const SYSTEM_VALUES: [&str; 6] = ["move_date", "crew_size", "deposit", "booking_id", "code", "expires_at"];
        for template in [EMAIL_VERIFICATION, EMAIL_VERIFIED, MOVE_BOOKED, MOVE_CANCELLED] {
            let (subject, _) = placeholders(template);
            assert!(subject.iter().all(|p| SYSTEM_VALUES.contains(&p.as_str())), "{subject:?} in {template}");
        }
        let (subject, body) = placeholders(EMAIL_VERIFICATION);
        assert!(subject.is_empty());
        assert_eq!(body, ["code", "expires_at"], "the code email holds the code and its expiry, nothing a user wrote");
    }

    #[test]
    fn a_missing_value_or_a_broken_template_is_an_error() {
        let missing = render(MOVE_BOOKED, &values(&[]));
        assert!(matches!(missing, Err(NotificationError::MissingValue(ref v)) if v == "move_date"), "{missing:?}");
        assert!(matches!(render("no subject\nbody", &values(&[])), Err(NotificationError::NoSubject)));
        let open = render("Subject: x\n{{open", &values(&[]));
        assert!(matches!(open, Err(NotificationError::UnclosedPlaceholder)), "{open:?}");
    }

    #[test]
    fn amounts_read_as_dollars() {
        assert_eq!(dollars(5), "$0.05");
        assert_eq!(dollars(15_000), "$150.00");
        assert_eq!(dollars(123_456_789), "$1,234,567.89");
    }
}
