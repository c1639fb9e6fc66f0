//! A strict, allocation-sparing JSON reader for the consumer's hot path (the
//! Lambda SQS event and the envelopes in it): strings are scanned eight bytes at a time (SWAR), borrowed
//! when they hold no escape and unescaped in one pass when they do, and values the
//! caller does not read are skipped without being built. It accepts only what
//! RFC 8259 (and so `serde_json`) accepts; anything else is an error, and callers
//! fall back to `serde_json` for its exact message.
use std::borrow::Cow;

use serde_json::value::RawValue;

/// Why the reader stopped (the position is a byte offset into the input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// What was wrong.
    pub reason: &'static str,
    /// Where, as a byte offset.
    pub at: usize,
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.at)
    }
}

impl std::error::Error for ScanError {}

/// A field of an object that may appear once: a second time is an error, as for
/// serde's derive. The readers built on the scanner keep each field they read in one.
pub struct Once<T>(pub Option<T>);

impl<T> Default for Once<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T> Once<T> {
    /// Keeps `value`, or fails (at the scanner's position) when the field was read before.
    pub fn set(&mut self, s: &Scanner<'_>, value: T) -> Result<(), ScanError> {
        if self.0.replace(value).is_some() {
            return Err(ScanError { reason: "duplicate field", at: s.position() });
        }
        Ok(())
    }
}

/// How deeply skipped values may nest (as `serde_json`'s default recursion limit).
const MAX_DEPTH: usize = 128;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that is zero (exact for the lowest one).
#[inline(always)]
fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGHS
}

/// The high bit of each byte that ends a run of plain string bytes: `"`, `\` or a
/// control character (below 0x20); exact for the lowest one.
#[inline(always)]
fn specials(word: u64) -> u64 {
    let quote = zero_bytes(word ^ (ONES * b'"' as u64));
    let backslash = zero_bytes(word ^ (ONES * b'\\' as u64));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    quote | backslash | control
}

/// A cursor over one JSON text.
pub struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    /// A reader at the start of `text`.
    pub fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    /// The byte offset reached.
    pub fn position(&self) -> usize {
        self.pos
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn error<T>(&self, reason: &'static str) -> Result<T, ScanError> {
        Err(ScanError { reason, at: self.pos })
    }

    /// The next byte after whitespace, not consumed.
    pub fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes().get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    /// Consumes `byte` (after whitespace) or fails.
    fn expect(&mut self, byte: u8) -> Result<(), ScanError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.error("unexpected character")
        }
    }

    /// Fails unless only whitespace is left.
    pub fn end(&mut self) -> Result<(), ScanError> {
        match self.peek() {
            None => Ok(()),
            Some(_) => self.error("trailing characters"),
        }
    }

    /// Consumes `null` if it comes next; true when it did.
    pub fn null(&mut self) -> Result<bool, ScanError> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        self.literal(b"null")?;
        Ok(true)
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), ScanError> {
        if self.bytes()[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            self.error("invalid literal")
        }
    }

    /// Walks an object: `field` is called with each key (unescaped) and must consume
    /// its value. An empty object calls it never.
    pub fn object(&mut self, mut field: impl FnMut(&mut Self, &str) -> Result<(), ScanError>) -> Result<(), ScanError> {
        self.expect(b'{')?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return self.error("expected a key");
            }
            let key = self.string()?;
            self.expect(b':')?;
            field(self, &key)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.error("expected `,` or `}`"),
            }
        }
    }

    /// Walks an array: `element` is called for each element and must consume it.
    pub fn array(&mut self, mut element: impl FnMut(&mut Self) -> Result<(), ScanError>) -> Result<(), ScanError> {
        self.expect(b'[')?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            element(self)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return self.error("expected `,` or `]`"),
            }
        }
    }

    /// A string or `null`.
    pub fn optional_string(&mut self) -> Result<Option<Cow<'a, str>>, ScanError> {
        if self.null()? { Ok(None) } else { self.string().map(Some) }
    }

    /// A string value: borrowed when it holds no escape, else unescaped in one pass.
    pub fn string(&mut self) -> Result<Cow<'a, str>, ScanError> {
        if self.peek() != Some(b'"') {
            return self.error("expected a string");
        }
        let start = self.pos + 1;
        let end = plain_run(self.bytes(), start);
        if self.bytes().get(end) == Some(&b'"') {
            self.pos = end + 1;
            return Ok(Cow::Borrowed(&self.text[start..end]));
        }
        match unescape(self.bytes(), start) {
            Ok((unescaped, after)) => {
                self.pos = after;
                Ok(Cow::Owned(unescaped))
            }
            Err((reason, at)) => {
                self.pos = at;
                self.error(reason)
            }
        }
    }

    /// Skips a string (at its opening quote), checking its escapes, without building it.
    fn skip_string(&mut self) -> Result<(), ScanError> {
        let bytes = self.bytes();
        let mut at = self.pos + 1;
        let reason = loop {
            at = plain_run(bytes, at);
            match bytes.get(at) {
                Some(b'"') => {
                    self.pos = at + 1;
                    return Ok(());
                }
                Some(b'\\') => match decode_escape(&bytes[at + 1..]) {
                    Ok((_, length)) => at += 1 + length,
                    Err(reason) => break reason,
                },
                Some(_) => break "control character in a string",
                None => break "unterminated string",
            }
        };
        self.pos = at;
        self.error(reason)
    }

    /// An unsigned integer that fits 32 bits (a fraction, an exponent, a sign or
    /// more bits are errors).
    pub fn u32(&mut self) -> Result<u32, ScanError> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return self.error("expected an unsigned integer");
        }
        let start = self.pos;
        self.number()?;
        self.text[start..self.pos].parse().or_else(|_| self.error("expected an unsigned 32-bit integer"))
    }

    /// The next value as JSON text, checked by `serde_json` itself (so that it can be
    /// decoded later without a second look), borrowed from the input.
    pub fn raw_value(&mut self) -> Result<&'a RawValue, ScanError> {
        self.peek();
        let mut values = serde_json::Deserializer::from_str(&self.text[self.pos..]).into_iter::<&RawValue>();
        match values.next() {
            Some(Ok(raw)) => {
                self.pos += values.byte_offset();
                Ok(raw)
            }
            _ => self.error("invalid value"),
        }
    }

    /// Skips one value of any kind, checking it as strictly as reading it would.
    pub fn skip(&mut self) -> Result<(), ScanError> {
        self.skip_nested(0)
    }

    fn skip_nested(&mut self, depth: usize) -> Result<(), ScanError> {
        if depth >= MAX_DEPTH {
            return self.error("nested too deeply");
        }
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(b'{') => self.object(|s, _| s.skip_nested(depth + 1)),
            Some(b'[') => self.array(|s| s.skip_nested(depth + 1)),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.error("expected a value"),
        }
    }

    /// A number by RFC 8259's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<(), ScanError> {
        let bytes = self.bytes();
        let digits = |at: usize| bytes[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        let mut at = self.pos + usize::from(bytes[self.pos] == b'-');
        match bytes.get(at) {
            Some(b'0') => at += 1,
            Some(b'1'..=b'9') => at += digits(at),
            _ => return self.error("invalid number"),
        }
        if bytes.get(at) == Some(&b'.') {
            let n = digits(at + 1);
            if n == 0 {
                return self.error("invalid number");
            }
            at += 1 + n;
        }
        if matches!(bytes.get(at), Some(b'e' | b'E')) {
            at += 1;
            if matches!(bytes.get(at), Some(b'+' | b'-')) {
                at += 1;
            }
            let n = digits(at);
            if n == 0 {
                return self.error("invalid number");
            }
            at += n;
        }
        self.pos = at;
        Ok(())
    }
}

/// How many of `bytes`' first bytes a JSON string holds as they are: the length of
/// the leading run with no `"`, `\` or control character (eight bytes checked at a
/// time). A writer whose text is all plain writes it between quotes unexamined; it
/// is exactly the set of bytes `serde_json` escapes.
pub fn plain_prefix_len(bytes: &[u8]) -> usize {
    plain_run(bytes, 0)
}

/// The end of the run of plain string bytes (neither `"`, `\\` nor a control
/// character) that starts at `from`: eight bytes checked at a time.
#[inline(always)]
fn plain_run(bytes: &[u8], from: usize) -> usize {
    let rest = bytes.get(from..).unwrap_or_default();
    let mut words = rest.chunks_exact(8);
    let mut at = from;
    for word in &mut words {
        let found = specials(u64::from_le_bytes(word.try_into().expect("eight bytes")));
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + words.remainder().iter().take_while(|&&b| !matches!(b, b'"' | b'\\' | 0..0x20)).count()
}

/// The string whose content starts at `start` in `text`, its escapes decoded, and
/// the position after its closing quote; or why it is not a string and where. One
/// pass: each run of plain bytes is found eight bytes at a time and appended (a
/// short run, what an escaped JSON body is full of, as one store of sixteen bytes
/// cut back to its length rather than a copy of its length), then the escape after
/// it decoded in place.
fn unescape(bytes: &[u8], start: usize) -> Result<(String, usize), (&'static str, usize)> {
    let mut out = Vec::with_capacity((bytes.len() - start).min(2048));
    let mut read = start;
    loop {
        let end = plain_run(bytes, read);
        match bytes.get(read..read + SHORT_RUN) {
            Some(short) if end - read <= SHORT_RUN => {
                let written = out.len();
                out.extend_from_slice(&<[u8; SHORT_RUN]>::try_from(short).expect("a short run's bytes"));
                out.truncate(written + end - read);
            }
            _ => out.extend_from_slice(&bytes[read..end]),
        }
        read = end;
        match bytes.get(read) {
            Some(b'"') => {
                // Runs of whole characters of a valid text and decoded escapes went
                // in, so this check cannot fail; it is what safe code pays for that.
                let unescaped = String::from_utf8(out).map_err(|_| ("invalid UTF-8", start))?;
                return Ok((unescaped, read + 1));
            }
            Some(b'\\') => match bytes.get(read + 1) {
                // The escape of a quote first: what an escaped JSON body is full of.
                Some(b'"') => {
                    out.push(b'"');
                    read += 2;
                }
                _ => {
                    let (character, length) = decode_escape(&bytes[read + 1..]).map_err(|reason| (reason, read))?;
                    out.extend_from_slice(character.encode_utf8(&mut [0; 4]).as_bytes());
                    read += 1 + length;
                }
            },
            Some(_) => return Err(("control character in a string", read)),
            None => return Err(("unterminated string", read)),
        }
    }
}

/// The longest run [`unescape`] appends as one fixed-size store.
const SHORT_RUN: usize = 16;

/// The character an escape stands for (`escaped` starts after its backslash) and
/// how many bytes after the backslash it takes.
fn decode_escape(escaped: &[u8]) -> Result<(char, usize), &'static str> {
    let plain = match escaped.first() {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => return decode_unicode(&escaped[1..]).map(|(c, length)| (c, 1 + length)),
        Some(_) => return Err("invalid escape"),
        None => return Err("unterminated string"),
    };
    Ok((plain, 1))
}

/// The character of a `\uXXXX` escape (`digits` starts after its `u`), joining a
/// surrogate pair, and how many bytes it takes.
fn decode_unicode(digits: &[u8]) -> Result<(char, usize), &'static str> {
    let first = hex4(digits)?;
    let code = match first {
        0xD800..=0xDBFF => {
            if !digits[4..].starts_with(b"\\u") {
                return Err("lone leading surrogate");
            }
            let second = hex4(&digits[6..])?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return Err("invalid trailing surrogate");
            }
            return char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
                .map(|c| (c, 10))
                .ok_or("invalid code point");
        }
        0xDC00..=0xDFFF => return Err("lone trailing surrogate"),
        code => code,
    };
    char::from_u32(code).map(|c| (c, 4)).ok_or("invalid code point")
}

fn hex4(digits: &[u8]) -> Result<u32, &'static str> {
    let digits = digits.get(..4).ok_or("short \\u escape")?;
    digits.iter().try_fold(0, |code, &d| {
        let value = (d as char).to_digit(16).ok_or("invalid \\u escape")?;
        Ok(code * 16 + value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_string(json: &str) -> Result<String, ScanError> {
        let mut s = Scanner::new(json);
        let value = s.string()?.into_owned();
        s.end()?;
        Ok(value)
    }

    fn skips(json: &str) -> bool {
        let mut s = Scanner::new(json);
        s.skip().and_then(|()| s.end()).is_ok()
    }

    #[test]
    fn strings_are_read_as_serde_json_reads_them() {
        let cases = [
            r#""""#,
            r#""plain text longer than eight bytes""#,
            r#""a\"b\\c\/d\be\ff\ng\rh\ti""#,
            r#""\u00e9\u4e2d\ud83d\ude00 end""#,
            r#""{\"id\":\"0191\",\"data\":{\"ref\":\"x\"}} and more text after it""#,
            "\"é中😀 multi-byte characters kept as they are\"",
        ];
        for json in cases {
            let expected: String = serde_json::from_str(json).unwrap();
            assert_eq!(read_string(json).unwrap(), expected, "{json}");
        }
    }

    #[test]
    fn runs_of_every_length_are_unescaped_wherever_the_input_ends() {
        // Runs shorter and longer than one store, multi-byte characters beside the
        // cut, and the string's end at and before the end of the input.
        for length in 0..40 {
            let run: String = "aé中😀b".chars().cycle().take(length).collect();
            for json in [
                format!(
                    r#""{run}"{run}\{run}
{run}""#
                ),
                format!(r#"""{run}"""#),
                format!(r#""{run}é{run}"  "#),
                format!(r#""{run}"{run}" trailing text that the reader never looks at"#),
            ] {
                let expected: String = serde_json::Deserializer::from_str(&json).into_iter().next().unwrap().unwrap();
                let mut s = Scanner::new(&json);
                assert_eq!(s.string().unwrap(), expected, "{json}");
                assert_eq!(&json[s.position() - 1..s.position()], "\"", "{json}");
            }
        }
    }

    #[test]
    fn the_plain_prefix_ends_at_the_first_byte_serde_json_escapes() {
        for byte in 0..=0x7fu8 {
            let escaped = serde_json::to_string(&(byte as char)).unwrap().len() > 3;
            // At every position of a word and of the remainder after the last word.
            for at in [0, 5, 8, 13, 20] {
                let mut text = vec![b'a'; 21];
                text[at] = byte;
                assert_eq!(plain_prefix_len(&text), if escaped { at } else { 21 }, "byte {byte:#x} at {at}");
            }
        }
        assert_eq!(plain_prefix_len("é中😀 kept".as_bytes()), "é中😀 kept".len());
    }

    #[test]
    fn a_string_without_escapes_is_borrowed() {
        let mut s = Scanner::new(r#""no escapes in here at all""#);
        assert!(matches!(s.string().unwrap(), Cow::Borrowed("no escapes in here at all")));
    }

    #[test]
    fn what_serde_json_refuses_in_a_string_is_refused() {
        for json in [
            "\"unterminated",
            "\"tab\there\"",
            "\"newline\nhere\"",
            r#""bad \x escape""#,
            r#""\ud800 lone leading""#,
            r#""\udc00 lone trailing""#,
            r#""\ud800\u0041 bad pair""#,
            r#""\u12""#,
            r#""\u12g4""#,
            r#""ends in a backslash\"#,
        ] {
            assert!(serde_json::from_str::<String>(json).is_err(), "serde_json accepts {json}");
            assert!(read_string(json).is_err(), "accepted {json}");
        }
    }

    #[test]
    fn values_are_skipped_as_strictly_as_serde_json_reads_them() {
        let good = [
            "0",
            "-0.5e+10",
            "12.25E-3",
            "true",
            "false",
            "null",
            r#"{"a": [1, {"b": "c\"d"}, []], "e": {}}"#,
            " [ ] ",
        ];
        let bad = ["01", "1.", "-", ".5", "1e", "tru", "nul", "[1,]", r#"{"a" 1}"#, r#"{"a":1,}"#, "[1 2]", "{1: 2}"];
        for json in good {
            assert!(serde_json::from_str::<serde_json::Value>(json).is_ok(), "{json}");
            assert!(skips(json), "refused {json}");
        }
        for json in bad {
            assert!(serde_json::from_str::<serde_json::Value>(json).is_err(), "{json}");
            assert!(!skips(json), "accepted {json}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(Scanner::new(&deep).skip().unwrap_err().reason, "nested too deeply");
    }

    #[test]
    fn objects_and_arrays_are_walked_in_order() {
        let mut s = Scanner::new(r#" { "a" : [ "x", "y" ], "b\n" : null } "#);
        let mut seen = Vec::new();
        s.object(|s, key| {
            seen.push(key.to_owned());
            if key == "a" { s.array(|s| s.string().map(|v| seen.push(v.into_owned()))) } else { s.null().map(|_| ()) }
        })
        .unwrap();
        s.end().unwrap();
        assert_eq!(seen, ["a", "x", "y", "b\n"]);
    }
}
