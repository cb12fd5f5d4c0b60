"""SignalResource: the success or failure signals a resource with a ``CreationPolicy`` waits for (today
``AWS::CloudFormation::WaitCondition``, whose handler reads them with ``signals_of``)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.namespaces import Namespace
from nimbus.store.base import Store

from .signal_documents import RESOURCE_SIGNAL, ResourceSignal
from .state import CloudFormationState
from .template import validation_error

signals_ns = Namespace("cloudformation", "signals")  # + the stack's id


def signals_of(store: Store, account: str, region: str, stack_id: str, logical_id: str) -> list[ResourceSignal]:
    return [s for _, s in RESOURCE_SIGNAL.scan(store, signals_ns(account, region, stack_id))
            if s["LogicalResourceId"] == logical_id]


class SignalOps(CloudFormationState):
    def signal_resource(self, ctx: RequestContext, params: dict) -> dict:
        stack = self.stack(ctx, params["StackName"])
        logical_id = params["LogicalResourceId"]
        resource = self.resources(ctx.account_id, ctx.region, stack["StackId"]).get(logical_id)
        if resource is None:
            raise validation_error(f"Resource {logical_id} does not exist for stack {stack['StackName']}")
        if resource["ResourceStatus"] != "CREATE_IN_PROGRESS":
            raise validation_error(f"Resource {logical_id} is in {resource['ResourceStatus']} state and can not be "
                                   "signaled")
        signal: ResourceSignal = {"LogicalResourceId": logical_id, "UniqueId": params["UniqueId"],
                                  "Status": params["Status"]}
        RESOURCE_SIGNAL.put(self.store, signals_ns(ctx.account_id, ctx.region, stack["StackId"]),
                            f"{logical_id}|{params['UniqueId']}", signal)
        return {}
