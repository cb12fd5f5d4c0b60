"""The resources' dependency graph: edges from Ref, Fn::GetAtt, Fn::Sub and DependsOn.

Resources are created and updated as AWS does: each once everything it depends on is done, independent
ones concurrently; they are deleted one at a time in the reverse order.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

WORKERS = 4  # resources worked on at once within one stack operation

from .intrinsics import SUB_NAME
from .template import validation_error


def references(value: Any, resources: dict) -> set[str]:
    """The logical ids of ``resources`` that ``value`` names."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item, resources)
    elif isinstance(value, dict):
        if len(value) == 1:
            (key, argument), = value.items()
            if key == "Ref" and isinstance(argument, str) and argument in resources:
                return {argument}
            if key == "Fn::GetAtt":
                target = argument.split(".", 1)[0] if isinstance(argument, str) else (argument or [None])[0]
                if target in resources:
                    found.add(target)
            if key == "Fn::Sub":
                text = argument if isinstance(argument, str) else (argument or [""])[0]
                for name in SUB_NAME.findall(text if isinstance(text, str) else ""):
                    head = name.split(".", 1)[0]
                    if head in resources and not name.startswith("!"):
                        found.add(head)
        for item in value.values():
            found |= references(item, resources)
    return found


PSEUDO = frozenset({"AWS::AccountId", "AWS::Region", "AWS::StackName", "AWS::StackId", "AWS::Partition",
                    "AWS::URLSuffix", "AWS::NoValue", "AWS::NotificationARNs"})


def check_names(template: dict) -> None:
    """Every Ref names a parameter, pseudo parameter or resource, every Fn::GetAtt a resource."""
    resources, known = template["Resources"], PSEUDO | set(template.get("Parameters") or {})

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            if set(value) == {"Ref"} and isinstance(value["Ref"], str) and value["Ref"] not in known | set(resources):
                raise validation_error(f"Template format error: Unresolved resource dependencies [{value['Ref']}] "
                                       "in the Resources block of the template")
            if set(value) == {"Fn::GetAtt"}:
                argument = value["Fn::GetAtt"]
                target = argument.split(".", 1)[0] if isinstance(argument, str) else (argument or [None])[0]
                if target not in resources:
                    raise validation_error("Template error: instance of Fn::GetAtt references undefined resource "
                                           f"{target}")
            for item in value.values():
                walk(item)

    walk([r.get("Properties", {}) for r in resources.values()])
    walk([o for o in (template.get("Outputs") or {}).values()])


def dependencies(resources: dict) -> dict[str, set[str]]:
    """Each resource's direct dependencies; a DependsOn naming no resource is a ValidationError."""
    graph: dict[str, set[str]] = {}
    for logical, resource in resources.items():
        depends_on = resource.get("DependsOn", [])
        depends_on = [depends_on] if isinstance(depends_on, str) else depends_on
        for name in depends_on:
            if name not in resources:
                raise validation_error(f"Template format error: Unresolved resource dependencies [{name}] in "
                                       "the Resources block of the template")
        named = references(resource.get("Properties", {}), resources) | set(depends_on)
        if logical in named:
            raise validation_error(f"Circular dependency between resources: [{logical}]")
        graph[logical] = named
    return graph


def creation_order(graph: dict[str, set[str]]) -> list[str]:
    """Every resource after its dependencies (template order among equals); a cycle names its resources."""
    order: list[str] = []
    placed: set[str] = set()
    remaining = list(graph)
    while remaining:
        ready = [name for name in remaining if graph[name] <= placed]
        if not ready:
            cycle = ", ".join(sorted(_cycle(graph, remaining)))
            raise validation_error(f"Circular dependency between resources: [{cycle}]")
        order.extend(ready)
        placed.update(ready)
        remaining = [name for name in remaining if name not in placed]
    return order


def _cycle(graph: dict[str, set[str]], remaining: list[str]) -> set[str]:
    """The resources on cycles among ``remaining`` (not those merely waiting on a cycle)."""
    def reaches(start: str, goal: str) -> bool:
        seen, frontier = set(), [start]
        while frontier:
            for nxt in graph[frontier.pop()]:
                if nxt == goal:
                    return True
                if nxt not in seen and nxt in remaining:
                    seen.add(nxt)
                    frontier.append(nxt)
        return False
    return {name for name in remaining if reaches(name, name)}


def run_in_order(order: list[str], graph: dict[str, set[str]], work: Callable[[str], None],
                 stopped: Callable[[], bool]) -> BaseException | None:
    """``work(name)`` for each name of ``order`` once its dependencies among them are done, up to WORKERS at
    once. The first exception stops further starts; what was running finishes. That exception, if any."""
    wanted, pending = set(order), list(order)
    done: set[str] = set()
    failure: BaseException | None = None
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="nimbus-cloudformation-resource") as pool:
        running: dict[Future, str] = {}
        while pending or running:
            if failure is None and not stopped():
                for name in [n for n in pending if graph[n] & wanted <= done]:
                    pending.remove(name)
                    running[pool.submit(work, name)] = name
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                error = future.exception()
                if error is None:
                    done.add(name)
                elif failure is None:
                    failure = error
    return failure
