//! A log line's JSON: its entries sorted by key, each key once (the last entry of a
//! key winning), values written as `serde_json` writes them, into a buffer the
//! caller reuses; and its UTC timestamp, to the millisecond.
use std::borrow::Cow;

use time::OffsetDateTime;

/// A field's value: owned where a span or an event keeps it, borrowed where a line
/// takes it from the layer or the event's metadata.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Text.
    Text(Cow<'a, str>),
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A float (one that is not finite is written `null`).
    F64(f64),
}

impl<'a> Value<'a> {
    /// Text borrowed for the line being written.
    pub fn text(text: &'a str) -> Self {
        Value::Text(Cow::Borrowed(text))
    }
}

/// Appends `value` as JSON.
fn write_value(out: &mut Vec<u8>, value: &Value<'_>) {
    let written = match value {
        Value::Text(s) => serde_json::to_writer(&mut *out, s),
        Value::Bool(b) => serde_json::to_writer(&mut *out, b),
        Value::I64(n) => serde_json::to_writer(&mut *out, n),
        Value::U64(n) => serde_json::to_writer(&mut *out, n),
        Value::F64(x) if x.is_finite() => serde_json::to_writer(&mut *out, x),
        Value::F64(_) => serde_json::to_writer(&mut *out, &()),
    };
    // Writing into a `Vec` cannot fail.
    written.expect("JSON into memory");
}

/// Appends the object of `entries` and a newline: sorted by key, the last entry of a
/// key winning (a stable sort, then each run of one key kept as its last).
pub fn write_line(out: &mut Vec<u8>, entries: &mut [(&str, &Value<'_>)]) {
    entries.sort_by_key(|(key, _)| *key);
    out.push(b'{');
    let mut first = true;
    for (i, (key, value)) in entries.iter().enumerate() {
        if entries.get(i + 1).is_some_and(|(next, _)| next == key) {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        serde_json::to_writer(&mut *out, key).expect("JSON into memory");
        out.push(b':');
        write_value(out, value);
    }
    out.extend_from_slice(b"}\n");
}

/// `at` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC; a year outside 0-9999 clamped to it).
pub fn timestamp(at: OffsetDateTime) -> [u8; 24] {
    let at = at.to_offset(time::UtcOffset::UTC);
    let mut text = *b"0000-00-00T00:00:00.000Z";
    let mut put = |from: usize, digits: usize, value: u32| {
        let mut value = value;
        for slot in text[from..from + digits].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, at.year().clamp(0, 9999) as u32);
    put(5, 2, u8::from(at.month()).into());
    put(8, 2, at.day().into());
    put(11, 2, at.hour().into());
    put(14, 2, at.minute().into());
    put(17, 2, at.second().into());
    put(20, 3, at.millisecond().into());
    text
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_timestamp_is_what_the_time_crate_writes() {
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
        for at in [
            datetime!(2026-12-07 14:05:09.0071 UTC),
            datetime!(1999-01-31 23:59:59.999999 UTC),
            datetime!(2030-06-01 00:00:00 UTC),
            datetime!(2026-12-07 23:30:00.5 -01:00),
        ] {
            let utc = at.to_offset(time::UtcOffset::UTC);
            assert_eq!(std::str::from_utf8(&timestamp(at)).unwrap(), utc.format(&format).unwrap());
        }
    }

    #[test]
    fn the_last_entry_of_a_key_wins_and_keys_are_sorted() {
        let mut line = Vec::new();
        let mut entries = [("b", &Value::I64(1)), ("a", &Value::text("x\"y")), ("b", &Value::Bool(true))];
        write_line(&mut line, &mut entries);
        assert_eq!(line, b"{\"a\":\"x\\\"y\",\"b\":true}\n");
    }
}
