//! Versioned data migrations, recorded in the table (`pk = migrations`,
//! `sk = applied#<version>`) and applied once, in order, by whichever cold start
//! holds the lock item (`sk = lock`, a conditional write with a lease).
use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::types::AttributeValue;
use futures::future::BoxFuture;
use tracing::info;
use uuid::Uuid;

use super::error::StoreError;
use super::table::{Key, Table, epoch_seconds};

const PK: &str = "migrations";

/// What a migration's `apply` returns.
pub type MigrationFuture<'a> = BoxFuture<'a, Result<(), StoreError>>;

/// One data migration. `apply` must be safe to re-run if a holder crashes mid-way.
pub struct Migration {
    /// Strictly increasing version, starting at 1.
    pub version: u32,
    /// What it does (recorded with it).
    pub description: &'static str,
    /// The migration itself.
    pub apply: for<'a> fn(&'a Table) -> MigrationFuture<'a>,
}

impl std::fmt::Debug for Migration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migration").field("version", &self.version).field("description", &self.description).finish()
    }
}

/// Two migrations are the same when their version and description are.
impl PartialEq for Migration {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version && self.description == other.description
    }
}

impl Eq for Migration {}

/// The migrations of `migrations` that `table` has not recorded as applied: what
/// the next cold start would apply, in order.
pub async fn pending<'m>(table: &Table, migrations: &'m [Migration]) -> Result<Vec<&'m Migration>, StoreError> {
    if migrations.is_empty() {
        return Ok(vec![]);
    }
    let applied = applied_versions(table).await?;
    Ok(migrations.iter().filter(|m| !applied.contains(&m.version)).collect())
}

/// The partition key of the migrations' records and lock in a table.
pub const MIGRATIONS_PK: &str = PK;

fn applied_sk(version: u32) -> String {
    format!("applied#{version:08}")
}

async fn applied_versions(table: &Table) -> Result<Vec<u32>, StoreError> {
    let out = table
        .client()
        .query()
        .table_name(table.name())
        .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
        .expression_attribute_values(":pk", AttributeValue::S(PK.into()))
        .expression_attribute_values(":prefix", AttributeValue::S("applied#".into()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| StoreError::from_sdk(e, "read applied migrations"))?;
    Ok(out.items().iter().filter_map(|i| i.get("sk")?.as_s().ok()?.strip_prefix("applied#")?.parse().ok()).collect())
}

async fn take_lock(table: &Table, owner: &str, lease: Duration) -> Result<bool, StoreError> {
    let now = SystemTime::now();
    let mut item = Key::new(PK, "lock").item();
    item.insert("owner".into(), AttributeValue::S(owner.into()));
    item.insert("lease_until".into(), AttributeValue::N(epoch_seconds(now + lease).to_string()));
    let put = table
        .client()
        .put_item()
        .table_name(table.name())
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk) OR lease_until < :now")
        .expression_attribute_values(":now", AttributeValue::N(epoch_seconds(now).to_string()))
        .send()
        .await;
    match put.map_err(|e| StoreError::from_sdk(e, "take migration lock")) {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

async fn drop_lock(table: &Table, owner: &str) -> Result<(), StoreError> {
    table
        .client()
        .delete_item()
        .table_name(table.name())
        .set_key(Some(Key::new(PK, "lock").item()))
        .condition_expression("#owner = :owner")
        .expression_attribute_names("#owner", "owner")
        .expression_attribute_values(":owner", AttributeValue::S(owner.into()))
        .send()
        .await
        .map_err(|e| StoreError::from_sdk(e, "release migration lock"))?;
    Ok(())
}

async fn record(table: &Table, m: &Migration, owner: &str) -> Result<(), StoreError> {
    let mut item = Key::new(PK, applied_sk(m.version)).item();
    item.insert("description".into(), AttributeValue::S(m.description.into()));
    item.insert("applied_by".into(), AttributeValue::S(owner.into()));
    item.insert("applied_at".into(), AttributeValue::N(epoch_seconds(SystemTime::now()).to_string()));
    table
        .client()
        .put_item()
        .table_name(table.name())
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await
        .map_err(|e| StoreError::from_sdk(e, &format!("record migration {}", m.version)))?;
    Ok(())
}

/// Applies the pending migrations once across all concurrent callers; returns the
/// versions this caller applied. Waits up to `wait` for another holder of the lock.
pub async fn migrate(
    table: &Table,
    migrations: &[Migration],
    lease: Duration,
    wait: Duration,
) -> Result<Vec<u32>, StoreError> {
    if migrations.windows(2).any(|w| w[0].version >= w[1].version) || migrations.first().is_some_and(|m| m.version == 0)
    {
        return Err(StoreError::Migration("versions must start at 1 and strictly increase".into()));
    }
    if migrations.is_empty() {
        return Ok(vec![]);
    }
    let owner = Uuid::new_v4().to_string();
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let applied = applied_versions(table).await?;
        if migrations.iter().all(|m| applied.contains(&m.version)) {
            return Ok(vec![]);
        }
        if take_lock(table, &owner, lease).await? {
            let result = apply_pending(table, migrations, &owner).await;
            let released = drop_lock(table, &owner).await;
            let done = result?;
            released?;
            return Ok(done);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(StoreError::Migration(format!(
                "the migration lock of `{}` stayed held for {wait:?}",
                table.name()
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn apply_pending(table: &Table, migrations: &[Migration], owner: &str) -> Result<Vec<u32>, StoreError> {
    let applied = applied_versions(table).await?;
    let mut done = Vec::new();
    for m in migrations.iter().filter(|m| !applied.contains(&m.version)) {
        info!(version = m.version, description = m.description, "applying migration");
        (m.apply)(table).await?;
        record(table, m, owner).await?;
        done.push(m.version);
    }
    Ok(done)
}
