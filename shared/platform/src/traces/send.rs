//! Posting an export to the collector over plain HTTP/1.1, on a connection kept
//! between invocations; a non-2xx answer, an I/O error or the timeout is an error.
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::settings::ExportSettings;

/// The HTTP client of the export.
pub struct Client(HyperClient<HttpConnector, Full<Bytes>>);

impl Client {
    /// A client with its own (empty) connection pool.
    pub fn new() -> Self {
        Self(HyperClient::builder(TokioExecutor::new()).build_http())
    }

    /// Posts `body` (OTLP JSON) to the settings' endpoint, waiting at most `timeout`.
    pub async fn post(&self, settings: &ExportSettings, body: Vec<u8>, timeout: Duration) -> Result<(), String> {
        let mut request = http::Request::post(settings.endpoint.clone()).header("content-type", "application/json");
        for (name, value) in &settings.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request = request.body(Full::new(Bytes::from(body))).map_err(|e| format!("the export request: {e}"))?;
        let exchange = async {
            let response = self
                .0
                .request(request)
                .await
                .map_err(|e| format!("{}: {}", settings.endpoint, crate::error_chain::text(&e)))?;
            let status = response.status();
            // Read to the end, so that the connection goes back to the pool.
            let answer = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            if status.is_success() {
                Ok(())
            } else {
                let answer = String::from_utf8_lossy(&answer[..answer.len().min(200)]).into_owned();
                Err(format!("{} answered {status}: {answer}", settings.endpoint))
            }
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or_else(|_| Err(format!("{}: no answer within {timeout:?}", settings.endpoint)))
    }
}
