"""CloudTrail documents stored before schema versions (version 0) are served, then rewritten versioned: a
logging trail whose delivery state was written in the engine's old snake_case shape, with records not yet
delivered and a digest chain under way, keeps delivering after the restart, and ``aws cloudtrail
validate-logs`` still validates the chain across it. The old signing key, stored in the clear then, is sealed by its first use."""
from __future__ import annotations

import json

from cryptography.hazmat.primitives import serialization

from nimbus.core.documents import VERSION_FIELD
from nimbus.core.secrets import Vault, load_master_key
from nimbus.services.cloudtrail.documents import SIGNING_KEY, TRAIL_STATE
from nimbus.services.cloudtrail.engine import state_ns, trails_ns
from nimbus.services.cloudtrail.signing import keys_ns
from tests.support import (
    ACCOUNT,
    advance_clock,
    all_records,
    digested_log_files,
    make_client,
    start_server,
    stored,
    trail_bucket,
    unique,
    unversion,
    validate_logs,
    virtual_now,
)

REGION = "us-east-1"
OLD_STATE_FIELDS = {"Since": "since", "Cursors": "cursors", "NextDelivery": "next_delivery",
                    "DigestFiles": "digest_files", "Chains": "chains", "Logs": "logs"}
OLD_KEY_FIELDS = {"Fingerprint": "fingerprint", "ValidityStartTime": "start", "ValidityEndTime": "end",
                  "Value": "public", "PrivateKey": "private"}
LOG_FILE = {"s3Bucket": "audit", "s3Object": "AWSLogs/000000000000/CloudTrail/us-east-1/2026/12/06/a.json.gz",
            "hashValue": "31af4ab1", "hashAlgorithm": "SHA-256", "newestEventTime": "2026-12-06T14:04:50Z",
            "oldestEventTime": "2026-12-06T14:04:49Z"}
# A trail's delivery state as this nimbus wrote it before versions (the role session under "logs" is what an
# older nimbus kept there).
LEGACY_STATE = {
    "StartLoggingTime": 1796562284.5, "since": "98203437715491-999999~",
    "cursors": {"us-east-1/events": "98203434109376-999999"}, "next_delivery": 1796565901.6,
    "chains": {"us-east-1": {"start": 1796565890, "previous": {
        "bucket": "audit", "key": "AWSLogs/000000000000/CloudTrail-Digest/us-east-1/2026/12/06/d.json.gz",
        "signature": "5dcf93cc", "hash": "4cf61c85"}},
               "us-west-2": {"start": 1796565890.5, "previous": None}},
    "logs": {"group": "arn:aws:logs:us-east-1:000000000000:log-group:g:*",
             "cursors": {"us-east-1/events": "98203434109376-999999"},
             "streams": ["000000000000_CloudTrail_us-east-1"],
             "session": {"role": "arn:aws:iam::000000000000:role/r", "principal": {}, "expires": 1796566000}},
    "LatestDeliveryAttemptTime": 1796565896.6, "LatestDeliveryTime": 1796565896.6,
    "LatestDeliveryAttemptSucceeded": 1796565896.6, "digest_files": {"us-east-1": [LOG_FILE]},
    "LatestCloudWatchLogsDeliveryTime": 1796565896.6, "LatestDigestDeliveryTime": 1796565890.5,
}


def test_a_delivery_state_of_version_0_reads_in_todays_shape():
    state = TRAIL_STATE.load(LEGACY_STATE)
    assert state["Since"] == "98203437715491-999999~" and state["NextDelivery"] == 1796565901.6
    assert state["Cursors"] == {"us-east-1/events": "98203434109376-999999"}
    assert state["Chains"] == {
        "us-east-1": {"DigestStartTime": 1796565890, "Previous": {
            "S3Bucket": "audit", "S3Object": "AWSLogs/000000000000/CloudTrail-Digest/us-east-1/2026/12/06/d.json.gz",
            "HashValue": "4cf61c85", "Signature": "5dcf93cc"}},
        "us-west-2": {"DigestStartTime": 1796565890.5, "Previous": None}}
    assert state["DigestFiles"] == {"us-east-1": [{
        "S3Bucket": "audit", "S3Object": LOG_FILE["s3Object"], "HashValue": "31af4ab1", "HashAlgorithm": "SHA-256",
        "NewestEventTime": "2026-12-06T14:04:50Z", "OldestEventTime": "2026-12-06T14:04:49Z"}]}
    assert state["Logs"] == {"Group": "arn:aws:logs:us-east-1:000000000000:log-group:g:*",
                             "Cursors": {"us-east-1/events": "98203434109376-999999"},
                             "Streams": ["000000000000_CloudTrail_us-east-1"]}
    assert state["LatestDeliveryTime"] == 1796565896.6 and state[VERSION_FIELD] == 1
    assert not any(field.islower() for field in state)


def test_a_signing_key_of_version_0_reads_in_todays_shape():
    key = SIGNING_KEY.load({"fingerprint": "4add4788", "start": 1.5, "end": 2.5, "public": "MIIB", "private": "PEM"})
    assert key == {"Fingerprint": "4add4788", "ValidityStartTime": 1.5, "ValidityEndTime": 2.5, "Value": "MIIB",
                   "PrivateKey": "PEM", VERSION_FIELD: 1}


def _old_state_shape(state: dict) -> dict:
    """Today's nested entries as the engine wrote them before versions (top-level names are renamed apart)."""
    state["digest_files"] = {region: [{field[0].lower() + field[1:]: value for field, value in entry.items()}
                                      for entry in files] for region, files in state["digest_files"].items()}
    state["chains"] = {region: {"start": chain["DigestStartTime"], "previous": chain["Previous"] and {
        "bucket": chain["Previous"]["S3Bucket"], "key": chain["Previous"]["S3Object"],
        "hash": chain["Previous"]["HashValue"], "signature": chain["Previous"]["Signature"]}}
        for region, chain in state["chains"].items()}
    logs = state["logs"]
    state["logs"] = {"group": logs["Group"], "cursors": logs["Cursors"], "streams": logs["Streams"]}
    return state


def _old_key_shape(data_dir: str):
    """A signing key as stored before versions: its private key in the clear (PEM)."""
    vault = Vault(load_master_key(data_dir, ephemeral=False))

    def shape(key: dict) -> dict:
        der = vault.unseal(key.pop("SealedPrivateKey"), f"cloudtrail/signing-key/{REGION}/{key['fingerprint']}")
        private = serialization.load_der_private_key(der, password=None)
        key["private"] = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()).decode()
        return key
    return shape


def _logs_trail(aws, bucket: str) -> str:
    """A trail delivering to ``bucket`` (validated) and to a log group, as a role trusting CloudTrail."""
    aws("logs").create_log_group(logGroupName="legacy-trail")
    aws("iam").create_role(RoleName="legacy-trail", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))
    ct = aws("cloudtrail")
    arn = ct.create_trail(
        Name="legacy", S3BucketName=bucket, EnableLogFileValidation=True,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:legacy-trail:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/legacy-trail")["TrailARN"]
    ct.start_logging(Name="legacy")
    return arn


def _logged(aws, marker: str) -> int:
    """How many events of the trail's log stream carry ``marker``."""
    events = aws("logs").get_log_events(logGroupName="legacy-trail", logStreamName=f"{ACCOUNT}_CloudTrail_{REGION}",
                                        startFromHead=True)["events"]
    return sum(marker in e["message"] for e in events)


def test_a_logging_trail_stored_before_versions_keeps_delivering_and_its_chain_validates(tmp_path):
    data_dir = str(tmp_path / "data")
    delivered, waiting = unique("delivered"), unique("waiting")
    with start_server(tmp_path) as first:
        aws = lambda service: make_client(first.endpoint, service)  # noqa: E731
        bucket = trail_bucket(aws("s3"), ACCOUNT)
        arn = _logs_trail(aws, bucket)
        start = virtual_now(first.endpoint)
        advance_clock(first.endpoint, 3600)  # the chain's first digest
        aws("sns").create_topic(Name=delivered)
        advance_clock(first.endpoint, 6)  # in a file the next digest lists, and in CloudWatch Logs
        aws("sns").create_topic(Name=waiting)  # recorded, not yet delivered
        assert _logged(aws, delivered) == 1
    unversion(data_dir, trails_ns(ACCOUNT, REGION), "legacy")
    [old] = unversion(data_dir, state_ns(ACCOUNT, REGION), "legacy", renames=OLD_STATE_FIELDS,
                      shape=_old_state_shape).values()
    assert old["chains"][REGION]["previous"]["signature"] and len(old["digest_files"][REGION]) == 1
    # Keys invert time: the cursors moved past where logging started, as far for the log group as for S3.
    assert old["logs"]["cursors"] == old["cursors"] and old["cursors"][f"{REGION}/events"] < old["since"]
    [(key_name, old_key)] = unversion(data_dir, keys_ns(REGION), renames=OLD_KEY_FIELDS,
                                      shape=_old_key_shape(data_dir)).items()
    assert old_key["private"].startswith("-----BEGIN PRIVATE KEY-----")

    with start_server(tmp_path) as second:
        aws = lambda service: make_client(second.endpoint, service)  # noqa: E731
        status = aws("cloudtrail").get_trail_status(Name="legacy")
        assert status["IsLogging"] is True and status["LatestDigestDeliveryTime"]
        advance_clock(second.endpoint, 6)
        records = json.dumps(all_records(aws("s3"), bucket))
        assert records.count(f'"{waiting}"') == 1 and records.count(f'"{delivered}"') == 1  # from the cursors on
        assert _logged(aws, waiting) == 1 and _logged(aws, delivered) == 1
        # The second digest: the old state's file and the new one, linked to the first, signed by the old key.
        advance_clock(second.endpoint, 3600)
        result = validate_logs(second.endpoint, arn, start, virtual_now(second.endpoint))
        assert result.returncode == 0, result.stdout + result.stderr
        files = len(digested_log_files(aws("s3"), bucket))  # a file delivered after the last digest waits
        assert "2/2 digest files valid" in result.stdout and f"{files}/{files} log files valid" in result.stdout

    state = stored(data_dir, state_ns(ACCOUNT, REGION), "legacy")
    assert state[VERSION_FIELD] == 1 and {"Cursors", "Chains", "DigestFiles", "Logs"} <= set(state)
    assert not any(field.islower() for field in state)
    key = stored(data_dir, keys_ns(REGION), key_name)
    assert key[VERSION_FIELD] == 1 and key["Fingerprint"] == old_key["fingerprint"] and key["SealedPrivateKey"]
    assert "PrivateKey" not in key and "PRIVATE KEY" not in json.dumps(key)
