"""AWS Config as the inventory that records every change, step by step, against a running nimbus.

From the Config notes: "resource inventory, configuration history and configuration change
notifications"; used to "discover all resources in the account" and to "log changes made to resources"
(change management, troubleshooting, security and incident analysis).

Run:  AWS_ENDPOINT_URL=http://localhost:4566 python examples/config_inventory.py
"""
from __future__ import annotations

import gzip
import json
import uuid

from common import clients, wait_for

CONFIG_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def main(endpoint: str | None = None) -> dict:
    aws = clients(endpoint)
    s3, iam, config = aws("s3"), aws("iam"), aws("config")
    suffix = uuid.uuid4().hex[:8]

    # Step 1: something that exists before Config does.
    app_bucket = f"app-data-{suffix}"
    s3.create_bucket(Bucket=app_bucket)
    print(f"1. created bucket {app_bucket} before any recorder")

    # Step 2: a role Config records as, a recorder of every supported type, and its delivery channel.
    role = iam.create_role(RoleName=f"config-{suffix}", AssumeRolePolicyDocument=json.dumps(CONFIG_TRUST))["Role"]
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": role["Arn"],
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    delivery = f"config-delivery-{suffix}"
    s3.create_bucket(Bucket=delivery)
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": delivery})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    print("2. recorder started: it discovers what already exists")

    # Step 3: discovery: every resource listed.
    counts = {c["resourceType"]: c["count"] for c in config.get_discovered_resource_counts()["resourceCounts"]}
    buckets = [r["resourceId"] for r in config.list_discovered_resources(
        resourceType="AWS::S3::Bucket")["resourceIdentifiers"]]
    print(f"3. discovered {sum(counts.values())} resources: {counts}")

    # Step 4: change management: the bucket's policy changes twice; both are in its history.
    for reader in ("analytics", "reporting"):
        reader_role = iam.create_role(RoleName=f"{reader}-{suffix}", AssumeRolePolicyDocument=json.dumps(CONFIG_TRUST))
        s3.put_bucket_policy(Bucket=app_bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": reader_role["Role"]["Arn"]}, "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{app_bucket}/*"}]}))
        wait_for("the policy change recorded", lambda r=reader: any(
            f"{r}-{suffix}" in item.get("supplementaryConfiguration", {}).get("BucketPolicy", "")
            for item in config.get_resource_config_history(resourceType="AWS::S3::Bucket",
                                                           resourceId=app_bucket)["configurationItems"]))
    history = config.get_resource_config_history(resourceType="AWS::S3::Bucket", resourceId=app_bucket,
                                                 chronologicalOrder="Forward")["configurationItems"]
    related = [[r["resourceName"] for r in item["relationships"]] for item in history]
    print(f"4. history of {app_bucket}: {[i['configurationItemStatus'] for i in history]}, related roles {related}")

    # Step 5: a snapshot of the whole inventory in S3, gzipped JSON at AWS's key layout.
    snapshot_id = config.deliver_config_snapshot(deliveryChannelName="default")["configSnapshotId"]
    key = next(o["Key"] for o in s3.list_objects_v2(Bucket=delivery)["Contents"] if "ConfigSnapshot" in o["Key"])
    snapshot = json.loads(gzip.decompress(s3.get_object(Bucket=delivery, Key=key)["Body"].read()))
    print(f"5. snapshot {snapshot_id} at s3://{delivery}/{key} holds {len(snapshot['configurationItems'])} items")

    config.stop_configuration_recorder(ConfigurationRecorderName="default")
    return {"discovered": app_bucket in buckets and delivery in buckets, "statuses":
            [i["configurationItemStatus"] for i in history], "related": related,
            "snapshot_items": len(snapshot["configurationItems"]), "snapshot_id": snapshot_id}


if __name__ == "__main__":
    main()
