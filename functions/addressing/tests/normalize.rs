//! Table-driven normalization cases: suffixes, directionals, units, states, ZIPs and
//! addresses that cannot be valid.
use addressing::normalize::normalize;
use platform_messages::contracts::addressing::PostalAddress;

fn addr(line1: &str, line2: Option<&str>, city: &str, state: &str, zip: &str) -> PostalAddress {
    PostalAddress {
        line1: line1.into(),
        line2: line2.map(Into::into),
        city: city.into(),
        state: state.into(),
        zip: zip.into(),
    }
}

/// `(line1, line2, expected street, expected unit)` with a valid city, state and ZIP.
const STREETS: &[(&str, Option<&str>, &str, Option<&str>)] = &[
    // Suffixes
    ("123 Main Street", None, "123 MAIN ST", None),
    ("123 main st.", None, "123 MAIN ST", None),
    ("9 Elm Avenue", None, "9 ELM AVE", None),
    ("9 Elm Av", None, "9 ELM AVE", None),
    ("9 Elm Aven.", None, "9 ELM AVE", None),
    ("1 Sunset Boulevard", None, "1 SUNSET BLVD", None),
    ("1 Sunset Boul", None, "1 SUNSET BLVD", None),
    ("44 Oak Drive", None, "44 OAK DR", None),
    ("44 Oak Court", None, "44 OAK CT", None),
    ("5 Lakeview Terrace", None, "5 LAKEVIEW TER", None),
    ("77 Pine Lane", None, "77 PINE LN", None),
    ("8 Harbor Place", None, "8 HARBOR PL", None),
    ("600 Blue Ridge Parkway", None, "600 BLUE RIDGE PKWY", None),
    ("12 Old Mill Road", None, "12 OLD MILL RD", None),
    ("3 Village Square", None, "3 VILLAGE SQ", None),
    ("10 Deer Run Circle", None, "10 DEER RUN CIR", None),
    ("2 Ocean Highway", None, "2 OCEAN HWY", None),
    ("2 Canyon Crossing", None, "2 CANYON XING", None),
    ("18 Maple Heights", None, "18 MAPLE HTS", None),
    ("450 Mountain Expressway", None, "450 MOUNTAIN EXPY", None),
    ("31 Spring Gardens", None, "31 SPRING GDNS", None),
    ("7 Willow Way", None, "7 WILLOW WAY", None),
    ("15 Stone Trail", None, "15 STONE TRL", None),
    ("100 Commerce Center", None, "100 COMMERCE CTR", None),
    ("100 Commerce Centre", None, "100 COMMERCE CTR", None),
    ("55 Broad Street Extension", None, "55 BROAD STREET EXT", None),
    // A suffix word inside the name is not abbreviated.
    ("20 Park Avenue", None, "20 PARK AVE", None),
    ("20 Avenue Road", None, "20 AVENUE RD", None),
    // Directionals
    ("100 North Main Street", None, "100 N MAIN ST", None),
    ("100 N. Main St.", None, "100 N MAIN ST", None),
    ("100 Main Street North", None, "100 MAIN ST N", None),
    ("100 Northeast 5th Avenue", None, "100 NE 5TH AVE", None),
    ("100 5th Avenue Southwest", None, "100 5TH AVE SW", None),
    ("100 S.W. 5th Ave", None, "100 SW 5TH AVE", None),
    ("200 West Elm Street East", None, "200 W ELM ST E", None),
    // A directional that is the street's name stays spelled out.
    ("123 North Street", None, "123 NORTH ST", None),
    ("123 East Boulevard", None, "123 EAST BLVD", None),
    // Units
    ("123 Main St Apt 4B", None, "123 MAIN ST", Some("APT 4B")),
    ("123 Main St Apartment 4B", None, "123 MAIN ST", Some("APT 4B")),
    ("123 Main St, Suite 200", None, "123 MAIN ST", Some("STE 200")),
    ("123 Main St #5", None, "123 MAIN ST", Some("# 5")),
    ("123 Main St Apt #5", None, "123 MAIN ST", Some("APT 5")),
    ("123 Main St Floor 3", None, "123 MAIN ST", Some("FL 3")),
    ("123 Main St Room 12", None, "123 MAIN ST", Some("RM 12")),
    ("123 Main St Building C", None, "123 MAIN ST", Some("BLDG C")),
    ("123 Main St Rear", None, "123 MAIN ST", Some("REAR")),
    ("123 Main St Basement", None, "123 MAIN ST", Some("BSMT")),
    ("123 Main St N Penthouse", None, "123 MAIN ST N", Some("PH")),
    ("123 Main St", Some("Apartment 7"), "123 MAIN ST", Some("APT 7")),
    ("123 Main St", Some("Suite 1200"), "123 MAIN ST", Some("STE 1200")),
    ("123 Main St", Some("#12"), "123 MAIN ST", Some("# 12")),
    ("123 Main St", Some("12"), "123 MAIN ST", Some("# 12")),
    ("123 Main St", Some("Unit 3-A"), "123 MAIN ST", Some("UNIT 3-A")),
    ("123 Main St", Some("  "), "123 MAIN ST", None),
    ("123 Main St Trailer 9", None, "123 MAIN ST", Some("TRLR 9")),
    // Punctuation and spacing
    ("  123   main    street  ", None, "123 MAIN ST", None),
    ("123 O'Brien Rd.", None, "123 OBRIEN RD", None),
    ("123-A Main St", None, "123-A MAIN ST", None),
    // PO boxes
    ("P.O. Box 42", None, "PO BOX 42", None),
    ("Post Office Box 42", None, "PO BOX 42", None),
];

#[test]
fn street_lines_are_normalized() {
    let mut failures = Vec::new();
    for (line1, line2, street, unit) in STREETS {
        let got = normalize(&addr(line1, *line2, "Springfield", "IL", "62701"));
        match got {
            Ok(n) if n.street == *street && n.unit.as_deref() == *unit => {}
            other => failures.push(format!("{line1:?} / {line2:?}: expected {street:?} {unit:?}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// `(state as written, code)`.
const STATES: &[(&str, &str)] = &[
    ("IL", "IL"),
    ("il", "IL"),
    ("Illinois", "IL"),
    ("new york", "NY"),
    ("New  York", "NY"),
    ("N.Y.", "NY"),
    ("North Carolina", "NC"),
    ("District of Columbia", "DC"),
    ("D.C.", "DC"),
    ("Puerto Rico", "PR"),
    ("West Virginia", "WV"),
    ("AE", "AE"),
    ("guam", "GU"),
    ("Texas ", "TX"),
];

#[test]
fn states_become_two_letter_codes() {
    for (written, code) in STATES {
        let n = normalize(&addr("1 Main St", None, "Town", written, "10001"))
            .unwrap_or_else(|r| panic!("{written}: {r:?}"));
        assert_eq!(n.state, *code, "{written}");
    }
}

/// `(zip as written, normalized)`.
const ZIPS: &[(&str, &str)] = &[
    ("62701", "62701"),
    ("62701-1234", "62701-1234"),
    ("627011234", "62701-1234"),
    (" 62701 ", "62701"),
    ("62701 - 1234", "62701-1234"),
    ("02134", "02134"),
];

#[test]
fn zips_are_five_digits_or_zip_plus_four() {
    for (written, zip) in ZIPS {
        let n =
            normalize(&addr("1 Main St", None, "Town", "MA", written)).unwrap_or_else(|r| panic!("{written}: {r:?}"));
        assert_eq!(n.zip, *zip, "{written}");
    }
}

#[test]
fn city_is_upper_case_without_punctuation() {
    let n = normalize(&addr("1 Main St", None, "  st. louis ", "MO", "63101")).unwrap();
    assert_eq!(n.city, "ST LOUIS");
    let n = normalize(&addr("1 Main St", None, "Winston-Salem", "NC", "27101")).unwrap();
    assert_eq!(n.city, "WINSTON-SALEM");
}

/// Addresses that cannot be valid, with a fragment of every expected reason.
const INVALID: &[(&str, &str, &str, &str, &[&str])] = &[
    ("", "Springfield", "IL", "62701", &["street line (line1) is missing"]),
    ("1 Main St", "", "IL", "62701", &["city is missing"]),
    ("1 Main St", "Springfield", "", "62701", &["state is missing"]),
    ("1 Main St", "Springfield", "IL", "", &["ZIP code is missing"]),
    ("1 Main St", "Springfield", "Illinoise", "62701", &["unknown state `ILLINOISE`"]),
    ("1 Main St", "Springfield", "XX", "62701", &["unknown state `XX`"]),
    ("1 Main St", "Springfield", "IL", "6270", &["malformed ZIP code `6270`"]),
    ("1 Main St", "Springfield", "IL", "ABCDE", &["malformed ZIP code `ABCDE`"]),
    ("1 Main St", "Springfield", "IL", "62701-12", &["malformed ZIP code"]),
    ("1 Main St", "Springfield", "IL", "627011", &["malformed ZIP code"]),
    ("...", "", "ZZ", "1", &["street line", "city is missing", "unknown state `ZZ`", "malformed ZIP code `1`"]),
];

#[test]
fn invalid_addresses_give_every_reason() {
    for (line1, city, state, zip, expected) in INVALID {
        let reasons = normalize(&addr(line1, None, city, state, zip)).expect_err(line1);
        assert_eq!(reasons.len(), expected.len(), "{reasons:?}");
        for (reason, fragment) in reasons.iter().zip(expected.iter()) {
            assert!(reason.contains(fragment), "{reason:?} lacks {fragment:?}");
        }
    }
}

#[test]
fn a_part_over_its_maximum_is_rejected_before_any_work() {
    let street = format!("{} Main Street", "9".repeat(5_000));
    let reasons = normalize(&addr(&street, Some(&"u".repeat(101)), "Springfield", "IL", "62701")).unwrap_err();
    assert_eq!(reasons, ["line1 is over 100 characters", "line2 is over 100 characters"]);
    let city = "C".repeat(61);
    assert_eq!(normalize(&addr("1 Main St", None, &city, "IL", "62701")).unwrap_err(), ["city is over 60 characters"]);
    let at_the_limit = format!("1 {} St", "M".repeat(94));
    for (ambiguous, fragment) in [
        ("123 North Main Street Apt Apt Apt 4", "ends with the unit designator `APT`"),
        ("123 North Main# Street Apt 4", "a `#` that marks no unit"),
        ("123 Main St Apt", "ends with the unit designator `APT`"),
        ("123 North Main Street Apt Street Apt 4", "cannot be read one way only"),
    ] {
        let reasons = normalize(&addr(ambiguous, None, "Springfield", "IL", "62701")).unwrap_err();
        assert!(reasons.iter().any(|r| r.contains(fragment)), "{ambiguous}: {reasons:?}");
    }
    assert!(normalize(&addr(&at_the_limit, None, "Springfield", "IL", "62701")).is_ok());
}

#[test]
fn normalization_is_idempotent() {
    for (line1, line2, _, _) in STREETS {
        let once = normalize(&addr(line1, *line2, "Springfield", "Illinois", "627011234")).unwrap();
        let again = normalize(&addr(&once.street, once.unit.as_deref(), &once.city, &once.state, &once.zip)).unwrap();
        assert_eq!(once, again, "{line1}");
    }
}
