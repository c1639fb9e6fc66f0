//! Where accounts live: the users table, one item per account
//! (`pk = user#<id>`, `sk = user`) and one per email (`pk = email#<lower-case>`,
//! `sk = email`) written in one transaction, so an email can never be taken twice.
use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use platform::store::{Key, StoreError, Table};

use crate::accounts::{Account, email_key};

/// The accounts port.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Stores a new account; `Conflict` when its email (in any case) is taken.
    async fn create(&self, account: &Account) -> Result<(), StoreError>;
    /// The account with this email (in any case).
    async fn find_by_email(&self, email: &str) -> Result<Option<Account>, StoreError>;
    /// The account with this user id.
    async fn find_by_id(&self, user_id: &str) -> Result<Option<Account>, StoreError>;
}

/// Accounts in DynamoDB.
pub struct DynamoAccountStore {
    table: Table,
}

impl DynamoAccountStore {
    /// The store in `table`.
    pub fn new(table: Table) -> Self {
        Self { table }
    }
}

fn user_key(user_id: &str) -> Key {
    Key::new(format!("user#{user_id}"), "user")
}

fn email_item_key(email: &str) -> Key {
    Key::new(format!("email#{}", email_key(email)), "email")
}

fn put_new(table: &str, item: HashMap<String, AttributeValue>) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .build()
        .map_err(|e| StoreError::Mapping(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

#[async_trait]
impl AccountStore for DynamoAccountStore {
    async fn create(&self, account: &Account) -> Result<(), StoreError> {
        let mut user: HashMap<String, AttributeValue> = serde_dynamo::to_item(account)?;
        let key = user_key(&account.user_id);
        user.insert("pk".into(), AttributeValue::S(key.pk));
        user.insert("sk".into(), AttributeValue::S(key.sk));
        user.insert("version".into(), AttributeValue::N("1".into()));
        let key = email_item_key(&account.email);
        let email = HashMap::from([
            ("pk".to_owned(), AttributeValue::S(key.pk)),
            ("sk".to_owned(), AttributeValue::S(key.sk)),
            ("user_id".to_owned(), AttributeValue::S(account.user_id.clone())),
        ]);
        let name = self.table.name();
        self.table
            .client()
            .transact_write_items()
            .transact_items(put_new(name, user)?)
            .transact_items(put_new(name, email)?)
            .send()
            .await
            .map_err(|e| StoreError::from_transaction(e, "the email is already registered"))?;
        Ok(())
    }

    async fn find_by_email(&self, email: &str) -> Result<Option<Account>, StoreError> {
        #[derive(serde::Deserialize)]
        struct EmailItem {
            user_id: String,
        }
        let Some(found) = self.table.get::<EmailItem>(&email_item_key(email)).await? else {
            return Ok(None);
        };
        self.find_by_id(&found.value.user_id).await
    }

    async fn find_by_id(&self, user_id: &str) -> Result<Option<Account>, StoreError> {
        Ok(self.table.get::<Account>(&user_key(user_id)).await?.map(|v| v.value))
    }
}

/// Accounts in memory (unit tests of the routes: the `testing` feature).
#[cfg(any(test, feature = "testing"))]
#[derive(Default)]
pub struct MemoryAccountStore(std::sync::Mutex<HashMap<String, Account>>);

#[cfg(any(test, feature = "testing"))]
#[async_trait]
impl AccountStore for MemoryAccountStore {
    async fn create(&self, account: &Account) -> Result<(), StoreError> {
        let mut accounts = self.0.lock().map_err(|e| StoreError::backend(e.to_string()))?;
        let key = email_key(&account.email);
        if accounts.contains_key(&key) {
            return Err(StoreError::Conflict("the email is already registered".into()));
        }
        accounts.insert(key, account.clone());
        Ok(())
    }

    async fn find_by_email(&self, email: &str) -> Result<Option<Account>, StoreError> {
        let accounts = self.0.lock().map_err(|e| StoreError::backend(e.to_string()))?;
        Ok(accounts.get(&email_key(email)).cloned())
    }

    async fn find_by_id(&self, user_id: &str) -> Result<Option<Account>, StoreError> {
        let accounts = self.0.lock().map_err(|e| StoreError::backend(e.to_string()))?;
        Ok(accounts.values().find(|a| a.user_id == user_id).cloned())
    }
}
