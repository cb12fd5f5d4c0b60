"""S3 Metadata: a bucket's metadata table configurations, V1 (CreateBucketMetadataTableConfiguration: one
journal table in a table bucket the caller names) and V2 (CreateBucketMetadataConfiguration: a journal table,
an optional live inventory table and annotation table, in the AWS managed table bucket ``aws-s3``).

They are validated and kept as S3 keeps them. S3 would create the tables in S3 Tables and write a row per
object change; nimbus serves no S3 Tables, so each table reports ``FAILED`` with the error S3 gives for a
table bucket it cannot find (DestinationTableBucketNotFound), and nothing is written.
"""
from __future__ import annotations

import re

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.common import invalid_argument
from nimbus.services.s3.config import ConfigOps

ACTION_GET, ACTION_PUT = "s3:GetBucketMetadataTableConfiguration", "s3:CreateBucketMetadataTableConfiguration"
ACTION_DELETE = "s3:DeleteBucketMetadataTableConfiguration"
_TABLE_BUCKET_ARN = re.compile(r"^arn:aws[a-z-]*:s3tables:[a-z0-9-]+:\d{12}:bucket/[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_TABLE_NAME = re.compile(r"^[a-z0-9_]{1,255}$")
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/.+$")
MIN_RECORD_DAYS = 7
NO_TABLES = {"ErrorCode": "DestinationTableBucketNotFound",
             "ErrorMessage": "The table bucket does not exist: nimbus serves no S3 Tables, so S3 Metadata cannot "
                             "create or write the metadata table."}


def _not_found() -> ServiceError:
    return ServiceError("MetadataConfigurationNotFound", "The specified bucket does not have a metadata "
                        "configuration.", status=404)


def _exists() -> ServiceError:
    return ServiceError("MetadataConfigurationAlreadyExists", "The specified bucket already has a metadata "
                        "configuration.", status=409)


def _check_encryption(config: dict | None) -> None:
    """SSE-KMS names its key by ARN; SSE-S3 takes none."""
    if not config:
        return
    key = config.get("KmsKeyArn")
    if config.get("SseAlgorithm") == "aws:kms":
        if not key or not _KMS_KEY_ARN.match(key):
            raise invalid_argument("A KMS key ARN is required for aws:kms encryption.", "KmsKeyArn", key)
    elif key:
        raise invalid_argument("A KMS key ARN may only be given for aws:kms encryption.", "KmsKeyArn", key)


def _check_expiration(expiration: dict) -> None:
    days = expiration.get("Days")
    if expiration.get("Expiration") == "ENABLED":
        if days is None or days < MIN_RECORD_DAYS:
            raise invalid_argument(f"Journal records expire after at least {MIN_RECORD_DAYS} days.", "Days",
                                   None if days is None else str(days))
    elif days is not None:
        raise invalid_argument("Days may only be given when record expiration is ENABLED.", "Days", str(days))


def _check_v2(config: dict) -> None:
    journal = config["JournalTableConfiguration"]
    _check_expiration(journal["RecordExpiration"])
    _check_encryption(journal.get("EncryptionConfiguration"))
    for member in ("InventoryTableConfiguration", "AnnotationTableConfiguration"):
        _check_encryption((config.get(member) or {}).get("EncryptionConfiguration"))


def _namespace(bucket: str) -> str:
    return "b_" + bucket.replace("-", "_").replace(".", "_")


def _table(ctx: RequestContext, bucket: str, name: str) -> dict:
    return {"TableName": name, "TableStatus": "FAILED", "Error": NO_TABLES,
            "TableArn": f"arn:aws:s3tables:{ctx.region}:{ctx.account_id}:bucket/aws-s3/table/{_namespace(bucket)}/"
                        f"{name}"}


class MetadataOps(ConfigOps):
    def _metadata(self, ctx: RequestContext, params: dict, action: str) -> dict | None:
        bucket = self._bucket(ctx, params["Bucket"], action)
        return (bucket.get("Config") or {}).get("Metadata")

    # -- V1 ------------------------------------------------------------------------------
    def create_bucket_metadata_table_configuration(self, ctx: RequestContext, params: dict) -> dict:
        destination = params["MetadataTableConfiguration"]["S3TablesDestination"]
        if not _TABLE_BUCKET_ARN.match(destination["TableBucketArn"]):
            raise invalid_argument("The table bucket ARN is not valid.", "TableBucketArn",
                                   destination["TableBucketArn"])
        if not _TABLE_NAME.match(destination["TableName"]):
            raise invalid_argument("The table name is not valid.", "TableName", destination["TableName"])
        return self._create_metadata(ctx, params, {"Version": 1, "Destination": dict(destination)})

    def get_bucket_metadata_table_configuration(self, ctx: RequestContext, params: dict) -> dict:
        stored = self._metadata(ctx, params, ACTION_GET)
        if stored is None:
            raise _not_found()
        if stored["Version"] != 1:  # S3: the V1 operation cannot read a V2 configuration
            raise ServiceError("MethodNotAllowed", "The specified method is not allowed against this resource.",
                               status=405)
        destination = stored["Destination"]
        table_bucket = destination["TableBucketArn"]
        return {"GetBucketMetadataTableConfigurationResult": {
            "MetadataTableConfigurationResult": {"S3TablesDestinationResult": {
                **destination, "TableNamespace": "aws_s3_metadata",
                "TableArn": f"{table_bucket}/table/aws_s3_metadata/{destination['TableName']}"}},
            "Status": "FAILED", "Error": NO_TABLES}}

    def delete_bucket_metadata_table_configuration(self, ctx: RequestContext, params: dict) -> dict:
        return self._delete_metadata(ctx, params)

    # -- V2 ------------------------------------------------------------------------------
    def create_bucket_metadata_configuration(self, ctx: RequestContext, params: dict) -> dict:
        config = params["MetadataConfiguration"]
        _check_v2(config)
        return self._create_metadata(ctx, params, {"Version": 2, "Configuration": config})

    def get_bucket_metadata_configuration(self, ctx: RequestContext, params: dict) -> dict:
        stored = self._metadata(ctx, params, ACTION_GET)
        if stored is None:
            raise _not_found()
        name = params["Bucket"]
        if stored["Version"] == 1:  # the V2 operation reads a V1 configuration too
            destination = stored["Destination"]
            return {"GetBucketMetadataConfigurationResult": {"MetadataConfigurationResult": {
                "DestinationResult": {"TableBucketType": "customer", "TableBucketArn": destination["TableBucketArn"],
                                      "TableNamespace": "aws_s3_metadata"},
                "JournalTableConfigurationResult": {**_table(ctx, name, destination["TableName"]),
                                                    "RecordExpiration": {"Expiration": "DISABLED"}}}}}
        config = stored["Configuration"]
        result: dict = {
            "DestinationResult": {"TableBucketType": "aws", "TableNamespace": _namespace(name),
                                  "TableBucketArn": f"arn:aws:s3tables:{ctx.region}:{ctx.account_id}:bucket/aws-s3"},
            "JournalTableConfigurationResult": {**_table(ctx, name, "journal"),
                                                "RecordExpiration": config["JournalTableConfiguration"]["RecordExpiration"]}}
        for member, table in (("InventoryTableConfiguration", "inventory"), ("AnnotationTableConfiguration",
                                                                            "annotation")):
            part = config.get(member)
            if part is None:
                continue
            state = part["ConfigurationState"]
            entry = {"ConfigurationState": state, **(_table(ctx, name, table) if state == "ENABLED" else {})}
            if part.get("Role"):
                entry["Role"] = part["Role"]
            result[member.replace("Configuration", "ConfigurationResult")] = entry
        return {"GetBucketMetadataConfigurationResult": {"MetadataConfigurationResult": result}}

    def delete_bucket_metadata_configuration(self, ctx: RequestContext, params: dict) -> dict:
        return self._delete_metadata(ctx, params)

    def update_bucket_metadata_journal_table_configuration(self, ctx: RequestContext, params: dict) -> dict:
        part = params["JournalTableConfiguration"]
        _check_expiration(part["RecordExpiration"])
        return self._update_v2(ctx, params, "JournalTableConfiguration", {"RecordExpiration": part["RecordExpiration"]})

    def update_bucket_metadata_inventory_table_configuration(self, ctx: RequestContext, params: dict) -> dict:
        part = params["InventoryTableConfiguration"]
        _check_encryption(part.get("EncryptionConfiguration"))
        return self._update_v2(ctx, params, "InventoryTableConfiguration", part)

    def update_bucket_metadata_annotation_table_configuration(self, ctx: RequestContext, params: dict) -> dict:
        part = params["AnnotationTableConfiguration"]
        _check_encryption(part.get("EncryptionConfiguration"))
        return self._update_v2(ctx, params, "AnnotationTableConfiguration", part)

    # -- shared --------------------------------------------------------------------------
    def _create_metadata(self, ctx: RequestContext, params: dict, stored: dict) -> dict:
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], ACTION_PUT)
            config = bucket.setdefault("Config", {})
            if config.get("Metadata") is not None:
                raise _exists()
            config["Metadata"] = stored
            self._save_changed_bucket(ctx, bucket)
        return {}

    def _delete_metadata(self, ctx: RequestContext, params: dict) -> dict:
        if self._metadata(ctx, params, ACTION_DELETE) is None:
            raise _not_found()
        return self._delete_config(ctx, params, "Metadata", ACTION_DELETE)

    def _update_v2(self, ctx: RequestContext, params: dict, member: str, change: dict) -> dict:
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], ACTION_PUT)
            stored = (bucket.get("Config") or {}).get("Metadata")
            if stored is None or stored["Version"] != 2:
                raise _not_found()
            stored["Configuration"][member] = {**(stored["Configuration"].get(member) or {}), **change}
            self._save_changed_bucket(ctx, bucket)
        return {}
