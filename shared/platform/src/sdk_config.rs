//! The AWS SDK configuration of a function: from the environment, with one HTTP
//! client (hyper with rustls on aws-lc) that every SDK client made from it shares, so
//! a function keeps one connection pool, opened at cold start and reused by its first
//! invocation (without it the SDK builds a client, and a pool, per service client).
//! The chaos faults wrap that client when they are on.
//!
//! A cold start builds only what it uses: the TLS connector once, for the first
//! request (the SDK's hyper client would build and drop one for every service client
//! made from the configuration), and, where Lambda hands the role's credentials and
//! the region in the environment, a reader of those instead of the default chains
//! (whose web-identity provider makes an STS client of its own).
//!
//! The client trusts the roots of Amazon Trust Services, compiled in, which sign
//! every AWS endpoint's certificate: a cold start reads no CA files and parses 5
//! roots instead of the system's ~150 (about 2 ms of a start; see
//! `docs/performance.md`). `PLATFORM_TRUST_STORE=native` trusts the system's roots
//! instead, for an endpoint behind a TLS-inspecting proxy or an emulator over HTTPS.
use aws_config::Region;
use aws_config::SdkConfig;
use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

use crate::config::{ConfigError, Env};

/// The variable that chooses the roots the HTTP client trusts.
pub const TRUST_STORE_ENV: &str = "PLATFORM_TRUST_STORE";

/// Amazon Root CA 1 to 4 and Starfield Services Root Certificate Authority - G2.
const AMAZON_TRUST_SERVICES: &[u8] = include_bytes!("amazon_trust_services.pem");

/// The roots of trust of a function's TLS connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustRoots {
    /// Amazon Trust Services' roots, compiled in (the default).
    AmazonTrustServices,
    /// The system's CA certificates (`SSL_CERT_FILE`, `SSL_CERT_DIR` or the distribution's).
    Native,
}

impl std::str::FromStr for TrustRoots {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim() {
            "amazon" => Ok(Self::AmazonTrustServices),
            "native" => Ok(Self::Native),
            _ => Err("expected `amazon` (Amazon Trust Services' roots) or `native` (the system's)".into()),
        }
    }
}

impl TrustRoots {
    /// Reads `PLATFORM_TRUST_STORE`: `amazon` (the default when unset) or `native`.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        env.parse_or(TRUST_STORE_ENV, Self::AmazonTrustServices)
    }

    fn store(self) -> TrustStore {
        match self {
            Self::AmazonTrustServices => TrustStore::empty().with_pem_certificate(AMAZON_TRUST_SERVICES),
            Self::Native => TrustStore::default(),
        }
    }
}

/// The HTTPS client that trusts `roots`: its connector is built for its first
/// request and kept (see `ConnectorOnFirstRequest`).
pub fn https_client(roots: TrustRoots) -> SharedHttpClient {
    let hyper = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(TlsContext::builder().with_trust_store(roots.store()).build().expect("a TLS context of roots"))
        .build_https();
    SharedHttpClient::new(ConnectorOnFirstRequest(hyper))
}

/// An HTTP client whose connectors are made only when a request needs one. The
/// hyper client builds its TLS connector (the roots parsed, a rustls configuration)
/// at each SDK client's construction to check it, and drops it; it keeps the one it
/// builds for a request. Each service client a cold start made (four to five) was a
/// connector built for nothing.
#[derive(Debug)]
struct ConnectorOnFirstRequest(SharedHttpClient);

impl HttpClient for ConnectorOnFirstRequest {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

/// The SDK configuration of this function (see the module's header); an error when
/// `PLATFORM_TRUST_STORE` says something else than `amazon` or `native`.
pub async fn aws_config() -> Result<SdkConfig, ConfigError> {
    let env = Env::process();
    let roots = TrustRoots::from_env(&env)?;
    // Boxed: the loader's future is ~11 KB, and it is awaited in every init.
    Ok(Box::pin(loader(&env, crate::faults::wrap(https_client(roots))).load()).await)
}

/// The configuration's loader: the region and credentials read where Lambda puts
/// them when they are there; elsewhere (a developer's shell) the default chains decide.
fn loader<F: Fn(&str) -> Option<String>>(env: &Env<F>, client: SharedHttpClient) -> aws_config::ConfigLoader {
    let mut loader = aws_config::from_env().http_client(client);
    if let Ok(region) = env.required("AWS_REGION") {
        loader = loader.region(Region::new(region));
    }
    if env.required("AWS_ACCESS_KEY_ID").is_ok() {
        loader = loader.credentials_provider(EnvironmentVariableCredentialsProvider::new());
    }
    loader
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env;
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    use sha2::{Digest, Sha256};

    #[tokio::test]
    async fn the_region_is_read_where_lambda_puts_it() {
        let client = https_client(TrustRoots::AmazonTrustServices);
        let config = loader(&env(&[("AWS_REGION", "eu-west-3")]), client).load().await;
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-3"));
    }

    #[test]
    fn the_trust_store_is_chosen_by_name_and_defaults_to_amazon() {
        assert_eq!(TrustRoots::from_env(&env(&[])), Ok(TrustRoots::AmazonTrustServices));
        assert_eq!(TrustRoots::from_env(&env(&[(TRUST_STORE_ENV, "amazon")])), Ok(TrustRoots::AmazonTrustServices));
        assert_eq!(TrustRoots::from_env(&env(&[(TRUST_STORE_ENV, "native")])), Ok(TrustRoots::Native));
        let refused = TrustRoots::from_env(&env(&[(TRUST_STORE_ENV, "system")])).unwrap_err();
        assert!(refused.to_string().contains("expected `amazon`"), "{refused}");
    }

    /// The compiled-in roots are exactly Amazon Trust Services' five, by the SHA-256
    /// fingerprints https://www.amazontrust.com/repository/ publishes.
    #[test]
    fn the_compiled_in_roots_are_amazon_trust_services_five() {
        let fingerprints: Vec<String> = CertificateDer::pem_slice_iter(AMAZON_TRUST_SERVICES)
            .map(|cert| hex::encode(Sha256::digest(cert.expect("a PEM certificate").as_ref())))
            .collect();
        assert_eq!(
            fingerprints,
            [
                "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e",
                "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4",
                "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4",
                "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092",
                "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5",
            ]
        );
    }

    /// A client that trusts the compiled-in roots builds its TLS connector (every root
    /// parses) and opens a TLS handshake with an `https` endpoint.
    #[tokio::test]
    async fn the_client_opens_tls_with_the_compiled_in_roots() {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("https://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let first_byte = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut byte = [0u8; 1];
            stream.read_exact(&mut byte).await.map(|_| byte[0])
        });
        let config = aws_sdk_sns::config::Builder::new()
            .behavior_version_latest()
            .region(aws_sdk_sns::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sns::config::Credentials::for_tests())
            .endpoint_url(endpoint)
            .http_client(https_client(TrustRoots::AmazonTrustServices))
            .retry_config(aws_sdk_sns::config::retry::RetryConfig::disabled())
            .build();
        let call = aws_sdk_sns::Client::from_conf(config).list_topics().send();
        let (_, byte) = tokio::join!(
            tokio::time::timeout(std::time::Duration::from_secs(5), call),
            tokio::time::timeout(std::time::Duration::from_secs(5), first_byte)
        );
        assert_eq!(byte.expect("the client connected").unwrap().unwrap(), 0x16, "a TLS handshake record");
    }

    /// Every SDK client made from the configuration sends through its one HTTP client.
    #[tokio::test]
    async fn every_sdk_client_of_a_function_shares_the_one_http_client() {
        let (client, seen) = recording::client();
        let config = loader(&env(&[("AWS_REGION", "us-east-1")]), client).load().await;
        let config = config
            .into_builder()
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sns::config::SharedCredentialsProvider::new(
                aws_sdk_sns::config::Credentials::for_tests(),
            ))
            .endpoint_url("http://127.0.0.1:9")
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build();
        let _ = aws_sdk_dynamodb::Client::new(&config).list_tables().send().await;
        let _ = aws_sdk_sns::Client::new(&config).list_topics().send().await;
        let seen = seen.lock().unwrap().clone();
        assert!(seen.contains("dynamodb") && seen.contains("sns"), "both services' calls went through it: {seen:?}");
    }

    /// Making service clients builds no connector (requests still get theirs: see
    /// `every_sdk_client_of_a_function_shares_the_one_http_client`).
    #[tokio::test]
    async fn service_clients_are_made_without_building_a_connector() {
        let config = |client| {
            aws_config::SdkConfig::builder()
                .behavior_version(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("us-east-1"))
                .http_client(client)
                .build()
        };
        let (hyper_like, built) = recording::client();
        let _ = aws_sdk_dynamodb::Client::new(&config(hyper_like));
        assert!(
            built.lock().unwrap().contains("built"),
            "the recording client notes a connector built at construction"
        );
        let (hyper_like, built) = recording::client();
        let _ = aws_sdk_dynamodb::Client::new(&config(SharedHttpClient::new(ConnectorOnFirstRequest(hyper_like))));
        assert!(built.lock().unwrap().is_empty(), "no connector built before a request: {:?}", built.lock().unwrap());
    }

    /// An HTTP client that notes the service of each request and answers it with a 500.
    mod recording {
        use std::collections::BTreeSet;
        use std::sync::{Arc, Mutex};

        use aws_smithy_runtime_api::client::http::{
            HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
            SharedHttpConnector,
        };
        use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
        use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
        use aws_smithy_runtime_api::http::{Response, StatusCode};
        use aws_smithy_types::body::SdkBody;

        #[derive(Debug, Clone)]
        struct Recording(Arc<Mutex<BTreeSet<String>>>);

        impl HttpConnector for Recording {
            fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
                let service = crate::faults::service_of(&request).unwrap_or_default();
                self.0.lock().unwrap().insert(service);
                HttpConnectorFuture::ready(Ok(Response::new(StatusCode::try_from(500).unwrap(), SdkBody::empty())))
            }
        }

        impl HttpClient for Recording {
            fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
                SharedHttpConnector::new(self.clone())
            }

            /// What hyper's client does here: builds a connector (noted as `built`).
            fn validate_base_client_config(
                &self,
                _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder,
                _: &aws_smithy_types::config_bag::ConfigBag,
            ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
                self.0.lock().unwrap().insert("built".into());
                Ok(())
            }
        }

        pub(super) fn client() -> (SharedHttpClient, Arc<Mutex<BTreeSet<String>>>) {
            let seen: Arc<Mutex<BTreeSet<String>>> = Arc::default();
            (SharedHttpClient::new(Recording(seen.clone())), seen)
        }
    }
}
