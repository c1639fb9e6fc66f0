//! Step Functions' limits on a failure's text: an `error` name of at most 256
//! characters and a `cause` of at most 32,768. A longer one is refused by the
//! service, which would turn a business outcome (caught, compensated) into an
//! infrastructure failure (retried, then failed): so every failure the platform
//! hands to Step Functions is cut to fit first.

/// The longest `error` Step Functions accepts.
pub const MAX_ERROR_CHARS: usize = 256;
/// The longest `cause` Step Functions accepts.
pub const MAX_CAUSE_CHARS: usize = 32_768;

/// `text` cut to at most `max` characters, on a character boundary; a cut text
/// ends with `…` so a reader sees it was cut.
pub fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) => {
            let end = text.char_indices().nth(max.saturating_sub(1)).map_or(0, |(i, _)| i);
            format!("{}…", &text[..end])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_kept_and_long_ones_cut_on_a_character_boundary() {
        assert_eq!(cut("PaymentDeclined", MAX_ERROR_CHARS), "PaymentDeclined");
        let exact = "e".repeat(MAX_ERROR_CHARS);
        assert_eq!(cut(&exact, MAX_ERROR_CHARS), exact);
        let long = "é".repeat(40_000);
        let cause = cut(&long, MAX_CAUSE_CHARS);
        assert_eq!(cause.chars().count(), MAX_CAUSE_CHARS);
        assert!(cause.ends_with('…'));
        let error = cut(&"x".repeat(1_000), MAX_ERROR_CHARS);
        assert_eq!(error.chars().count(), MAX_ERROR_CHARS);
        assert_eq!(cut("", 0), "");
    }
}
