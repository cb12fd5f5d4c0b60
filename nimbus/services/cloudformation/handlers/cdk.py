"""AWS::CDK::Metadata: the resource every CDK app's stack carries (its ``Analytics`` property names the CDK
version and constructs used). CloudFormation itself serves this type on AWS: no other service holds it,
so the stack's own record of it is the whole resource."""
from __future__ import annotations

import uuid

from .base import Api, Created, Handler


class Metadata(Handler):
    type_name = "AWS::CDK::Metadata"

    def create(self, api: Api, properties: dict) -> Created:
        return Created(str(uuid.uuid4()), {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict:
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        return None

    def read(self, api: Api, physical_id: str, properties: dict) -> dict | None:
        return properties  # the stack's record is the resource
