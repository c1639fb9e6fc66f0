"""The Python peer of the consumer pipeline benchmark (`cargo xtask bench peers`).

Powertools for AWS Lambda's BatchProcessor on the same Lambda SQS event the Rust
benchmark handles, three ways, each printing one line:

- `powertools: <N> msg/s (<us> per message)`: the least a handler can do: the
  event decoded from its JSON text, each record's body decoded, routed by the
  envelope's name to its handler, the payload (a dict) handed to it, and the
  partial batch response serialized.
- `powertools logged: <N> msg/s (<us> per message)`: the least handler again, with
  the line a record the platform's consumer writes at `info` (Powertools' Logger,
  JSON to `/dev/null`, the record's ids as keys of the line).
- `powertools typed: <N> msg/s (<us> per message)`: what the platform's consumer
  also does for every record, written as Powertools documents it: each record
  parsed by the BatchProcessor into a Pydantic model whose body is the envelope
  (the id a UUID, the time a datetime, the schema version checked, the kind one of
  two) and whose data is the message's payload type, and the payload fingerprinted
  as the idempotency ledger is asked (SHA-256 of the name, a NUL and the data's
  JSON text as received).
"""
import hashlib
import json
import os
import sys
import time
import uuid
from datetime import datetime
from typing import Literal, Optional

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import BaseModel, Field, Json

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


# Written where the Rust side writes its lines in this benchmark: to `/dev/null`.
logger = Logger(service="bench", stream=open(os.devnull, "w"))


def logged_record_handler(record):
    envelope = json.loads(record.body)
    handler = ROUTES.get(envelope["name"])
    if handler is None:
        raise ValueError(f"no handler for {envelope['name']}")
    result = handler(envelope["data"])
    # Keys of the line, as the Rust side's span gives them (`name` is the logging
    # module's own attribute, so it goes in as `message_name`).
    logger.info(
        "handled",
        extra={
            "function_request_id": "bench-request",
            "sqs_message_id": record.message_id,
            "message_id": envelope["id"],
            "message_name": envelope["name"],
            "correlation_id": envelope["correlation_id"],
            "causation_id": envelope.get("causation_id"),
        },
    )
    return result


def handle(event_text, record_handler=record_handler, processor=processor):
    event = json.loads(event_text)
    response = process_partial_response(event=event, record_handler=record_handler, processor=processor, context=None)
    assert not response["batchItemFailures"], response
    return json.dumps(response)


# The payload and envelope types as the Rust side declares them (its decoding
# checks types and the name's shape, not lengths).
class PostalAddress(BaseModel):
    line1: str = ""
    line2: Optional[str] = None
    city: str = ""
    state: str = ""
    zip: str = ""


class AddressSubmission(BaseModel):
    ref: str
    address: PostalAddress


class Actor(BaseModel):
    sub: str
    roles: list[str]


class Envelope(BaseModel):
    id: uuid.UUID
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
    kind: Literal["event", "task"]
    occurred_at: datetime
    correlation_id: str
    causation_id: Optional[str] = None
    actor: Optional[Actor] = None
    authorized_at: Optional[datetime] = None
    task_token: Optional[str] = None
    schema_: Literal[1] = Field(alias="schema")
    # Decoded into its route's payload type once the name has chosen the route.
    data: dict


class EnvelopeRecord(SqsRecordModel):
    body: Json[Envelope]


TYPED_ROUTES = {"address.received": (AddressSubmission, address_received)}


def fingerprint(name, data):
    # The platform's rendering (compact, keys sorted), as Powertools' idempotency
    # utility renders a payload before it hashes it.
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(name.encode() + b"\0" + text.encode()).hexdigest()


def typed_record_handler(record: EnvelopeRecord):
    envelope = record.body
    route = TYPED_ROUTES.get(envelope.name)
    if route is None:
        raise ValueError(f"no handler for {envelope.name}")
    model, handler = route
    fingerprint(envelope.name, envelope.data)
    return handler(model.model_validate(envelope.data))


typed_processor = BatchProcessor(event_type=EventType.SQS, model=EnvelopeRecord)


def measure(label, event_text, seconds, records, **handling):
    for _ in range(200):  # warm up
        handle(event_text, **handling)
    batches, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(100):
            handle(event_text, **handling)
        batches += 100
    elapsed = time.perf_counter() - started
    per_message = elapsed / (batches * records)
    print(f"{label}: {1 / per_message:.0f} msg/s ({per_message * 1e6:.2f} us per message)", flush=True)


def main():
    event_text = open(sys.argv[1]).read()
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    records = len(json.loads(event_text)["Records"])
    measure("powertools", event_text, seconds, records)
    measure("powertools logged", event_text, seconds, records, record_handler=logged_record_handler)
    typed = {"record_handler": typed_record_handler, "processor": typed_processor}
    measure("powertools typed", event_text, seconds, records, **typed)


if __name__ == "__main__":
    main()
