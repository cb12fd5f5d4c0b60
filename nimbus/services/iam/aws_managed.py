"""The AWS managed policies users most often attach, resolvable by ARN in every account.

Documents follow AWS's published versions; the largest ones (ReadOnlyAccess lists
hundreds of actions) are condensed to the wildcard patterns they amount to.
"""
from __future__ import annotations

import json

from nimbus.core.ids import stable_id
from nimbus.services.iam.documents import ManagedPolicy

AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy"
# Fixed date AWS managed policies report as created (their real dates vary).
CREATED = 1423008000.0  # 2015-02-04


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(actions, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resource, **extra}


READ_ONLY = ["*:Describe*", "*:Get*", "*:List*", "*:BatchGet*", "*:Head*", "*:Lookup*", "*:Search*",
             "*:Select*", "*:Query", "*:Scan", "*:View*", "*:Read*", "*:Preview*", "*:Validate*"]

_POLICIES = {
    ("/", "AdministratorAccess", "Provides full access to AWS services and resources."):
        _doc(_allow("*")),
    ("/", "ReadOnlyAccess", "Provides read-only access to AWS services and resources."):
        _doc(_allow(READ_ONLY)),
    ("/", "PowerUserAccess",
     "Provides full access to AWS services and resources, but does not allow management of Users and groups."):
        _doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
             _allow(["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                     "organizations:DescribeOrganization", "account:GetAccountInformation",
                     "account:ListRegions", "account:EnableRegion", "account:DisableRegion"])),
    ("/job-function/", "ViewOnlyAccess", "This policy grants permissions to view resources and basic metadata."):
        _doc(_allow(["*:List*", "*:Describe*", "*:Get*"])),
    ("/", "IAMFullAccess", "Provides full access to IAM via the AWS Management Console."):
        _doc(_allow(["iam:*", "organizations:DescribeAccount", "organizations:DescribeOrganization",
                     "organizations:DescribeOrganizationalUnit", "organizations:DescribePolicy",
                     "organizations:ListChildren", "organizations:ListParents",
                     "organizations:ListPoliciesForTarget", "organizations:ListRoots", "organizations:ListPolicies",
                     "organizations:ListTargetsForPolicy"])),
    ("/", "IAMReadOnlyAccess", "Provides read only access to IAM via the AWS Management Console."):
        _doc(_allow(["iam:GenerateCredentialReport", "iam:GenerateServiceLastAccessedDetails", "iam:Get*",
                     "iam:List*", "iam:SimulateCustomPolicy", "iam:SimulatePrincipalPolicy"])),
    ("/", "AmazonS3FullAccess", "Provides full access to all buckets via the AWS Management Console."):
        _doc(_allow(["s3:*", "s3-object-lambda:*"])),
    ("/", "AmazonS3ReadOnlyAccess", "Provides read only access to all buckets via the AWS Management Console."):
        _doc(_allow(["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"])),
    ("/", "AWSKeyManagementServicePowerUser", "Provides access to AWS Key Management Service (KMS)."):
        _doc(_allow(["kms:CreateAlias", "kms:CreateKey", "kms:DeleteAlias", "kms:Describe*", "kms:GenerateRandom",
                     "kms:Get*", "kms:List*", "kms:TagResource", "kms:UntagResource", "iam:ListGroups",
                     "iam:ListRoles", "iam:ListUsers"])),
    ("/", "AmazonDynamoDBFullAccess", "Provides full access to Amazon DynamoDB."):
        _doc(_allow(["dynamodb:*", "dax:*", "application-autoscaling:*", "cloudwatch:*", "kinesis:ListStreams",
                     "kinesis:DescribeStream", "kinesis:DescribeStreamSummary"])),
    ("/", "AmazonSQSFullAccess", "Provides full access to Amazon SQS."):
        _doc(_allow(["sqs:*"])),
    ("/", "AmazonSNSFullAccess", "Provides full access to Amazon SNS."):
        _doc(_allow(["sns:*"])),
    ("/", "AWSCloudFormationReadOnlyAccess", "Provides access to AWS CloudFormation via the AWS Management Console."):
        _doc(_allow(["cloudformation:Describe*", "cloudformation:EstimateTemplateCost", "cloudformation:Get*",
                     "cloudformation:List*", "cloudformation:ValidateTemplate", "cloudformation:Detect*"])),
    ("/", "AmazonKinesisFullAccess", "Provides full access to all streams via the AWS Management Console."):
        _doc(_allow("kinesis:*")),
    ("/", "AmazonKinesisFirehoseFullAccess", "Provides full access to all Amazon Kinesis Firehose Delivery Streams."):
        _doc(_allow(["firehose:*"])),
    ("/", "CloudWatchLogsFullAccess", "Provides full access to CloudWatch Logs."):
        _doc(_allow(["logs:*", "cloudwatch:GenerateQuery"])),
    ("/", "AWSLambda_FullAccess", "Grants full access to AWS Lambda service."):
        _doc(_allow(["lambda:*", "logs:*", "iam:GetRole", "iam:ListRoles", "iam:PassRole", "s3:ListAllMyBuckets",
                     "s3:GetBucketLocation", "kms:ListAliases", "cloudwatch:*"])),
    ("/", "AmazonEC2FullAccess", "Provides full access to Amazon EC2 via the AWS Management Console."):
        _doc(_allow(["ec2:*", "elasticloadbalancing:*", "cloudwatch:*", "autoscaling:*"])),
    ("/", "SecretsManagerReadWrite", "Provides read/write access to AWS Secrets Manager."):
        _doc(_allow(["secretsmanager:*", "kms:DescribeKey", "kms:ListAliases", "kms:ListKeys"])),
    ("/", "AWSCloudTrail_FullAccess", "Provides full access to AWS CloudTrail."):
        _doc(_allow(["cloudtrail:*", "s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:CreateBucket",
                     "s3:PutBucketPolicy", "sns:ListTopics", "kms:ListKeys", "kms:ListAliases"])),
    ("/service-role/", "AWSLambdaBasicExecutionRole", "Provides write permissions to CloudWatch Logs."):
        _doc(_allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])),
}

AWS_MANAGED: dict[str, ManagedPolicy] = {}
for (path, name, description), document in _POLICIES.items():
    arn = f"{AWS_POLICY_PREFIX}{path}{name}"
    AWS_MANAGED[arn] = {
        "PolicyName": name, "PolicyId": stable_id("ANPA", arn), "Arn": arn, "Path": path,
        "DefaultVersionId": "v1", "IsAttachable": True, "Description": description,
        "CreateDate": CREATED, "UpdateDate": CREATED, "Tags": [],
        "Versions": {"v1": {"Document": document, "CreateDate": CREATED}}, "NextVersion": 2,
    }


def is_aws_managed(arn: str) -> bool:
    return arn.startswith(AWS_POLICY_PREFIX + "/")
