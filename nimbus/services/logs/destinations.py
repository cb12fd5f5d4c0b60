"""Cross-account destinations: PutDestination, PutDestinationPolicy, DescribeDestinations, DeleteDestination.

A destination names a Kinesis stream or Firehose delivery stream of its owner and the role CloudWatch Logs
assumes to write there; its access policy decides which accounts may subscribe to it (subscriptions.py).
"""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json
from nimbus.core.roles import check_pass_role
from nimbus.protocol.errors import ServiceError

from .common import SERVICE_PRINCIPAL, destinations_ns, invalid, now_ms, page
from .documents import DESTINATION, Destination
from .forwarding import DESTINATION_MISSING, SESSION_NAME, target_kind
from .state import LogsState

RESOURCE_TYPE = "AWS::Logs::Destination"


def _output(destination: Destination) -> dict:
    return {k: v for k, v in destination.items() if k not in ("tags", "SchemaVersion")}


class DestinationOps(LogsState):
    def put_destination(self, ctx: RequestContext, params: dict) -> dict:
        name, target, role = params["destinationName"], params["targetArn"], params["roleArn"]
        if target_kind(target) == "logs":
            raise invalid(f"Invalid targetArn: {target}")
        check_pass_role(ctx, role, SERVICE_PRINCIPAL, SESSION_NAME,
                        lambda why: invalid(f"Cross account destination cannot assume role {role}: {why}"))
        ns = destinations_ns(ctx.account_id, ctx.region)
        with self.store.transaction():
            destination = DESTINATION.get(self.store, ns, name)
            change = "created" if destination is None else "updated"
            if destination is None:
                destination = {"destinationName": name, "arn": ctx.arn(f"destination:{name}"),
                               "creationTime": now_ms(ctx), "targetArn": target, "roleArn": role,
                               "tags": params.get("tags") or {}}
            destination.update({"targetArn": target, "roleArn": role})
            DESTINATION.put(self.store, ns, name, destination)
        ctx.emit_resource_change(RESOURCE_TYPE, destination["arn"], change, lambda: {"DestinationName": name})
        return {"destination": _output(destination)}

    def put_destination_policy(self, ctx: RequestContext, params: dict) -> dict:
        try:
            read_json(params["accessPolicy"])
        except ValueError:
            raise invalid("Invalid access policy: the policy is not valid JSON.") from None
        ns = destinations_ns(ctx.account_id, ctx.region)
        with self.store.transaction():
            destination = self._destination(ctx, params["destinationName"])
            destination["accessPolicy"] = params["accessPolicy"]
            DESTINATION.put(self.store, ns, destination["destinationName"], destination)
        ctx.emit_resource_change(RESOURCE_TYPE, destination["arn"], "updated")
        return {}

    def describe_destinations(self, ctx: RequestContext, params: dict) -> dict:
        rows = [d for _, d in DESTINATION.scan(self.store, destinations_ns(ctx.account_id, ctx.region),
                                               prefix=params.get("DestinationNamePrefix") or "")]
        return page([_output(d) for d in rows], params, "destinations", lambda d: d["destinationName"])

    def delete_destination(self, ctx: RequestContext, params: dict) -> dict:
        self.delete_or_missing(destinations_ns(ctx.account_id, ctx.region), params["destinationName"],
                               DESTINATION_MISSING)
        ctx.emit_resource_change(RESOURCE_TYPE, ctx.arn(f"destination:{params['destinationName']}"), "deleted")
        return {}

    def _destination(self, ctx: RequestContext, name: str) -> Destination:
        destination = DESTINATION.get(self.store, destinations_ns(ctx.account_id, ctx.region), name)
        if destination is None:
            raise ServiceError("ResourceNotFoundException", DESTINATION_MISSING)
        return destination
