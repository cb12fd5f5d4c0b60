"""Digest files for log file integrity validation, in AWS's format, path and hash chain.

Per trail and region a chain: every digest interval (hourly by default, virtual clock) a digest lists
the SHA-256 of each log file delivered in its period and links to the previous digest (its S3 location,
hash and signature). The digest's own signature (SHA256withRSA over AWS's signing string, hex) goes in
the S3 object's metadata, where ``aws cloudtrail validate-logs`` reads it.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, datetime

from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudtrail import signing
from nimbus.services.cloudtrail.delivery import object_prefix, put_object
from nimbus.services.cloudtrail.documents import DigestChain, Trail, TrailState


def _new_chain(now: float) -> DigestChain:
    return {"DigestStartTime": now, "Previous": None}


def start_chains(state: TrailState, trail: Trail, now: float) -> None:
    state.setdefault("Chains", {}).setdefault(trail["HomeRegion"], _new_chain(now))


def digest_key(trail: Trail, account: str, region: str, end: datetime) -> str:
    return (f"{object_prefix(trail)}AWSLogs/{account}/CloudTrail-Digest/{region}/{end:%Y/%m/%d}/"
            f"{account}_CloudTrail-Digest_{region}_{trail['Name']}_{trail['HomeRegion']}_"
            f"{end:%Y%m%dT%H%M%SZ}.json.gz")


def write_due_digests(engine, account: str, trail: Trail, state: TrailState, now: float, force: bool = False) -> bool:
    chains = state.setdefault("Chains", {})
    files = state.setdefault("DigestFiles", {})
    for region in files:
        chains.setdefault(region, _new_chain(now))
    wrote = False
    for region, chain in chains.items():
        due = now >= chain["DigestStartTime"] + engine.digest_seconds
        if not due and not (force and files.get(region)):
            continue
        if int(now) <= int(chain["DigestStartTime"]):
            continue  # one digest per second at most: its key carries the second
        try:
            _write(engine, account, trail, state, region, chain, now)
            wrote = True
        except ServiceError as error:
            state["LatestDigestDeliveryError"] = f"{error.code}: {error.message}" if error.message else error.code
            wrote = True
    return wrote


def _write(engine, account: str, trail: Trail, state: TrailState, region: str, chain: DigestChain, now: float) -> None:
    end = datetime.fromtimestamp(int(now), tz=UTC)
    start = datetime.fromtimestamp(int(chain["DigestStartTime"]), tz=UTC)
    bucket = trail["S3BucketName"]
    key = digest_key(trail, account, region, end)
    logs = state.get("DigestFiles", {}).get(region, [])
    vault = engine.runtime.vault
    signer = signing.current_key(engine.store, vault, region, now, engine.runtime.config.cloudtrail_key_rotation_seconds)
    previous = chain["Previous"]
    digest = {
        "awsAccountId": account,
        "digestStartTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "digestEndTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "digestS3Bucket": bucket,
        "digestS3Object": key,
        "digestPublicKeyFingerprint": signer["Fingerprint"],
        "digestSignatureAlgorithm": signing.SIGNATURE_ALGORITHM,
        "newestEventTime": max((f["NewestEventTime"] for f in logs), default=None),
        "oldestEventTime": min((f["OldestEventTime"] for f in logs), default=None),
        "previousDigestS3Bucket": previous["S3Bucket"] if previous else None,
        "previousDigestS3Object": previous["S3Object"] if previous else None,
        "previousDigestHashValue": previous["HashValue"] if previous else None,
        "previousDigestHashAlgorithm": "SHA-256" if previous else None,
        "previousDigestSignature": previous["Signature"] if previous else None,
        "logFiles": [{"s3Bucket": f["S3Bucket"], "s3Object": f["S3Object"], "hashValue": f["HashValue"],
                      "hashAlgorithm": f["HashAlgorithm"], "newestEventTime": f["NewestEventTime"],
                      "oldestEventTime": f["OldestEventTime"]} for f in logs],
    }
    inflated = json.dumps(digest).encode()
    signature = signing.sign(vault, region, signer, signing.string_to_sign(digest, inflated))
    put_object(engine, account, trail, state, bucket, key, gzip.compress(inflated, mtime=0),
               metadata={"signature": signature, "signature-algorithm": signing.SIGNATURE_ALGORITHM})
    chain["DigestStartTime"] = int(now)
    chain["Previous"] = {"S3Bucket": bucket, "S3Object": key, "HashValue": hashlib.sha256(inflated).hexdigest(),
                         "Signature": signature}
    state.setdefault("DigestFiles", {})[region] = []
    state["LatestDigestDeliveryTime"] = now
    state.pop("LatestDigestDeliveryError", None)
