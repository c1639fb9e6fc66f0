//! Crew capacity per move date: how many crew members a date has and which
//! bookings hold how many of them. A reservation is a conditional write on the
//! date's item, so two bookings can never take the same last crew members.
use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use platform::store::{Key, StoreError, Table};

use crate::error::MovesError;
use serde::{Deserialize, Serialize};

/// One date's capacity and reservations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateCapacity {
    /// Crew members available that date (`None`: the configured default).
    #[serde(default)]
    pub capacity: Option<u32>,
    /// Booking id → crew members it holds.
    #[serde(default)]
    pub holders: BTreeMap<String, u32>,
    /// +1 per reservation or release: the condition of the next write.
    #[serde(default)]
    pub revision: u64,
}

impl DateCapacity {
    /// Crew members reserved: what the holders hold.
    pub fn reserved(&self) -> u32 {
        self.holders.values().sum()
    }
}

/// The crew capacity of every date, in the moves table.
#[derive(Clone, Debug)]
pub struct CrewCapacity {
    table: Table,
    default_capacity: u32,
}

fn key(date: &str) -> Key {
    Key::new(format!("DATE#{date}"), "CREW")
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: u32) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

impl CrewCapacity {
    /// Dates in `table`, with `default_capacity` crew members unless set otherwise.
    pub fn new(table: Table, default_capacity: u32) -> Self {
        Self { table, default_capacity }
    }

    fn key_item(date: &str) -> HashMap<String, AttributeValue> {
        let k = key(date);
        HashMap::from([("pk".to_owned(), s(&k.pk)), ("sk".to_owned(), s(&k.sk))])
    }

    /// The date's capacity and reservations (strongly consistent).
    pub async fn get(&self, date: &str) -> Result<DateCapacity, StoreError> {
        let out = self
            .table
            .client()
            .get_item()
            .table_name(self.table.name())
            .set_key(Some(Self::key_item(date)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk(e, &format!("read crew capacity of {date}")))?;
        Ok(match out.item {
            Some(item) => serde_dynamo::from_item(item)?,
            None => DateCapacity::default(),
        })
    }

    /// The capacity that applies to `date`.
    pub fn effective(&self, date: &DateCapacity) -> u32 {
        date.capacity.unwrap_or(self.default_capacity)
    }

    /// Sets the crew members available on `date` (reservations are kept).
    pub async fn set(&self, date: &str, capacity: u32) -> Result<DateCapacity, StoreError> {
        self.table
            .client()
            .update_item()
            .table_name(self.table.name())
            .set_key(Some(Self::key_item(date)))
            .update_expression("SET #capacity = :c")
            .expression_attribute_names("#capacity", "capacity")
            .expression_attribute_values(":c", n(capacity))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk(e, &format!("set crew capacity of {date}")))?;
        self.get(date).await
    }

    /// Writes the date's reservations as `holders`, only if nobody reserved or
    /// released since `seen` was read; `Conflict` otherwise.
    async fn write(&self, date: &str, seen: &DateCapacity, holders: &BTreeMap<String, u32>) -> Result<(), StoreError> {
        self.table
            .client()
            .update_item()
            .table_name(self.table.name())
            .set_key(Some(Self::key_item(date)))
            .update_expression("SET #holders = :holders, #revision = :revision")
            .set_expression_attribute_names(Some(names()))
            .condition_expression(SAME_REVISION)
            .expression_attribute_values(":seen", rev(seen.revision))
            .expression_attribute_values(":revision", rev(seen.revision + 1))
            .expression_attribute_values(":never", rev(0))
            .expression_attribute_values(":holders", holders_value(holders))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk(e, &format!("crew reservations of {date}")))?;
        Ok(())
    }

    /// Reserves `wanted` crew members on `date` for `booking_id`. Reserving again for
    /// the same booking changes nothing.
    pub async fn reserve(&self, date: &str, booking_id: &str, wanted: u32) -> Result<(), MovesError> {
        for _ in 0..8 {
            let current = self.get(date).await?;
            if current.holders.contains_key(booking_id) {
                return Ok(());
            }
            let capacity = self.effective(&current);
            if current.reserved() + wanted > capacity {
                return Err(MovesError::NoCrew {
                    date: date.to_owned(),
                    wanted,
                    reserved: current.reserved(),
                    capacity,
                });
            }
            let mut holders = current.holders.clone();
            holders.insert(booking_id.to_owned(), wanted);
            match self.write(date, &current, &holders).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict(format!("crew capacity of {date} kept changing")).into())
    }

    /// Releases what `booking_id` holds on `date`; returns whether it held anything.
    pub async fn release(&self, date: &str, booking_id: &str) -> Result<bool, StoreError> {
        for _ in 0..8 {
            let current = self.get(date).await?;
            if !current.holders.contains_key(booking_id) {
                return Ok(false);
            }
            let mut holders = current.holders.clone();
            holders.remove(booking_id);
            match self.write(date, &current, &holders).await {
                Ok(()) => return Ok(true),
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict(format!("crew capacity of {date} kept changing")))
    }
}

/// The date item is unchanged since it was read (revision 0: never written).
const SAME_REVISION: &str = "(attribute_not_exists(#revision) AND :seen = :never) OR #revision = :seen";

/// Attribute names as placeholders (some, like `capacity`, are reserved words).
fn names() -> HashMap<String, String> {
    ["holders", "revision"].into_iter().map(|n| (format!("#{n}"), n.to_owned())).collect()
}

fn rev(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn holders_value(holders: &BTreeMap<String, u32>) -> AttributeValue {
    AttributeValue::M(holders.iter().map(|(k, v)| (k.clone(), n(*v))).collect())
}
