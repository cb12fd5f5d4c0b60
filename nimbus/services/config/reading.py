"""How Config reads other services: through the internal client, as the recorder's role.

AWS Config describes resources with the role its recorder names (``roleARN``), so what that role may not
read is not recorded (with ``--enforce-iam``). The service-linked role
(``.../aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig``) is not an IAM role nimbus keeps:
Config then acts as a session of that role in the recorder's account, forwarded (not checked again), as
AWS's managed policy for that role lets it read what Config records.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nimbus.core.identity import Principal
from nimbus.protocol.errors import ServiceError

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

CONFIG = "config.amazonaws.com"
SESSION = "AWSConfig-Describe"
SERVICE_LINKED_PATH = ":role/aws-service-role/config.amazonaws.com/"


def is_service_linked(role_arn: str) -> bool:
    return SERVICE_LINKED_PATH in role_arn


@dataclass(frozen=True)
class Reader:
    """Calls for one recorder: its account, region and role."""
    runtime: Runtime
    account: str
    region: str
    role_arn: str

    def call(self, service: str, operation: str, params: dict[str, Any] | None = None,
             region: str | None = None) -> dict[str, Any]:
        client = self.runtime.client
        if is_service_linked(self.role_arn):
            return client.call(service, operation, params, account_id=self.account, region=region or self.region,
                               principal=self._service_linked_session(), invoked_by=CONFIG, forwarded=True)
        return client.call_as_role(self.role_arn, service, operation, params, invoked_by=CONFIG,
                                   session_name=SESSION, region=region or self.region)

    def _service_linked_session(self) -> Principal:
        role = self.role_arn.rsplit("/", 1)[-1]
        return Principal(type="AssumedRole", account_id=self.account, principal_id=f"AROACONFIGSLR:{SESSION}",
                         arn=f"arn:aws:sts::{self.account}:assumed-role/{role}/{SESSION}")

    def optional(self, service: str, operation: str, params: dict[str, Any], missing: tuple[str, ...],
                 region: str | None = None) -> dict[str, Any] | None:
        """The answer, or None when the service says the thing asked for is not there (``missing`` codes)."""
        try:
            return self.call(service, operation, params, region)
        except ServiceError as error:
            if error.code in missing:
                return None
            raise
