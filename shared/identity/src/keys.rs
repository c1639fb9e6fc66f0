//! The auth service's signing keys. The key set is the JSON kept in AWS Secrets
//! Manager (never in the repository or the template):
//! `{"active_kid": "...", "keys": [{"kid": "...", "private_key_pem": "..."}]}`.
//! The active key signs; every key in the set is published in the JWKS, so tokens
//! signed before a rotation keep verifying until the old key is retired.
//!
//! A key's public half is read from its encoding ([`rsa_public`]); its private key
//! is built by aws-lc, and checked, once, at its first signing, then kept: a cold
//! start does not pay for the check, and a token does not pay for the parse.
mod rsa_public;

use std::sync::{Arc, OnceLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair, RsaPublicKeyComponents};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse, RSAKeyParameters, RSAKeyType,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use crate::claims::Claims;
use crate::error::IdentityError;

/// One RSA signing key.
#[derive(Clone, Serialize, Deserialize)]
pub struct SigningKey {
    /// Key id, carried in the token header.
    pub kid: String,
    /// PKCS#8 PEM of the private key.
    private_key_pem: String,
    /// The private key as aws-lc built and checked it, at the first signing.
    #[serde(skip)]
    pair: OnceLock<Arc<RsaKeyPair>>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new 2048-bit RSA key with id `kid`.
    pub fn generate(kid: impl Into<String>) -> Result<Self, IdentityError> {
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|e| IdentityError::Key(e.to_string()))?;
        let der = pair.as_der().map_err(|e| IdentityError::Key(e.to_string()))?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
            pem.push('\n');
        }
        pem.push_str("-----END PRIVATE KEY-----\n");
        Ok(Self::from_pem(kid, pem))
    }

    /// The key `kid` whose private key is `private_key_pem` (PKCS#8 or PKCS#1 PEM),
    /// read when it is first used.
    pub fn from_pem(kid: impl Into<String>, private_key_pem: impl Into<String>) -> Self {
        Self { kid: kid.into(), private_key_pem: private_key_pem.into(), pair: OnceLock::new() }
    }

    /// The PEM of the private key, as kept in the secret.
    pub fn private_key_pem(&self) -> &str {
        &self.private_key_pem
    }

    fn error(&self, e: impl std::fmt::Display) -> IdentityError {
        IdentityError::Key(format!("key `{}`: {e}", self.kid))
    }

    /// The private key as `jsonwebtoken` reads a PEM: its bytes are the
    /// `RSAPrivateKey` DER (unwrapped from PKCS#8 when the PEM wraps it).
    fn encoding_key(&self) -> Result<EncodingKey, IdentityError> {
        EncodingKey::from_rsa_pem(self.private_key_pem.as_bytes()).map_err(|e| self.error(e))
    }

    /// The private key, built and checked by aws-lc the first time it is asked for.
    fn pair(&self) -> Result<&RsaKeyPair, IdentityError> {
        if let Some(pair) = self.pair.get() {
            return Ok(pair);
        }
        let pair = RsaKeyPair::from_der(self.encoding_key()?.as_bytes()).map_err(|e| self.error(e))?;
        Ok(self.pair.get_or_init(|| Arc::new(pair)))
    }

    /// The public half as a JWK (`kty`, `kid`, `n`, `e`, `alg: RS256`, `use: sig`).
    pub fn jwk(&self) -> Result<Jwk, IdentityError> {
        let key = self.encoding_key()?;
        let (n, e) = match rsa_public::public_components(key.as_bytes()) {
            Ok((n, e)) => (URL_SAFE_NO_PAD.encode(n), URL_SAFE_NO_PAD.encode(e)),
            // An encoding the reader does not take: aws-lc's reading decides.
            Err(_) => {
                let public = RsaPublicKeyComponents::<Vec<u8>>::from(self.pair()?.public_key());
                (URL_SAFE_NO_PAD.encode(public.n), URL_SAFE_NO_PAD.encode(public.e))
            }
        };
        Ok(Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(KeyAlgorithm::RS256),
                key_id: Some(self.kid.clone()),
                ..CommonParameters::default()
            },
            algorithm: AlgorithmParameters::RSA(RSAKeyParameters { key_type: RSAKeyType::RSA, n, e }),
        })
    }

    /// Signs `claims` with this key: a compact JWS, RS256, `kid` in the header.
    pub fn sign(&self, claims: &Claims) -> Result<String, IdentityError> {
        let signing = |e: &dyn std::fmt::Display| IdentityError::Signing(format!("key `{}`: {e}", self.kid));
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        let header = serde_json::to_vec(&header).map_err(|e| signing(&e))?;
        let payload = serde_json::to_vec(claims).map_err(|e| signing(&e))?;
        let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
        let pair = self.pair()?;
        let mut signature = vec![0; pair.public_modulus_len()];
        // PKCS#1 v1.5 draws no randomness; the generator is the API's.
        let random = aws_lc_rs::rand::SystemRandom::new();
        pair.sign(&RSA_PKCS1_SHA256, &random, signing_input.as_bytes(), &mut signature).map_err(|e| signing(&e))?;
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// The signing keys: which one signs, and all that verify.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeySet {
    /// The `kid` of the key that signs new tokens.
    pub active_kid: String,
    /// Every key whose tokens are accepted (the active one included).
    pub keys: Vec<SigningKey>,
}

impl KeySet {
    /// A set with one new key.
    pub fn generate() -> Result<Self, IdentityError> {
        let key = SigningKey::generate(new_kid())?;
        Ok(Self { active_kid: key.kid.clone(), keys: vec![key] })
    }

    /// Parses the secret's JSON and checks the active key is in the set.
    pub fn from_json(json: &str) -> Result<Self, IdentityError> {
        let set: KeySet =
            serde_json::from_str(json).map_err(|e| IdentityError::Key(format!("the key set is not valid: {e}")))?;
        set.active()?;
        Ok(set)
    }

    /// The JSON kept in the secret.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a key set serializes")
    }

    /// The key that signs.
    pub fn active(&self) -> Result<&SigningKey, IdentityError> {
        self.keys
            .iter()
            .find(|k| k.kid == self.active_kid)
            .ok_or_else(|| IdentityError::Key(format!("active key `{}` is not in the set", self.active_kid)))
    }

    /// Adds a new key and makes it active; the previous keys keep verifying.
    /// Keeps at most two keys (the new one and the one before it).
    pub fn rotate(&mut self) -> Result<&SigningKey, IdentityError> {
        let key = SigningKey::generate(new_kid())?;
        self.active_kid = key.kid.clone();
        self.keys.retain(|k| k.kid != key.kid);
        self.keys.insert(0, key);
        self.keys.truncate(2);
        self.active()
    }

    /// The public keys as a JWKS.
    pub fn jwks(&self) -> Result<JwkSet, IdentityError> {
        Ok(JwkSet { keys: self.keys.iter().map(SigningKey::jwk).collect::<Result<_, _>>()? })
    }

    /// Signs with the active key.
    pub fn sign(&self, claims: &Claims) -> Result<String, IdentityError> {
        self.active()?.sign(claims)
    }
}

fn new_kid() -> String {
    let date = time::OffsetDateTime::now_utc().date();
    format!("k-{date}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::generate("k-test").unwrap())
    }

    /// Claims with a fixed `jti`, so that two signings of them can be compared.
    fn claims() -> Claims {
        let settings = crate::TokenSettings { issuer: "iss".into(), audience: "aud".into(), ttl_seconds: 60 };
        let claims = Claims::issue(&settings, "usr_1", "a@b.co", vec![crate::Role::UserMover], 1_700_000_000);
        Claims { jti: "jti-1".into(), ..claims }
    }

    /// The `RSAPrivateKey` DER of `key`, as a PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`).
    fn pkcs1_pem(der: &[u8]) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|l| std::str::from_utf8(l).unwrap()).collect();
        format!("-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n", lines.join("\n"))
    }

    #[test]
    fn a_token_is_byte_for_byte_what_jsonwebtoken_encodes() {
        // RS256 (PKCS#1 v1.5) is deterministic, so the two must agree exactly.
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("k-test".into());
        let theirs = jsonwebtoken::encode(&header, &claims(), &key().encoding_key().unwrap()).unwrap();
        assert_eq!(key().sign(&claims()).unwrap(), theirs);
    }

    #[test]
    fn the_public_half_read_from_the_encoding_is_the_one_aws_lc_derives() {
        let derived = Jwk::from_encoding_key(&key().encoding_key().unwrap(), Algorithm::RS256).unwrap();
        let (ours, theirs) = (key().jwk().unwrap().algorithm, derived.algorithm);
        let (AlgorithmParameters::RSA(ours), AlgorithmParameters::RSA(theirs)) = (ours, theirs) else {
            panic!("not RSA parameters")
        };
        assert_eq!((ours.n, ours.e), (theirs.n, theirs.e));
    }

    #[test]
    fn publishing_does_not_build_the_private_key_and_signing_builds_it_once() {
        let fresh = SigningKey::from_pem("k-fresh", key().private_key_pem());
        fresh.jwk().unwrap();
        assert!(fresh.pair.get().is_none(), "the JWK is read from the encoding");
        fresh.sign(&claims()).unwrap();
        let built = Arc::as_ptr(fresh.pair.get().expect("built at the first signing"));
        fresh.sign(&claims()).unwrap();
        assert_eq!(Arc::as_ptr(fresh.pair.get().unwrap()), built, "kept, not built again");
    }

    #[test]
    fn a_pkcs1_pem_publishes_and_signs_as_its_pkcs8_twin() {
        let der = key().encoding_key().unwrap();
        let twin = SigningKey::from_pem("k-test", pkcs1_pem(der.as_bytes()));
        assert_eq!(twin.sign(&claims()).unwrap(), key().sign(&claims()).unwrap());
        assert_eq!(twin.jwk().unwrap(), key().jwk().unwrap());
    }

    #[test]
    fn a_key_whose_arithmetic_is_wrong_is_published_but_refused_at_its_first_signing() {
        // The last byte is the CRT coefficient's: the encoding stays well formed.
        let mut der = key().encoding_key().unwrap().as_bytes().to_vec();
        *der.last_mut().unwrap() ^= 0x01;
        let broken = SigningKey::from_pem("k-broken", pkcs1_pem(&der));
        assert_eq!(broken.jwk().unwrap().algorithm, key().jwk().unwrap().algorithm, "the public half is intact");
        let refused = broken.sign(&claims()).unwrap_err().to_string();
        assert!(refused.contains("k-broken"), "{refused}");
        assert!(broken.pair.get().is_none(), "nothing kept");
    }

    #[test]
    fn a_pem_that_is_not_a_key_is_refused_by_both_uses() {
        let garbage =
            SigningKey::from_pem("k-garbage", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assert!(garbage.jwk().unwrap_err().to_string().contains("k-garbage"));
        assert!(garbage.sign(&claims()).unwrap_err().to_string().contains("k-garbage"));
    }
}
