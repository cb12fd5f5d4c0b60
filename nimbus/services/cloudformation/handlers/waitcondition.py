"""``AWS::CloudFormation::WaitConditionHandle`` (its Ref: a presigned signal URL) and
``AWS::CloudFormation::WaitCondition``, which waits on the virtual clock for ``Count`` success signals PUT on
its handle's URL, as AWS documents them::

    curl -X PUT -H 'Content-Type:' --data-binary '{"Status":"SUCCESS","Reason":"done","UniqueId":"1","Data":"x"}' URL

A FAILURE signal fails the condition, and so does its ``Timeout``; ``Fn::GetAtt Data`` is the JSON object
of each signal's UniqueId -> Data.
"""
from __future__ import annotations

import json
import re
import uuid
from typing import Any

from ..responses import MAX_ANSWER, Answers, located, poll, signal_bucket
from ..signals import signals_of
from .base import Api, Created, Handler, Operation, ResourceFailure

URL_LIFETIME = 86400  # a handle's URL stays valid a day
MAX_TIMEOUT = 43200  # seconds: AWS's longest wait
_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?")


def iso_seconds(duration: str) -> int:
    """An ISO 8601 duration as CreationPolicy writes it (``PT1H30M``, ``PT45S``) in seconds."""
    found = _DURATION.fullmatch(duration)
    if not found or not any(found.groups()):
        raise ValueError(duration)
    hours, minutes, seconds = (int(g or 0) for g in found.groups())
    return hours * 3600 + minutes * 60 + seconds


def answers(api: Api) -> tuple[Operation, Answers]:
    operation = api.operation
    assert operation is not None
    return operation, Answers(operation.runtime, api.region, operation.endpoint)


class WaitConditionHandle(Handler):
    type_name = "AWS::CloudFormation::WaitConditionHandle"

    def create(self, api: Api, properties: dict) -> Created:
        operation, where = answers(api)
        key = f"{operation.stack_id.rsplit('/', 1)[-1]}/{api.logical_id}/{uuid.uuid4()}"
        return Created(where.put_url(signal_bucket(api.region), key, URL_LIFETIME), {})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict[str, Any]:
        return {}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        _, where = answers(api)
        found = located(physical_id)
        if found is not None:
            where.forget(*found)


def signals(bodies: list[bytes]) -> dict[str, dict]:
    """UniqueId -> the last well-formed signal of that id (anything else PUT on the URL is not a signal)."""
    found: dict[str, dict] = {}
    for body in bodies:
        if len(body) > MAX_ANSWER:
            continue  # too long to be a signal
        try:
            signal = json.loads(body)
        except ValueError:
            continue
        if isinstance(signal, dict) and signal.get("Status") in ("SUCCESS", "FAILURE") and "UniqueId" in signal:
            found[str(signal["UniqueId"])] = signal
    return found


class WaitCondition(Handler):
    type_name = "AWS::CloudFormation::WaitCondition"

    def create(self, api: Api, properties: dict) -> Created:
        operation, _ = answers(api)
        policy = ((api.declared or {}).get("CreationPolicy") or {}).get("ResourceSignal")
        if "Handle" not in properties and isinstance(policy, dict):
            data = self.signalled_by_api(api, policy)
            return Created(f"{operation.stack_id}/{api.logical_id}", {"Data": data})
        if "Handle" not in properties or "Timeout" not in properties:
            raise ResourceFailure("A wait condition needs a Handle and a Timeout, or a CreationPolicy")
        try:
            timeout, count = int(str(properties["Timeout"])), int(str(properties.get("Count", 1)))
        except ValueError:
            raise ResourceFailure("Timeout and Count must be integers") from None
        if not 0 < timeout <= MAX_TIMEOUT:
            raise ResourceFailure(f"Timeout must be between 1 and {MAX_TIMEOUT} seconds")
        data = self.signalled(api, properties, operation.runtime.clock.time() + timeout, max(count, 1))
        return Created(f"{operation.stack_id}/{api.logical_id}", {"Data": data})

    def update(self, api: Api, physical_id: str, old: dict, new: dict) -> dict[str, Any]:
        """AWS never waits again on update: the signals received so far."""
        operation, _ = answers(api)
        return {"Data": self.signalled(api, new, operation.runtime.clock.time(), 0)}

    def delete(self, api: Api, physical_id: str, properties: dict) -> None:
        return None

    @staticmethod
    def signalled_by_api(api: Api, policy: dict) -> str:
        """Wait for the CreationPolicy's ``Count`` SUCCESS signals sent with SignalResource (one FAILURE fails it)
        within its ``Timeout``; their UniqueIds as the Data JSON."""
        operation, _ = answers(api)
        try:
            count, timeout = int(str(policy.get("Count", 1))), iso_seconds(str(policy.get("Timeout", "PT5M")))
        except ValueError:
            raise ResourceFailure("CreationPolicy ResourceSignal needs an integer Count and an ISO 8601 Timeout") \
                from None
        runtime = operation.runtime

        def look() -> list | None:
            received = signals_of(runtime.store, api.account, api.region, operation.stack_id, api.logical_id)
            failed = [s for s in received if s["Status"] == "FAILURE"]
            if failed:
                raise ResourceFailure(f"Received FAILURE signal with UniqueId {failed[0]['UniqueId']}")
            return received if len(received) >= count else None
        received = poll(runtime.clock, runtime.clock.time() + timeout, operation.stopped, look)
        if received is None:
            raise ResourceFailure(f"Failed to receive {count} resource signal(s) within the specified duration")
        return json.dumps({s["UniqueId"]: None for s in received})

    @staticmethod
    def signalled(api: Api, properties: dict, deadline: float, count: int) -> str:
        """Wait until ``count`` SUCCESS signals (or one FAILURE) arrive on the handle; their Data as JSON."""
        operation, where = answers(api)
        handle = str(properties["Handle"])
        found = located(handle)
        if found is None or found[0] != signal_bucket(api.region):
            raise ResourceFailure(f"Invalid wait condition handle: {handle}")

        def settled(bodies: list[bytes]) -> dict[str, dict] | None:
            received = signals(bodies)
            failed = any(s["Status"] == "FAILURE" for s in received.values())
            return received if failed or len(received) >= count else None

        received = where.wait(*found, deadline, operation.stopped, settled)
        if received is None:
            received = signals(where.bodies(*found))
            if len(received) < count:
                raise ResourceFailure(f"WaitCondition timed out. Received {len(received)} conditions when expecting "
                                     f"{count}")
        for unique_id, signal in received.items():
            if signal["Status"] == "FAILURE":
                raise ResourceFailure(f"WaitCondition received failed message: '{signal.get('Reason', '')}' for "
                                     f"uniqueId: {unique_id}")
        return json.dumps({unique_id: signal.get("Data", "") for unique_id, signal in received.items()})
