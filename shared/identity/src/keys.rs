//! The auth service's signing keys. The key set is the JSON kept in AWS Secrets
//! Manager (never in the repository or the template):
//! `{"active_kid": "...", "keys": [{"kid": "...", "private_key_pem": "..."}]}`.
//! The active key signs; every key in the set is published in the JWKS, so tokens
//! signed before a rotation keep verifying until the old key is retired.
use aws_lc_rs::encoding::AsDer;
use base64::Engine;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
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
    pub private_key_pem: String,
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
        Ok(Self { kid: kid.into(), private_key_pem: pem })
    }

    fn encoding_key(&self) -> Result<EncodingKey, IdentityError> {
        EncodingKey::from_rsa_pem(self.private_key_pem.as_bytes())
            .map_err(|e| IdentityError::Key(format!("key `{}`: {e}", self.kid)))
    }

    /// The public half as a JWK (`kty`, `kid`, `n`, `e`, `alg: RS256`, `use: sig`).
    pub fn jwk(&self) -> Result<Jwk, IdentityError> {
        let mut jwk = Jwk::from_encoding_key(&self.encoding_key()?, Algorithm::RS256)
            .map_err(|e| IdentityError::Key(e.to_string()))?;
        jwk.common.key_id = Some(self.kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(KeyAlgorithm::RS256);
        Ok(jwk)
    }

    /// Signs `claims` with this key (RS256, `kid` in the header).
    pub fn sign(&self, claims: &Claims) -> Result<String, IdentityError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding_key()?).map_err(|e| IdentityError::Signing(e.to_string()))
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
