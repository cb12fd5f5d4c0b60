"""SelectObjectContent: S3 Select's SQL over one CSV, JSON or Parquet object, run by the shared SQL engine.

The object (GZIP or BZIP2 decompressed, within a bound) becomes one Arrow table named ``S3Object``: CSV
fields are strings named ``_1``, ``_2``... or by the header line (FileHeaderInfo USE); JSON objects
(LINES: one a line; DOCUMENT: one or more top-level objects) and Parquet keep their own types. The
answer is S3's event stream: Records in chunks, then Progress (when asked), Stats and End. The engine
(select_query.py) loads with the first query.
"""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.s3.archive import check_readable
from nimbus.services.s3.encryption import data_key
from nimbus.services.s3.state import S3State

# What one query may read (decompressed) and return: nimbus's bounds, not AWS's.
MAX_INPUT_BYTES = 1 << 30


def error_400(code: str, message: str) -> ServiceError:
    return ServiceError(code, message, status=400)


class SelectOps(S3State):
    def select_object_content(self, ctx: RequestContext, params: dict) -> dict:
        if params.get("ExpressionType") != "SQL":
            raise error_400("InvalidExpressionType", "The ExpressionType is invalid. Only SQL expressions are "
                            "supported.")
        if params.get("ScanRange"):
            raise ServiceError("NotImplemented", "nimbus's S3 Select does not take a ScanRange.", status=501)
        from nimbus.services.s3 import select_query, select_sql  # a second of imports no other call should pay

        query = select_sql.translate(params["Expression"])
        bucket, record = self._read_version(ctx, params, "s3:GetObject")
        check_readable(bucket, record, ctx.clock.time())
        if record["Size"] > MAX_INPUT_BYTES:
            raise error_400("InvalidRequest",
                            f"nimbus's S3 Select reads at most {MAX_INPUT_BYTES} bytes of an object.")
        data = b"".join(self.blobs.read(record["Segments"], key=data_key(ctx, bucket, record))) \
            if record["Size"] else b""
        return {"Payload": select_query.answer(query, data, params, record["Size"])}
