"""PutRecord and PutRecordBatch: admission (rate, size, encryption), then the durable buffer."""
from __future__ import annotations

import os

from nimbus.core.context import RequestContext
from nimbus.core.errors import not_found
from nimbus.protocol.errors import ServiceError
from nimbus.services.firehose import metrics
from nimbus.services.firehose.common import MAX_BATCH_BYTES, invalid
from nimbus.services.firehose.documents import DeliveryStream
from nimbus.services.firehose.state import FirehoseState

RECORD_ID_BYTES = 44  # 88 hex characters, opaque like AWS's record ids


def _record_ids(count: int) -> list[str]:
    pool = os.urandom(RECORD_ID_BYTES * count).hex()
    step = RECORD_ID_BYTES * 2
    return [pool[i:i + step] for i in range(0, len(pool), step)]


class RecordOps(FirehoseState):
    def _writable(self, ctx: RequestContext, name: str) -> DeliveryStream:
        stream = self.stream(ctx, name)
        if not self.streams.is_active(stream):
            raise not_found("Firehose", name, ctx.account_id)
        if stream["DeliveryStreamType"] != "DirectPut":
            raise invalid(f"This operation is not permitted on {stream['DeliveryStreamType']} delivery stream type.")
        return stream

    def _accept(self, ctx: RequestContext, stream: DeliveryStream, records: list[bytes]) -> None:
        self.buffers.append(ctx.account_id, ctx.region, stream["DeliveryStreamName"], records, ctx.clock.time())
        size, _ = self._hint_size(stream)
        if self.buffers.pending(ctx.account_id, ctx.region, stream["DeliveryStreamName"]).bytes >= size:
            self.deliverer.wake()

    @staticmethod
    def _hint_size(stream: DeliveryStream) -> tuple[int, int]:
        from nimbus.services.firehose.delivery import hints
        return hints(stream)

    def _encrypted(self, stream: DeliveryStream) -> bool:
        return stream["DeliveryStreamEncryptionConfiguration"]["Status"] == "ENABLED"

    def _admitted(self, ctx: RequestContext, stream: DeliveryStream, records: list[bytes]) -> list[bool]:
        if not self.runtime.config.enforce_limits:
            return [True] * len(records)
        return self.throttle.admit((ctx.account_id, ctx.region, stream["DeliveryStreamName"]), [len(r) for r in records])

    def put_record(self, ctx: RequestContext, params: dict) -> dict:
        stream = self._writable(ctx, params["DeliveryStreamName"])
        if not self._admitted(ctx, stream, [params["Record"]["Data"]])[0]:
            raise ServiceError("ServiceUnavailableException", "Slow down.")
        self._accept(ctx, stream, [params["Record"]["Data"]])
        metrics.records_put(self.runtime, stream, [params["Record"]["Data"]], "PutRecord")
        return {"RecordId": _record_ids(1)[0], "Encrypted": self._encrypted(stream)}

    def put_record_batch(self, ctx: RequestContext, params: dict) -> dict:
        stream = self._writable(ctx, params["DeliveryStreamName"])
        records = [entry["Data"] for entry in params["Records"]]
        total = sum(len(r) for r in records)
        if total > MAX_BATCH_BYTES:
            raise invalid(f"Records size exceeds {MAX_BATCH_BYTES} bytes limit ({total} bytes given).")
        admitted = self._admitted(ctx, stream, records)
        accepted = [record for record, ok in zip(records, admitted) if ok]
        if accepted:
            self._accept(ctx, stream, accepted)
            metrics.records_put(self.runtime, stream, accepted, "PutRecordBatch")
        ids = iter(_record_ids(len(accepted)))
        responses = [{"RecordId": next(ids)} if ok else
                     {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "Slow down."} for ok in admitted]
        return {"FailedPutCount": admitted.count(False), "Encrypted": self._encrypted(stream),
                "RequestResponses": responses}
