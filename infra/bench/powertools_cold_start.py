"""The Python peer of a worker's cold start (`cargo xtask bench cold-start`).

What a worker written with Powertools for AWS Lambda (Python) and boto3 does from
its start to its first poll of the Lambda Runtime API, given the addressing
worker's deployed environment: its imports (Logger, Metrics, BatchProcessor, the
Parser's models), one DynamoDB, SNS and SSM client, and the init calls the Rust
worker makes before its first poll (the table's description and TTL, the applied
migrations, the key set's parameter), then the poll itself. The Lambda
Python runtime's own bootstrap (awslambdaric) is left out, which favours this peer.
"""
import json
import os
import urllib.request

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel  # noqa: F401 (a typed worker's import)

logger = Logger(service="addressing")
metrics = Metrics(namespace="Updater/Platform", service="addressing")
processor = BatchProcessor(event_type=EventType.SQS)

table = os.environ["TABLE_NAME"]
dynamodb = boto3.client("dynamodb")
sns = boto3.client("sns")
ssm = boto3.client("ssm")

# The Rust worker's init calls: the table check, the migrations read, the key set.
dynamodb.describe_table(TableName=table)
dynamodb.describe_time_to_live(TableName=table)
dynamodb.query(
    TableName=table,
    KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
    ExpressionAttributeValues={":pk": {"S": "migrations"}, ":prefix": {"S": "applied#"}},
    ConsistentRead=True,
)
ssm.get_parameter(Name=os.environ["JWKS_PARAMETER"])

api = os.environ["AWS_LAMBDA_RUNTIME_API"]
with urllib.request.urlopen(f"http://{api}/2018-06-01/runtime/invocation/next") as next_invocation:
    json.load(next_invocation)
