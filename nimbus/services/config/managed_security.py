"""The managed rules of CloudTrail, KMS, Kinesis, SNS, CloudWatch Logs and CloudFormation, and the
process check whose results come from PutExternalEvaluation."""
from __future__ import annotations

from typing import Any

from nimbus.protocol.errors import ServiceError
from nimbus.services.config.managed import CHANGE, PERIODIC, Inputs, ManagedRule, Verdict, managed, verdict
from nimbus.services.config.rule_documents import NOT_APPLICABLE

TRAIL, KEY, STREAM = ("AWS::CloudTrail::Trail",), ("AWS::KMS::Key",), ("AWS::Kinesis::Stream",)
TOPIC, STACK, LOG_GROUP = ("AWS::SNS::Topic",), ("AWS::CloudFormation::Stack",), ("AWS::Logs::LogGroup",)
_TRAIL_PARAMETERS = ("s3BucketName", "snsTopicArn", "cloudWatchLogsLogGroupArn")


def _names(value: Any) -> set[str]:
    return {v.strip() for v in str(value or "").split(",") if v.strip()}


def _logging_trails(inputs: Inputs, multi_region: bool) -> list[dict]:
    trails = inputs.reader.call("cloudtrail", "DescribeTrails", {}).get("trailList", [])
    wanted = {"s3BucketName": "S3BucketName", "snsTopicArn": "SnsTopicARN",
              "cloudWatchLogsLogGroupArn": "CloudWatchLogsLogGroupArn"}
    matching = []
    for trail in trails:
        if multi_region and not trail.get("IsMultiRegionTrail"):
            continue
        if any(inputs.parameters.get(p) and trail.get(member) != inputs.parameters[p] for p, member in wanted.items()):
            continue
        if inputs.reader.call("cloudtrail", "GetTrailStatus", {"Name": trail["TrailARN"]}).get("IsLogging"):
            matching.append(trail)
    return matching


def cloudtrail_enabled(inputs: Inputs) -> Verdict:
    return verdict(bool(_logging_trails(inputs, False)), "No logging trail matches the rule's parameters.")


def multi_region_trail(inputs: Inputs) -> Verdict:
    return verdict(bool(_logging_trails(inputs, True)), "No logging multi-Region trail matches the rule's parameters.")


def log_file_validation(item: dict, _: Inputs) -> Verdict:
    return verdict(bool(item["configuration"].get("EnableLogFileValidation")), "Log file validation is not enabled.")


def trail_encryption(item: dict, _: Inputs) -> Verdict:
    return verdict(bool(item["configuration"].get("KMSKeyId")), "The trail does not encrypt its logs with SSE-KMS.")


def _customer_key(item: dict) -> bool:
    configuration = item["configuration"]
    return configuration.get("keyManager") == "CUSTOMER" and configuration.get("keyState") != "PendingDeletion"


def key_rotation(item: dict, inputs: Inputs) -> Verdict:
    configuration = item["configuration"]
    if not _customer_key(item) or configuration.get("keySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return Verdict(NOT_APPLICABLE)
    rotation = inputs.reader.call("kms", "GetKeyRotationStatus", {"KeyId": item["resourceId"]})
    return verdict(bool(rotation.get("KeyRotationEnabled")), "Automatic key rotation is not enabled.")


def key_not_scheduled_for_deletion(item: dict, inputs: Inputs) -> Verdict:
    wanted = _names(inputs.parameters.get("kmsKeyIds"))
    if item["configuration"].get("keyManager") != "CUSTOMER" or (wanted and item["resourceId"] not in wanted):
        return Verdict(NOT_APPLICABLE)
    return verdict(item["configuration"].get("keyState") != "PendingDeletion", "The key is scheduled for deletion.")


def stream_encrypted(item: dict, _: Inputs) -> Verdict:
    encryption = item["configuration"].get("StreamEncryption") or {}
    return verdict(encryption.get("EncryptionType") == "KMS", "The stream is not encrypted with a KMS key.")


def topic_encrypted(item: dict, inputs: Inputs) -> Verdict:
    key = item["configuration"].get("KmsMasterKeyId")
    wanted = _names(inputs.parameters.get("kmsKeyIds"))
    if not key:
        return verdict(False, "The topic is not encrypted with a KMS key.")
    return verdict(not wanted or key in wanted, "The topic's KMS key is not one kmsKeyIds names.")


def log_groups(inputs: Inputs) -> list[dict[str, Any]]:
    groups, token = [], None
    while True:
        page = inputs.reader.call("logs", "DescribeLogGroups", {"nextToken": token} if token else {})
        groups += [{"resourceType": LOG_GROUP[0], "resourceId": g["logGroupName"], "tags": {},
                    "configuration": {"kmsKeyId": g.get("kmsKeyId")}} for g in page.get("logGroups", [])]
        token = page.get("nextToken")
        if not token:
            return groups


def log_group_encrypted(item: dict, inputs: Inputs) -> Verdict:
    key = item["configuration"].get("kmsKeyId")
    wanted = inputs.parameters.get("KmsKeyId")
    if not key:
        return verdict(False, "The log group is not encrypted with a KMS key.")
    return verdict(not wanted or key == wanted, "The log group's KMS key is not the one KmsKeyId names.")


def stack_notification(item: dict, inputs: Inputs) -> Verdict:
    wanted = {v for k, v in inputs.parameters.items() if k.startswith("snsTopic") and v}
    topics = set(item["configuration"].get("notificationARNs") or [])
    if not topics:
        return verdict(False, "The stack sends no notifications.")
    return verdict(wanted <= topics, "The stack does not notify every topic the rule's parameters name.")


def _drift(item: dict, inputs: Inputs) -> Verdict:
    try:
        status = inputs.reader.call("cloudformation", "DescribeStacks", {"StackName": item["arn"]})["Stacks"][0]
    except ServiceError:
        return Verdict(NOT_APPLICABLE)
    drift = (status.get("DriftInformation") or {}).get("StackDriftStatus", "NOT_CHECKED")
    if drift == "NOT_CHECKED":
        return verdict(False, "The stack's drift has not been detected.")
    return verdict(drift == "IN_SYNC", f"The stack's drift status is {drift}.")


managed(ManagedRule("CLOUD_TRAIL_ENABLED", (PERIODIC,), optional=_TRAIL_PARAMETERS, account_check=cloudtrail_enabled))
managed(ManagedRule("MULTI_REGION_CLOUD_TRAIL_ENABLED", (PERIODIC,),
                    optional=(*_TRAIL_PARAMETERS, "includeManagementEvents", "readWriteType"),
                    account_check=multi_region_trail))
managed(ManagedRule("CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", (PERIODIC,), TRAIL, check=log_file_validation))
managed(ManagedRule("CLOUD_TRAIL_ENCRYPTION_ENABLED", (PERIODIC,), TRAIL, check=trail_encryption))
managed(ManagedRule("CMK_BACKING_KEY_ROTATION_ENABLED", (PERIODIC,), KEY, check=key_rotation))
managed(ManagedRule("KMS_CMK_NOT_SCHEDULED_FOR_DELETION", (CHANGE,), KEY, optional=("kmsKeyIds",),
                    check=key_not_scheduled_for_deletion))
managed(ManagedRule("KINESIS_STREAM_ENCRYPTED", (CHANGE,), STREAM, check=stream_encrypted))
managed(ManagedRule("SNS_ENCRYPTED_KMS", (CHANGE,), TOPIC, optional=("kmsKeyIds",), check=topic_encrypted))
managed(ManagedRule("CLOUDWATCH_LOG_GROUP_ENCRYPTED", (PERIODIC,), LOG_GROUP, optional=("KmsKeyId",),
                    check=log_group_encrypted, listing=log_groups))
managed(ManagedRule("CLOUDFORMATION_STACK_NOTIFICATION_CHECK", (CHANGE,), STACK,
                    optional=tuple(f"snsTopic{n}" for n in range(1, 6)), check=stack_notification))
managed(ManagedRule("CLOUDFORMATION_STACK_DRIFT_DETECTION_CHECK", (CHANGE, PERIODIC), STACK,
                    optional=("cloudformationRoleArn",), check=_drift))
managed(ManagedRule("AWS_CONFIG_PROCESS_CHECK", (), external=True))
