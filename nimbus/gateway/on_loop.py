"""Which requests run on the event loop rather than taking a worker thread.

For one client waiting on each answer, the hop to a worker thread and back (a submit, two futex wake-ups, the
GIL handed over twice, the future chained back to the loop) was a sixth of a small call's wall time. A service
names the operations that may skip it (``traits.runs_on_event_loop``): work in memory and at most one OS
write, never a wait on another request or a long-held lock. Only a small body qualifies, so a large one (whose
parse alone would hold the loop) keeps its worker thread whatever its operation. The operation is read from
the request's head and body as routing will: ``X-Amz-Target`` for the JSON protocols, the signing name and
``Action`` for the query protocol. For a REST service (S3's GetObject and HeadObject) a bodyless GET or HEAD
signed for it, or not signed in a header (a presigned URL, an anonymous read), is admitted. Routing then confirms
the operation (``confirms``): a request admitted that routes elsewhere goes to a worker thread before anything is
done for it (core/needs_thread.py), and so does one whose work turns out not to stay in memory.
"""
from __future__ import annotations

from urllib.parse import parse_qsl

from nimbus.core.registry import ServiceRegistry
from nimbus.gateway.routing import FORM_TYPE, REST_PROTOCOLS
from nimbus.protocol.http import HttpRequest

# The largest body a request run on the loop may have: a small call's, with room for a 1 KiB record in base64.
MAX_BODY_BYTES = 16 * 1024
_READS = ("GET", "HEAD")


class LoopOperations:
    def __init__(self, services: ServiceRegistry, front_worker: bool = False):
        """``front_worker``: only the operations a front worker answers itself (the others go to the primary)."""
        self.targets: set[str] = set()  # X-Amz-Target values
        self.actions: set[tuple[str, str]] = set()  # (signing name, query Action)
        self.operations: set[tuple[str, str]] = set()  # (service, operation), every quick one
        self.readers: set[str] = set()  # signing names of REST services with quick reads
        for name in services.names:
            traits = services.traits(name)
            operations = traits.runs_on_event_loop & traits.answers_in_any_worker if front_worker \
                else traits.runs_on_event_loop
            if not operations:
                continue
            info = services.info(name)
            self.operations.update((name, operation) for operation in operations)
            if any(protocol in REST_PROTOCOLS for protocol in info.protocols):
                self.readers.add(info.signing_name)
            if info.target_prefix:
                self.targets.update(f"{info.target_prefix}.{operation}" for operation in operations)
            if "query" in info.protocols:
                self.actions.update((info.signing_name, operation) for operation in operations)

    def admits(self, request: HttpRequest) -> bool:
        if request.body_file is not None or len(request.body) > MAX_BODY_BYTES:
            return False
        headers = request.headers
        if request.method in _READS:
            return not request.body and self._reads_for(headers.get("authorization"))
        target = headers.get("x-amz-target")
        if target is not None:
            return target in self.targets
        if not self.actions or FORM_TYPE not in headers.get("content-type", ""):
            return False
        action = dict(parse_qsl(request.body.decode("latin-1"))).get("Action")
        return action is not None and (_signing_name(headers.get("authorization", "")), action) in self.actions

    def _reads_for(self, authorization: str | None) -> bool:
        """A read signed in its header for a REST service with quick reads, or not signed there at all."""
        if authorization is None:
            return bool(self.readers)
        return _signing_name(authorization) in self.readers

    def confirms(self, service: str, operation: str) -> bool:
        """Whether the operation a request routed to may run on the loop."""
        return (service, operation) in self.operations


def _signing_name(authorization: str) -> str:
    """The service of a SigV4 Authorization header's credential scope (key/date/region/service/aws4_request)."""
    scope = authorization.partition("Credential=")[2].partition(",")[0].split("/")
    return scope[3] if len(scope) == 5 else ""
