//! What version of a function is running: the Lambda version behind the alias it
//! runs as, and the build.

/// `<function version>/<crate version>`: the Lambda version behind the alias the
/// function runs as (`$LATEST` where none is published), and this build.
pub fn version() -> String {
    format!("{}/{}", function_version(), env!("CARGO_PKG_VERSION"))
}

/// The Lambda version behind the alias the function runs as (`$LATEST` where none
/// is published).
pub fn function_version() -> String {
    std::env::var("AWS_LAMBDA_FUNCTION_VERSION").unwrap_or_else(|_| "$LATEST".into())
}
