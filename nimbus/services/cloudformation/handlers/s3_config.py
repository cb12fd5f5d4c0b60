"""AWS::S3::Bucket's configuration properties in S3's own words, both ways: a template's property becomes
the body of S3's Put<Config> call, and S3's Get<Config> answer becomes the property again (what drift
detection compares). Each property is one ``BucketConfig``: its Put, Get and Delete operations and the
two conversions.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .base import boolean, tag_list

# The bucket properties of the type's schema that nimbus S3 does not serve: a template naming one fails.
UNSERVED = ("AccelerateConfiguration", "AnalyticsConfigurations", "IntelligentTieringConfigurations",
            "InventoryConfigurations", "LoggingConfiguration", "MetadataConfiguration",
            "MetadataTableConfiguration", "MetricsConfigurations", "ObjectLockConfiguration", "ObjectLockEnabled",
            "ReplicationConfiguration", "AbacStatus", "BucketNamespace")


def _renamed(value: Any, names: dict[str, str]) -> Any:
    """``value`` with every dict key found in ``names`` renamed, at any depth."""
    if isinstance(value, dict):
        return {names.get(k, k): _renamed(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    return value


def _inverse(names: dict[str, str]) -> dict[str, str]:
    return {v: k for k, v in names.items()}


def _dropping_empty(value: dict) -> dict:
    return {k: v for k, v in value.items() if v not in (None, [], {})}


# -- encryption ----------------------------------------------------------------------------------------

_ENCRYPTION = {"ServerSideEncryptionConfiguration": "Rules",
               "ServerSideEncryptionByDefault": "ApplyServerSideEncryptionByDefault"}


def _encryption_in(config: dict) -> dict:
    rules = _renamed(config, _ENCRYPTION)
    for rule in rules.get("Rules", []):
        if "BucketKeyEnabled" in rule:
            rule["BucketKeyEnabled"] = boolean(rule["BucketKeyEnabled"])
    return {"ServerSideEncryptionConfiguration": rules}


def _encryption_out(answer: dict) -> dict:
    return _renamed(answer["ServerSideEncryptionConfiguration"], _inverse(_ENCRYPTION))


# -- CORS ----------------------------------------------------------------------------------------------

_CORS = {"CorsRules": "CORSRules", "ExposedHeaders": "ExposeHeaders", "Id": "ID", "MaxAge": "MaxAgeSeconds"}


def _cors_in(config: dict) -> dict:
    rules = _renamed(config, _CORS)
    for rule in rules.get("CORSRules", []):
        if "MaxAgeSeconds" in rule:
            rule["MaxAgeSeconds"] = int(rule["MaxAgeSeconds"])
    return {"CORSConfiguration": rules}


def _cors_out(answer: dict) -> dict:
    return _renamed({"CORSRules": answer.get("CORSRules", [])}, _inverse(_CORS))


# -- website -------------------------------------------------------------------------------------------

_ROUTING = {"RoutingRuleCondition": "Condition", "RedirectRule": "Redirect"}


def _website_in(config: dict) -> dict:
    website: dict = {}
    if "IndexDocument" in config:
        website["IndexDocument"] = {"Suffix": config["IndexDocument"]}
    if "ErrorDocument" in config:
        website["ErrorDocument"] = {"Key": config["ErrorDocument"]}
    if "RedirectAllRequestsTo" in config:
        website["RedirectAllRequestsTo"] = config["RedirectAllRequestsTo"]
    if "RoutingRules" in config:
        website["RoutingRules"] = _renamed(config["RoutingRules"], _ROUTING)
    return {"WebsiteConfiguration": website}


def _website_out(answer: dict) -> dict:
    return _dropping_empty({"IndexDocument": (answer.get("IndexDocument") or {}).get("Suffix"),
                            "ErrorDocument": (answer.get("ErrorDocument") or {}).get("Key"),
                            "RedirectAllRequestsTo": answer.get("RedirectAllRequestsTo"),
                            "RoutingRules": _renamed(answer.get("RoutingRules", []), _inverse(_ROUTING))})


# -- notifications -------------------------------------------------------------------------------------

_TARGETS = {"TopicConfigurations": ("Topic", "TopicArn"), "QueueConfigurations": ("Queue", "QueueArn"),
            "LambdaConfigurations": ("Function", "LambdaFunctionArn")}
_FILTER = {"S3Key": "Key", "Rules": "FilterRules"}


def _notifications_in(config: dict) -> dict:
    out: dict = {}
    for member, (target, arn_member) in _TARGETS.items():
        if member not in config:
            continue
        out[member] = [_dropping_empty({arn_member: c.get(target), "Events": [c.get("Event")],
                                        "Filter": _renamed(c.get("Filter"), _FILTER)}) for c in config[member]]
    if "EventBridgeConfiguration" in config:
        out["EventBridgeConfiguration"] = {}
    return {"NotificationConfiguration": out}


def _notifications_out(answer: dict) -> dict:
    out: dict = {}
    for member, (target, arn_member) in _TARGETS.items():
        entries = []
        for c in answer.get(member) or []:
            for event in c.get("Events", []):  # the template writes one event per entry
                entries.append(_dropping_empty({target: c.get(arn_member), "Event": event,
                                                "Filter": _renamed(c.get("Filter"), _inverse(_FILTER))}))
        if entries:
            out[member] = entries
    return out


# -- lifecycle -----------------------------------------------------------------------------------------

def _rule_filter(rule: dict) -> dict:
    parts: dict = {}
    prefix = rule.get("Prefix")
    tags = tag_list(rule.get("TagFilters"))
    sizes = {k: int(rule[k]) for k in ("ObjectSizeGreaterThan", "ObjectSizeLessThan") if k in rule}
    if prefix is not None:
        parts["Prefix"] = prefix
    if len(parts) + len(tags) + len(sizes) > 1:
        return {"And": {**parts, **({"Tags": tags} if tags else {}), **sizes}}
    if tags:
        return {"Tag": tags[0]}
    return {**parts, **sizes} or {"Prefix": ""}


def _transition_in(transition: dict, noncurrent: bool) -> dict:
    days = "NoncurrentDays" if noncurrent else "Days"
    out = {"StorageClass": transition["StorageClass"]}
    if "TransitionInDays" in transition:
        out[days] = int(transition["TransitionInDays"])
    if "TransitionDate" in transition:
        out["Date"] = transition["TransitionDate"]
    if "NewerNoncurrentVersions" in transition:
        out["NewerNoncurrentVersions"] = int(transition["NewerNoncurrentVersions"])
    return out


def _lifecycle_rule_in(rule: dict) -> dict:
    out: dict = {"Status": rule["Status"], "Filter": _rule_filter(rule)}
    if "Id" in rule:
        out["ID"] = rule["Id"]
    expiration = _dropping_empty({"Days": int(rule["ExpirationInDays"]) if "ExpirationInDays" in rule else None,
                                  "Date": rule.get("ExpirationDate"),
                                  "ExpiredObjectDeleteMarker": boolean(rule["ExpiredObjectDeleteMarker"])
                                  if "ExpiredObjectDeleteMarker" in rule else None})
    if expiration:
        out["Expiration"] = expiration
    transitions = list(rule.get("Transitions") or []) + ([rule["Transition"]] if "Transition" in rule else [])
    if transitions:
        out["Transitions"] = [_transition_in(t, False) for t in transitions]
    noncurrent = list(rule.get("NoncurrentVersionTransitions") or []) + \
        ([rule["NoncurrentVersionTransition"]] if "NoncurrentVersionTransition" in rule else [])
    if noncurrent:
        out["NoncurrentVersionTransitions"] = [_transition_in(t, True) for t in noncurrent]
    if "NoncurrentVersionExpiration" in rule:
        out["NoncurrentVersionExpiration"] = {k: int(v) for k, v in rule["NoncurrentVersionExpiration"].items()}
    elif "NoncurrentVersionExpirationInDays" in rule:
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(rule["NoncurrentVersionExpirationInDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        out["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
    return out


def _lifecycle_in(config: dict) -> dict:
    return {"LifecycleConfiguration": {"Rules": [_lifecycle_rule_in(r) for r in config.get("Rules", [])]}}


def _lifecycle_rule_out(rule: dict) -> dict:
    found = rule.get("Filter") or {}
    scope = found.get("And") or found
    out: dict = _dropping_empty({"Id": rule.get("ID"), "Status": rule["Status"], "Prefix": scope.get("Prefix"),
                                 "TagFilters": scope.get("Tags") or ([found["Tag"]] if "Tag" in found else None)})
    out.update({k: scope[k] for k in ("ObjectSizeGreaterThan", "ObjectSizeLessThan") if k in scope})
    expiration = rule.get("Expiration") or {}
    for member, prop in (("Days", "ExpirationInDays"), ("Date", "ExpirationDate"),
                         ("ExpiredObjectDeleteMarker", "ExpiredObjectDeleteMarker")):
        if member in expiration:
            out[prop] = expiration[member]
    for member, days in (("Transitions", "Days"), ("NoncurrentVersionTransitions", "NoncurrentDays")):
        if rule.get(member):
            out[member] = [_dropping_empty({"StorageClass": t["StorageClass"], "TransitionInDays": t.get(days),
                                            "TransitionDate": t.get("Date"),
                                            "NewerNoncurrentVersions": t.get("NewerNoncurrentVersions")})
                           for t in rule[member]]
    for member in ("NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"):
        if member in rule:
            out[member] = rule[member]
    return out


def _lifecycle_out(answer: dict) -> dict:
    return {"Rules": [_lifecycle_rule_out(r) for r in answer.get("Rules", [])]}


# -- the table -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BucketConfig:
    put: str
    get: str
    delete: str | None  # None: the property is switched off by a Put (versioning)
    to_s3: Callable[[Any], dict]  # the property -> Put's parameters beyond Bucket
    from_s3: Callable[[dict], Any]  # Get's answer -> the property
    missing: tuple[str, ...] = ()  # the error codes Get answers when the bucket has none


def _same(member: str) -> Callable[[Any], dict]:
    return lambda value: {member: value}


def _ownership_in(config: dict) -> dict:
    return {"OwnershipControls": {"Rules": config.get("Rules", [])}}


def _public_access_in(config: dict) -> dict:
    return {"PublicAccessBlockConfiguration": {k: boolean(v) for k, v in config.items()}}


CONFIGS: dict[str, BucketConfig] = {
    "VersioningConfiguration": BucketConfig(
        "PutBucketVersioning", "GetBucketVersioning", None, _same("VersioningConfiguration"),
        lambda answer: {"Status": answer["Status"]} if answer.get("Status") else None),
    "BucketEncryption": BucketConfig(
        "PutBucketEncryption", "GetBucketEncryption", "DeleteBucketEncryption", _encryption_in, _encryption_out,
        ("ServerSideEncryptionConfigurationNotFoundError",)),
    "Tags": BucketConfig(
        "PutBucketTagging", "GetBucketTagging", "DeleteBucketTagging",
        lambda tags: {"Tagging": {"TagSet": tag_list(tags)}}, lambda answer: answer.get("TagSet") or None,
        ("NoSuchTagSet", "NoSuchTagSetError")),
    "CorsConfiguration": BucketConfig(
        "PutBucketCors", "GetBucketCors", "DeleteBucketCors", _cors_in, _cors_out, ("NoSuchCORSConfiguration",)),
    "WebsiteConfiguration": BucketConfig(
        "PutBucketWebsite", "GetBucketWebsite", "DeleteBucketWebsite", _website_in, _website_out,
        ("NoSuchWebsiteConfiguration",)),
    "LifecycleConfiguration": BucketConfig(
        "PutBucketLifecycleConfiguration", "GetBucketLifecycleConfiguration", "DeleteBucketLifecycle",
        _lifecycle_in, _lifecycle_out, ("NoSuchLifecycleConfiguration",)),
    "NotificationConfiguration": BucketConfig(
        "PutBucketNotificationConfiguration", "GetBucketNotificationConfiguration", None, _notifications_in,
        lambda answer: _notifications_out(answer) or None),
    "PublicAccessBlockConfiguration": BucketConfig(
        "PutPublicAccessBlock", "GetPublicAccessBlock", "DeletePublicAccessBlock", _public_access_in,
        lambda answer: answer["PublicAccessBlockConfiguration"], ("NoSuchPublicAccessBlockConfiguration",)),
    "OwnershipControls": BucketConfig(
        "PutBucketOwnershipControls", "GetBucketOwnershipControls", "DeleteBucketOwnershipControls",
        _ownership_in, lambda answer: answer["OwnershipControls"], ("OwnershipControlsNotFoundError",)),
}

# What switches a property off where S3 has no Delete for it.
SWITCHED_OFF = {"VersioningConfiguration": {"Status": "Suspended"}, "NotificationConfiguration": {}}

# AccessControl's canned ACL names, as S3's x-amz-acl writes them.
CANNED_ACL = {"AuthenticatedRead": "authenticated-read", "AwsExecRead": "aws-exec-read",
              "BucketOwnerFullControl": "bucket-owner-full-control", "BucketOwnerRead": "bucket-owner-read",
              "LogDeliveryWrite": "log-delivery-write", "Private": "private", "PublicRead": "public-read",
              "PublicReadWrite": "public-read-write"}
