"""Bucket replication that really copies: new versions, delete markers and metadata changes of a bucket
with a replication configuration go to each rule's destination bucket, in any region or account.

Writes mark a covered version ``PENDING`` and leave a task in the store (so a restart loses none); a
background job (``s3-replication``, woken by each write and by jumps of the virtual clock) acts as the
configuration's role, assumed through STS as ``s3.amazonaws.com`` (``core/roles.py``): the session needs
``s3:GetObjectVersionForReplication`` on the source and ``s3:ReplicateObject`` / ``s3:ReplicateDelete`` /
``s3:ReplicateTags`` on the destination, decided like any caller's (across accounts, the destination's
bucket policy must grant them). The replica keeps the version id, ETag and metadata, and is marked
``REPLICA``; the source version becomes ``COMPLETED``, or ``FAILED`` when the copy is refused.
"""
from __future__ import annotations

import logging
import threading
import uuid

from nimbus.core.context import CallSource, RequestContext
from nimbus.core.roles import role_account
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3 import replication_metrics
from nimbus.services.s3 import replication_rules as rules
from nimbus.services.s3.common import BUCKETS, objects_ns, versions_ns
from nimbus.services.s3.documents import BUCKET, OBJECT_VERSION, REPLICATION_TASK, Bucket, ObjectVersion
from nimbus.services.s3.encryption import S3_PRINCIPAL
from nimbus.services.s3.ingest import IterReader, ingest
from nimbus.services.s3.records import next_seq, version_key
from nimbus.services.s3.state import S3State

log = logging.getLogger(__name__)
TASKS = ("s3", "replication")
SESSION_NAME = "s3-replication"
# Members a replica does not take from its source: where the bytes live, and how the source was encrypted.
_NOT_COPIED = frozenset(("Segments", "Seq", "ReplicationStatus", "Kms", "SSE"))


class ReplicationOps(S3State):
    def __init__(self, runtime):
        super().__init__(runtime)
        self._replicating = threading.Lock()
        self._replication_job = self.every("s3-replication", None, self._replicate_pending,
                                           on_advance=self._replicate_pending)
        self._replication_job.wake()  # tasks a restart left behind

    # -- the API -----------------------------------------------------------------------------
    def put_bucket_replication(self, ctx: RequestContext, params: dict) -> dict:
        config = params.get("ReplicationConfiguration") or {}
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:PutReplicationConfiguration")
            rules.check_configuration(bucket, config, lambda name: BUCKET.get(self.store, BUCKETS, name))
            bucket.setdefault("Config", {})["Replication"] = config
            self._save_changed_bucket(ctx, bucket)
        return {}

    def get_bucket_replication(self, ctx: RequestContext, params: dict) -> dict:
        bucket = self._bucket(ctx, params["Bucket"], "s3:GetReplicationConfiguration")
        config = (bucket.get("Config") or {}).get("Replication")
        if not config:
            raise ServiceError("ReplicationConfigurationNotFoundError", "The replication configuration was not found",
                               status=404, BucketName=bucket["Name"])
        return {"ReplicationConfiguration": config}

    def delete_bucket_replication(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            bucket = self._bucket(ctx, params["Bucket"], "s3:PutReplicationConfiguration")
            (bucket.get("Config") or {}).pop("Replication", None)
            self._save_changed_bucket(ctx, bucket)
        return {}

    # -- writes leave tasks --------------------------------------------------------------------
    def _add_version(self, bucket: Bucket, record: ObjectVersion) -> list[dict]:
        rule = None
        if record.get("ReplicationStatus") != "REPLICA":  # replicas are not replicated again
            rule = rules.covering_rule((bucket.get("Config") or {}).get("Replication"), record)
        marker = bool(record.get("DeleteMarker"))
        if rule is not None and not marker and not record.get("Kms"):
            record["ReplicationStatus"] = "PENDING"
        freed = super()._add_version(bucket, record)
        if rule is not None and (record.get("ReplicationStatus") == "PENDING"
                                 or (marker and rules.replicates_delete_markers(rule))):
            self._enqueue(bucket["Name"], record, "marker" if marker else "object")
        return freed

    def _save_version(self, bucket_name: str, record: ObjectVersion) -> None:
        super()._save_version(bucket_name, record)
        status = record.get("ReplicationStatus")
        if status not in ("COMPLETED", "REPLICA"):
            return
        bucket = BUCKET.get(self.store, BUCKETS, bucket_name)
        rule = rules.covering_rule(((bucket or {}).get("Config") or {}).get("Replication"), record)
        # A replica's own changes go back only where its bucket's rule syncs replica modifications.
        if rule is not None and (status == "COMPLETED" or rules.syncs_replica_modifications(rule)):
            self._enqueue(bucket_name, record, "metadata")

    def _enqueue(self, bucket_name: str, record: ObjectVersion, kind: str) -> None:
        REPLICATION_TASK.put(self.store, TASKS, f"{next_seq():020d}", {
            "Bucket": bucket_name, "Key": record["Key"], "VersionId": record["VersionId"], "Kind": kind})
        self._replication_job.wake()

    # -- the job ------------------------------------------------------------------------------------
    def _replicate_pending(self) -> None:
        with self._replicating:
            reported: dict[tuple[str, str], tuple[Bucket, dict]] = {}
            for task_id, task in list(REPLICATION_TASK.scan(self.store, TASKS)):
                try:
                    ran = self._run_task(task)
                    if ran is not None:
                        reported[(ran[0]["Name"], ran[1].get("ID") or "")] = ran
                except Exception:  # one broken task must not stall the others
                    log.exception("replication of %s/%s failed", task["Bucket"], task["Key"])
                self.store.delete(TASKS, task_id)
            self._report_pending(list(reported.values()))

    def _report_pending(self, reported: list[tuple[Bucket, dict]]) -> None:
        """The operations and bytes still waiting under each rule this pass worked for (new writes may have
        queued some while it ran)."""
        for source, rule in reported:
            waiting = [self._find_version(t["Bucket"], t["Key"], t["VersionId"])
                       for _, t in REPLICATION_TASK.scan(self.store, TASKS)
                       if t["Bucket"] == source["Name"] and t["Kind"] == "object"]
            covered = [v for v in waiting if v is not None and rules.covering_rule(
                (source.get("Config") or {}).get("Replication"), v) == rule]
            replication_metrics.pending(self.runtime, source, rule, len(covered), sum(v["Size"] for v in covered))

    def _run_task(self, task) -> tuple[Bucket, dict] | None:
        """Replicate what a task names; the source bucket and the rule that covered it, when there was one."""
        source = BUCKET.get(self.store, BUCKETS, task["Bucket"])
        record = self._find_version(task["Bucket"], task["Key"], task["VersionId"]) if source else None
        config = ((source or {}).get("Config") or {}).get("Replication")
        rule = rules.covering_rule(config, record) if record is not None else None
        if source is None or record is None or rule is None:
            return None
        try:
            ctx = self._as_role(source, config["Role"])
            destination = self._destination(ctx, source, rule, record, task["Kind"])
            if task["Kind"] == "object":
                self._copy_version(ctx, source, destination, rule, record)
            elif task["Kind"] == "marker":
                self._copy_marker(destination, record)
            else:
                self._copy_metadata(destination, record)
            outcome = "COMPLETED"
        except ServiceError as refused:
            log.info("replication of %s/%s refused: %s", source["Name"], record["Key"], refused.message)
            outcome = "FAILED"
        if task["Kind"] == "object":
            with self.store.transaction():
                current = self._find_version(source["Name"], record["Key"], record["VersionId"])
                if current is not None:
                    current["ReplicationStatus"] = outcome
                    S3State._save_version(self, source["Name"], current)  # a status change is no metadata change
            replication_metrics.replicated(self.runtime, source, rule, record, outcome == "FAILED")
        return source, rule

    def _as_role(self, source: Bucket, role_arn: str) -> RequestContext:
        """A request context of the replication role's session, which S3 assumed for the bucket."""
        principal = self.runtime.client.sessions.principal(
            role_arn, S3_PRINCIPAL, SESSION_NAME, source["Region"],
            CallSource(f"arn:aws:s3:::{source['Name']}", source["Account"]))
        return RequestContext(runtime=self.runtime, request_id=uuid.uuid4().hex, service="s3",
                              operation="ReplicateObject", account_id=role_account(role_arn) or source["Account"],
                              region=source["Region"], principal=principal, protocol="rest-xml", internal=True,
                              source_ip=S3_PRINCIPAL, user_agent=S3_PRINCIPAL)

    def _destination(self, ctx: RequestContext, source: Bucket, rule: dict, record: ObjectVersion,
                     kind: str) -> Bucket:
        """The rule's destination bucket, once the role may read the source and write there."""
        self._authorize(ctx, "s3:GetObjectVersionForReplication", source["Name"], record["Key"], record=record,
                        bucket_record=source)
        name = rules.destination_bucket(rule)
        destination = BUCKET.get(self.store, BUCKETS, name)
        if destination is None or destination.get("Versioning") != "Enabled":
            raise ServiceError("InvalidRequest", "Destination bucket must exist and have versioning enabled.")
        action = {"object": "s3:ReplicateObject", "marker": "s3:ReplicateDelete", "metadata": "s3:ReplicateTags"}
        self._authorize(ctx, action[kind], name, record["Key"], bucket_record=destination)
        if kind == "object" and rules.owner_override(rule):
            self._authorize(ctx, "s3:ObjectOwnerOverrideToBucketOwner", name, record["Key"],
                            bucket_record=destination)
        return destination

    def _copy_version(self, ctx: RequestContext, source: Bucket, destination: Bucket, rule: dict,
                      record: ObjectVersion) -> None:
        data = self.blobs.read(record["Segments"]) if record["Size"] else iter(())
        written, _ = ingest(self.blobs, {}, IterReader(data))
        replica: ObjectVersion = {k: v for k, v in record.items() if k not in _NOT_COPIED}  # type: ignore[assignment]
        replica.update(Segments=[written.segment], SSE="AES256", ReplicationStatus="REPLICA")
        storage_class = rule["Destination"].get("StorageClass")
        if storage_class:
            replica["StorageClass"] = storage_class
        if rules.owner_override(rule):  # the destination's account owns the replica
            replica["Account"] = destination["Account"]
            replica.pop("Owner", None)
        try:
            with self.store.transaction():
                self._place_replica(destination, replica)
        except BaseException:
            self.blobs.delete([written.segment])
            raise

    def _copy_marker(self, destination: Bucket, record: ObjectVersion) -> None:
        marker: ObjectVersion = {"Key": record["Key"], "DeleteMarker": True, "VersionId": record["VersionId"],
                                 "LastModified": record["LastModified"], "ReplicationStatus": "REPLICA"}
        if record.get("Account"):
            marker["Account"] = record["Account"]
        with self.store.transaction():
            self._place_replica(destination, marker)

    def _copy_metadata(self, destination: Bucket, record: ObjectVersion) -> None:
        with self.store.transaction():
            target = self._find_version(destination["Name"], record["Key"], record["VersionId"])
            if target is None or (target.get("Tags"), target.get("Acl")) == (record.get("Tags"), record.get("Acl")):
                return
            target["Tags"] = record.get("Tags") or []
            if "Acl" in record:
                target["Acl"] = record["Acl"]
            S3State._save_version(self, destination["Name"], target)  # applied, not replicated again

    def _place_replica(self, destination: Bucket, replica: ObjectVersion) -> None:
        """Store a replica under its source's version id (once), the latest version unless a newer one is there."""
        name, key = destination["Name"], replica["Key"]
        if self._find_version(name, key, replica["VersionId"]) is not None:
            return
        replica["Seq"] = next_seq()
        OBJECT_VERSION.put(self.store, versions_ns(name), version_key(key, replica["Seq"]), replica)
        latest = self._latest(name, key)
        if latest is None or latest["LastModified"] <= replica["LastModified"]:
            OBJECT_VERSION.put(self.store, objects_ns(name), key, replica)
