"""A minimal ECR through boto3 and the AWS CLI: repositories, lifecycle and repository policies, tag
mutability, scanning configuration and tags, with AWS's errors; no image registry (empty listings);
durable across a restart."""
from __future__ import annotations

import json

import pytest

from nimbus.services.cloudformation.handlers.ecr import Repository
from tests.support import (
    aws_cli,
    error_of,
    handler_api,
    make_client,
    settled_stack,
    stack_events,
    stack_resources,
    start_server,
    unique,
)

LIFECYCLE = json.dumps({"rules": [{"rulePriority": 1, "description": "expire untagged",
                                   "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                                                 "countUnit": "days", "countNumber": 14},
                                   "action": {"type": "expire"}}]})


@pytest.fixture(scope="module")
def ecr(aws):
    return aws("ecr")


def test_a_repository_is_created_described_and_deleted(ecr, account):
    name = unique("team/app")
    repository = ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE",
                                       imageScanningConfiguration={"scanOnPush": True},
                                       tags=[{"Key": "team", "Value": "a"}])["repository"]
    assert repository["repositoryArn"] == f"arn:aws:ecr:us-east-1:{account}:repository/{name}"
    assert repository["repositoryUri"] == f"{account}.dkr.ecr.us-east-1.amazonaws.com/{name}"
    assert (repository["registryId"], repository["imageTagMutability"]) == (account, "IMMUTABLE")
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository["encryptionConfiguration"] == {"encryptionType": "AES256"}
    assert error_of(ecr.create_repository, repositoryName=name).worded == (
        "RepositoryAlreadyExistsException",
        f"The repository with name '{name}' already exists in the registry with id '{account}'")
    described = ecr.describe_repositories(repositoryNames=[name])["repositories"]
    assert described == [repository]
    assert name in [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
    assert ecr.describe_images(repositoryName=name)["imageDetails"] == []
    assert ecr.list_images(repositoryName=name)["imageIds"] == []
    assert error_of(ecr.describe_images, repositoryName=name, imageIds=[{"imageTag": "latest"}]).code == \
        "ImageNotFoundException"
    assert ecr.delete_repository(repositoryName=name, force=True)["repository"]["repositoryName"] == name
    assert error_of(ecr.describe_repositories, repositoryNames=[name]).worded == (
        "RepositoryNotFoundException",
        f"The repository with name '{name}' does not exist in the registry with id '{account}'")
    assert error_of(ecr.delete_repository, repositoryName=name).code == "RepositoryNotFoundException"


def test_policies_mutability_scanning_and_tags(ecr, account):
    name = unique("policies")
    arn = ecr.create_repository(repositoryName=name)["repository"]["repositoryArn"]
    assert error_of(ecr.get_lifecycle_policy, repositoryName=name).worded == (
        "LifecyclePolicyNotFoundException",
        f"Lifecycle policy does not exist for the repository with name '{name}' in the registry with id '{account}'")
    ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=LIFECYCLE)
    assert ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"] == LIFECYCLE
    bad = error_of(ecr.put_lifecycle_policy, repositoryName=name, lifecyclePolicyText=LIFECYCLE.replace('"expire"', '"archive"'))
    assert (bad.code, bad.status) == ("InvalidParameterException", 400)
    assert "Lifecycle policy validation failure" in bad.message
    ecr.delete_lifecycle_policy(repositoryName=name)
    assert error_of(ecr.delete_lifecycle_policy, repositoryName=name).code == "LifecyclePolicyNotFoundException"

    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "pull", "Effect": "Allow", "Principal": {
        "Service": "lambda.amazonaws.com"}, "Action": ["ecr:BatchGetImage"]}]})
    assert error_of(ecr.get_repository_policy, repositoryName=name).code == "RepositoryPolicyNotFoundException"
    ecr.set_repository_policy(repositoryName=name, policyText=policy)
    assert ecr.get_repository_policy(repositoryName=name)["policyText"] == policy
    assert error_of(ecr.set_repository_policy, repositoryName=name, policyText="{not json").worded == (
        "InvalidParameterException",
        "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'")
    assert ecr.delete_repository_policy(repositoryName=name)["policyText"] == policy
    assert error_of(ecr.delete_repository_policy, repositoryName=name).code == "RepositoryPolicyNotFoundException"

    assert ecr.put_image_tag_mutability(repositoryName=name, imageTagMutability="IMMUTABLE")[
        "imageTagMutability"] == "IMMUTABLE"
    ecr.put_image_scanning_configuration(repositoryName=name, imageScanningConfiguration={"scanOnPush": True})
    shown = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    assert (shown["imageTagMutability"], shown["imageScanningConfiguration"]) == ("IMMUTABLE", {"scanOnPush": True})

    ecr.tag_resource(resourceArn=arn, tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    ecr.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert ecr.list_tags_for_resource(resourceArn=arn)["tags"] == [{"Key": "b", "Value": "2"}]
    too_many = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert error_of(ecr.tag_resource, resourceArn=arn, tags=too_many).code == "TooManyTagsException"
    missing = arn.replace(name, "missing-repo")
    assert error_of(ecr.list_tags_for_resource, resourceArn=missing).code == "RepositoryNotFoundException"
    assert error_of(ecr.put_image_tag_mutability, repositoryName="missing-repo",
                    imageTagMutability="MUTABLE").code == "RepositoryNotFoundException"
    ecr.delete_repository(repositoryName=name)


def test_the_cli_creates_and_lists_repositories(endpoint):
    name = unique("cli-repo")
    created = aws_cli(endpoint, "ecr", "create-repository", "--repository-name", name)
    assert created["repository"]["repositoryName"] == name
    assert name in [r["repositoryName"] for r in aws_cli(endpoint, "ecr", "describe-repositories")["repositories"]]
    aws_cli(endpoint, "ecr", "delete-repository", "--repository-name", name)


def test_repositories_survive_a_restart(tmp_path):
    with start_server(tmp_path) as first:
        ecr = make_client(first.endpoint, "ecr")
        ecr.create_repository(repositoryName="durable")
        ecr.put_lifecycle_policy(repositoryName="durable", lifecyclePolicyText=LIFECYCLE)
    with start_server(tmp_path) as second:
        ecr = make_client(second.endpoint, "ecr")
        assert ecr.describe_repositories()["repositories"][0]["repositoryName"] == "durable"
        assert ecr.get_lifecycle_policy(repositoryName="durable")["lifecyclePolicyText"] == LIFECYCLE


def test_a_stack_creates_updates_and_deletes_a_repository(aws):
    cf, ecr, name = aws("cloudformation"), aws("ecr"), unique("repo-stack")

    def template(mutability: str, scan: bool, team: str) -> str:
        return json.dumps({"Resources": {"Repo": {"Type": "AWS::ECR::Repository", "Properties": {
            "ImageTagMutability": mutability, "ImageScanningConfiguration": {"ScanOnPush": scan},
            "LifecyclePolicy": {"LifecyclePolicyText": LIFECYCLE},
            "RepositoryPolicyText": {"Version": "2012-10-17", "Statement": [{
                "Sid": "pull", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": ["ecr:BatchGetImage"]}]},
            "Tags": [{"Key": "team", "Value": team}]}}},
            "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Repo", "Arn"]}},
                        "Uri": {"Value": {"Fn::GetAtt": ["Repo", "RepositoryUri"]}}}})
    stack_id = cf.create_stack(StackName=name, TemplateBody=template("IMMUTABLE", False, "a"))["StackId"]
    stack = settled_stack(cf, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack_events(cf, name)
    repo = stack_resources(cf, name)["Repo"]
    assert repo.startswith(f"{name}-repo-") and repo == repo.lower()
    shown = ecr.describe_repositories(repositoryNames=[repo])["repositories"][0]
    assert {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]} == {
        "Arn": shown["repositoryArn"], "Uri": shown["repositoryUri"]}
    assert shown["imageTagMutability"] == "IMMUTABLE"
    assert ecr.get_lifecycle_policy(repositoryName=repo)["lifecyclePolicyText"] == LIFECYCLE
    assert json.loads(ecr.get_repository_policy(repositoryName=repo)["policyText"])["Statement"][0]["Sid"] == "pull"
    cf.update_stack(StackName=name, TemplateBody=template("MUTABLE", True, "b"))
    assert settled_stack(cf, name)["StackStatus"] == "UPDATE_COMPLETE", [e for e in stack_events(cf, name) if e[2]]
    assert stack_resources(cf, name)["Repo"] == repo
    shown = ecr.describe_repositories(repositoryNames=[repo])["repositories"][0]
    assert (shown["imageTagMutability"], shown["imageScanningConfiguration"]) == ("MUTABLE", {"scanOnPush": True})
    assert ecr.list_tags_for_resource(resourceArn=shown["repositoryArn"])["tags"] == [{"Key": "team", "Value": "b"}]
    cf.delete_stack(StackName=name)
    assert settled_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert error_of(ecr.describe_repositories, repositoryNames=[repo]).code == "RepositoryNotFoundException"


def test_the_handler_reads_the_live_repository(aws, account):
    """The read hook (what drift detection compares) answers in the template's words."""
    ecr, name = aws("ecr"), unique("read-back")
    arn = ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE",
                                tags=[{"Key": "team", "Value": "a"}])["repository"]["repositoryArn"]
    api = handler_api(aws, account)
    assert Repository().read(api, name, {}) == {
        "RepositoryName": name, "ImageTagMutability": "IMMUTABLE", "ImageScanningConfiguration": {"ScanOnPush": False},
        "EncryptionConfiguration": {"EncryptionType": "AES256"}, "Tags": [{"Key": "team", "Value": "a"}]}
    ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=LIFECYCLE)
    ecr.set_repository_policy(repositoryName=name, policyText=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:ListImages"}]}))
    ecr.untag_resource(resourceArn=arn, tagKeys=["team"])
    live = Repository().read(api, name, {})
    assert live["LifecyclePolicy"] == {"LifecyclePolicyText": LIFECYCLE}
    assert live["RepositoryPolicyText"]["Statement"][0]["Action"] == "ecr:ListImages"
    assert "Tags" not in live
