//! States, the District of Columbia, territories and military "states" with their
//! two-letter USPS codes (Publication 28, Appendix B).

/// `(code, name)`.
pub const REGIONS: &[(&str, &str)] = &[
    ("AL", "ALABAMA"), ("AK", "ALASKA"), ("AZ", "ARIZONA"), ("AR", "ARKANSAS"),
    ("CA", "CALIFORNIA"), ("CO", "COLORADO"), ("CT", "CONNECTICUT"), ("DE", "DELAWARE"),
    ("DC", "DISTRICT OF COLUMBIA"), ("FL", "FLORIDA"), ("GA", "GEORGIA"), ("HI", "HAWAII"),
    ("ID", "IDAHO"), ("IL", "ILLINOIS"), ("IN", "INDIANA"), ("IA", "IOWA"),
    ("KS", "KANSAS"), ("KY", "KENTUCKY"), ("LA", "LOUISIANA"), ("ME", "MAINE"),
    ("MD", "MARYLAND"), ("MA", "MASSACHUSETTS"), ("MI", "MICHIGAN"), ("MN", "MINNESOTA"),
    ("MS", "MISSISSIPPI"), ("MO", "MISSOURI"), ("MT", "MONTANA"), ("NE", "NEBRASKA"),
    ("NV", "NEVADA"), ("NH", "NEW HAMPSHIRE"), ("NJ", "NEW JERSEY"), ("NM", "NEW MEXICO"),
    ("NY", "NEW YORK"), ("NC", "NORTH CAROLINA"), ("ND", "NORTH DAKOTA"), ("OH", "OHIO"),
    ("OK", "OKLAHOMA"), ("OR", "OREGON"), ("PA", "PENNSYLVANIA"), ("RI", "RHODE ISLAND"),
    ("SC", "SOUTH CAROLINA"), ("SD", "SOUTH DAKOTA"), ("TN", "TENNESSEE"), ("TX", "TEXAS"),
    ("UT", "UTAH"), ("VT", "VERMONT"), ("VA", "VIRGINIA"), ("WA", "WASHINGTON"),
    ("WV", "WEST VIRGINIA"), ("WI", "WISCONSIN"), ("WY", "WYOMING"),
    ("AS", "AMERICAN SAMOA"), ("GU", "GUAM"), ("MP", "NORTHERN MARIANA ISLANDS"),
    ("PR", "PUERTO RICO"), ("VI", "VIRGIN ISLANDS"), ("FM", "FEDERATED STATES OF MICRONESIA"),
    ("MH", "MARSHALL ISLANDS"), ("PW", "PALAU"),
    ("AA", "ARMED FORCES AMERICAS"), ("AE", "ARMED FORCES EUROPE"), ("AP", "ARMED FORCES PACIFIC"),
];
