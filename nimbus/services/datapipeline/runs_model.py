"""Instances and attempts as pipeline objects: their ids, ``@``-fields and states, as DescribeObjects and
QueryObjects show them."""
from __future__ import annotations

from datetime import datetime

from .documents import RunObject
from .expressions import format_datetime
from .objects_model import ref_field, set_field, string_field

TERMINAL = {"FINISHED", "FAILED", "CASCADE_FAILED", "CANCELED", "TIMEDOUT", "SKIPPED", "MARK_FINISHED"}
DONE_OK = {"FINISHED", "MARK_FINISHED", "SKIPPED"}
ACTIVE = {"WAITING_ON_DEPENDENCIES", "WAITING_FOR_RUNNER", "RUNNING", "CREATING", "PENDING_RETRY"}


def instance_id(component: str, start: datetime) -> str:
    return f"@{component}_{format_datetime(start)}"


def new_instance(component: str, kind: str, start: datetime, end: datetime, now: datetime) -> RunObject:
    run: RunObject = {"id": instance_id(component, start), "name": instance_id(component, start), "fields": []}
    for key, value in (("@sphere", "INSTANCE"), ("type", kind), ("@scheduledStartTime", format_datetime(start)),
                       ("@scheduledEndTime", format_datetime(end)), ("@status", "WAITING_ON_DEPENDENCIES"),
                       ("@attemptCount", "0"), ("@creationTime", format_datetime(now))):
        set_field(run, key, value)  # type: ignore[arg-type]
    set_field(run, "@componentParent", component, ref=True)  # type: ignore[arg-type]
    return run


def new_attempt(instance: RunObject, number: int, now: datetime) -> RunObject:
    attempt_id = f"{instance['id']}_Attempt={number}"
    run: RunObject = {"id": attempt_id, "name": attempt_id, "fields": []}
    for key in ("type", "@scheduledStartTime", "@scheduledEndTime"):
        set_field(run, key, get(instance, key))  # type: ignore[arg-type]
    for key, value in (("@sphere", "ATTEMPT"), ("@status", "WAITING_FOR_RUNNER"),
                       ("@creationTime", format_datetime(now))):
        set_field(run, key, value)  # type: ignore[arg-type]
    set_field(run, "@instanceParent", instance["id"], ref=True)  # type: ignore[arg-type]
    set_field(run, "@componentParent", component_of(instance), ref=True)  # type: ignore[arg-type]
    return run


def get(run: RunObject, key: str) -> str | None:
    return string_field(run, key)  # type: ignore[arg-type]


def put(run: RunObject, key: str, value: str | None) -> None:
    set_field(run, key, value)  # type: ignore[arg-type]


def status(run: RunObject) -> str:
    return get(run, "@status") or ""


def component_of(run: RunObject) -> str:
    return ref_field(run, "@componentParent") or ""  # type: ignore[arg-type]


def head_attempt(run: RunObject) -> str | None:
    return ref_field(run, "@headAttempt")  # type: ignore[arg-type]


def is_instance(run: RunObject) -> bool:
    return get(run, "@sphere") == "INSTANCE"


def instance_of(attempt: RunObject) -> str:
    return ref_field(attempt, "@instanceParent") or ""  # type: ignore[arg-type]
