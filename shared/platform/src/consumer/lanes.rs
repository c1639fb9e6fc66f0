//! How a batch's records may run side by side: each record of a standard queue is
//! a lane of its own; the records of one FIFO `MessageGroupId` share a lane, in
//! the order SQS delivered them, so a group keeps its order (and after one of
//! them fails, the rest of its lane fail without running: they come back, in
//! order, with the failed one).
use std::collections::HashMap;

use super::queue_event::QueueRecord;

/// Record indexes by lane, each lane in delivery order, lanes in the order of
/// their first record.
pub fn lanes(records: &[QueueRecord]) -> Vec<Vec<usize>> {
    let mut lane_of_group: HashMap<&str, usize> = HashMap::new();
    let mut lanes: Vec<Vec<usize>> = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        match &record.attributes.message_group_id {
            Some(group) => match lane_of_group.get(group.as_str()) {
                Some(&lane) => lanes[lane].push(index),
                None => {
                    lane_of_group.insert(group, lanes.len());
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
        let mut r = QueueRecord::default();
        r.attributes.message_group_id = group.map(String::from);
        r
    }

    #[test]
    fn standard_records_run_alone_and_a_fifo_group_runs_in_order_in_one_lane() {
        let batch =
            [record(None), record(Some("a")), record(Some("b")), record(Some("a")), record(None), record(Some("a"))];
        assert_eq!(lanes(&batch), vec![vec![0], vec![1, 3, 5], vec![2], vec![4]]);
        assert!(lanes(&[]).is_empty());
    }
}
