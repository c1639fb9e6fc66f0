//! A log line's JSON: its entries sorted by key, each key once (the last entry of a
//! key winning), values written as `serde_json` writes them, into a buffer the
//! caller reuses; and its UTC timestamp, to the millisecond.
use std::borrow::Cow;

use platform_messages::json_scan::plain_prefix_len;
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

/// Appends `text` as a JSON string, as `serde_json` writes it: copied between quotes
/// when it holds nothing to escape (what ids, names and most messages are), else
/// escaped by `serde_json`.
fn write_str(out: &mut Vec<u8>, text: &str) {
    if plain_prefix_len(text.as_bytes()) == text.len() {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, text).expect("JSON into memory");
    }
}

/// Appends `value` as JSON.
fn write_value(out: &mut Vec<u8>, value: &Value<'_>) {
    let written = match value {
        Value::Text(s) => return write_str(out, s),
        Value::Bool(b) => serde_json::to_writer(&mut *out, b),
        Value::I64(n) => serde_json::to_writer(&mut *out, n),
        Value::U64(n) => serde_json::to_writer(&mut *out, n),
        Value::F64(x) if x.is_finite() => serde_json::to_writer(&mut *out, x),
        Value::F64(_) => serde_json::to_writer(&mut *out, &()),
    };
    // Writing into a `Vec` cannot fail.
    written.expect("JSON into memory");
}

/// A line's entry: its key's first eight bytes as a number that orders as the key
/// does (see [`entry`]), the key, the value.
pub type Entry<'k, 'v> = (u64, &'k str, &'v Value<'v>);

/// The entry of `key`: its first eight bytes, zero-padded, read big-endian. Two keys
/// whose numbers differ order as their numbers do (a key shorter than eight bytes
/// sorts before the longer keys it starts); equal numbers leave the order to the
/// keys themselves. Sorting compares numbers, not strings, for most pairs.
pub fn entry<'k, 'v>(key: &'k str, value: &'v Value<'v>) -> Entry<'k, 'v> {
    let mut head = [0u8; 8];
    let length = key.len().min(8);
    head[..length].copy_from_slice(&key.as_bytes()[..length]);
    (u64::from_be_bytes(head), key, value)
}

/// Appends the object of `entries` and a newline: sorted by key, the last entry of a
/// key winning (a stable sort, then each run of one key kept as its last).
pub fn write_line(out: &mut Vec<u8>, entries: &mut [Entry<'_, '_>]) {
    entries.sort_by(|(a_head, a, _), (b_head, b, _)| a_head.cmp(b_head).then_with(|| a.cmp(b)));
    out.push(b'{');
    let mut first = true;
    for (i, (_, key, value)) in entries.iter().enumerate() {
        if entries.get(i + 1).is_some_and(|(_, next, _)| next == key) {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        write_str(out, key);
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
        let (one, quoted, yes) = (Value::I64(1), Value::text("x\"y"), Value::Bool(true));
        let mut entries = [entry("b", &one), entry("a", &quoted), entry("b", &yes)];
        write_line(&mut line, &mut entries);
        assert_eq!(line, b"{\"a\":\"x\\\"y\",\"b\":true}\n");
    }

    proptest::proptest! {
        #[test]
        fn entries_sort_as_their_keys_do(keys in proptest::collection::vec("[a-c_\\x00é]{0,10}", 0..24)) {
            let value = Value::Bool(true);
            let mut entries: Vec<_> = keys.iter().map(|key| entry(key, &value)).collect();
            let mut line = Vec::new();
            write_line(&mut line, &mut entries);
            // `serde_json`'s map is ordered by key (the crate's `preserve_order` is off).
            let expected: serde_json::Map<_, _> = keys.iter().map(|k| (k.clone(), serde_json::Value::Bool(true))).collect();
            proptest::prop_assert_eq!(line, [serde_json::to_vec(&expected).unwrap(), b"\n".to_vec()].concat());
        }
    }
}
