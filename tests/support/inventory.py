"""AWS Config: a role Config may assume, a recorder that records into a delivery channel, reading history."""
from __future__ import annotations

import gzip
import json

from botocore.exceptions import ClientError

from tests.support.basics import advance_clock, unique

CONFIG_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def config_role(iam, name: str = "config-recorder") -> str:
    """A role config.amazonaws.com may assume (made once per account)."""
    try:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=CONFIG_TRUST)["Role"]["Arn"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        return iam.get_role(RoleName=name)["Role"]["Arn"]


def start_recording(aws, group: dict | None = None, region: str = "us-east-1", **channel) -> str:
    """A recorder (``group``: all supported types and IAM's by default) with a delivery channel into a new
    bucket, started; the bucket's name."""
    config, s3 = aws("config", region=region), aws("s3", region=region)
    role = config_role(aws("iam"))
    group = group or {"allSupported": True, "includeGlobalResourceTypes": True}
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": role,
                                                             "recordingGroup": group})
    bucket = unique("config-delivery")
    s3.create_bucket(Bucket=bucket, **({} if region == "us-east-1" else
                                       {"CreateBucketConfiguration": {"LocationConstraint": region}}))
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket, **channel})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    return bucket


def service_role(iam, service: str) -> str:
    """A new role the AWS service principal ``service`` may assume (for resources that name a role)."""
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service},
                                                     "Action": "sts:AssumeRole"}]}
    return iam.create_role(RoleName=unique("service-role"), AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def config_history(config, resource_type: str, resource_id: str, **params) -> list[dict]:
    """Every item of a resource, oldest first, with ``configuration`` parsed."""
    items, token = [], None
    while True:
        page = config.get_resource_config_history(resourceType=resource_type, resourceId=resource_id,
                                                  chronologicalOrder="Forward", **params,
                                                  **({"nextToken": token} if token else {}))
        items += page["configurationItems"]
        token = page.get("nextToken")
        if not token:
            break
    for item in items:
        item["configuration"] = json.loads(item["configuration"]) if item.get("configuration") else None
    return items


def rule_compliance(config, rule: str, **params) -> dict[str, str]:
    """A Config rule's results: resource id -> compliance type."""
    results = config.get_compliance_details_by_config_rule(ConfigRuleName=rule, **params)["EvaluationResults"]
    return {r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]: r["ComplianceType"]
            for r in results}


def delivered(s3, bucket: str, key: str) -> dict:
    """A gzipped JSON file Config delivered."""
    return json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))


def advisor_refreshed(support, endpoint: str, check_id: str) -> dict:
    """A Trusted Advisor check's result after a refresh has run its course (past the hour AWS waits between
    refreshes)."""
    advance_clock(endpoint, 3601)
    assert support.refresh_trusted_advisor_check(checkId=check_id)["status"]["status"] == "enqueued"
    advance_clock(endpoint, 10)
    return support.describe_trusted_advisor_check_result(checkId=check_id, language="en")["result"]
