//! Packing the messages of several callers (a batch's records) into `PublishBatch`
//! requests: by topic, at most 10 entries and 256 KiB a request, each entry named by
//! its position so that a failed entry is traced back to the caller (the group) it
//! came from. A group whose entry failed, or whose request failed, fails alone;
//! the other groups keep their success.
use std::collections::BTreeMap;

use super::outgoing::{MAX_MESSAGE_BYTES, PublishError};

/// At most this many entries in one `PublishBatch` request.
pub const MAX_BATCH_ENTRIES: usize = 10;

/// One encoded message: its topic, its size on the wire, and the group it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed<T> {
    /// The topic it goes to.
    pub topic: String,
    /// Body and attributes, in bytes.
    pub size: usize,
    /// The caller (group) it came from.
    pub group: usize,
    /// The entry itself.
    pub entry: T,
}

/// The requests to send, per topic in order, each within the limits.
pub fn requests<T>(messages: Vec<Packed<T>>) -> Vec<Vec<Packed<T>>> {
    let mut by_topic: BTreeMap<String, Vec<Packed<T>>> = BTreeMap::new();
    for m in messages {
        by_topic.entry(m.topic.clone()).or_default().push(m);
    }
    let mut requests = Vec::new();
    for (_, messages) in by_topic {
        let mut request: Vec<Packed<T>> = Vec::new();
        let mut bytes = 0;
        for m in messages {
            if request.len() == MAX_BATCH_ENTRIES || (!request.is_empty() && bytes + m.size > MAX_MESSAGE_BYTES) {
                requests.push(std::mem::take(&mut request));
                bytes = 0;
            }
            bytes += m.size;
            request.push(m);
        }
        if !request.is_empty() {
            requests.push(request);
        }
    }
    requests
}

/// Gives each group of a sent request its result: `groups` is the group of each
/// entry by position, `answer` the positions SNS did not accept (with why), or the
/// request's own failure (which fails every group in it). A group keeps its first
/// failure; the failures of several of its entries are joined.
pub fn settle(
    results: &mut [Result<(), PublishError>],
    groups: &[usize],
    answer: Result<Vec<(usize, String)>, PublishError>,
) {
    match answer {
        Ok(failed) => {
            for (position, reason) in failed {
                match groups.get(position).and_then(|g| results.get_mut(*g)) {
                    Some(result @ Ok(())) => *result = Err(PublishError::Rejected { count: 1, detail: reason }),
                    Some(Err(PublishError::Rejected { count, detail })) => {
                        *count += 1;
                        detail.push_str("; ");
                        detail.push_str(&reason);
                    }
                    Some(Err(_)) => {}
                    None => tracing::warn!(position, reason = %reason, "SNS named an entry that was not sent"),
                }
            }
        }
        Err(e) => {
            let reason = match e {
                PublishError::Transport(reason) => reason,
                other => other.to_string(),
            };
            for g in groups {
                if let Some(result @ Ok(())) = results.get_mut(*g) {
                    *result = Err(PublishError::Transport(reason.clone()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(topic: &str, size: usize, group: usize) -> Packed<()> {
        Packed { topic: topic.into(), size, group, entry: () }
    }

    fn shape(requests: &[Vec<Packed<()>>]) -> Vec<Vec<(String, usize)>> {
        requests.iter().map(|r| r.iter().map(|m| (m.topic.clone(), m.group)).collect()).collect()
    }

    #[test]
    fn the_messages_of_many_groups_share_requests_of_ten_per_topic() {
        let mut messages: Vec<_> = (0..12).map(|g| packed("events", 100, g)).collect();
        messages.insert(3, packed("tasks", 100, 3));
        let requests = requests(messages);
        assert_eq!(requests.len(), 3, "events: 10 + 2, tasks: 1");
        assert_eq!(requests[0].len(), 10);
        assert_eq!(shape(&requests)[1], vec![("events".into(), 10), ("events".into(), 11)]);
        assert_eq!(shape(&requests)[2], vec![("tasks".into(), 3)]);
    }

    #[test]
    fn a_request_stays_within_the_size_limit() {
        let half = MAX_MESSAGE_BYTES / 2;
        let requests = requests(vec![packed("e", half, 0), packed("e", half, 1), packed("e", 1, 2)]);
        assert_eq!(shape(&requests), vec![vec![("e".into(), 0), ("e".into(), 1)], vec![("e".into(), 2)]]);
    }

    fn outcome(results: &[Result<(), PublishError>]) -> Vec<String> {
        results.iter().map(|r| r.as_ref().map_or_else(|e| e.to_string(), |()| "ok".into())).collect()
    }

    #[test]
    fn a_failed_entry_fails_its_group_only() {
        let mut results: Vec<Result<(), PublishError>> = (0..4).map(|_| Ok(())).collect();
        let groups = [0, 1, 1, 3];
        settle(&mut results, &groups, Ok(vec![(2, "InternalError boom".into()), (1, "Throttled slow".into())]));
        assert_eq!(
            outcome(&results),
            vec![
                "ok".to_owned(),
                "SNS did not accept 2 message(s): InternalError boom; Throttled slow".into(),
                "ok".into(),
                "ok".into(),
            ]
        );
        settle(&mut results, &groups, Ok(vec![(99, "unknown".into())]));
        assert_eq!(outcome(&results)[3], "ok", "an entry that was not sent names no group");
    }

    #[test]
    fn a_failed_request_fails_every_group_in_it_and_keeps_earlier_failures() {
        let mut results: Vec<Result<(), PublishError>> = (0..3).map(|_| Ok(())).collect();
        results[1] = Err(PublishError::NoTopic("task".into()));
        settle(&mut results, &[0, 1], Err(PublishError::Transport("connection reset".into())));
        assert_eq!(
            outcome(&results),
            vec![
                "SNS call failed: connection reset".to_owned(),
                "no topic configured for task messages".into(),
                "ok".into(),
            ]
        );
    }
}
