//! How a batch's records may run side by side: each record of a standard queue is
//! a lane of its own; the records of one FIFO `MessageGroupId` share a lane, in
//! the order SQS delivered them, so a group keeps its order (and after one of
//! them fails, the rest of its lane fail without running: they come back, in
//! order, with the failed one). Copies of one message in a batch (the same body,
//! as an at-least-once delivery makes them) share a lane too, so the second is
//! acknowledged as the duplicate it is rather than failed as "in flight".
use std::collections::HashMap;

use super::queue_event::QueueRecord;

/// What puts records in one lane.
#[derive(PartialEq, Eq, Hash)]
enum LaneKey<'a> {
    Group(&'a str),
    Body(&'a str),
}

fn key(record: &QueueRecord) -> Option<LaneKey<'_>> {
    if let Some(group) = &record.attributes.message_group_id {
        return Some(LaneKey::Group(group));
    }
    // SQS's digest when it gave one (cheap to compare), else the body itself.
    record.md5_of_body.as_deref().or(record.body.as_deref()).map(LaneKey::Body)
}

/// Record indexes by lane, each lane in delivery order, lanes in the order of
/// their first record.
pub fn lanes(records: &[QueueRecord]) -> Vec<Vec<usize>> {
    let mut lane_of: HashMap<LaneKey<'_>, usize> = HashMap::with_capacity(records.len());
    let mut lanes: Vec<Vec<usize>> = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        match key(record) {
            Some(key) => match lane_of.get(&key) {
                Some(&lane) => lanes[lane].push(index),
                None => {
                    lane_of.insert(key, lanes.len());
                    lanes.push(vec![index]);
                }
            },
            None => lanes.push(vec![index]),
        }
    }
    lanes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(group: Option<&str>) -> QueueRecord {
        let mut r = QueueRecord { body: Some(format!("body {}", uuid::Uuid::new_v4())), ..Default::default() };
        r.attributes.message_group_id = group.map(String::from);
        r
    }

    #[test]
    fn copies_of_one_message_share_a_lane_by_digest_or_body() {
        let copy = |body: &str, md5: Option<&str>| QueueRecord {
            body: Some(body.into()),
            md5_of_body: md5.map(String::from),
            ..Default::default()
        };
        let batch =
            [copy("a", Some("d1")), copy("b", Some("d2")), copy("a", Some("d1")), copy("x", None), copy("x", None)];
        assert_eq!(lanes(&batch), vec![vec![0, 2], vec![1], vec![3, 4]]);
    }

    #[test]
    fn standard_records_run_alone_and_a_fifo_group_runs_in_order_in_one_lane() {
        let batch =
            [record(None), record(Some("a")), record(Some("b")), record(Some("a")), record(None), record(Some("a"))];
        assert_eq!(lanes(&batch), vec![vec![0], vec![1, 3, 5], vec![2], vec![4]]);
        assert!(lanes(&[]).is_empty());
    }
}
