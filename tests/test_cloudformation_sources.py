"""A TemplateURL naming one version of a template in a versioned bucket (``?versionId=``): that version is
read, not the latest."""
from __future__ import annotations

import json

from tests.support import error_of, new_bucket, settled_stack, stack_resources


def topic_template(display_name: str) -> str:
    return json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic",
                                               "Properties": {"DisplayName": display_name}}}})


def test_a_template_url_names_one_version(aws):
    s3, cf, sns = aws("s3"), aws("cloudformation"), aws("sns")
    bucket = new_bucket(s3, "templates")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key="t.json", Body=topic_template("first"))["VersionId"]
    s3.put_object(Bucket=bucket, Key="t.json", Body=topic_template("latest"))
    url = f"https://{bucket}.s3.amazonaws.com/t.json"
    cf.create_stack(StackName="versioned", TemplateURL=f"{url}?versionId={first}")
    assert settled_stack(cf, "versioned")["StackStatus"] == "CREATE_COMPLETE"
    topic = stack_resources(cf, "versioned")["Topic"]
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "first"
    assert cf.get_template(StackName="versioned")["TemplateBody"] == json.loads(topic_template("first"))  # parsed
    assert error_of(cf.create_stack, StackName="other", TemplateURL=f"{url}?versionId=nosuchversion").worded == (
        "ValidationError", "TemplateURL must reference a valid S3 object to which you have access.")
