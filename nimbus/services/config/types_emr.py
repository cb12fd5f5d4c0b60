"""EMR security configurations as AWS Config records them (``AWS::EMR::SecurityConfiguration``): resourceId the
name, the configuration the resource's CloudFormation properties (``Name``, ``SecurityConfiguration`` as a JSON
object), AWS documenting no other shape. AWS Config has no type for EMR clusters."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from nimbus.services.config.described import Described, arn_name, epoch, supports

if TYPE_CHECKING:
    from nimbus.services.config.reading import Reader

SECURITY_CONFIGURATION = "AWS::EMR::SecurityConfiguration"


def _arn(reader: Reader, name: str) -> str:
    return f"arn:aws:elasticmapreduce:{reader.region}:{reader.account}:security-configuration/{name}"


def describe_security_configuration(reader: Reader, arn: str) -> Described | None:
    name = arn_name(arn)
    found = reader.optional("emr", "DescribeSecurityConfiguration", {"Name": name}, ("InvalidRequestException",))
    if found is None:
        return None
    configuration = {"Name": name, "SecurityConfiguration": json.loads(found["SecurityConfiguration"])}
    return Described(resource_id=name, name=name, arn=arn, configuration=configuration,
                     created=epoch(found["CreationDateTime"]))


def discover_security_configurations(reader: Reader) -> list[str]:
    listed = reader.call("emr", "ListSecurityConfigurations", {}).get("SecurityConfigurations", [])
    return [_arn(reader, entry["Name"]) for entry in listed]


supports(SECURITY_CONFIGURATION, describe_security_configuration, discover_security_configurations)
