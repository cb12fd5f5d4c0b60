"""CloudFront's CloudFormation types for the edge's code and keys: a stack with a KeyValueStore, a
function reading it (auto-published), a public key and key group a behaviour trusts, and a staging
distribution with its continuous deployment policy; checked through CloudFront's API and the edge,
updated, read back and deleted."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from botocore import xform_name
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from nimbus.services.cloudformation.handlers.base import Api
from nimbus.services.cloudformation.handlers.cloudfront_functions import Function
from tests.support import (
    error_of,
    make_client,
    on_loopback,
    public_origin_bucket,
    settled_stack,
    stack_events,
    unique,
    virtual_now,
)

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
REWRITE = """import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  const request = event.request;
  if (await kvs.exists(request.uri)) { request.uri = await kvs.get(request.uri); }
  request.headers['x-rewritten'] = {value: '%s'};
  return request;
}"""
PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = PRIVATE_KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture(scope="module")
def cf(aws):
    return aws("cloudformation")


def template(bucket: str, marker: str, comment: str) -> str:
    origin = [{"Id": "site", "DomainName": f"{bucket}.s3.amazonaws.com", "S3OriginConfig": {}}]
    default = {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": CACHING_DISABLED}
    return json.dumps({"Resources": {
        "Store": {"Type": "AWS::CloudFront::KeyValueStore", "Properties": {
            "Name": {"Fn::Sub": "${AWS::StackName}-kvs"}, "Comment": comment}},
        "Rewrite": {"Type": "AWS::CloudFront::Function", "Properties": {
            "Name": {"Fn::Sub": "${AWS::StackName}-rewrite"}, "AutoPublish": True, "FunctionCode": REWRITE % marker,
            "FunctionConfig": {"Comment": comment, "Runtime": "cloudfront-js-2.0", "KeyValueStoreAssociations": [
                {"KeyValueStoreARN": {"Fn::GetAtt": ["Store", "Arn"]}}]}}},
        "Draft": {"Type": "AWS::CloudFront::Function", "Properties": {
            "Name": {"Fn::Sub": "${AWS::StackName}-draft"}, "FunctionCode": REWRITE % "draft",
            "FunctionConfig": {"Comment": "", "Runtime": "cloudfront-js-1.0"}}},
        "Key": {"Type": "AWS::CloudFront::PublicKey", "Properties": {"PublicKeyConfig": {
            "CallerReference": {"Fn::Sub": "${AWS::StackName}-key"}, "Name": {"Fn::Sub": "${AWS::StackName}-key"},
            "EncodedKey": PEM, "Comment": comment}}},
        "Group": {"Type": "AWS::CloudFront::KeyGroup", "Properties": {"KeyGroupConfig": {
            "Name": {"Fn::Sub": "${AWS::StackName}-group"}, "Items": [{"Ref": "Key"}], "Comment": comment}}},
        "Staging": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
            "Enabled": True, "Staging": True, "Origins": origin, "DefaultCacheBehavior": default}}},
        "Rollout": {"Type": "AWS::CloudFront::ContinuousDeploymentPolicy", "Properties": {
            "ContinuousDeploymentPolicyConfig": {
                "Enabled": True, "StagingDistributionDnsNames": [{"Fn::GetAtt": ["Staging", "DomainName"]}],
                "Type": "SingleHeader", "SingleHeaderPolicyConfig": {"Header": "aws-cf-cd-test", "Value": "go"}}}},
        "Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
            "Enabled": True, "Origins": origin, "ContinuousDeploymentPolicyId": {"Ref": "Rollout"},
            "DefaultCacheBehavior": {**default, "FunctionAssociations": [
                {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": ["Rewrite", "FunctionARN"]}}]},
            "CacheBehaviors": [{**default, "PathPattern": "private/*", "TrustedKeyGroups": [{"Ref": "Group"}]}]}}}},
        "Outputs": {
            "Cdn": {"Value": {"Ref": "Cdn"}}, "Function": {"Value": {"Ref": "Rewrite"}},
            "FunctionArn": {"Value": {"Fn::GetAtt": ["Rewrite", "FunctionARN"]}},
            "MetadataArn": {"Value": {"Fn::GetAtt": ["Rewrite", "FunctionMetadata.FunctionARN"]}},
            "Stage": {"Value": {"Fn::GetAtt": ["Rewrite", "Stage"]}},
            "DraftStage": {"Value": {"Fn::GetAtt": ["Draft", "Stage"]}},
            "Store": {"Value": {"Ref": "Store"}}, "StoreArn": {"Value": {"Fn::GetAtt": ["Store", "Arn"]}},
            "StoreId": {"Value": {"Fn::GetAtt": ["Store", "Id"]}},
            "StoreStatus": {"Value": {"Fn::GetAtt": ["Store", "Status"]}},
            "Key": {"Value": {"Ref": "Key"}}, "KeyCreated": {"Value": {"Fn::GetAtt": ["Key", "CreatedTime"]}},
            "Group": {"Value": {"Fn::GetAtt": ["Group", "Id"]}}, "Rollout": {"Value": {"Ref": "Rollout"}}}})


def outputs(cf, name: str) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in settled_stack(cf, name).get("Outputs", [])}


def test_functions_keys_and_stores_from_a_template(cf, aws, endpoint, account):
    cloudfront, s3, name = aws("cloudfront"), aws("s3"), unique("edge")
    bucket = public_origin_bucket(s3, "cfnfn")
    for key, body in (("new.txt", b"rewritten"), ("private/report.txt", b"secret")):
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    stack_id = cf.create_stack(StackName=name, TemplateBody=template(bucket, "one", "first"))["StackId"]
    assert settled_stack(cf, name)["StackStatus"] == "CREATE_COMPLETE", stack_events(cf, name)
    out = outputs(cf, name)
    function_name = f"{name}-rewrite"
    assert out["Function"] == out["FunctionArn"] == out["MetadataArn"] == (
        f"arn:aws:cloudfront::{account}:function/{function_name}")
    assert (out["Stage"], out["DraftStage"]) == ("LIVE", "DEVELOPMENT")
    assert error_of(cloudfront.describe_function, Name=f"{name}-draft", Stage="LIVE") == ("NoSuchFunctionExists", 404)
    store = cloudfront.describe_key_value_store(Name=out["Store"])["KeyValueStore"]
    assert (store["ARN"], store["Id"], store["Comment"], out["StoreStatus"]) == (
        out["StoreArn"], out["StoreId"], "first", "READY")
    assert cloudfront.get_public_key_config(Id=out["Key"])["PublicKeyConfig"]["EncodedKey"] == PEM
    assert cloudfront.get_key_group(Id=out["Group"])["KeyGroup"]["KeyGroupConfig"]["Items"] == [out["Key"]]
    policy = cloudfront.get_continuous_deployment_policy_config(Id=out["Rollout"])["ContinuousDeploymentPolicyConfig"]
    assert policy["TrafficConfig"] == {"Type": "SingleHeader",
                                      "SingleHeaderConfig": {"Header": "aws-cf-cd-test", "Value": "go"}}

    # The template's function rewrites what the store names, at the edge.
    kvs = on_loopback(make_client(endpoint, "cloudfront-keyvaluestore", key=account))
    etag = kvs.describe_key_value_store(KvsARN=store["ARN"])["ETag"]
    kvs.put_key(KvsARN=store["ARN"], Key="/old", Value="/new.txt", IfMatch=etag)
    base = f"{endpoint}/_cloudfront/{out['Cdn']}"
    assert requests.get(f"{base}/old", timeout=30).text == "rewritten"
    # The staging distribution (no function) answers the policy's header: S3's 403 for a key not there.
    assert requests.get(f"{base}/old", headers={"aws-cf-cd-test": "go"}, timeout=30).status_code == 403
    # The template's key group guards private/*: only a URL signed by its key opens it.
    assert requests.get(f"{base}/private/report.txt", timeout=30).status_code == 403
    signer = CloudFrontSigner(out["Key"], lambda m: PRIVATE_KEY.sign(m, padding.PKCS1v15(), hashes.SHA1()))
    url = signer.generate_presigned_url(f"{base}/private/report.txt",
                                        date_less_than=virtual_now(endpoint) + timedelta(hours=1))
    assert requests.get(url, timeout=30).text == "secret"

    cf.update_stack(StackName=name, TemplateBody=template(bucket, "two", "second"))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE", stack_events(cf, name)
    live = cloudfront.get_function(Name=function_name, Stage="LIVE")["FunctionCode"].read().decode()
    assert "'two'" in live  # AutoPublish published the update
    assert cloudfront.describe_key_value_store(Name=out["Store"])["KeyValueStore"]["Comment"] == "second"
    assert cloudfront.get_key_group(Id=out["Group"])["KeyGroup"]["KeyGroupConfig"]["Comment"] == "second"
    assert cloudfront.get_public_key(Id=out["Key"])["PublicKey"]["PublicKeyConfig"]["Comment"] == "second"

    # Read back as a template writes it: what drift detection compares.
    api = Api(call=lambda service, operation, params: getattr(aws(service), xform_name(operation))(**params),
              account=account, region="us-east-1", stack_name=name, logical_id="Rewrite")
    read = Function().read(api, out["Function"], {})
    assert read["FunctionCode"] == REWRITE % "two" and read["FunctionConfig"] == {
        "Comment": "second", "Runtime": "cloudfront-js-2.0",
        "KeyValueStoreAssociations": [{"KeyValueStoreARN": store["ARN"]}]}

    cf.detect_stack_drift(StackName=name)
    drifted = {d["LogicalResourceId"]: (d["StackResourceDriftStatus"], d.get("PropertyDifferences"))
               for d in cf.describe_stack_resource_drifts(StackName=name)["StackResourceDrifts"]}
    assert all(drifted[r][0] == "IN_SYNC" for r in ("Rewrite", "Draft", "Store", "Key", "Group", "Rollout")), [
        (r, d) for r, d in drifted.items() if d[0] != "IN_SYNC"]

    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE", stack_events(cf, stack_id)
    assert error_of(cloudfront.describe_function, Name=function_name) == ("NoSuchFunctionExists", 404)
    assert error_of(cloudfront.describe_key_value_store, Name=out["Store"]) == ("EntityNotFound", 404)
    assert error_of(cloudfront.get_key_group, Id=out["Group"]) == ("NoSuchResource", 404)
    assert error_of(cloudfront.get_public_key, Id=out["Key"]) == ("NoSuchPublicKey", 404)
    assert error_of(cloudfront.get_continuous_deployment_policy, Id=out["Rollout"])[0] == (
        "NoSuchContinuousDeploymentPolicy")
