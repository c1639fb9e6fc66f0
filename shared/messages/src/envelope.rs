//! The version 1 wire envelope: the JSON body every message has on SNS, SQS and
//! Step Functions. See `docs/wire-format.md` for the public contract.
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;
use time::OffsetDateTime;
use uuid::Uuid;

mod reader;

use crate::error::EnvelopeError;
use crate::names::{Kind, MessageName};

/// The only envelope schema version this code writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// Who a message acts for: the verified caller, or `system`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The subject (user id) of the caller.
    pub sub: String,
    /// The caller's global roles.
    pub roles: Vec<String>,
}

/// A message on the bus: metadata plus typed `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<D = Value> {
    /// Unique id of this message (the idempotency key of its handlers).
    pub id: Uuid,
    /// The checked name; its kind is `kind`.
    pub name: MessageName,
    /// When the fact happened or the task was asked for.
    pub occurred_at: OffsetDateTime,
    /// Shared by every message of one business conversation.
    pub correlation_id: String,
    /// The id of the message whose handling produced this one.
    pub causation_id: Option<String>,
    /// On whose behalf the message was sent.
    pub actor: Option<Actor>,
    /// When the actor's token was checked by the platform, if not at `occurred_at`:
    /// a message caused by another carries the time its cause was authorized, so
    /// the token riding with it is judged at that moment however long either waited.
    pub authorized_at: Option<OffsetDateTime>,
    /// A Step Functions task token when a saga waits for this task's answer: the
    /// consumer completes it with the handler's reply. Never copied to caused messages.
    pub task_token: Option<String>,
    /// The payload.
    pub data: D,
}

#[derive(Serialize)]
struct WireOut<'a, D> {
    id: &'a Uuid,
    name: &'a str,
    kind: Kind,
    #[serde(with = "time::serde::rfc3339")]
    occurred_at: OffsetDateTime,
    correlation_id: &'a str,
    causation_id: &'a Option<String>,
    actor: &'a Option<Actor>,
    #[serde(with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    authorized_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_token: &'a Option<String>,
    schema: u32,
    data: &'a D,
}

#[derive(Deserialize)]
struct WireIn<D> {
    id: Uuid,
    name: String,
    kind: Kind,
    #[serde(with = "time::serde::rfc3339")]
    occurred_at: OffsetDateTime,
    correlation_id: String,
    #[serde(default)]
    causation_id: Option<String>,
    #[serde(default)]
    actor: Option<Actor>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    authorized_at: Option<OffsetDateTime>,
    #[serde(default)]
    task_token: Option<String>,
    schema: u32,
    data: D,
}

impl<D> WireIn<D> {
    fn validate(self) -> Result<Envelope<D>, EnvelopeError> {
        if self.schema != SCHEMA_VERSION {
            return Err(EnvelopeError::UnsupportedSchema(self.schema));
        }
        let name = MessageName::parse(&self.name, self.kind).map_err(|e| match MessageName::infer(&self.name) {
            Ok(other) if other.kind() != self.kind => EnvelopeError::KindMismatch {
                name: self.name.clone(),
                kind: self.kind.to_string(),
                expected: other.kind().to_string(),
            },
            _ => e.into(),
        })?;
        Ok(Envelope {
            id: self.id,
            name,
            occurred_at: self.occurred_at,
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
            actor: self.actor,
            authorized_at: self.authorized_at,
            task_token: self.task_token,
            data: self.data,
        })
    }
}

impl<D> Envelope<D> {
    /// A new message that starts a conversation: fresh id, now, correlation id = id.
    pub fn new(name: impl Into<MessageName>, data: D) -> Self {
        let id = Uuid::new_v4();
        Self {
            id,
            name: name.into(),
            occurred_at: OffsetDateTime::now_utc(),
            correlation_id: id.to_string(),
            causation_id: None,
            actor: None,
            authorized_at: None,
            task_token: None,
            data,
        }
    }

    /// A new message caused by `cause`: same correlation id, actor and authorization
    /// time, `causation_id` = its id.
    pub fn caused_by<C>(cause: &Envelope<C>, name: impl Into<MessageName>, data: D) -> Self {
        Self {
            correlation_id: cause.correlation_id.clone(),
            causation_id: Some(cause.id.to_string()),
            actor: cause.actor.clone(),
            authorized_at: cause.actor.as_ref().map(|_| cause.authorized_at()),
            ..Self::new(name, data)
        }
    }

    /// When the token riding with this message was authorized: `authorized_at`, or
    /// else `occurred_at` (a message sent straight from the caller's request).
    pub fn authorized_at(&self) -> OffsetDateTime {
        self.authorized_at.unwrap_or(self.occurred_at)
    }

    /// The message's kind, implied by its name.
    pub fn kind(&self) -> Kind {
        self.name.kind()
    }

    /// The same metadata with other data.
    pub fn with_data<E>(self, data: E) -> Envelope<E> {
        Envelope {
            id: self.id,
            name: self.name,
            occurred_at: self.occurred_at,
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
            actor: self.actor,
            authorized_at: self.authorized_at,
            task_token: self.task_token,
            data,
        }
    }
}

impl<D: Serialize> Envelope<D> {
    /// The JSON body on the wire.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

impl Envelope<Value> {
    /// Decodes and checks a wire body: JSON shape, name, kind and schema version.
    pub fn decode(body: &str) -> Result<Self, EnvelopeError> {
        let wire: WireIn<Value> = serde_json::from_str(body)?;
        wire.validate()
    }

    /// Converts `data` to the payload type of the message.
    pub fn typed<D: DeserializeOwned>(mut self) -> Result<Envelope<D>, EnvelopeError> {
        let data = serde_json::from_value(std::mem::take(&mut self.data))
            .map_err(|source| EnvelopeError::Data { name: self.name.to_string(), source })?;
        Ok(self.with_data(data))
    }
}

/// An envelope whose `data` is the JSON text it arrived in, borrowed from the body:
/// the body is parsed once, nothing of the data is copied, the data is decoded
/// straight into its payload type later (no `Value` in between), and its bytes can
/// be hashed as received.
pub type RawEnvelope<'a> = Envelope<&'a RawValue>;

impl<'a> Envelope<&'a RawValue> {
    /// Decodes and checks a wire body like [`Envelope::decode`], keeping `data` as text.
    /// The fast reader (the module `reader`) reads the body where it can; `serde_json` reads the rest.
    pub fn decode_raw(body: &'a str) -> Result<Self, EnvelopeError> {
        let wire: WireIn<&'a RawValue> = match reader::read(body) {
            Some(wire) => wire,
            None => serde_json::from_str(body)?,
        };
        wire.validate()
    }

    /// [`Envelope::decode_raw`] with `serde_json` alone (what the fast reader is held to).
    pub fn decode_raw_by_serde(body: &'a str) -> Result<Self, EnvelopeError> {
        serde_json::from_str::<WireIn<&'a RawValue>>(body)?.validate()
    }

    /// Decodes `data` into the payload type of the message.
    pub fn typed<D: DeserializeOwned>(self) -> Result<Envelope<D>, EnvelopeError> {
        let data = serde_json::from_str(self.data.get())
            .map_err(|source| EnvelopeError::Data { name: self.name.to_string(), source })?;
        Ok(self.with_data(data))
    }

    /// The same envelope with `data` as a `Value` (for code that inspects it freely).
    pub fn to_value(&self) -> Result<Envelope<Value>, EnvelopeError> {
        let data = serde_json::from_str(self.data.get())
            .map_err(|source| EnvelopeError::Data { name: self.name.to_string(), source })?;
        Ok(self.clone().with_data(data))
    }
}

impl<D: Serialize> Serialize for Envelope<D> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        WireOut {
            id: &self.id,
            name: self.name.as_str(),
            kind: self.kind(),
            occurred_at: self.occurred_at,
            correlation_id: &self.correlation_id,
            causation_id: &self.causation_id,
            actor: &self.actor,
            authorized_at: self.authorized_at,
            task_token: &self.task_token,
            schema: SCHEMA_VERSION,
            data: &self.data,
        }
        .serialize(s)
    }
}

impl<'de, D: Deserialize<'de>> Deserialize<'de> for Envelope<D> {
    fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        WireIn::<D>::deserialize(d)?.validate().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{event, task};
    use serde_json::json;

    fn sample() -> Envelope {
        let mut e = Envelope::new(event!("address.received"), json!({"ref": "r1"}));
        e.actor = Some(Actor { sub: "u1".into(), roles: vec!["user-mover".into()] });
        e
    }

    #[test]
    fn round_trips_through_the_wire_body() {
        let e = sample();
        let body = e.to_json().unwrap();
        let back = Envelope::decode(&body).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn a_raw_envelope_keeps_data_as_received_and_decodes_it_once_into_its_type() {
        let body = r#"{"id":"0b1e2a5c-3c4d-4e5f-8a9b-0c1d2e3f4a5b","name":"address.received","kind":"event",
            "occurred_at":"2026-01-01T00:00:00Z","correlation_id":"c","schema":1,"data":{"z": 1, "ref":"r1"}}"#;
        let raw = Envelope::decode_raw(body).unwrap();
        assert_eq!(raw.data.get(), r#"{"z": 1, "ref":"r1"}"#, "the bytes as received");
        assert_eq!(raw.to_value().unwrap(), Envelope::decode(body).unwrap());
        #[derive(Deserialize, Debug, PartialEq)]
        struct Payload {
            r#ref: String,
        }
        assert_eq!(raw.clone().typed::<Payload>().unwrap().data, Payload { r#ref: "r1".into() });
        let wrong = raw.typed::<Vec<u8>>().unwrap_err().to_string();
        assert!(wrong.contains("`data` of `address.received`"), "{wrong}");
        assert!(Envelope::decode_raw(&body.replace("\"schema\":1", "\"schema\":2")).is_err());
    }

    #[test]
    fn wire_body_has_exactly_the_documented_fields() {
        let v: Value = serde_json::from_str(&sample().to_json().unwrap()).unwrap();
        let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["actor", "causation_id", "correlation_id", "data", "id", "kind", "name", "occurred_at", "schema"]
        );
        assert_eq!(v["kind"], "event");
        assert_eq!(v["schema"], 1);
        assert!(v["occurred_at"].as_str().unwrap().contains('T'));
    }

    #[test]
    fn decodes_a_body_written_by_another_language() {
        let body = r#"{"id":"6f1c1f7e-2f0b-4c59-9a55-5d1a4b1e2a10","name":"addressing.address.reconcile",
            "kind":"task","occurred_at":"2026-11-26T10:00:00.5+01:00","correlation_id":"c-1",
            "causation_id":null,"actor":null,"schema":1,"data":{"ref":"x"},"extra":"ignored"}"#;
        let e = Envelope::decode(body).unwrap();
        assert_eq!(e.name.target_service(), Some("addressing"));
        assert_eq!(e.correlation_id, "c-1");
    }

    #[test]
    fn caused_by_carries_correlation_causation_and_actor() {
        let cause = sample();
        let effect = Envelope::caused_by(&cause, event!("address.reconciled"), 1);
        assert_eq!(effect.correlation_id, cause.correlation_id);
        assert_eq!(effect.causation_id, Some(cause.id.to_string()));
        assert_eq!(effect.actor, cause.actor);
        assert_ne!(effect.id, cause.id);
    }

    #[test]
    fn the_authorization_time_is_inherited_along_a_chain_and_rides_on_the_wire() {
        let mut cause = sample();
        cause.occurred_at -= time::Duration::days(2);
        assert_eq!(cause.authorized_at(), cause.occurred_at, "a first message is authorized when it occurred");
        let effect = Envelope::caused_by(&cause, event!("address.reconciled"), json!({}));
        assert_eq!(effect.authorized_at, Some(cause.occurred_at));
        let next = Envelope::caused_by(&effect, event!("mover.updated"), json!({}));
        assert_eq!(next.authorized_at(), cause.occurred_at, "however many hops later");
        let body = next.to_json().unwrap();
        assert!(body.contains("\"authorized_at\":"), "{body}");
        assert_eq!(Envelope::decode(&body).unwrap().authorized_at(), cause.occurred_at);
        let mut system = sample();
        system.actor = None;
        let effect = Envelope::caused_by(&system, event!("address.reconciled"), json!({}));
        assert_eq!(effect.authorized_at, None, "system work carries no authorization time");
        assert!(!effect.to_json().unwrap().contains("authorized_at"));
    }

    #[test]
    fn a_task_token_rides_along_but_is_never_inherited() {
        let mut task = Envelope::new(task!("addressing.address.reconcile"), json!({"ref": "x"}));
        task.task_token = Some("tok-1".into());
        let body = task.to_json().unwrap();
        assert!(body.contains(r#""task_token":"tok-1""#), "{body}");
        assert_eq!(Envelope::decode(&body).unwrap().task_token.as_deref(), Some("tok-1"));
        let answer = Envelope::caused_by(&task, event!("address.reconciled"), 1);
        assert_eq!(answer.task_token, None);
        assert!(!answer.to_json().unwrap().contains("task_token"));
    }

    #[test]
    fn bad_bodies_are_refused_with_the_reason() {
        let good: Value = serde_json::from_str(&sample().to_json().unwrap()).unwrap();
        let with = |k: &str, v: Value| {
            let mut b = good.clone();
            b[k] = v;
            b.to_string()
        };
        let cases = [
            ("not json".to_owned(), "not a valid envelope"),
            (with("schema", json!(2)), "schema version 2"),
            (with("kind", json!("task")), "`kind` is `task`"),
            (with("name", json!("Address.Received")), "invalid segment"),
            (with("id", json!("nope")), "not a valid envelope"),
            (with("occurred_at", json!("yesterday")), "not a valid envelope"),
        ];
        for (body, reason) in cases {
            let err = Envelope::decode(&body).unwrap_err().to_string();
            assert!(err.contains(reason), "{body}: {err}");
        }
        let no_data = {
            let mut b = good.clone();
            b.as_object_mut().unwrap().remove("data");
            b.to_string()
        };
        assert!(Envelope::decode(&no_data).unwrap_err().to_string().contains("data"));
    }

    #[test]
    fn typed_data_errors_name_the_message() {
        let e = Envelope::new(task!("addressing.address.reconcile"), json!({"ref": 5}));
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct P {
            r#ref: String,
        }
        let err = e.typed::<P>().unwrap_err().to_string();
        assert!(err.contains("addressing.address.reconcile"), "{err}");
    }
}
