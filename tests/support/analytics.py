"""Kinesis Data Analytics: a role the service may assume, and a JSON input schema of stock ticks."""
from __future__ import annotations

import json

ANALYTICS_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "kinesisanalytics.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
TICK_SCHEMA = {"RecordFormat": {"RecordFormatType": "JSON",
                                "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}},
               "RecordEncoding": "UTF-8",
               "RecordColumns": [{"Name": "ticker", "Mapping": "$.ticker", "SqlType": "VARCHAR(4)"},
                                 {"Name": "price", "Mapping": "$.price", "SqlType": "REAL"}]}


def analytics_role(iam, name: str) -> str:
    """A role Kinesis Analytics may assume that may use Kinesis, Firehose, S3 and CloudWatch Logs."""
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=ANALYTICS_TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*",
                                                "Action": ["kinesis:*", "firehose:*", "s3:*", "logs:*"]}]}))
    return arn
