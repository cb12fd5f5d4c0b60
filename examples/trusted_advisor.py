"""Trusted Advisor over real resources, step by step, against a running nimbus.

From the Trusted Advisor notes: recommendations based on best practice, flagged red, yellow and green; it
can check service limits and security configurations. Here a bucket open to the world turns a security
check red, and the check turns green once the bucket is fixed and the check refreshed.

Run:  AWS_ENDPOINT_URL=http://localhost:4566 python examples/trusted_advisor.py
"""
from __future__ import annotations

import uuid

from common import clients, wait_for

S3_BUCKET_PERMISSIONS = "Pfx0RwqBli"


def bucket_row(support, bucket: str) -> dict:
    result = support.describe_trusted_advisor_check_result(checkId=S3_BUCKET_PERMISSIONS, language="en")["result"]
    return next(row for row in result["flaggedResources"] if row["metadata"][2] == bucket)


def main(endpoint: str | None = None) -> dict:
    aws = clients(endpoint)
    s3, support, advisor = aws("s3"), aws("support"), aws("trustedadvisor")
    bucket = f"open-to-all-{uuid.uuid4().hex[:8]}"

    # Step 1: a bucket whose ACL lets anyone upload and delete.
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.delete_public_access_block(Bucket=bucket)  # new buckets block public access, as on AWS
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    print(f"1. created bucket {bucket} with a public-read-write ACL")

    # Step 2: the check, under AWS's id, flags it red, with AWS's columns.
    check = next(c for c in support.describe_trusted_advisor_checks(language="en")["checks"]
                 if c["id"] == S3_BUCKET_PERMISSIONS)
    before = bucket_row(support, bucket)
    print(f"2. {check['name']}: {dict(zip(check['metadata'], before['metadata']))}")

    # Step 3: fix the bucket; the result stays as it was until the check is refreshed.
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    print(f"3. made the bucket private; the last result still says {bucket_row(support, bucket)['status']}")

    # Step 4: refresh the check and wait for the refresh to succeed.
    status = support.refresh_trusted_advisor_check(checkId=S3_BUCKET_PERMISSIONS)["status"]["status"]
    wait_for("the refresh", lambda: support.describe_trusted_advisor_check_refresh_statuses(
        checkIds=[S3_BUCKET_PERMISSIONS])["statuses"][0]["status"] == "success")
    after = bucket_row(support, bucket)
    print(f"4. refresh {status}, then success: the bucket is now {after['status']}")

    # Step 5: the same result through the trustedadvisor API, as a recommendation.
    recommendation = advisor.list_recommendations(
        checkIdentifier=f"arn:aws:trustedadvisor:::check/{S3_BUCKET_PERMISSIONS}")["recommendationSummaries"][0]
    print(f"5. recommendation {recommendation['name']}: {recommendation['resourcesAggregates']}")
    return {"before": before["status"], "after": after["status"], "refresh": status,
            "recommendation": recommendation["status"]}


if __name__ == "__main__":
    main()
