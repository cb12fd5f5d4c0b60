"""Directory buckets (S3 Express One Zone): CreateSession, ListDirectoryBuckets and RenameObject.

A session is a credential in the shared registry (core/identity.py), like an STS session: its principal
is the caller's own, marked with the bucket and mode it was made for, and it expires after five minutes
on the virtual clock. As in AWS, CreateSession is where the decision is made (``s3express:CreateSession``
with ``s3express:SessionMode``); directory_rules.check_request then holds the session's calls to its bucket
and mode.
"""
from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

from nimbus.core.context import RequestContext
from nimbus.core.identity import Credential, Principal
from nimbus.core.ids import random_id, secret_access_key, session_token
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.common import BUCKETS, invalid_argument, no_such_key
from nimbus.services.s3.directory_rules import (
    SESSION_CONTEXT,
    SESSION_SECONDS,
    directory_arn,
    is_directory,
    is_directory_name,
    session_of,
)
from nimbus.services.s3.documents import BUCKET
from nimbus.services.s3.http_rules import check_conditions, precondition_failed
from nimbus.services.s3.state import S3State

MAX_DIRECTORY_BUCKETS = 1000


class DirectoryOps(S3State):
    def create_session(self, ctx: RequestContext, params: dict) -> dict:
        name, mode = params["Bucket"], params.get("SessionMode") or "ReadWrite"
        if not is_directory_name(name):
            raise invalid_argument("CreateSession is only supported for directory buckets.", "bucket", name)
        if session_of(ctx) is not None:
            raise ServiceError("AccessDenied", "A session cannot create another session.", status=403)
        bucket = BUCKET.get(self.store, BUCKETS, name)
        if bucket is not None:
            self._authorize(ctx, "s3express:CreateSession", name, bucket_record=bucket)
        # else: boto3 asks for a session before CreateBucket when given an endpoint URL, so a session for a name
        # not yet created is issued; it may create that bucket, and nothing else until it exists.
        access_key_id = random_id("ASIA")
        expiration = ctx.clock.time() + SESSION_SECONDS
        context = {**(ctx.principal.session_context or {}), SESSION_CONTEXT: {"Bucket": name, "Mode": mode}}
        credential = Credential(
            access_key_id=access_key_id, secret_access_key=secret_access_key(), session_token=session_token(),
            principal=Principal(**{**ctx.principal.to_dict(), "access_key_id": access_key_id,
                                   "session_context": context}),
            expiration=expiration)
        ctx.runtime.credentials.put(credential)
        encryption = ((bucket or {}).get("Config") or {}).get("Encryption") or {}
        default = ((encryption.get("Rules") or [{}])[0]).get("ApplyServerSideEncryptionByDefault") or {}
        output = {"ServerSideEncryption": params.get("ServerSideEncryption") or default.get("SSEAlgorithm") or "AES256",
                  "Credentials": {"AccessKeyId": access_key_id, "SecretAccessKey": credential.secret_access_key,
                                  "SessionToken": credential.session_token,
                                  "Expiration": datetime.fromtimestamp(int(expiration), tz=UTC)}}
        for member in ("SSEKMSKeyId", "SSEKMSEncryptionContext", "BucketKeyEnabled"):
            if params.get(member) is not None:
                output[member] = params[member]
        return output

    def list_directory_buckets(self, ctx: RequestContext, params: dict) -> dict:
        self._authorize(ctx, "s3express:ListAllMyDirectoryBuckets")
        region = params.get("BucketRegion")
        buckets = [b for _, b in BUCKET.scan(self.store, BUCKETS) if is_directory(b)
                   and b["Account"] == ctx.account_id and (region is None or b["Region"] == region)]
        start = params.get("ContinuationToken")
        if start:
            buckets = [b for b in buckets if b["Name"] > start]
        limit = min(params.get("MaxDirectoryBuckets") or MAX_DIRECTORY_BUCKETS, MAX_DIRECTORY_BUCKETS)
        page = buckets[:limit]
        output: dict = {"Buckets": [{"Name": b["Name"], "CreationDate": timestamp(b["CreationDate"]),
                                     "BucketRegion": b["Region"], "BucketArn": directory_arn(b)} for b in page]}
        if len(buckets) > limit:
            output["ContinuationToken"] = page[-1]["Name"]
        return output

    def rename_object(self, ctx: RequestContext, params: dict) -> dict:
        """An atomic rename within one directory bucket: the record moves, the bytes stay where they are."""
        name, key = params["Bucket"], params["Key"]
        source_bucket, _, source_key = unquote(params["RenameSource"]).lstrip("/").partition("/")
        if source_bucket != name:
            raise invalid_argument("The source and destination of a rename must be in the same bucket.",
                                   "x-amz-rename-source", params["RenameSource"])
        bucket = self._bucket(ctx, name, "s3:PutObject", key)
        if not is_directory(bucket):
            raise ServiceError("InvalidRequest", "RenameObject is only supported for directory buckets.", status=400)
        self._authorize(ctx, "s3:DeleteObject", name, source_key, bucket_record=bucket)
        token = params.get("ClientToken")
        with self.store.transaction():
            source = self._latest(name, source_key)
            if source is None:
                if token and self._renamed_by(name, key, token):
                    return {}  # the same request again: it succeeded before
                raise no_such_key(source_key)
            check_conditions(params, source, prefix="SourceIf")
            destination = self._latest(name, key)
            if destination is not None:
                check_conditions(params, destination, prefix="DestinationIf")
            elif params.get("DestinationIfMatch") is not None:
                raise precondition_failed("If-Match")
            freed = self._remove_version(name, source)
            moved = {**source, "Key": key, "LastModified": ctx.clock.time(), "RenameToken": token or ""}
            freed = [s for s in freed if s not in moved.get("Segments", [])]
            freed += self._add_version(bucket, moved)  # type: ignore[arg-type]
        self.blobs.delete(freed)
        return {}

    def _renamed_by(self, bucket: str, key: str, token: str) -> bool:
        record = self._latest(bucket, key)
        return record is not None and record.get("RenameToken") == token
