//! US address normalization to USPS Publication 28 style: upper case, no
//! punctuation, single spaces, standard suffix, directional and unit abbreviations,
//! two-letter state codes, ZIP or ZIP+4. An address that cannot be valid yields the
//! list of reasons instead.
mod regions;
mod suffixes;
mod units;

use std::collections::HashMap;
use std::sync::LazyLock;

use platform_messages::contracts::addressing::{NormalizedAddress, PostalAddress};

static SUFFIX: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (standard, spellings) in suffixes::SUFFIXES {
        map.insert(*standard, *standard);
        for s in *spellings {
            map.insert(*s, *standard);
        }
    }
    map
});

static UNIT: LazyLock<HashMap<&'static str, (&'static str, bool)>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (standard, spellings, ranged) in units::UNITS {
        map.insert(*standard, (*standard, *ranged));
        for s in *spellings {
            map.insert(*s, (*standard, *ranged));
        }
    }
    map
});

static STATE_BY_NAME: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| regions::REGIONS.iter().map(|(code, name)| (*name, *code)).collect());

const DIRECTIONALS: &[(&str, &str)] = &[
    ("NORTH", "N"),
    ("SOUTH", "S"),
    ("EAST", "E"),
    ("WEST", "W"),
    ("NORTHEAST", "NE"),
    ("NORTHWEST", "NW"),
    ("SOUTHEAST", "SE"),
    ("SOUTHWEST", "SW"),
];

fn directional(token: &str) -> Option<&'static str> {
    DIRECTIONALS.iter().find(|(long, short)| *long == token || *short == token).map(|(_, short)| *short)
}

/// Upper case, periods and apostrophes dropped, `#` split off, other punctuation
/// turned into spaces (hyphens and slashes inside a word are kept), one space between words.
fn clean(text: &str) -> Vec<String> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '.' | '\'' | '’' => {}
            '#' => out.push_str(" # "),
            '-' | '/' => out.push(c),
            c if c.is_alphanumeric() => out.extend(c.to_uppercase()),
            _ => out.push(' '),
        }
    }
    out.split_whitespace()
        .map(|w| w.trim_matches(|c| c == '-' || c == '/').to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

fn is_number(token: &str) -> bool {
    token.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// A unit from its words: a designator and its number, or a bare number (`#`).
fn unit_from(words: &[String]) -> Option<String> {
    let (first, rest) = words.split_first()?;
    let number: Vec<&str> = rest.iter().map(String::as_str).filter(|w| *w != "#").collect();
    match UNIT.get(first.as_str()) {
        Some((standard, _)) if number.is_empty() => Some((*standard).to_owned()),
        Some((standard, _)) => Some(format!("{standard} {}", number.join(" "))),
        None => Some(format!("# {}", words.iter().filter(|w| *w != "#").cloned().collect::<Vec<_>>().join(" "))),
    }
}

/// Splits a unit written at the end of line 1 off the street words.
fn split_trailing_unit(words: &mut Vec<String>) -> Option<String> {
    let n = words.len();
    let ranged = |w: &str| UNIT.get(w).is_some_and(|(_, ranged)| *ranged);
    // `... APT # 4`
    if n >= 5 && words[n - 2] == "#" && ranged(&words[n - 3]) {
        let unit = unit_from(&words[n - 3..]);
        words.truncate(n - 3);
        return unit;
    }
    // `... APT 4` or `... # 4`
    if n >= 4 && ranged(&words[n - 2]) {
        let unit = unit_from(&words[n - 2..]);
        words.truncate(n - 2);
        return unit;
    }
    // `... ST REAR`: a designator without number, after a suffix or directional.
    if n >= 4
        && UNIT.get(words[n - 1].as_str()).is_some_and(|(_, ranged)| !ranged)
        && (SUFFIX.contains_key(words[n - 2].as_str()) || directional(&words[n - 2]).is_some())
    {
        let unit = unit_from(&words[n - 1..]);
        words.truncate(n - 1);
        return unit;
    }
    None
}

fn po_box(words: &[String]) -> Option<String> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let rest = match w.as_slice() {
        ["PO", "BOX", rest @ ..] | ["P", "O", "BOX", rest @ ..] | ["POST", "OFFICE", "BOX", rest @ ..] => rest,
        _ => return None,
    };
    Some(format!("PO BOX {}", rest.join(" ")).trim_end().to_owned())
}

/// Abbreviates the suffix and directionals of the street words.
fn street_from(mut words: Vec<String>) -> String {
    let n = words.len();
    let numbered = words.first().is_some_and(|w| is_number(w));
    let min_suffix_index = if numbered { 2 } else { 1 };
    let post = (n >= 3 && directional(&words[n - 1]).is_some()).then(|| n - 1);
    let end = post.unwrap_or(n);
    let suffix = (end >= 1 && end > min_suffix_index && SUFFIX.contains_key(words[end - 1].as_str())).then(|| end - 1);
    if let Some(i) = suffix {
        words[i] = SUFFIX[words[i].as_str()].to_owned();
    }
    if let Some(i) = post {
        words[i] = directional(&words[i]).unwrap_or_default().to_owned();
    }
    // A predirectional needs a street name after it (`123 NORTH ST` keeps NORTH).
    let name_end = suffix.unwrap_or(end);
    if numbered
        && n >= 3
        && name_end > 2
        && let Some(short) = directional(&words[1])
    {
        words[1] = short.to_owned();
    }
    words.join(" ")
}

fn state_code(words: &[String]) -> Result<String, String> {
    let joined = words.join(" ");
    if joined.is_empty() {
        return Err("state is missing".to_owned());
    }
    if let Some((code, _)) = regions::REGIONS.iter().find(|(code, _)| *code == joined) {
        return Ok((*code).to_owned());
    }
    STATE_BY_NAME.get(joined.as_str()).map(|c| (*c).to_owned()).ok_or_else(|| format!("unknown state `{joined}`"))
}

fn zip_code(raw: &str) -> Result<String, String> {
    let zip: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if zip.is_empty() {
        return Err("ZIP code is missing".to_owned());
    }
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match zip.split_once('-') {
        None if digits(&zip, 5) => Ok(zip),
        None if digits(&zip, 9) => Ok(format!("{}-{}", &zip[..5], &zip[5..])),
        Some((five, four)) if digits(five, 5) && digits(four, 4) => Ok(zip),
        _ => Err(format!("malformed ZIP code `{}`: expected 5 digits or ZIP+4 (12345-6789)", raw.trim())),
    }
}

/// Normalizes an address, or returns every reason it cannot be valid. The result
/// is a fixed point (normalizing it again gives it back), so its id is stable: a
/// line the rules read one way and their output another is refused as ambiguous.
pub fn normalize(address: &PostalAddress) -> Result<NormalizedAddress, Vec<String>> {
    let once = normalize_once(address)?;
    let as_submitted = PostalAddress {
        line1: once.street.clone(),
        line2: once.unit.clone(),
        city: once.city.clone(),
        state: once.state.clone(),
        zip: once.zip.clone(),
    };
    match normalize_once(&as_submitted) {
        Ok(again) if again == once => Ok(once),
        _ => Err(vec![format!(
            "line1 cannot be read one way only (read as `{}`{}); write the unit in line2",
            once.street,
            once.unit.as_deref().map(|u| format!(", unit `{u}`")).unwrap_or_default()
        )]),
    }
}

fn normalize_once(address: &PostalAddress) -> Result<NormalizedAddress, Vec<String>> {
    let oversized = address.oversized();
    if !oversized.is_empty() {
        return Err(oversized.into_iter().map(|(part, max)| format!("{part} is over {max} characters")).collect());
    }
    let mut reasons = Vec::new();
    let mut words = clean(&address.line1);
    let line2 = address.line2.as_deref().map(clean).filter(|w| !w.is_empty());
    let (street, unit) = if let Some(po) = po_box(&words) {
        (po, line2.as_deref().and_then(unit_from))
    } else {
        let trailing = split_trailing_unit(&mut words);
        // A designator still ending the street (`... ST APT`, `... ST APT APT 4`) is a
        // unit without its number, or a second unit; a `#` left inside it (`MAIN# ST`)
        // marks no unit that can be read. Which one is meant is unknown.
        if let Some(last) = words.last().filter(|w| UNIT.get(w.as_str()).is_some_and(|(_, r)| *r)) {
            reasons
                .push(format!("line1 ends with the unit designator `{last}` without its number, or names two units"));
        } else if words.iter().any(|w| w == "#") {
            reasons.push("line1 has a `#` that marks no unit (write the unit at the end, or in line2)".to_owned());
        }
        let unit = line2.as_deref().and_then(unit_from).or(trailing);
        (street_from(words), unit)
    };
    if street.is_empty() {
        reasons.push("street line (line1) is missing".to_owned());
    }
    let city = clean(&address.city).join(" ");
    if city.is_empty() {
        reasons.push("city is missing".to_owned());
    }
    let state = state_code(&clean(&address.state)).map_err(|r| reasons.push(r)).ok();
    let zip = zip_code(&address.zip).map_err(|r| reasons.push(r)).ok();
    match (state, zip) {
        (Some(state), Some(zip)) if reasons.is_empty() => Ok(NormalizedAddress { street, unit, city, state, zip }),
        _ => Err(reasons),
    }
}
