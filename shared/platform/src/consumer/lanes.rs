//! How a batch's records may run side by side: each record of a standard queue is
//! a lane of its own; the records of one FIFO `MessageGroupId` share a lane, in
//! the order SQS delivered them, so a group keeps its order (and after one of
//! them fails, the rest of its lane fail without running: they come back, in
//! order, with the failed one).
use std::collections::HashMap;

use aws_lambda_events::event::sqs::SqsMessage;

/// The SQS system attribute of a FIFO record's group.
const GROUP_ATTRIBUTE: &str = "MessageGroupId";

/// Record indexes by lane, each lane in delivery order, lanes in the order of
/// their first record.
pub fn lanes(records: &[SqsMessage]) -> Vec<Vec<usize>> {
    let mut lane_of_group: HashMap<&str, usize> = HashMap::new();
    let mut lanes: Vec<Vec<usize>> = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        match record.attributes.get(GROUP_ATTRIBUTE) {
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

    fn record(group: Option<&str>) -> SqsMessage {
        let mut r = SqsMessage::default();
        if let Some(g) = group {
            r.attributes.insert(GROUP_ATTRIBUTE.into(), g.into());
        }
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
