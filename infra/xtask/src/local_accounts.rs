//! The local stack's accounts, one per role (`auth::seed`), created by every local
//! deploy so that a developer and the stack tests can log in at once. A deploy step,
//! not a cold-start one: the auth gateway's start makes only the calls it makes on
//! AWS (before, each of its local cold starts looked the four accounts up).
use std::path::Path;

use anyhow::Result;
use auth::store::DynamoAccountStore;
use platform::store::Table;

/// Creates the seeded accounts missing from the auth table of `stack`.
pub fn seed(bin: &Path, port: u16, stack: &str) -> Result<()> {
    let table_name = crate::emulator::physical_id(bin, port, stack, "AuthTable")?;
    let created = tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
        let sdk = crate::bus_tools::local_config(port).await;
        let accounts = DynamoAccountStore::new(Table::new(aws_sdk_dynamodb::Client::new(&sdk), &table_name));
        auth::seed::seed(&accounts).await
    })?;
    if created > 0 {
        eprintln!("local accounts: created {created} (password `{}`)", auth::seed::LOCAL_PASSWORD);
    }
    Ok(())
}
