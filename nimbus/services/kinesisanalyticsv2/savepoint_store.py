"""Where snapshots live: Flink savepoints kept in nimbus S3, in a bucket of the service's own account (one
per region), as AWS keeps an application's snapshots in storage the service owns. No customer account can
list or read that bucket (it belongs to an account no credentials are issued for); the service reaches it
through the internal client as that account. A savepoint is a prefix there,
``applications/<account>/<application>/<snapshot>-<token>/`` (or ``snapshots/<account>/<name>-<token>/`` for
an imported one), written by copying the directory Flink wrote in the run's directory, and read back into
the run's directory of the application that restores it (Flink savepoints are relocatable: their files are
named relative to ``_metadata``).

Data dirs of earlier nimbus versions hold savepoints as local directories (``file:`` URIs): those are still
restored, exported, measured and deleted where they are."""
from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from nimbus.core.identity import root_principal
from nimbus.protocol.errors import ServiceError

from .common import savepoint_path

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

SAVEPOINTS_ACCOUNT = "999999999998"  # Managed Flink's own: a member of no customer's organisation
_SCHEME = "s3://"


def savepoints_bucket(region: str) -> str:
    return f"nimbus-kinesisanalytics-savepoints-{region}"


def _split(savepoint: str) -> tuple[str, str]:
    bucket, _, prefix = savepoint.removeprefix(_SCHEME).partition("/")
    return bucket, prefix


class SavepointStore:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def _s3(self, operation: str, params: dict, region: str) -> dict:
        return self.runtime.client.call("s3", operation, params, account_id=SAVEPOINTS_ACCOUNT, region=region,
                                        principal=root_principal(SAVEPOINTS_ACCOUNT))

    def _bucket(self, region: str) -> str:
        """The region's bucket, made (again, after a reset) at each savepoint kept. A bucket of that name that
        another account made first is never written to (CreateBucket's BucketAlreadyExists fails the savepoint)."""
        bucket = savepoints_bucket(region)
        try:
            self._s3("CreateBucket", {"Bucket": bucket} if region == "us-east-1" else {
                "Bucket": bucket, "CreateBucketConfiguration": {"LocationConstraint": region}}, region)
        except ServiceError as error:
            if error.code != "BucketAlreadyOwnedByYou":
                raise
        return bucket

    def keep(self, region: str, path: str, local: Path) -> str:
        """Copies the savepoint Flink wrote at ``local`` to a new prefix for ``path``, removes ``local`` and
        answers the savepoint's location (``s3://bucket/prefix/``)."""
        bucket = self._bucket(region)
        prefix = f"{path}-{uuid.uuid4().hex[:8]}/"
        for file in sorted(local.rglob("*")):
            if file.is_file():
                self._s3("PutObject", {"Bucket": bucket, "Key": prefix + file.relative_to(local).as_posix(),
                                       "Body": file.read_bytes()}, region)
        shutil.rmtree(local, ignore_errors=True)
        return f"{_SCHEME}{bucket}/{prefix}"

    def _keys(self, savepoint: str) -> Iterator[tuple[str, int]]:
        bucket, prefix = _split(savepoint)
        params = {"Bucket": bucket, "Prefix": prefix}
        region = self._region(bucket)
        while True:
            listed = self._s3("ListObjectsV2", params, region)
            for item in listed.get("Contents") or []:
                yield item["Key"], item["Size"]
            if not listed.get("IsTruncated"):
                return
            params["ContinuationToken"] = listed["NextContinuationToken"]

    @staticmethod
    def _region(bucket: str) -> str:
        return bucket.removeprefix(savepoints_bucket(""))

    def files(self, savepoint: str) -> Iterator[tuple[str, bytes]]:
        """The savepoint's files: (path relative to the savepoint, bytes)."""
        if not savepoint.startswith(_SCHEME):
            local = savepoint_path(savepoint)
            for file in sorted(local.rglob("*")):
                if file.is_file():
                    yield file.relative_to(local).as_posix(), file.read_bytes()
            return
        bucket, prefix = _split(savepoint)
        for key, _ in list(self._keys(savepoint)):
            body = self._s3("GetObject", {"Bucket": bucket, "Key": key}, self._region(bucket))["Body"]
            yield key[len(prefix):], body if isinstance(body, bytes) else b"".join(body)

    def size(self, savepoint: str) -> int:
        if not savepoint.startswith(_SCHEME):
            return sum(file.stat().st_size for file in savepoint_path(savepoint).rglob("*") if file.is_file())
        return sum(size for _, size in self._keys(savepoint))

    def local(self, savepoint: str, into: Path) -> str:
        """The savepoint as a local directory Flink restores from (``file:`` URI): a kept one is read into
        ``into``; a checkpoint or an old data dir's savepoint is there already."""
        if not savepoint.startswith(_SCHEME):
            return savepoint
        shutil.rmtree(into, ignore_errors=True)
        for relative, body in self.files(savepoint):
            target = into / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        return f"file://{into}"

    def delete(self, savepoint: str) -> None:
        if not savepoint.startswith(_SCHEME):
            shutil.rmtree(savepoint_path(savepoint), ignore_errors=True)
            return
        bucket = _split(savepoint)[0]
        keys = [key for key, _ in self._keys(savepoint)]
        for start in range(0, len(keys), 1000):
            self._s3("DeleteObjects", {"Bucket": bucket, "Delete": {"Objects": [
                {"Key": key} for key in keys[start:start + 1000]], "Quiet": True}}, self._region(bucket))
