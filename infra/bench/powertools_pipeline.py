"""The Python peer of the consumer pipeline benchmark (`cargo xtask bench peers`).

Powertools for AWS Lambda's BatchProcessor on the same Lambda SQS event the Rust
benchmark handles, doing the same work: the event decoded from its JSON text, each
record's body decoded, routed by the envelope's name to its handler, the payload
handed to it, and the partial batch response serialized. Prints one line:
`powertools: <N> msg/s (<us> per message)`.
"""
import json
import sys
import time

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

processor = BatchProcessor(event_type=EventType.SQS)


def address_received(data):
    # The Rust side's handler: emits nothing.
    return None


ROUTES = {"address.received": address_received}


def record_handler(record):
    envelope = json.loads(record.body)
    handler = ROUTES.get(envelope["name"])
    if handler is None:
        raise ValueError(f"no handler for {envelope['name']}")
    return handler(envelope["data"])


def handle(event_text):
    event = json.loads(event_text)
    response = process_partial_response(event=event, record_handler=record_handler, processor=processor, context=None)
    assert not response["batchItemFailures"], response
    return json.dumps(response)


def main():
    event_text = open(sys.argv[1]).read()
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    records = len(json.loads(event_text)["Records"])
    for _ in range(200):  # warm up
        handle(event_text)
    batches, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(100):
            handle(event_text)
        batches += 100
    elapsed = time.perf_counter() - started
    per_message = elapsed / (batches * records)
    print(f"powertools: {1 / per_message:.0f} msg/s ({per_message * 1e6:.2f} us per message)")


if __name__ == "__main__":
    main()
