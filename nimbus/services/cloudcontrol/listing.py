"""How ListResources finds every resource of a type: the owning service's own listing, paged through as the
caller, gives the physical ids, which the type's CloudFormation handler then reads back one by one."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Caller = Callable[[str, str, dict], dict]


@dataclass(frozen=True)
class Listing:
    service: str
    operation: str
    items: str  # the output member holding the page's items
    id_member: str | None  # each item's member that is the physical id (None: the items are the ids)
    token_in: str  # the request member that asks for the next page
    token_out: str  # the output member that names it

    def physical_ids(self, call: Caller) -> list[str]:
        found: list[str] = []
        token = None
        while True:
            output = call(self.service, self.operation, {self.token_in: token} if token else {})
            found += [item if self.id_member is None else item[self.id_member] for item in output.get(self.items, [])]
            token = output.get(self.token_out)
            if not token:
                return found


LISTINGS = {
    "AWS::SSM::Parameter": Listing("ssm", "DescribeParameters", "Parameters", "Name", "NextToken", "NextToken"),
    "AWS::S3::Bucket": Listing("s3", "ListBuckets", "Buckets", "Name", "ContinuationToken", "ContinuationToken"),
    "AWS::SNS::Topic": Listing("sns", "ListTopics", "Topics", "TopicArn", "NextToken", "NextToken"),
    "AWS::Logs::LogGroup": Listing("logs", "DescribeLogGroups", "logGroups", "logGroupName", "nextToken",
                                   "nextToken"),
    "AWS::IAM::Role": Listing("iam", "ListRoles", "Roles", "RoleName", "Marker", "Marker"),
    "AWS::KMS::Key": Listing("kms", "ListKeys", "Keys", "KeyId", "Marker", "NextMarker"),
    "AWS::Kinesis::Stream": Listing("kinesis", "ListStreams", "StreamNames", None, "NextToken", "NextToken"),
    "AWS::SQS::Queue": Listing("sqs", "ListQueues", "QueueUrls", None, "NextToken", "NextToken"),
}
