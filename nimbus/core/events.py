"""The event bus: API-call and resource-change records for cross-cutting services.

Publishing only appends to a queue; a single worker thread hands records to
subscribers, so CloudTrail or Config never slow the request path. ``flush``
waits until every record published so far has been handled.
"""
from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nimbus.core.context import RequestContext

log = logging.getLogger(__name__)

API_CALL = "api_call"
RESOURCE_CHANGE = "resource_change"


@dataclass
class ApiCallEvent:
    time: datetime
    request_id: str
    account_id: str
    region: str
    principal: dict[str, Any]
    access_key_id: str | None
    source_ip: str
    user_agent: str
    service: str
    operation: str
    request_parameters: dict[str, Any] | None
    response: dict[str, Any] | None
    error_code: str | None
    error_message: str | None
    read_only: bool
    internal: bool
    authorization: dict[str, Any] | None = None  # the IAM decision, computed even when not enforced
    host: str | None = None  # the Host header the client sent (CloudTrail's tlsDetails)


@dataclass
class ResourceChangeEvent:
    time: datetime
    request_id: str
    account_id: str
    region: str
    service: str
    resource_type: str  # CloudFormation-style, e.g. AWS::IAM::User
    resource_arn: str
    change: str  # created | updated | deleted
    configuration: dict[str, Any] | None = field(default=None)


Subscriber = Callable[[Any], None]

_STOP = object()


class EventBus:
    def __init__(self):
        self._subscribers: dict[str, list[Subscriber]] = {API_CALL: [], RESOURCE_CHANGE: []}
        self._queue: queue.Queue = queue.Queue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()

    def subscribe(self, topic: str, callback: Subscriber) -> None:
        self._subscribers[topic].append(callback)

    def unsubscribe(self, topic: str, callback: Subscriber) -> None:
        if callback in self._subscribers[topic]:
            self._subscribers[topic].remove(callback)

    def wants(self, topic: str) -> bool:
        """Whether anyone listens, so publishers can skip building records nobody reads."""
        return bool(self._subscribers[topic])

    def publish(self, topic: str, event: Any) -> None:
        if not self._subscribers[topic]:
            return
        self._ensure_worker()
        self._queue.put((topic, event))

    def publish_resource_change(self, ctx: RequestContext, resource_type: str, resource_arn: str,
                                change: str, configuration: dict[str, Any] | None) -> None:
        self.publish(RESOURCE_CHANGE, ResourceChangeEvent(
            time=ctx.clock.now(), request_id=ctx.request_id, account_id=ctx.account_id,
            region=ctx.region, service=ctx.service, resource_type=resource_type,
            resource_arn=resource_arn, change=change, configuration=configuration,
        ))

    def flush(self, timeout: float = 10.0) -> None:
        if self._worker is None:
            return
        done = threading.Event()
        self._queue.put((None, done))
        done.wait(timeout)

    def close(self) -> None:
        if self._worker is not None:
            self._queue.put(_STOP)
            self._worker.join(timeout=5)
            self._worker = None

    def _ensure_worker(self) -> None:
        if self._worker is None:
            with self._lock:
                if self._worker is None:
                    self._worker = threading.Thread(target=self._run, name="nimbus-events", daemon=True)
                    self._worker.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            topic, event = item
            if topic is None:
                event.set()
                continue
            for callback in list(self._subscribers[topic]):
                try:
                    callback(event)
                except Exception:  # one broken subscriber must not starve the others
                    log.exception("event subscriber failed on %s", topic)
