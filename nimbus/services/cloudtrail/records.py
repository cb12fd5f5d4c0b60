"""An API-call event from the bus, as the CloudTrail record AWS would write for it."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any

from nimbus.core.event_ids import cloudtrail_event_id
from nimbus.core.events import ApiCallEvent

EVENT_VERSION = "1.09"
# Request or response documents bigger than this are left out, as CloudTrail does (100 KB).
MAX_ELEMENT_BYTES = 100 * 1024

# Data events (data-plane operations, AWS "Logging data events"): the resource type each is logged under.
# They never enter event history (LookupEvents); a trail gets them only through a data-event selector for
# that type, and they are recorded only while some logging trail selects them.
_S3_OBJECT, _STREAM, _CONSUMER, _TOPIC, _LOG_GROUP = ("AWS::S3::Object", "AWS::Kinesis::Stream",
                                                      "AWS::Kinesis::StreamConsumer", "AWS::SNS::Topic",
                                                      "AWS::Logs::LogGroup")
DATA_EVENTS: dict[str, dict[str, str]] = {
    "s3": dict.fromkeys((
        "GetObject", "PutObject", "DeleteObject", "DeleteObjects", "HeadObject", "CopyObject", "GetObjectAcl",
        "PutObjectAcl", "GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging", "GetObjectAttributes",
        "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload",
        "AbortMultipartUpload", "ListParts", "RestoreObject", "SelectObjectContent", "GetObjectRetention",
        "PutObjectRetention", "GetObjectLegalHold", "PutObjectLegalHold", "ListObjects", "ListObjectsV2",
        "ListObjectVersions", "ListMultipartUploads"), _S3_OBJECT),
    "kinesis": {"PutRecord": _STREAM, "PutRecords": _STREAM, "GetRecords": _STREAM, "GetShardIterator": _STREAM,
                "SubscribeToShard": _CONSUMER},
    "sns": dict.fromkeys(("Publish", "PublishBatch"), _TOPIC),
    "logs": dict.fromkeys(("PutLogEvents", "GetLogEvents", "FilterLogEvents"), _LOG_GROUP),
    "cloudtrail-data": {"PutAuditEvents": "AWS::CloudTrail::Channel"},
    "sqs": dict.fromkeys(("SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
                          "ChangeMessageVisibility", "ChangeMessageVisibilityBatch"), "AWS::SQS::Queue"),
}
# Calls CloudTrail marks read-only although their names do not say so (KMS's cryptographic reads).
READ_ONLY_OPERATIONS = frozenset({"Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
                                  "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
                                  "GenerateRandom", "Verify", "VerifyMac", "GenerateMac", "Sign",
                                  "ReEncrypt", "HeadBucket", "HeadObject"})
# Services whose events AWS records in us-east-1 whatever region the client named.
GLOBAL_SOURCES = frozenset({"iam", "sts", "cloudfront", "route53", "organizations"})

# Parameters that name the resource a call acts on: (member, resource type).
RESOURCE_PARAMS = (
    ("UserName", "AWS::IAM::User"), ("RoleName", "AWS::IAM::Role"), ("GroupName", "AWS::IAM::Group"),
    ("PolicyArn", "AWS::IAM::Policy"), ("InstanceProfileName", "AWS::IAM::InstanceProfile"),
    ("KeyId", "AWS::KMS::Key"), ("AliasName", "AWS::KMS::Alias"), ("Bucket", "AWS::S3::Bucket"),
    ("TopicArn", "AWS::SNS::Topic"), ("SubscriptionArn", "AWS::SNS::Subscription"),
    ("logGroupName", "AWS::Logs::LogGroup"), ("RoleArn", "AWS::IAM::Role"),
    ("StreamARN", _STREAM), ("StreamName", _STREAM), ("ConsumerARN", _CONSUMER),
    ("channelArn", "AWS::CloudTrail::Channel"),
)
ARN_TYPES = (
    ("kms", "key/", "AWS::KMS::Key"), ("kms", "alias/", "AWS::KMS::Alias"), ("iam", "user/", "AWS::IAM::User"),
    ("iam", "role/", "AWS::IAM::Role"), ("iam", "group/", "AWS::IAM::Group"), ("iam", "policy/", "AWS::IAM::Policy"),
    ("sns", "", "AWS::SNS::Topic"), ("sqs", "", "AWS::SQS::Queue"), ("logs", "log-group:", "AWS::Logs::LogGroup"),
    ("cloudtrail", "trail/", "AWS::CloudTrail::Trail"), ("cloudtrail", "channel/", "AWS::CloudTrail::Channel"),
)


def event_source(signing_name: str) -> str:
    return f"{signing_name}.amazonaws.com"


def is_data_event(service: str, operation: str) -> bool:
    return operation in DATA_EVENTS.get(service, ())


def record_region(event: ApiCallEvent) -> str:
    return "us-east-1" if event.service in GLOBAL_SOURCES else event.region


def camel(name: str) -> str:
    """CloudTrail's member names: lowerCamelCase of the API's (``KeyId`` → ``keyId``, ``SSEKMSKeyId``
    → ``sSEKMSKeyId`` as AWS writes it)."""
    return name[:1].lower() + name[1:] if name else name


def aws_date(value: datetime) -> str:
    # The Java formatting CloudTrail uses for dates inside request/response elements.
    hour = value.hour % 12 or 12
    return f"{value.strftime('%b')} {value.day}, {value.year}, {hour}:{value.strftime('%M:%S')} " \
           f"{'AM' if value.hour < 12 else 'PM'}"


_SCALARS = (str, int, float, bool, type(None))
_CAMELS = 10_000
_camels: dict[str, str] = {}


def elements(value: Any) -> Any:
    """A request or response document in CloudTrail's spelling, JSON-ready."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if type(key) is str:
                spelled = _camels.get(key)
                if spelled is None:
                    spelled = camel(key)
                    if len(_camels) < _CAMELS:  # member names are few; the keys of maps (tags) need not be
                        _camels[key] = spelled
            else:
                spelled = key
            if type(item) in _SCALARS:  # most members: nothing to convert, no body to leave out
                out[spelled] = item
            elif not hasattr(item, "read"):  # streaming bodies are never recorded
                out[spelled] = elements(item)
        return out
    if isinstance(value, (list, tuple)):
        return [elements(item) for item in value]
    if isinstance(value, datetime):
        return aws_date(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "read"):
        return None
    return value


def s3_request_parameters(params: dict, host: str | None) -> dict:
    out = elements({k: v for k, v in params.items() if k not in ("Bucket", "Body")})
    if "Bucket" in params:
        out["bucketName"] = params["Bucket"]
    if host:
        out["Host"] = host
    return out


def user_identity(principal: dict[str, Any]) -> dict[str, Any]:
    kind = principal.get("type")
    if kind == "AWSService":
        return {"type": "AWSService", "invokedBy": principal.get("invoked_by") or principal.get("arn")}
    if kind == "Anonymous":
        return {"type": "AWSAccount", "principalId": "", "accountId": "ANONYMOUS_PRINCIPAL"}
    identity = {"type": kind, "principalId": principal.get("principal_id"), "arn": principal.get("arn"),
                "accountId": principal.get("account_id")}
    if principal.get("access_key_id"):
        identity["accessKeyId"] = principal["access_key_id"]
    if kind == "IAMUser" and principal.get("user_name"):
        identity["userName"] = principal["user_name"]
    session = principal.get("session_context")
    if session:
        identity["sessionContext"] = {
            "sessionIssuer": session.get("sessionIssuer", {}),
            "webIdFederationData": {},
            "attributes": session.get("attributes", {}),
        }
    elif kind in ("IAMUser", "Root") and (principal.get("access_key_id") or "").startswith("ASIA"):
        identity["sessionContext"] = {"attributes": {"mfaAuthenticated": "false"}}
    if principal.get("invoked_by"):
        identity["invokedBy"] = principal["invoked_by"]
    return identity


def username(identity: dict[str, Any]) -> str | None:
    """LookupEvents' Username: the user, the role session's name, or root."""
    if identity.get("userName"):
        return identity["userName"]
    if identity.get("type") == "Root":
        return "root"
    if identity.get("type") == "AssumedRole":
        return (identity.get("arn") or "").rsplit("/", 1)[-1]
    return identity.get("invokedBy")


_HOLDER_ORDER = ("KeyMetadata", "User", "Role", "Group", "Policy")  # response members that hold a resource's Arn
_HOLDERS = frozenset(_HOLDER_ORDER)


def resources(event: ApiCallEvent, account: str) -> list[dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    params = event.request_parameters or {}
    resource = (event.authorization or {}).get("resource")
    if resource and resource.startswith("arn:"):
        kind = arn_type(resource)
        if kind:
            found[resource] = {"accountId": account, "type": kind, "ARN": resource}
    response = event.response or {}
    if not _HOLDERS.isdisjoint(response):  # most responses hold none: one test instead of five
        for holder in _HOLDER_ORDER:
            arn = (response.get(holder) or {}).get("Arn") if isinstance(response.get(holder), dict) else None
            if arn and (arn_kind := arn_type(arn)):
                found.setdefault(arn, {"accountId": account, "type": arn_kind, "ARN": arn})
    if isinstance(response.get("TopicArn"), str):
        found.setdefault(response["TopicArn"], {"accountId": account, "type": "AWS::SNS::Topic",
                                                "ARN": response["TopicArn"]})
    kinds = {r["type"] for r in found.values()}
    for member, kind in _resource_members(tuple(params)):
        value = params[member]
        if isinstance(value, str) and value and kind not in kinds:
            if member == "Bucket":
                value = f"arn:aws:s3:::{value}"
                if event.service == "s3" and isinstance(params.get("Key"), str):
                    found[f"{value}/{params['Key']}"] = {"type": "AWS::S3::Object", "ARN": f"{value}/{params['Key']}"}
            elif member == "KeyId" and not value.startswith(("arn:", "alias/")):
                value = f"arn:aws:kms:{event.region}:{account}:key/{value}"
            elif member == "StreamName":
                value = f"arn:aws:kinesis:{event.region}:{account}:stream/{value}"
            found[value] = {"accountId": account, "type": kind, "ARN": value}
            kinds = {r["type"] for r in found.values()}  # the assignment may have replaced one of another type
    return list(found.values())


_CACHED = 10_000  # parameter sets and ARNs: an operation's calls share a few


@lru_cache(maxsize=_CACHED)
def _resource_members(names: tuple) -> tuple[tuple[str, str], ...]:
    """The RESOURCE_PARAMS among ``names``, in RESOURCE_PARAMS' order (the order of a record's resources)."""
    return tuple(pair for pair in RESOURCE_PARAMS if pair[0] in names)


@lru_cache(maxsize=_CACHED)
def arn_type(arn: str) -> str | None:
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    if parts[2] == "s3":
        return "AWS::S3::Object" if "/" in parts[5] else "AWS::S3::Bucket"
    if parts[2] == "kinesis" and parts[5].startswith("stream/"):
        return _CONSUMER if "/consumer/" in parts[5] else _STREAM
    for service, prefix, kind in ARN_TYPES:
        if parts[2] == service and parts[5].startswith(prefix):
            return kind
    return None


def resource_name(resource: dict[str, str]) -> str:
    """LookupEvents shows a resource by its name: the ARN's last part for most types."""
    arn = resource.get("ARN", "")
    if not arn.startswith("arn:"):
        return arn
    tail = arn.split(":", 5)[5]
    if resource.get("type") in ("AWS::KMS::Key", "AWS::S3::Bucket", "AWS::S3::Object", "AWS::SNS::Topic"):
        return arn
    return tail.split("/")[-1] if "/" in tail else tail


def shared_event_id(request_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, request_id))


def _bounded(document: Any) -> Any:
    if document is None:
        return None
    converted = False

    def as_text(value: Any) -> str:
        nonlocal converted
        converted = True
        return str(value)

    text = json.dumps(document, default=as_text)
    if len(text) > MAX_ELEMENT_BYTES:
        return {"omitted": True, "originalSize": len(text)}
    # elements() made a fresh JSON-ready copy: read the text back only when it had to spell something out.
    return json.loads(text) if converted else document


def recorded_elements(event: ApiCallEvent, read_only: bool) -> tuple[dict | None, dict | None]:
    """The request parameters and response elements as recorded (no response for a read or an error)."""
    params = event.request_parameters or {}
    request: dict | None
    if event.service == "s3":
        request = s3_request_parameters(params, event.host)
    else:
        request = elements(params) if params else None
    response = None
    if event.error_code is None and not read_only and event.response:
        response = elements({k: v for k, v in event.response.items() if k != "Body"})
    return request, response


def build_record(event: ApiCallEvent, signing_name: str) -> dict[str, Any]:
    data = is_data_event(event.service, event.operation)
    read_only = event.read_only or event.operation in READ_ONLY_OPERATIONS
    principal = event.principal or {}
    request, response = recorded_elements(event, read_only)
    internal_service = principal.get("type") == "AWSService"
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": user_identity(principal),
        "eventTime": event.time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": event_source(signing_name),
        "eventName": event.operation,
        "awsRegion": record_region(event),
        "sourceIPAddress": principal.get("invoked_by") if internal_service else event.source_ip,
        "userAgent": principal.get("invoked_by") if internal_service else event.user_agent,
    }
    if event.error_code:
        record["errorCode"] = event.error_code
        record["errorMessage"] = event.error_message
    record["requestParameters"] = _bounded(request)
    record["responseElements"] = _bounded(response)
    record["requestID"] = event.request_id
    # Derived from the request, so every consumer of this call (trails, Lake stores) names the same event.
    record["eventID"] = cloudtrail_event_id(event.request_id)
    record["readOnly"] = read_only
    found = resources(event, event.account_id)
    if found:
        record["resources"] = found
    record["eventType"] = "AwsApiCall"
    record["managementEvent"] = not data
    record["recipientAccountId"] = event.account_id
    if internal_service:
        record["sharedEventID"] = shared_event_id(event.request_id)
    record["eventCategory"] = "Data" if data else "Management"
    if event.host and not event.internal:
        record["tlsDetails"] = {"clientProvidedHostHeader": event.host}
    return record
