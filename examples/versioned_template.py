"""A stack whose template lives in S3, updated by a new version of that template through a change set.

From the CloudFormation notes: "launch servers through templates; save templates in S3; can update the
stack by updating the template using changesets". The templates are kept in a versioned bucket, so every
version a stack was made from stays readable; the change set shows what an update would do before it
runs: here one resource is replaced (its log group's name is create-only) and one changes in place.

Run:  AWS_ENDPOINT_URL=http://localhost:4566 python examples/versioned_template.py
"""
from __future__ import annotations

import uuid
from pathlib import Path

from common import clients

TEMPLATES = Path(__file__).resolve().parent / "templates"
QUICK = {"Delay": 1, "MaxAttempts": 120}  # the waiters' default 30 s between polls is AWS's pace


def main(endpoint: str | None = None) -> dict:
    aws = clients(endpoint)
    s3, cf, logs, sns = (aws(s) for s in ("s3", "cloudformation", "logs", "sns"))
    suffix = uuid.uuid4().hex[:8]

    # Step 1: a bucket for templates, with versioning on, so no version of a template is ever lost.
    bucket, key = f"templates-{suffix}", "app/template.yaml"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key=key, Body=(TEMPLATES / "app-v1.yaml").read_bytes())["VersionId"]
    print(f"1. stored version {first} of the template in s3://{bucket}/{key} (versioning on)")

    # Step 2: the stack, from that exact version of the template (TemplateURL with its versionId).
    stack = f"app-{suffix}"
    url = f"https://{bucket}.s3.amazonaws.com/{key}"
    cf.create_stack(StackName=stack, TemplateURL=f"{url}?versionId={first}",
                    Parameters=[{"ParameterKey": "Environment", "ParameterValue": "dev"}])
    cf.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig=QUICK)
    before = {o["OutputKey"]: o["OutputValue"] for o in cf.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}
    print(f"2. created stack {stack} from {url}?versionId={first}: log group {before['LogGroupName']}")

    # Step 3: a new version of the template under the same key; the first stays readable.
    second = s3.put_object(Bucket=bucket, Key=key, Body=(TEMPLATES / "app-v2.yaml").read_bytes())["VersionId"]
    versions = [v["VersionId"] for v in s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]]
    print(f"3. stored version {second}; the bucket keeps {len(versions)} versions of the template")

    # Step 4: a change set from the new version: what the update would do, before anything changes.
    change_set = cf.create_change_set(StackName=stack, ChangeSetName="to-v2", ChangeSetType="UPDATE",
                                      TemplateURL=f"{url}?versionId={second}",
                                      Parameters=[{"ParameterKey": "Environment", "UsePreviousValue": True}])["Id"]
    cf.get_waiter("change_set_create_complete").wait(ChangeSetName=change_set, WaiterConfig=QUICK)
    changes = [c["ResourceChange"] for c in cf.describe_change_set(ChangeSetName=change_set)["Changes"]]
    for change in changes:
        print(f"4. {change['Action']} {change['LogicalResourceId']} ({change['ResourceType']}): "
              f"Replacement {change.get('Replacement', '-')}, properties "
              f"{[d['Target']['Name'] for d in change['Details']]}")
    replaced = [c["LogicalResourceId"] for c in changes if c.get("Replacement") == "True"]

    # Step 5: run it.
    cf.execute_change_set(ChangeSetName=change_set)
    cf.get_waiter("stack_update_complete").wait(StackName=stack, WaiterConfig=QUICK)
    after = {o["OutputKey"]: o["OutputValue"] for o in cf.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}
    groups = {g["logGroupName"]: g.get("retentionInDays")
              for g in logs.describe_log_groups(logGroupNamePrefix=f"/app/{stack}/")["logGroups"]}
    title = sns.get_topic_attributes(TopicArn=after["AlertsTopic"])["Attributes"]["DisplayName"]
    print(f"5. executed: log groups now {groups}; the topic (same ARN: {after['AlertsTopic'] == before['AlertsTopic']})"
          f" is titled {title!r}")

    # Step 6: clean up: the stack, then every version of the template and its bucket.
    cf.delete_stack(StackName=stack)
    cf.get_waiter("stack_delete_complete").wait(StackName=stack, WaiterConfig=QUICK)
    for version in versions:
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version)
    s3.delete_bucket(Bucket=bucket)
    print(f"6. deleted stack {stack} and the template bucket")
    return {"versions": len(versions), "changes": {c["LogicalResourceId"]: c.get("Replacement") for c in changes},
            "replaced": replaced, "log_groups": groups, "title": title,
            "same_topic": after["AlertsTopic"] == before["AlertsTopic"]}


if __name__ == "__main__":
    main()
