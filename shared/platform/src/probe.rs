//! The pre-traffic probe of a function that has no event of its own to be tried
//! with (a saga step): `{"probe": "<id>"}` is answered `{"probe": "<id>", "ready":
//! true, "version": "<function version>/<build>"}`, which only a version whose cold
//! start passed (configuration, table check, migrations) can give. The deploy hook
//! sends it before any traffic moves to the version.
use serde_json::{Value, json};

/// The answer to `payload` when it is a probe.
pub fn answer(payload: &Value) -> Option<Value> {
    let object = payload.as_object()?;
    let id = object.get("probe")?.as_str()?;
    (object.len() == 1).then(|| json!({"probe": id, "ready": true, "version": crate::version::version()}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_probe_alone_is_answered_as_one() {
        let answer = answer(&json!({"probe": "p1"})).unwrap();
        assert_eq!((answer["probe"].as_str(), answer["ready"].as_bool()), (Some("p1"), Some(true)));
        assert_eq!(super::answer(&json!({"probe": "p1", "booking_id": "b"})), None, "a step input is no probe");
        assert_eq!(super::answer(&json!({"probe": 1})), None);
        assert_eq!(super::answer(&json!("probe")), None);
    }
}
