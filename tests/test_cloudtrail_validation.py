"""Log file integrity: the real AWS CLI's ``validate-logs`` accepts nimbus's digests and catches tampering."""
from __future__ import annotations

import gzip
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support import (
    account_key,
    advance_clock,
    digested_log_files,
    log_files,
    make_client,
    read_records,
    start_server,
    trail_bucket,
    unique,
    validate_logs,
    virtual_now,
)


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    with start_server(tmp_path_factory.mktemp("cloudtrail-digests")) as running:
        yield running


def digests(s3, bucket: str) -> list[str]:
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return sorted(k for k in keys if "/CloudTrail-Digest/" in k)


@pytest.fixture
def validated(own):
    """A trail (with a key prefix) with validation on, two hours of digests and several log files."""
    account = account_key()
    aws = lambda service, **kw: make_client(own.endpoint, service, key=account, **kw)  # noqa: E731
    s3, ct = aws("s3"), aws("cloudtrail")
    bucket = trail_bucket(s3, account, "audit/logs")
    name = unique("trail")
    arn = ct.create_trail(Name=name, S3BucketName=bucket, S3KeyPrefix="audit/logs",
                          EnableLogFileValidation=True)["TrailARN"]
    ct.start_logging(Name=name)
    start = virtual_now(own.endpoint)
    for _ in range(2):
        aws("kms").list_keys()
        advance_clock(own.endpoint, 6)
        aws("sns").list_topics()
        advance_clock(own.endpoint, 3600)
    return {"aws": aws, "s3": s3, "bucket": bucket, "arn": arn, "name": name, "start": start,
            "account": account}


def run(own, trail: dict):
    return validate_logs(own.endpoint, trail["arn"], trail["start"], virtual_now(own.endpoint), key=trail["account"])


def test_digest_format_and_every_file_valid(own, validated):
    s3, bucket = validated["s3"], validated["bucket"]
    keys = digests(s3, bucket)
    assert len(keys) >= 2
    first = s3.get_object(Bucket=bucket, Key=keys[0])
    assert first["Metadata"]["signature-algorithm"] == "SHA256withRSA" and len(first["Metadata"]["signature"]) == 512
    digest = json.loads(gzip.decompress(first["Body"].read()))
    assert digest["digestS3Object"] == keys[0] and digest["previousDigestSignature"] is None
    assert digest["logFiles"] and all(f["hashAlgorithm"] == "SHA-256" for f in digest["logFiles"])
    second = json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=keys[1])["Body"].read()))
    assert second["previousDigestS3Object"] == keys[0]
    assert second["previousDigestSignature"] == first["Metadata"]["signature"]
    assert validated["aws"]("cloudtrail").get_trail_status(Name=validated["name"])["LatestDigestDeliveryTime"]
    result = run(own, validated)
    assert result.returncode == 0, result.stdout + result.stderr
    covered = digested_log_files(s3, bucket)
    assert covered and covered <= set(log_files(s3, bucket))
    assert f"{len(keys)}/{len(keys)} digest files valid" in result.stdout
    assert f"{len(covered)}/{len(covered)} log files valid" in result.stdout
    assert "INVALID" not in result.stdout + result.stderr


def test_modified_log_file_is_caught(own, validated):
    s3, bucket = validated["s3"], validated["bucket"]
    key = log_files(s3, bucket)[0]
    records = json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
    records["Records"][0]["eventName"] = "NothingToSeeHere"
    s3.put_object(Bucket=bucket, Key=key, Body=gzip.compress(json.dumps(records).encode()))
    result = run(own, validated)
    assert result.returncode == 1
    assert f"s3://{bucket}/{key}\tINVALID: hash value doesn't match" in result.stderr


def test_deleted_log_file_is_caught(own, validated):
    s3, bucket = validated["s3"], validated["bucket"]
    key = log_files(s3, bucket)[-1]
    s3.delete_object(Bucket=bucket, Key=key)
    result = run(own, validated)
    assert result.returncode == 1
    assert f"s3://{bucket}/{key}\tINVALID: not found" in result.stderr


def test_added_files_are_not_vouched_for(own, validated):
    s3, bucket = validated["s3"], validated["bucket"]
    delivered = log_files(s3, bucket)
    fake = delivered[0].rsplit("_", 1)[0] + "_FAKEFAKEFAKEFAKE.json.gz"
    s3.put_object(Bucket=bucket, Key=fake, Body=gzip.compress(b'{"Records": []}'))
    result = run(own, validated)
    # No digest lists the planted log file: it is never reported valid, and the count stays the delivered one.
    assert fake not in result.stdout and f"{len(delivered)}/{len(delivered)} log files valid" in result.stdout
    # A planted digest (signed with a key CloudTrail does not know) is reported.
    last = digests(s3, bucket)[-1]
    forged = json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=last)["Body"].read()))
    when = forged["digestEndTime"]
    end = virtual_now(own.endpoint) + timedelta(seconds=60)  # the newest digest: where the CLI starts
    forged_key = last.replace(when.replace("-", "").replace(":", ""), end.strftime("%Y%m%dT%H%M%SZ"))
    forged.update(digestS3Object=forged_key, digestStartTime=when, digestEndTime=end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  previousDigestS3Object=last)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    signature = other.sign(b"forged", padding.PKCS1v15(), hashes.SHA256()).hex()
    s3.put_object(Bucket=bucket, Key=forged_key, Body=gzip.compress(json.dumps(forged).encode()),
                  Metadata={"signature": signature, "signature-algorithm": "SHA256withRSA"})
    result = run(own, validated)
    assert result.returncode == 1
    assert f"s3://{bucket}/{forged_key}\tINVALID: signature verification failed" in result.stderr


def test_broken_chain_is_caught(own, validated):
    s3, bucket = validated["s3"], validated["bucket"]
    first, second = digests(s3, bucket)[:2]
    s3.delete_object(Bucket=bucket, Key=first)
    result = run(own, validated)
    assert result.returncode == 1
    assert f"s3://{bucket}/{first}\tINVALID: not found" in result.stderr
    body = json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=second)["Body"].read()))
    metadata = s3.head_object(Bucket=bucket, Key=second)["Metadata"]
    body["logFiles"] = body["logFiles"][1:]
    s3.put_object(Bucket=bucket, Key=second, Body=gzip.compress(json.dumps(body).encode()), Metadata=metadata)
    result = run(own, validated)
    assert f"s3://{bucket}/{second}\tINVALID: signature verification failed" in result.stderr


def test_keys_rotate_and_old_digests_stay_valid(own, validated):
    ct = validated["aws"]("cloudtrail")
    before = {k["Fingerprint"] for k in ct.list_public_keys()["PublicKeyList"]}
    advance_clock(own.endpoint, 31 * 86400)
    validated["aws"]("kms").list_keys()
    advance_clock(own.endpoint, 3600)
    end = virtual_now(own.endpoint)
    keys = ct.list_public_keys(StartTime=validated["start"], EndTime=end)["PublicKeyList"]
    assert len({k["Fingerprint"] for k in keys} - before) >= 1 and len(keys) >= 2
    result = validate_logs(own.endpoint, validated["arn"], validated["start"], end, key=validated["account"])
    assert result.returncode == 0, result.stdout + result.stderr
    fingerprints = {json.loads(gzip.decompress(validated["s3"].get_object(Bucket=validated["bucket"], Key=k)[
        "Body"].read()))["digestPublicKeyFingerprint"] for k in digests(validated["s3"], validated["bucket"])}
    assert len(fingerprints) >= 2


def test_a_file_of_many_records_is_whole_and_valid(own):
    """A log file is compressed and hashed a few hundred records at a time (delivery._log_file): one of more than
    a piece's records reads back whole, and its digest's hash is of the whole file."""
    account = account_key()
    aws = lambda service, **kw: make_client(own.endpoint, service, key=account, **kw)  # noqa: E731
    s3, ct, kms = aws("s3"), aws("cloudtrail"), aws("kms")
    bucket = trail_bucket(s3, account)
    name = unique("trail")
    arn = ct.create_trail(Name=name, S3BucketName=bucket, EnableLogFileValidation=True)["TrailARN"]
    ct.start_logging(Name=name)
    start = virtual_now(own.endpoint)
    calls = 600
    for _ in range(calls):
        kms.list_keys()
    advance_clock(own.endpoint, 6)
    advance_clock(own.endpoint, 3600)
    files = [read_records(s3, bucket, key) for key in log_files(s3, bucket)]
    assert sum(r["eventName"] == "ListKeys" for records in files for r in records) == calls
    # The calls took under one real delivery interval (5 s): a background delivery splits them in two at most.
    assert max(len(records) for records in files) >= calls // 2
    assert len(set(digested_log_files(s3, bucket))) >= 1
    result = validate_logs(own.endpoint, arn, start, virtual_now(own.endpoint), key=account)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "INVALID" not in result.stdout + result.stderr
