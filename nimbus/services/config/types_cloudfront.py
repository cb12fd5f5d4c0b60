"""AWS::CloudFront::Distribution as AWS Config records it: in US East (N. Virginia) only, as AWS records
this global service's distributions, with GetDistribution's answer in camelCase (``distributionConfig``,
``domainName``, ``status``...), its tags, and its S3 origins' buckets as relationships."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nimbus.services.config.described import Described, epoch, relationship, supports, tag_map
from nimbus.services.config.types_regional import camel

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

DISTRIBUTION = "AWS::CloudFront::Distribution"
RECORDED_IN = "us-east-1"
_S3_ORIGIN = ".s3.amazonaws.com"


def _origin_buckets(config: dict) -> list[dict]:
    buckets = sorted({o["DomainName"].removesuffix(_S3_ORIGIN) for o in config.get("Origins", {}).get("Items", [])
                      if o["DomainName"].endswith(_S3_ORIGIN)})
    return [relationship("AWS::S3::Bucket", bucket, "Is associated with Bucket", bucket) for bucket in buckets]


def describe_distribution(reader: Reader, arn: str) -> Described | None:
    distribution_id = arn.rsplit("/", 1)[-1]
    found = reader.optional("cloudfront", "GetDistribution", {"Id": distribution_id}, ("NoSuchDistribution",))
    if found is None:
        return None
    distribution = found["Distribution"]
    configuration = camel(distribution)
    configuration["lastModifiedTime"] = epoch(distribution["LastModifiedTime"])
    tags = reader.call("cloudfront", "ListTagsForResource", {"Resource": arn})["Tags"].get("Items", [])
    return Described(resource_id=distribution_id, name=distribution_id, arn=arn, configuration=configuration,
                     tags=tag_map(tags), relationships=_origin_buckets(distribution["DistributionConfig"]),
                     region=RECORDED_IN)


def discover_distributions(reader: Reader) -> list[str]:
    if reader.region != RECORDED_IN:
        return []
    found, marker = [], None
    while True:
        page = reader.call("cloudfront", "ListDistributions", {"Marker": marker} if marker else {})["DistributionList"]
        found += [d["ARN"] for d in page.get("Items", [])]
        marker = page.get("NextMarker")
        if not page.get("IsTruncated") or not marker:
            return found


supports(DISTRIBUTION, describe_distribution, discover_distributions)
