"""Running applications: a scheduler job reads each running application's input stream as the input's
role, pushes the parsed rows through its pipeline, closes the windows the virtual clock has passed,
writes what reaches an output's in-application stream to that output as the output's role, and then
commits the input checkpoints (so delivery is at least once: a batch whose output failed is written
again before anything new, and its records are not checkpointed until it is).

ROWTIME is a record's arrival time in its Kinesis stream on the virtual clock (never earlier than the
rows before it), which is when a continuously reading application would have seen it.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nimbus.core.context import CallSource
from nimbus.core.documents import DocumentKind
from nimbus.core.namespaces import Namespace
from nimbus.core.times import epoch, timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesisanalytics import records
from nimbus.services.kinesisanalytics.common import SERVICE_PRINCIPAL, SESSION_NAME
from nimbus.services.kinesisanalytics.configuration import in_app_stream_names
from nimbus.services.kinesisanalytics.documents import APPLICATION, Application, ReadCheckpoint
from nimbus.services.kinesisanalytics.sql_program import parse

if TYPE_CHECKING:
    from nimbus.services.kinesisanalytics.pipeline import Pipeline, Row

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0
LIST_SECONDS = 60.0
BATCH = 500  # PutRecords and PutRecordBatch: 500 records a call
checkpoints_ns = Namespace("kinesisanalytics", "checkpoints")
CHECKPOINT = DocumentKind[ReadCheckpoint]("kinesisanalytics.ReadCheckpoint")


@dataclass
class Running:
    version: tuple[float, int]  # the application's creation time and version: one made again anew is new
    pipeline: Pipeline
    last_rowtime: float = 0.0
    pending: list[tuple[dict, list[bytes]]] = field(default_factory=list)  # outputs not yet written
    # Each input's source stream and its shards, listed again only after LIST_SECONDS or once a shard
    # ends: ListShards and DescribeDeliveryStream are management events CloudTrail keeps in its history,
    # which a call every tick would flood.
    sources: dict[str, tuple[float, str, list[dict]]] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)  # closed shards read to their end


def build_pipeline(app: Application, reference_rows: dict[str, list[Row]] | None = None) -> Pipeline:
    """The application's pipeline; CodeValidationException when its code does not run. Reference tables
    hold ``reference_rows`` (empty when only checking the code)."""
    # DuckDB runs the pipeline: loaded with the first application, not with the service.
    from nimbus.services.kinesisanalytics.pipeline import Pipeline

    inputs = {}
    for stored in app["Inputs"]:
        columns = records.input_columns(stored["InputSchema"]) + records.METADATA_COLUMNS
        for name in in_app_stream_names(stored):
            inputs[name] = columns
    tables = {source["TableName"]: (records.input_columns(source["ReferenceSchema"]),
                                    (reference_rows or {}).get(source["TableName"], []))
              for source in app["ReferenceDataSources"]}
    return Pipeline(parse(app["ApplicationCode"] or "", frozenset(tables)), inputs, tables)


class Runner:
    def __init__(self, provider):
        self.runtime = provider.runtime
        self.settle = provider.settle
        self._lock = threading.Lock()
        self._running: dict[tuple[str, str, str], Running] = {}
        provider.every("kinesisanalytics", TICK_SECONDS, self.run_once, on_advance=self.run_once)

    def run_once(self) -> None:
        with self._lock:
            seen = set()
            for ns in self.runtime.store.namespaces(("kinesisanalytics",)):
                if len(ns) != 4 or ns[3] != "applications":
                    continue
                for _, app in APPLICATION.scan(self.runtime.store, ns):
                    key = (app["AccountId"], app["Region"], app["ApplicationName"])
                    self.settle(app)
                    if app["ApplicationStatus"] not in ("RUNNING", "UPDATING"):
                        continue
                    seen.add(key)
                    try:
                        self._serve(key, app)
                    except Exception:  # one broken application must not stop the others
                        log.exception("kinesisanalytics application %s failed", app["ApplicationName"])
            for key in set(self._running) - seen:
                del self._running[key]

    def _serve(self, key: tuple[str, str, str], app: Application) -> None:
        running = self._running.get(key)
        version = (app["CreateTimestamp"], app["ApplicationVersionId"])
        if running is None or running.version != version:
            try:
                running = Running(version, build_pipeline(app, self._references(app)),
                                  running.last_rowtime if running else 0.0)
            except ServiceError as error:
                self._log(app, [records.error_row(records.when(self.runtime.clock.time()), "CODE_ERROR", error.message,
                                          None, "")])
                return
            self._running[key] = running
        if not self._flush(app, running):
            return  # the outputs refuse: nothing new until they take what they owe
        now = self.runtime.clock.time()
        received: dict[str, list[Row]] = {}
        checkpoints: list[tuple[str, ReadCheckpoint]] = []
        for stored in app["Inputs"]:
            self._read(app, stored, running, received, checkpoints)
        for name, rows in running.pipeline.tick(now).items():
            received.setdefault(name, []).extend(rows)
        self._route(app, running, received)
        if self._flush(app, running):
            ns = checkpoints_ns(app["AccountId"], app["Region"], app["ApplicationName"])
            with self.runtime.store.transaction():
                for shard_id, checkpoint in checkpoints:
                    CHECKPOINT.put(self.runtime.store, ns, shard_id, checkpoint)

    # -- input ---------------------------------------------------------------------------------

    def _references(self, app: Application) -> dict[str, list[Row]]:
        """Each reference data source's rows, read from its S3 object as its role (a row that does not fit
        its schema is left out and logged)."""
        tables: dict[str, list[Row]] = {}
        for source in app["ReferenceDataSources"]:
            s3 = source["S3ReferenceDataSource"]
            body = self._as_role(app, s3["ReferenceRoleARN"], "s3", "GetObject",
                                 {"Bucket": s3["BucketARN"].split(":::", 1)[-1], "Key": s3["FileKey"]},
                                 app["Region"])["Body"]
            data = body if isinstance(body, (bytes, bytearray)) else b"".join(body)
            rows, errors = tables.setdefault(source["TableName"], []), []
            for line in bytes(data).splitlines():
                if not line.strip():
                    continue
                try:
                    rows += records.parse(source["ReferenceSchema"], line)
                except records.RecordError as error:
                    errors.append(records.error_row(records.when(self.runtime.clock.time()), "Type_Conversion", str(error),
                                            None, line.decode("utf-8", errors="replace")))
            self._log(app, errors)
        return tables

    def _as_role(self, app: Application, role: str, service: str, operation: str, params: dict,
                 region: str) -> dict:
        return self.runtime.client.call_as_role(role, service, operation, params, invoked_by=SERVICE_PRINCIPAL,
                                                session_name=SESSION_NAME, region=region,
                                                source=CallSource(app["ApplicationARN"], app["AccountId"]))

    def _source_stream(self, app: Application, stored: dict) -> tuple[str, str]:
        """(Kinesis stream ARN, role) an input reads: its stream, or its delivery stream's source."""
        if stored.get("KinesisStreamsInput"):
            return stored["KinesisStreamsInput"]["ResourceARN"], stored["KinesisStreamsInput"]["RoleARN"]
        hose, role = stored["KinesisFirehoseInput"]["ResourceARN"], stored["KinesisFirehoseInput"]["RoleARN"]
        described = self._as_role(app, role, "firehose", "DescribeDeliveryStream",
                                  {"DeliveryStreamName": hose.split("/", 1)[-1]}, hose.split(":")[3])
        source = (described["DeliveryStreamDescription"].get("Source") or {}).get("KinesisStreamSourceDescription")
        if not source:
            raise ServiceError("InvalidArgumentException", f"Delivery stream {hose} has no Kinesis source.")
        return source["KinesisStreamARN"], role

    def _read(self, app: Application, stored: dict, running: Running, received: dict[str, list[Row]],
              checkpoints: list[tuple[str, ReadCheckpoint]]) -> None:
        now = self.runtime.clock.time()
        listed = running.sources.get(stored["InputId"])
        if listed is None or now - listed[0] >= LIST_SECONDS:
            stream_arn, role = self._source_stream(app, stored)
            shards = self._as_role(app, role, "kinesis", "ListShards", {"StreamARN": stream_arn},
                                   stream_arn.split(":")[3])["Shards"]
            running.sources[stored["InputId"]] = listed = (now, stream_arn, shards)
        _, stream_arn, shards = listed
        role = (stored.get("KinesisStreamsInput") or stored.get("KinesisFirehoseInput") or {})["RoleARN"]
        region = stream_arn.split(":")[3]
        names = in_app_stream_names(stored)
        ns = checkpoints_ns(app["AccountId"], app["Region"], app["ApplicationName"])
        for index, shard in enumerate(shards):
            shard_id = shard["ShardId"]
            if shard_id in running.finished:
                continue
            done = CHECKPOINT.get(self.runtime.store, ns, shard_id)
            start: dict = {"ShardIteratorType": "AT_TIMESTAMP", "Timestamp": timestamp(app["StartedAt"] or 0.0)}
            if done is not None:
                start = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": done["SequenceNumber"]}
            elif (stored.get("InputStartingPositionConfiguration") or {}).get("InputStartingPosition") == \
                    "TRIM_HORIZON":
                start = {"ShardIteratorType": "TRIM_HORIZON"}
            iterator = self._as_role(app, role, "kinesis", "GetShardIterator",
                                     {"StreamARN": stream_arn, "ShardId": shard_id, **start}, region)["ShardIterator"]
            page = self._as_role(app, role, "kinesis", "GetRecords",
                                 {"StreamARN": stream_arn, "ShardIterator": iterator, "Limit": 10000}, region)
            if page.get("NextShardIterator") is None and not page["Records"]:  # a shard ended (resharding)
                running.finished.add(shard_id)
                running.sources.pop(stored["InputId"], None)  # its children: list the shards again
            if not page["Records"]:
                continue
            rows, errors = [], []
            for record in page["Records"]:
                arrival = max(epoch(record["ApproximateArrivalTimestamp"]) or 0.0, running.last_rowtime)
                running.last_rowtime = arrival
                meta = {"ROWTIME": records.when(arrival), "APPROXIMATE_ARRIVAL_TIME": records.when(arrival),
                        "PARTITION_KEY": record["PartitionKey"], "SEQUENCE_NUMBER": record["SequenceNumber"],
                        "SHARD_ID": shard_id}
                try:
                    rows += [{**row, **meta} for row in records.parse(stored["InputSchema"], record["Data"])]
                except records.RecordError as error:
                    data = bytes(record["Data"]).decode("utf-8", errors="replace")
                    errors.append(records.error_row(meta["ROWTIME"], "Type_Conversion", str(error), meta["ROWTIME"], data))
            target = names[index % len(names)]
            for name, got in [*running.pipeline.push(target, rows).items(),
                              *running.pipeline.push(records.ERROR_STREAM, errors).items()]:
                received.setdefault(name, []).extend(got)
            checkpoints.append((shard_id, ReadCheckpoint(SequenceNumber=page["Records"][-1]["SequenceNumber"])))

    # -- output --------------------------------------------------------------------------------

    def _route(self, app: Application, running: Running, received: dict[str, list[Row]]) -> None:
        for output in app["Outputs"]:
            name = output["Name"] if output["Name"] in running.pipeline.columns else output["Name"].upper()
            rows = received.get(name) or []
            if not rows:
                continue
            columns = [c for c, _ in running.pipeline.columns.get(name, []) if c != "ROWTIME"]
            fmt = output["DestinationSchema"]["RecordFormatType"]
            running.pending.append((output, [records.serialize(row, columns, fmt) for row in rows]))
        self._log(app, received.get(records.ERROR_STREAM) or [])

    def _flush(self, app: Application, running: Running) -> bool:
        """Write what the outputs owe; False when one refuses (it is tried again on the next tick)."""
        while running.pending:
            output, data = running.pending[0]
            try:
                self._write(app, output, data)
            except ServiceError as error:
                log.warning("kinesisanalytics %s cannot write output %s: %s", app["ApplicationName"],
                            output["Name"], error.message)
                return False
            running.pending.pop(0)
        return True

    def _write(self, app: Application, output: dict, data: list[bytes]) -> None:
        for start in range(0, len(data), BATCH):
            chunk = data[start:start + BATCH]
            if output.get("KinesisStreamsOutput"):
                target = output["KinesisStreamsOutput"]
                answer = self._as_role(app, target["RoleARN"], "kinesis", "PutRecords", {
                    "StreamARN": target["ResourceARN"],
                    "Records": [{"Data": d, "PartitionKey": uuid.uuid4().hex} for d in chunk]},
                    target["ResourceARN"].split(":")[3])
            elif output.get("KinesisFirehoseOutput"):
                target = output["KinesisFirehoseOutput"]
                answer = self._as_role(app, target["RoleARN"], "firehose", "PutRecordBatch", {
                    "DeliveryStreamName": target["ResourceARN"].split("/", 1)[-1],
                    "Records": [{"Data": d if d.endswith(b"\n") else d + b"\n"} for d in chunk]},
                    target["ResourceARN"].split(":")[3])
            else:
                return  # a Lambda output: nimbus has no Lambda to call
            if answer.get("FailedRecordCount") or answer.get("FailedPutCount"):
                raise ServiceError("ProvisionedThroughputExceededException", "Some records were not accepted.")

    def _log(self, app: Application, errors: list[Row]) -> None:
        """Errors go to the CloudWatch Logs stream of each logging option, as its role."""
        if not errors:
            return
        for option in app["CloudWatchLoggingOptions"]:
            parts = option["LogStreamARN"].split(":")
            if len(parts) < 9:
                continue
            events = [{"timestamp": int(self.runtime.clock.time() * 1000),
                       "message": json.dumps({k: str(v) if v is not None else None for k, v in row.items()})}
                      for row in errors]
            try:
                self._as_role(app, option["RoleARN"], "logs", "PutLogEvents", {
                    "logGroupName": parts[6], "logStreamName": parts[8], "logEvents": events}, parts[3])
            except ServiceError as error:
                log.warning("kinesisanalytics %s cannot log: %s", app["ApplicationName"], error.message)


def reset_checkpoints(store, app: Application) -> None:
    store.delete_namespace(checkpoints_ns(app["AccountId"], app["Region"], app["ApplicationName"]))
