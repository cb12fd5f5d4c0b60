"""GetResourceRequestStatus, ListResourceRequests and CancelResourceRequest: the resource operations of the
last seven days (on the virtual clock), as AWS keeps them."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.paging import page
from nimbus.protocol.errors import ServiceError

from .resources import progress_event
from .state import CloudControlState, invalid_request

KEPT_SECONDS = 7 * 86400
PENDING = ("PENDING", "IN_PROGRESS")


class RequestOps(CloudControlState):
    def get_resource_request_status(self, ctx: RequestContext, params: dict) -> dict:
        return {"ProgressEvent": progress_event(self.request(ctx, params["RequestToken"]))}

    def list_resource_requests(self, ctx: RequestContext, params: dict) -> dict:
        wanted = params.get("ResourceRequestStatusFilter") or {}
        operations, statuses = wanted.get("Operations"), wanted.get("OperationStatuses")
        since = self.clock.time() - KEPT_SECONDS
        found = sorted((r for r in self.requests(ctx) if r["EventTime"] >= since
                        and (not operations or r["Operation"] in operations)
                        and (not statuses or r["OperationStatus"] in statuses)),
                       key=lambda r: r["EventTime"], reverse=True)
        chunk, marker = page(found, params.get("NextToken"), params.get("MaxResults"), lambda r: r["RequestToken"],
                             invalid=invalid_request("Invalid NextToken"))
        answer: dict = {"ResourceRequestStatusSummaries": [progress_event(r) for r in chunk]}
        if marker:
            answer["NextToken"] = marker
        return answer

    def cancel_resource_request(self, ctx: RequestContext, params: dict) -> dict:
        """Only a request still under way can be cancelled; what its handler already did stays done."""
        with self.lock:
            request = self.request(ctx, params["RequestToken"])
            if request["OperationStatus"] not in PENDING:
                raise ServiceError("ConcurrentModificationException", f"Resource request with token "
                                   f"{request['RequestToken']} is in status {request['OperationStatus']} and "
                                   "cannot be cancelled", status=400)
            request.update({"OperationStatus": "CANCEL_COMPLETE", "EventTime": self.clock.time()})
            self.save_request(ctx, request)
        return {"ProgressEvent": progress_event(request)}
