"""CloudFront's CloudFormation types: a stack with a bucket readable only through an origin access
control, a cache policy, a response headers policy and an origin access identity, served by its
distribution through the edge; updated, read back as a template writes it, and deleted."""
from __future__ import annotations

import json

import pytest
import requests
from botocore import xform_name

from nimbus.services.cloudformation.handlers.base import Api
from nimbus.services.cloudformation.handlers.cloudfront import Distribution
from tests.support import error_of, settled_stack, stack_events, stack_resources, unique


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def template(comment: str, team: str = "web") -> str:
    return json.dumps({"Resources": {
        "Site": {"Type": "AWS::S3::Bucket"},
        "Control": {"Type": "AWS::CloudFront::OriginAccessControl", "Properties": {"OriginAccessControlConfig": {
            "Name": {"Fn::Sub": "${AWS::StackName}-oac"}, "OriginAccessControlOriginType": "s3",
            "SigningBehavior": "always", "SigningProtocol": "sigv4"}}},
        "Identity": {"Type": "AWS::CloudFront::CloudFrontOriginAccessIdentity", "Properties": {
            "CloudFrontOriginAccessIdentityConfig": {"Comment": "legacy"}}},
        "Caching": {"Type": "AWS::CloudFront::CachePolicy", "Properties": {"CachePolicyConfig": {
            "Name": {"Fn::Sub": "${AWS::StackName}-cache"}, "MinTTL": 0, "DefaultTTL": 60, "MaxTTL": "600",
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": "false", "CookiesConfig": {"CookieBehavior": "none"},
                "HeadersConfig": {"HeaderBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "whitelist", "QueryStrings": ["v"]}}}}},
        "Headers": {"Type": "AWS::CloudFront::ResponseHeadersPolicy", "Properties": {"ResponseHeadersPolicyConfig": {
            "Name": {"Fn::Sub": "${AWS::StackName}-headers"},
            "SecurityHeadersConfig": {"FrameOptions": {"FrameOption": "DENY", "Override": True}},
            "CustomHeadersConfig": {"Items": [{"Header": "X-Stack", "Value": "yes", "Override": True}]}}}},
        "Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
            "Comment": comment, "Enabled": True, "DefaultRootObject": "index.html",
            "Origins": [{"Id": "site", "DomainName": {"Fn::GetAtt": ["Site", "DomainName"]}, "S3OriginConfig": {},
                         "OriginAccessControlId": {"Fn::GetAtt": ["Control", "Id"]}}],
            # allow-all: the test reaches the edge over plain http (redirect-to-https would answer a 301).
            "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all",
                                     "AllowedMethods": ["GET", "HEAD", "OPTIONS"],
                                     "CachePolicyId": {"Ref": "Caching"},
                                     "ResponseHeadersPolicyId": {"Ref": "Headers"}}},
            "Tags": [{"Key": "team", "Value": team}]}},
        "SitePolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Site"}, "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
                "Resource": {"Fn::Sub": "${Site.Arn}/*"},
                "Condition": {"StringEquals": {"AWS:SourceArn": {
                    "Fn::Sub": "arn:aws:cloudfront::${AWS::AccountId}:distribution/${Cdn}"}}}}]}}}},
        "Outputs": {"Domain": {"Value": {"Fn::GetAtt": ["Cdn", "DomainName"]}},
                    "Id": {"Value": {"Fn::GetAtt": ["Cdn", "Id"]}},
                    "Canonical": {"Value": {"Fn::GetAtt": ["Identity", "S3CanonicalUserId"]}}}})


def outputs(cf, name: str) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in settled_stack(cf, name).get("Outputs", [])}


def test_distribution_with_an_oac_protected_bucket(cf, aws, endpoint):
    name = unique("cdn")
    stack_id = cf.create_stack(StackName=name, TemplateBody=template("first"))["StackId"]
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE", settled_stack(cf, name)
    out = outputs(cf, name)
    assert out["Domain"].endswith(".cloudfront.net") and len(out["Canonical"]) == 64
    bucket = stack_resources(cf, name)["Site"]
    aws("s3").put_object(Bucket=bucket, Key="index.html", Body=b"<h1>stacked</h1>", ContentType="text/html")
    port = endpoint.rsplit(":", 1)[1]
    page = requests.get(f"http://127.0.0.1:{port}/", headers={"Host": out["Domain"]}, timeout=30)
    assert (page.status_code, page.text) == (200, "<h1>stacked</h1>")
    assert (page.headers["X-Frame-Options"], page.headers["X-Stack"]) == ("DENY", "yes")
    assert requests.get(f"{endpoint}/{bucket}/index.html", timeout=30).status_code == 403
    cloudfront = aws("cloudfront")
    config = cloudfront.get_distribution_config(Id=out["Id"])["DistributionConfig"]
    assert config["DefaultCacheBehavior"]["AllowedMethods"]["Items"] == ["GET", "HEAD", "OPTIONS"]
    arn = cloudfront.get_distribution(Id=out["Id"])["Distribution"]["ARN"]
    assert cloudfront.list_tags_for_resource(Resource=arn)["Tags"]["Items"] == [{"Key": "team", "Value": "web"}]

    cf.update_stack(StackName=name, TemplateBody=template("second", team="edge"))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE"
    assert cloudfront.get_distribution_config(Id=out["Id"])["DistributionConfig"]["Comment"] == "second"
    assert cloudfront.list_tags_for_resource(Resource=arn)["Tags"]["Items"] == [{"Key": "team", "Value": "edge"}]

    # Read back as a template writes it: what drift detection compares.
    api = Api(call=lambda service, operation, params: getattr(aws(service), xform_name(operation))(**params),
              account="", region="us-east-1", stack_name=name, logical_id="Cdn")
    live = Distribution().read(api, out["Id"], {})["DistributionConfig"]
    assert live["Comment"] == "second" and live["DefaultRootObject"] == "index.html"
    assert live["DefaultCacheBehavior"]["AllowedMethods"] == ["GET", "HEAD", "OPTIONS"]
    assert live["Origins"][0]["Id"] == "site" and "CallerReference" not in live

    aws("s3").delete_object(Bucket=bucket, Key="index.html")  # a bucket with objects is not deleted
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE", stack_events(cf, stack_id)
    assert error_of(cloudfront.get_distribution, Id=out["Id"]) == ("NoSuchDistribution", 404)
    assert cloudfront.list_cache_policies(Type="custom")["CachePolicyList"].get("Items", []) == []
