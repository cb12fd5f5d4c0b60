"""The AWS-owned SSM Automation documents a remediation can run. nimbus serves no SSM Automation, so these
documents are carried out here, step for step, through the internal client as the document's
``AutomationAssumeRole`` (a session ``ssm.amazonaws.com`` assumed, so the role's trust policy and
permissions apply). That parameter is required: run as anything else, a remediation would let whoever may
configure one change resources they may not. Any other document is refused
(``InvalidParameterValueException`` when the remediation is put).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nimbus.protocol.errors import ServiceError

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

SSM = "ssm.amazonaws.com"
SESSION = "AWSConfigRemediation"
Call = Callable[[str, str, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Document:
    name: str
    required: tuple[str, ...]
    defaults: dict[str, str] = field(default_factory=dict)
    run: Callable[[Call, dict[str, str]], None] = lambda call, values: None


def _versioning(call: Call, values: dict[str, str]) -> None:
    call("s3", "PutBucketVersioning", {"Bucket": values["BucketName"],
                                       "VersioningConfiguration": {"Status": values["VersioningState"]}})


def _encryption(call: Call, values: dict[str, str]) -> None:
    default: dict[str, str] = {"SSEAlgorithm": values["SSEAlgorithm"]}
    if values.get("KMSMasterKey"):
        default["KMSMasterKeyID"] = values["KMSMasterKey"]
    call("s3", "PutBucketEncryption", {"Bucket": values["BucketName"], "ServerSideEncryptionConfiguration": {
        "Rules": [{"ApplyServerSideEncryptionByDefault": default}]}})


def _block_public(call: Call, values: dict[str, str]) -> None:
    call("s3", "PutPublicAccessBlock", {"Bucket": values["S3BucketName"], "PublicAccessBlockConfiguration": {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}})


def _ssl_only(call: Call, values: dict[str, str]) -> None:
    bucket = values["BucketName"]
    try:
        policy = json.loads(call("s3", "GetBucketPolicy", {"Bucket": bucket})["Policy"])
    except ServiceError as error:
        if error.code != "NoSuchBucketPolicy":
            raise
        policy = {"Version": "2012-10-17", "Statement": []}
    policy["Statement"] = [*policy.get("Statement", []), {
        "Sid": "AllowSSLRequestsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
    call("s3", "PutBucketPolicy", {"Bucket": bucket, "Policy": json.dumps(policy)})


def _log_file_validation(call: Call, values: dict[str, str]) -> None:
    call("cloudtrail", "UpdateTrail", {"Name": values["TrailName"], "EnableLogFileValidation": True})


DOCUMENTS = {d.name: d for d in (
    Document("AWS-ConfigureS3BucketVersioning", ("BucketName",), {"VersioningState": "Enabled"}, _versioning),
    Document("AWS-EnableS3BucketEncryption", ("BucketName",), {"SSEAlgorithm": "AES256"}, _encryption),
    Document("AWS-DisableS3BucketPublicReadWrite", ("S3BucketName",), run=_block_public),
    Document("AWSConfigRemediation-RestrictBucketSSLRequestsOnly", ("BucketName",), run=_ssl_only),
    Document("AWS-EnableCloudTrailLogFileValidation", ("TrailName",), run=_log_file_validation),
)}


def document(name: str) -> Document:
    found = DOCUMENTS.get(name)
    if found is None:
        raise ServiceError("InvalidParameterValueException",
                           f"The SSM document {name} cannot be run: nimbus serves no SSM Automation and runs only "
                           f"these AWS documents: {', '.join(sorted(DOCUMENTS))}.", status=400)
    return found


def execute(runtime: Runtime, region: str, doc: Document, values: dict[str, str]) -> None:
    """Run the document with its parameter values; raises the error of the step that failed."""
    missing = [name for name in (*doc.required, "AutomationAssumeRole") if not values.get(name)]
    if missing:
        raise ServiceError("InvalidParameterValueException",
                           f"The document {doc.name} requires the parameter {missing[0]}.", status=400)
    role = values["AutomationAssumeRole"]

    def call(service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        return runtime.client.call_as_role(role, service, operation, params, invoked_by=SSM,
                                           session_name=SESSION, region=region)

    doc.run(call, {**doc.defaults, **values})
