//! `cargo xtask db`: the services' tables, for tests and previews.
//! - `db reset <service> [--keep-schema]` empties a service's table and runs its
//!   migrations again, as a new table's first cold start would (with
//!   `--keep-schema` the migrations' records stay, so they do not run again);
//! - `db migrate --dry-run [<service>]` shows what the next cold start of each
//!   service (or one) would apply: its migrations the table has not recorded.
//!
//! Both act on the local stack (`--port N`, default 4566) or on a preview stack in
//! AWS (`--stack NAME [--region R]`, your credentials); the production stack (the
//! `default` environment of samconfig.toml) is refused. Migrations run at cold start
//! and only forward, by design: there is no `db migrate` that applies or reverts.
use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use platform::store::{Table, TableSchema, pending, reset};

use crate::cli::{Db, StackChoice};

/// Every service's table declaration (its shape and migrations), by service name.
pub fn tables() -> Vec<(&'static str, TableSchema)> {
    vec![
        ("addressing", addressing::table_schema()),
        ("auth", auth::table_schema()),
        ("movers", movers::table_schema()),
        ("moves", moves::table_schema()),
        ("notifications", notifications::table_schema()),
    ]
}

/// Where the command acts.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// The emulator of `cargo xtask up` on this port.
    Local(u16),
    /// A stack in AWS.
    Remote { stack: String, region: Option<String> },
}

fn target(choice: &StackChoice) -> Result<Target> {
    let Some(stack) = choice.stack.as_deref() else { return Ok(Target::Local(choice.local.port)) };
    let production = crate::samconfig::stack_name("default")?;
    if stack == production {
        bail!("`{stack}` is the production stack (samconfig.toml's default environment): db commands refuse it");
    }
    if std::env::var_os("AWS_ENDPOINT_URL").is_some() {
        bail!("AWS_ENDPOINT_URL is set (the emulator's?): unset it to reach stack `{stack}` in AWS");
    }
    Ok(Target::Remote { stack: stack.to_owned(), region: choice.region.clone() })
}

/// The stack's outputs and an SDK configuration that reaches it.
async fn connect(target: &Target) -> Result<(BTreeMap<String, String>, aws_config::SdkConfig)> {
    match target {
        Target::Local(port) => {
            if crate::emulator::Emulator::attach(*port).is_none() {
                bail!("no local stack on port {port}: start one with `cargo xtask up`, or name a stack with --stack");
            }
            Ok((crate::local_stack::outputs(*port)?, crate::bus_tools::local_config(*port).await))
        }
        Target::Remote { stack, region } => {
            let outputs = crate::end_to_end::stack_outputs(stack, region.as_deref())?;
            let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
            if let Some(region) = region {
                loader = loader.region(aws_config::Region::new(region.clone()));
            }
            Ok((outputs, loader.load().await))
        }
    }
}

/// The table of `service` in the stack whose outputs are `outputs`.
fn table_of(outputs: &BTreeMap<String, String>, sdk: &aws_config::SdkConfig, service: &str) -> Result<Table> {
    let output = format!("{}TableName", crate::catalog_check::pascal(service));
    let name = outputs.get(&output).with_context(|| format!("the stack has no output {output}"))?;
    Ok(Table::new(aws_sdk_dynamodb::Client::new(sdk), name))
}

fn schema_of(service: &str) -> Result<TableSchema> {
    let known = tables();
    let names: Vec<&str> = known.iter().map(|(name, _)| *name).collect();
    known
        .into_iter()
        .find(|(name, _)| *name == service)
        .map(|(_, schema)| schema)
        .with_context(|| format!("no service `{service}` with a table; the services are {}", names.join(", ")))
}

/// `db reset` or `db migrate --dry-run`.
pub fn command(what: Db) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    match what {
        Db::Reset { service, keep_schema, stack } => {
            let schema = schema_of(&service)?;
            let target = target(&stack)?;
            runtime.block_on(async {
                let (outputs, sdk) = connect(&target).await?;
                let table = table_of(&outputs, &sdk, &service)?;
                let done = reset(&table, &schema, keep_schema).await?;
                let applied = match done.applied.as_slice() {
                    [] if keep_schema => format!("{} migration record(s) kept", done.kept),
                    [] => "no migrations to run".to_owned(),
                    versions => format!("migration(s) {versions:?} applied again"),
                };
                println!("db reset {service}: {} item(s) deleted from {}; {applied}", done.deleted, table.name());
                Ok(())
            })
        }
        Db::Migrate { service, stack, .. } => {
            let services: Vec<(String, TableSchema)> = match service {
                Some(service) => vec![(service.clone(), schema_of(&service)?)],
                None => tables().into_iter().map(|(name, schema)| (name.to_owned(), schema)).collect(),
            };
            let target = target(&stack)?;
            runtime.block_on(async {
                let (outputs, sdk) = connect(&target).await?;
                let mut total = 0;
                for (service, schema) in &services {
                    let table = table_of(&outputs, &sdk, service)?;
                    let waiting = pending(&table, schema.migrations).await?;
                    total += waiting.len();
                    if waiting.is_empty() {
                        println!("{service} ({}): nothing pending", table.name());
                    }
                    for m in waiting {
                        println!("{service} ({}): would apply {} \"{}\"", table.name(), m.version, m.description);
                    }
                }
                println!("db migrate --dry-run: {total} migration(s) would be applied by the next cold starts");
                Ok(())
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Port;

    fn choice(stack: Option<&str>) -> StackChoice {
        StackChoice { stack: stack.map(str::to_owned), region: None, local: Port { port: 4566 } }
    }

    #[test]
    fn the_local_stack_is_the_default_and_production_is_refused() {
        assert_eq!(target(&choice(None)).unwrap(), Target::Local(4566));
        let production = crate::samconfig::stack_name("default").unwrap();
        let refused = target(&choice(Some(&production))).unwrap_err();
        assert!(refused.to_string().contains("production stack"), "{refused}");
    }

    #[test]
    fn every_service_crate_has_its_table_declared_here() {
        let declared: Vec<&str> = tables().iter().map(|(name, _)| *name).collect();
        let catalogs = crate::catalog_check::catalogs();
        for catalog in catalogs.iter().filter(|c| c.service != "canary") {
            assert!(declared.contains(&catalog.service), "{} has no table in db's list", catalog.service);
        }
        assert!(schema_of("nope").unwrap_err().to_string().contains("the services are addressing"));
    }
}
