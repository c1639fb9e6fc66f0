//! The wire envelope read in one pass by [`crate::json_scan`], its `data` left as
//! the JSON text it arrived in (checked once, by `serde_json`). Its result equals the
//! derived `Deserialize`'s (a property test holds them together); whatever it does
//! not read, it leaves to that derive, which has the last word and the error message.
use serde_json::value::RawValue;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::{Actor, WireIn};
use crate::json_scan::{Once, ScanError, Scanner};
use crate::names::Kind;

/// Reads `body` as the derive would, or `None` where the derive must decide.
pub(super) fn read(body: &str) -> Option<WireIn<&RawValue>> {
    read_fields(&mut Scanner::new(body)).ok()
}

/// Any value the fast reader leaves to the derive.
fn unread<T>() -> Result<T, ScanError> {
    Err(ScanError { reason: "left to serde_json", at: 0 })
}

fn time(s: &mut Scanner<'_>) -> Result<OffsetDateTime, ScanError> {
    OffsetDateTime::parse(&s.string()?, &Rfc3339).or_else(|_| unread())
}

fn optional<T>(
    s: &mut Scanner<'_>,
    read: impl FnOnce(&mut Scanner<'_>) -> Result<T, ScanError>,
) -> Result<Option<T>, ScanError> {
    if s.null()? { Ok(None) } else { read(s).map(Some) }
}

fn owned(s: &mut Scanner<'_>) -> Result<String, ScanError> {
    s.string().map(|v| v.into_owned())
}

fn actor(s: &mut Scanner<'_>) -> Result<Actor, ScanError> {
    let (mut sub, mut roles) = (Once::default(), Once::default());
    s.object(|s, key| match key {
        "sub" => owned(s).and_then(|v| sub.set(s, v)),
        "roles" => {
            let mut list = Vec::new();
            s.array(|s| owned(s).map(|role| list.push(role)))?;
            roles.set(s, list)
        }
        _ => s.skip(),
    })?;
    match (sub.0, roles.0) {
        (Some(sub), Some(roles)) => Ok(Actor { sub, roles }),
        _ => unread(),
    }
}

fn read_fields<'a>(s: &mut Scanner<'a>) -> Result<WireIn<&'a RawValue>, ScanError> {
    let (mut id, mut name, mut kind, mut occurred_at) =
        (Once::default(), Once::default(), Once::default(), Once::default());
    let (mut correlation_id, mut causation_id, mut actor_of) = (Once::default(), Once::default(), Once::default());
    let (mut authorized_at, mut task_token, mut schema, mut data) =
        (Once::default(), Once::default(), Once::default(), Once::default());
    s.object(|s, key| match key {
        "id" => Uuid::parse_str(&s.string()?).or_else(|_| unread()).and_then(|v| id.set(s, v)),
        "name" => owned(s).and_then(|v| name.set(s, v)),
        "kind" => match &*s.string()? {
            "event" => kind.set(s, Kind::Event),
            "task" => kind.set(s, Kind::Task),
            _ => unread(),
        },
        "occurred_at" => time(s).and_then(|v| occurred_at.set(s, v)),
        "correlation_id" => owned(s).and_then(|v| correlation_id.set(s, v)),
        "causation_id" => optional(s, owned).and_then(|v| causation_id.set(s, v)),
        "actor" => optional(s, actor).and_then(|v| actor_of.set(s, v)),
        "authorized_at" => optional(s, time).and_then(|v| authorized_at.set(s, v)),
        "task_token" => optional(s, owned).and_then(|v| task_token.set(s, v)),
        "schema" => s.u32().and_then(|v| schema.set(s, v)),
        "data" => s.raw_value().and_then(|v| data.set(s, v)),
        _ => s.skip(),
    })?;
    s.end()?;
    let required = (id.0, name.0, kind.0, occurred_at.0, correlation_id.0, schema.0, data.0);
    let (Some(id), Some(name), Some(kind), Some(occurred_at), Some(correlation_id), Some(schema), Some(data)) =
        required
    else {
        // A missing field: the derive names it.
        return unread();
    };
    Ok(WireIn {
        id,
        name,
        kind,
        occurred_at,
        correlation_id,
        causation_id: causation_id.0.flatten(),
        actor: actor_of.0.flatten(),
        authorized_at: authorized_at.0.flatten(),
        task_token: task_token.0.flatten(),
        schema,
        data,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use crate::{Envelope, RawEnvelope, event, task};

    /// The decoded envelope by either reader, comparable (`None`: refused).
    fn by_both(body: &str) -> (Option<String>, Option<String>) {
        let show = |e: RawEnvelope<'_>| format!("{e:?}");
        let fast = super::read(body).map(|wire| wire.validate().map(show).map_err(|e| e.to_string()));
        let serde = Envelope::decode_raw_by_serde(body).map(show).map_err(|e| e.to_string());
        match fast {
            // What the fast reader reads, the derive reads alike (errors of `validate` included).
            Some(fast) => (Some(format!("{fast:?}")), Some(format!("{serde:?}"))),
            None => (None, serde.ok()),
        }
    }

    fn agrees(body: &str) -> Result<(), TestCaseError> {
        if let (Some(fast), serde) = by_both(body) {
            prop_assert_eq!(Some(fast), serde, "{}", body);
        }
        Ok(())
    }

    fn sample() -> Value {
        let mut e = Envelope::new(task!("addressing.address.reconcile"), json!({"ref": "a\"b", "n": [1, 2.5]}));
        e.causation_id = Some("c-1".into());
        e.actor = Some(crate::Actor { sub: "usr_1".into(), roles: vec!["user-mover".into()] });
        e.authorized_at = Some(e.occurred_at);
        e.task_token = Some("tok".into());
        serde_json::to_value(&e).unwrap()
    }

    #[test]
    fn the_platforms_envelopes_are_read_by_the_fast_reader_as_by_serde_json() {
        let plain = Envelope::new(event!("address.received"), json!({"ref": "x"})).to_json().unwrap();
        for body in [plain, sample().to_string(), serde_json::to_string_pretty(&sample()).unwrap()] {
            let (fast, serde) = by_both(&body);
            assert!(fast.is_some(), "the fast reader left {body} to serde_json");
            assert_eq!(fast, serde);
        }
    }

    #[test]
    fn what_the_fast_reader_leaves_is_decided_by_serde_json() {
        let mut v = sample();
        v["schema"] = json!(1.0);
        let float_schema = v.to_string();
        let mut v = sample();
        v["actor"] = json!({"sub": "u"});
        let actor_without_roles = v.to_string();
        let mut v = sample();
        v["kind"] = json!("other");
        let unknown_kind = v.to_string();
        let duplicate = sample().to_string().replacen('{', r#"{"name":"x.happened","#, 1);
        for body in [float_schema, actor_without_roles, unknown_kind, duplicate, "[]".into(), "{".into()] {
            assert!(super::read(&body).is_none(), "{body}");
            assert!(Envelope::decode_raw(&body).is_err(), "{body}");
        }
    }

    #[test]
    fn errors_of_the_checks_after_reading_are_the_same() {
        let mut v = sample();
        v["schema"] = json!(2);
        let (fast, serde) = by_both(&v.to_string());
        assert_eq!(fast, serde);
        assert!(fast.unwrap().contains("Err"));
    }

    fn field_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<String>().prop_map(Value::String),
            any::<i64>().prop_map(Value::from),
            Just(json!({"sub": "u", "roles": ["a", "b"]})),
            Just(json!("2026-12-06T15:20:10.7659277Z")),
            Just(json!("0191a2b3-c4d5-7e6f-8a9b-0c1d2e3f4a5b")),
        ]
    }

    proptest! {
        #[test]
        fn any_field_changed_is_read_alike_or_left_to_serde_json(
            key in prop::sample::select(vec!["id", "name", "kind", "occurred_at", "correlation_id", "causation_id",
                "actor", "authorized_at", "task_token", "schema", "data", "other"]),
            value in field_value(),
            remove: bool,
        ) {
            let mut v = sample();
            if remove { v.as_object_mut().unwrap().remove(key); } else { v[key] = value; }
            agrees(&v.to_string())?;
        }

        #[test]
        fn a_damaged_envelope_is_refused_or_read_alike(cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let body = sample().to_string();
            let at = cut.index(body.len());
            let mut damaged = body.as_bytes().to_vec();
            damaged[at] = byte;
            if let Ok(damaged) = String::from_utf8(damaged) {
                agrees(&damaged)?;
            }
            agrees(&body[..body.floor_char_boundary(at)])?;
        }
    }
}
