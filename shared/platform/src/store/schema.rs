//! What a service declares about its table, and the cold-start check that the real
//! table matches: key schema, global secondary indexes and TTL attribute; then its
//! data migrations, applied once ([`TableSchema::ready`]).
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{KeyType, TimeToLiveStatus};

use super::error::StoreError;
use super::migrations::{Migration, migrate, pending};
use super::table::Table;

/// How long a cold start may hold the migration lock, and wait for another's.
const MIGRATION_LEASE: Duration = Duration::from_secs(60);
const MIGRATION_WAIT: Duration = Duration::from_secs(20);

/// A global secondary index: name, partition key and optional sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSchema {
    /// Index name.
    pub name: &'static str,
    /// Partition key attribute.
    pub partition_key: &'static str,
    /// Sort key attribute.
    pub sort_key: Option<&'static str>,
}

/// The declared shape of a service's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchema {
    /// Partition key attribute (string).
    pub partition_key: &'static str,
    /// Sort key attribute (string), if any.
    pub sort_key: Option<&'static str>,
    /// The TTL attribute, if TTL must be enabled.
    pub ttl_attribute: Option<&'static str>,
    /// Global secondary indexes.
    pub indexes: Vec<IndexSchema>,
    /// The table's data migrations, in version order (forward only).
    pub migrations: &'static [Migration],
}

impl TableSchema {
    /// The platform's single-table layout: `pk`/`sk` strings, TTL on `expires_at`.
    pub fn single_table() -> Self {
        Self {
            partition_key: "pk",
            sort_key: Some("sk"),
            ttl_attribute: Some("expires_at"),
            indexes: vec![],
            migrations: &[],
        }
    }

    /// The same table with its data migrations.
    pub fn with_migrations(mut self, migrations: &'static [Migration]) -> Self {
        self.migrations = migrations;
        self
    }

    /// The cold start's table work: checks the table against this declaration, then
    /// applies the pending migrations (once across concurrent cold starts).
    /// The check and the read of the applied migrations go out together: a cold start
    /// whose table is current pays one round trip; migrations, when some are pending,
    /// run only after the check passed. Its requests are awaited from the heap: held
    /// inline (~5 KB each), they made this future 16 KB, and every init future that
    /// awaits it as large, in `main`'s frame.
    pub async fn ready(&self, table: &Table) -> Result<(), StoreError> {
        let (checked, pending) = tokio::join!(
            Box::pin(self.verify(table.client(), table.name())),
            Box::pin(pending(table, self.migrations))
        );
        checked?;
        if pending?.is_empty() {
            return Ok(());
        }
        let applied = Box::pin(migrate(table, self.migrations, MIGRATION_LEASE, MIGRATION_WAIT)).await?;
        if !applied.is_empty() {
            tracing::info!(table = table.name(), ?applied, "migrations applied");
        }
        Ok(())
    }

    /// Compares the declared schema with what the table reports.
    pub fn differences(
        &self,
        keys: &[(String, KeyType)],
        indexes: &[(String, Vec<(String, KeyType)>)],
        ttl: Option<&str>,
    ) -> Vec<String> {
        let mut diffs = Vec::new();
        let want_keys = key_list(self.partition_key, self.sort_key);
        if keys != want_keys.as_slice() {
            diffs.push(format!("key schema is {} but the code declares {}", show(keys), show(&want_keys)));
        }
        for want in &self.indexes {
            match indexes.iter().find(|(name, _)| name == want.name) {
                None => diffs.push(format!("index `{}` is missing", want.name)),
                Some((_, got)) => {
                    let want_keys = key_list(want.partition_key, want.sort_key);
                    if got != &want_keys {
                        diffs.push(format!(
                            "index `{}` has keys {} but the code declares {}",
                            want.name,
                            show(got),
                            show(&want_keys)
                        ));
                    }
                }
            }
        }
        for (name, _) in indexes {
            if !self.indexes.iter().any(|i| i.name == name) {
                diffs.push(format!("index `{name}` exists but the code does not declare it"));
            }
        }
        if self.ttl_attribute != ttl {
            diffs.push(format!(
                "TTL attribute is {} but the code declares {}",
                ttl.map_or("disabled".to_owned(), |t| format!("`{t}`")),
                self.ttl_attribute.map_or("none".to_owned(), |t| format!("`{t}`"))
            ));
        }
        diffs
    }

    /// Describes the table and its TTL (side by side) and fails with every difference named.
    pub async fn verify(&self, client: &Client, table: &str) -> Result<(), StoreError> {
        let (described, ttl_out) = tokio::join!(
            client.describe_table().table_name(table).send(),
            client.describe_time_to_live().table_name(table).send()
        );
        let described = described.map_err(|e| StoreError::from_sdk(e, &format!("describe table `{table}`")))?;
        let t = described.table().ok_or_else(|| StoreError::backend(format!("table `{table}` has no description")))?;
        let keys: Vec<_> =
            t.key_schema().iter().map(|k| (k.attribute_name().to_owned(), k.key_type().clone())).collect();
        let indexes: Vec<_> = t
            .global_secondary_indexes()
            .iter()
            .map(|i| {
                let ks = i.key_schema().iter().map(|k| (k.attribute_name().to_owned(), k.key_type().clone())).collect();
                (i.index_name().unwrap_or_default().to_owned(), ks)
            })
            .collect();
        let ttl_out = ttl_out.map_err(|e| StoreError::from_sdk(e, &format!("describe TTL of `{table}`")))?;
        let ttl = ttl_out.time_to_live_description().and_then(|d| {
            let on = matches!(d.time_to_live_status(), Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling));
            on.then(|| d.attribute_name()).flatten()
        });
        let differences = self.differences(&keys, &indexes, ttl);
        if differences.is_empty() {
            Ok(())
        } else {
            Err(StoreError::SchemaMismatch { table: table.to_owned(), differences })
        }
    }
}

fn key_list(pk: &str, sk: Option<&str>) -> Vec<(String, KeyType)> {
    let mut v = vec![(pk.to_owned(), KeyType::Hash)];
    if let Some(sk) = sk {
        v.push((sk.to_owned(), KeyType::Range));
    }
    v
}

fn show(keys: &[(String, KeyType)]) -> String {
    let parts: Vec<_> = keys.iter().map(|(n, t)| format!("{n} {}", t.as_str())).collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(pk: &str, sk: Option<&str>) -> Vec<(String, KeyType)> {
        key_list(pk, sk)
    }

    #[test]
    fn a_matching_table_has_no_differences() {
        let s = TableSchema::single_table();
        assert!(s.differences(&keys("pk", Some("sk")), &[], Some("expires_at")).is_empty());
    }

    #[test]
    fn each_difference_is_named() {
        let mut s = TableSchema::single_table();
        s.indexes.push(IndexSchema { name: "by_email", partition_key: "email", sort_key: None });
        let extra = vec![("legacy".to_owned(), keys("x", None))];
        let d = s.differences(&keys("id", None), &extra, None);
        let all = d.join("\n");
        assert!(all.contains("key schema is [id HASH] but the code declares [pk HASH, sk RANGE]"), "{all}");
        assert!(all.contains("index `by_email` is missing"), "{all}");
        assert!(all.contains("index `legacy` exists but the code does not declare it"), "{all}");
        assert!(all.contains("TTL attribute is disabled but the code declares `expires_at`"), "{all}");
        let wrong_index = vec![("by_email".to_owned(), keys("mail", None))];
        let d = s.differences(&keys("pk", Some("sk")), &wrong_index, Some("ttl"));
        assert_eq!(d.len(), 2, "{d:?}");
    }
}
