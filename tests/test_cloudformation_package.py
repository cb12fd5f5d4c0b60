"""`aws cloudformation package` and `deploy` against nimbus: a parent template whose nested stack's
TemplateURL is a local file; package uploads it to nimbus S3 and rewrites the URL, deploy makes both stacks."""
from __future__ import annotations

import json
import os
import subprocess

from tests.support import AWS_CLI, aws_cli, settled_stack, stack_resources, unique

CHILD = """Parameters:
  Shown: {Type: String}
Resources:
  Topic: {Type: AWS::SNS::Topic, Properties: {DisplayName: !Ref Shown}}
Outputs:
  TopicArn: {Value: !Ref Topic}
"""
PARENT = """Resources:
  Nested:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ./child.yaml
      Parameters: {Shown: packaged}
Outputs:
  TopicArn: {Value: !GetAtt Nested.Outputs.TopicArn}
"""


def test_package_uploads_nested_templates_and_deploy_makes_both_stacks(endpoint, client, tmp_path, monkeypatch):
    # The CLI's package command makes its S3 client without --endpoint-url: it finds nimbus through the
    # environment, as any client configured for a local endpoint does.
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    bucket, name = unique("artifacts"), unique("packaged")
    client("s3").create_bucket(Bucket=bucket)
    (tmp_path / "child.yaml").write_text(CHILD)
    (tmp_path / "parent.yaml").write_text(PARENT)
    packaged = aws_cli(endpoint, "cloudformation", "package", "--template-file", str(tmp_path / "parent.yaml"),
                       "--s3-bucket", bucket, "--s3-prefix", "nested", "--use-json")
    url = packaged["Resources"]["Nested"]["Properties"]["TemplateURL"]
    key = url.split(f"/{bucket}/", 1)[1]
    uploaded = client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    assert key.startswith("nested/") and "Type: AWS::SNS::Topic" in uploaded  # the CLI writes it out again
    (tmp_path / "packaged.json").write_text(json.dumps(packaged))

    deployed = subprocess.run([str(AWS_CLI), "--endpoint-url", endpoint, "cloudformation", "deploy", "--stack-name",
                               name, "--template-file", str(tmp_path / "packaged.json")],
                              env={**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                                   "AWS_DEFAULT_REGION": "us-east-1"}, capture_output=True, text=True, timeout=180)
    assert deployed.returncode == 0, deployed.stderr
    cf = client("cloudformation")
    parent = settled_stack(cf, name)
    child = cf.describe_stacks(StackName=stack_resources(cf, name)["Nested"])["Stacks"][0]
    assert (parent["StackStatus"], child["StackStatus"], child["ParentId"]) == (
        "CREATE_COMPLETE", "CREATE_COMPLETE", parent["StackId"])
    topic = parent["Outputs"][0]["OutputValue"]
    assert client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "packaged"
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, parent["StackId"])["StackStatus"] == "DELETE_COMPLETE"
