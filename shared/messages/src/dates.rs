//! A calendar date as the platform writes it, `YYYY-MM-DD`: a `time::Date` in the
//! code, the same string on the wire and in the tables.
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

const FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// A day, e.g. a move date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CalendarDate(pub time::Date);

impl CalendarDate {
    /// Reads `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Self, time::error::Parse> {
        time::Date::parse(text, FORMAT).map(CalendarDate)
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.format(FORMAT).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl From<time::Date> for CalendarDate {
    fn from(date: time::Date) -> Self {
        CalendarDate(date)
    }
}

impl Serialize for CalendarDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CalendarDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        CalendarDate::parse(&text)
            .map_err(|e| serde::de::Error::custom(format!("`{text}` is not a YYYY-MM-DD date: {e}")))
    }
}

impl JsonSchema for CalendarDate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CalendarDate".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "format": "date", "description": "A day, written YYYY-MM-DD."})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_written_and_read_as_yyyy_mm_dd() {
        let date = CalendarDate::parse("2031-05-02").unwrap();
        assert_eq!(serde_json::to_string(&date).unwrap(), "\"2031-05-02\"");
        assert_eq!(serde_json::from_str::<CalendarDate>("\"2031-05-02\"").unwrap(), date);
        assert!(serde_json::from_str::<CalendarDate>("\"2031-02-30\"").is_err());
        assert_eq!(date.to_string(), "2031-05-02");
    }
}
