"""Transforms: ``AWS::LanguageExtensions`` run here, before anything else reads the template; any other
transform is refused with a message that names it.

The language extensions are ``Fn::ForEach`` (a loop that writes resources, outputs, conditions or
properties, its identifier replaced as ``${Id}``, ``&{Id}`` (alphanumerics only) and ``Ref: Id``),
``DeletionPolicy`` and ``UpdateReplacePolicy`` as intrinsic functions, and, evaluated with the rest of the
template (intrinsics.py), ``Fn::Length``, ``Fn::ToJsonString`` and ``Fn::FindInMap``'s ``DefaultValue``.
A template with a transform needs ``CAPABILITY_AUTO_EXPAND`` on CreateStack and UpdateStack (not on a
change set, which shows what the transform made), as on AWS.
"""
from __future__ import annotations

import re
from typing import Any

from nimbus.protocol.errors import ServiceError

from .intrinsics import Scope, evaluate, evaluate_conditions
from .template import validation_error

LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
FOR_EACH = "Fn::ForEach::"
MAX_EXPANDED = 5_000  # entries all loops together may write (nested ones multiply): AWS allows 500 resources


def transforms(template: dict) -> list[str]:
    declared = template.get("Transform") or []
    return [declared] if isinstance(declared, str) else [str(t) for t in declared]


def check_transforms(template: dict, capabilities: list[str], needs_capability: bool) -> None:
    """InsufficientCapabilitiesException without CAPABILITY_AUTO_EXPAND; a transform nimbus cannot run is
    refused by name."""
    declared = transforms(template)
    if not declared:
        return
    if needs_capability and "CAPABILITY_AUTO_EXPAND" not in capabilities:
        raise ServiceError("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_AUTO_EXPAND]",
                           status=400, sender_fault=True)
    for name in declared:
        if name.startswith("AWS::Serverless"):
            raise validation_error(f"Template format error: nimbus does not run the {name} transform: its "
                                   "resources are AWS Lambda functions and APIs, which nimbus does not serve")
        if name != LANGUAGE_EXTENSIONS:
            raise validation_error(f"Template format error: nimbus does not run the {name} transform (only "
                                   f"{LANGUAGE_EXTENSIONS})")


def default_names(template: dict, values: dict[str, str]) -> dict[str, Any]:
    """What Ref answers for each parameter, from the values given or the defaults (lists split), for reading
    a stored template again; a parameter with neither is left out (a loop over it writes nothing)."""
    names: dict[str, Any] = {}
    for name, declaration in (template.get("Parameters") or {}).items():
        value = values.get(name, declaration.get("Default") if isinstance(declaration, dict) else None)
        if value is None:
            continue
        kind = str(declaration.get("Type", "String"))
        names[name] = str(value).split(",") if kind.startswith("List<") or kind == "CommaDelimitedList" else value
    return names


def expand(template: dict, names: dict[str, Any], strict: bool = True) -> dict:
    """The template with its language extensions applied. ``names``: what Ref answers (parameters and pseudo
    parameters); ``strict`` False: a loop whose collection cannot be evaluated writes nothing."""
    if LANGUAGE_EXTENSIONS not in transforms(template):
        return template
    scope = Scope(dict(names), template.get("Mappings") or {})
    budget = [MAX_EXPANDED]
    out = {k: _fold_names(_loops(v, scope, strict, budget)) for k, v in template.items()}
    _resolve_policies(out, scope, strict)
    return out


def _loops(value: Any, scope: Scope, strict: bool, budget: list[int]) -> Any:
    """``budget``: how many more entries loops may write; past it the template is refused."""
    if isinstance(value, list):
        return [_loops(v, scope, strict, budget) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict = {}
    for key, item in value.items():
        if isinstance(key, str) and key.startswith(FOR_EACH):
            for written_key, written in _for_each(key, item, scope, strict, budget).items():
                if written_key in out or written_key in value:
                    raise validation_error(f"Template format error: {key} writes {written_key}, which the "
                                           "template already has")
                out[written_key] = _loops(written, scope, strict, budget)
        else:
            out[key] = _loops(item, scope, strict, budget)
    return out


def _for_each(key: str, loop: Any, scope: Scope, strict: bool, budget: list[int]) -> dict:
    if not isinstance(loop, list) or len(loop) != 3 or not isinstance(loop[0], str) or not isinstance(loop[2], dict):
        raise validation_error(f"Template format error: {key} must be a list of an identifier, a collection and "
                               "an output fragment")
    identifier, collection, fragment = loop
    try:
        items = evaluate(collection, scope)
    except ServiceError:
        if strict:
            raise
        return {}
    if not isinstance(items, list) or not all(isinstance(i, (str, int, float)) for i in items):
        raise validation_error(f"Template format error: the collection of {key} must be a list of strings")
    written: dict = {}
    for item in items:
        for fragment_key, fragment_value in fragment.items():
            name, value = _replace(fragment_key, identifier, str(item)), _substituted(fragment_value, identifier,
                                                                                      str(item))
            inner = _for_each(name, value, scope, strict, budget) if name.startswith(FOR_EACH) else {name: value}
            for inner_name, inner_value in inner.items():
                if inner_name in written:
                    raise validation_error(f"Template format error: {key} writes {inner_name} more than once")
                written[inner_name] = inner_value
            budget[0] -= 1
            if budget[0] < 0:
                raise validation_error(f"Template format error: the template's Fn::ForEach loops write more than "
                                       f"{MAX_EXPANDED} entries")
    return written


def _replace(text: str, identifier: str, item: str) -> str:
    alphanumeric = re.sub(r"[^A-Za-z0-9]", "", item)
    return text.replace("${" + identifier + "}", item).replace("&{" + identifier + "}", alphanumeric)


def _substituted(value: Any, identifier: str, item: str) -> Any:
    if isinstance(value, str):
        return _replace(value, identifier, item)
    if isinstance(value, list):
        return [_substituted(v, identifier, item) for v in value]
    if isinstance(value, dict):
        if value == {"Ref": identifier}:
            return item
        return {(_replace(k, identifier, item) if isinstance(k, str) else k): _substituted(v, identifier, item)
                for k, v in value.items()}
    return value


def _literal(value: Any) -> Any:
    """A ``Fn::Sub`` with nothing left to substitute (a loop replaced it all) as the plain string it is."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str) \
            and "${" not in value["Fn::Sub"]:
        return value["Fn::Sub"]
    return value


def _fold_names(value: Any) -> Any:
    """``Ref`` and ``Fn::GetAtt`` naming a resource through ``Fn::Sub``, as loops write them, with the name
    itself: what the dependency graph and the engine read."""
    if isinstance(value, list):
        return [_fold_names(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return {"Ref": _literal(value["Ref"])}
    if set(value) == {"Fn::GetAtt"} and isinstance(value["Fn::GetAtt"], list) and value["Fn::GetAtt"]:
        head, *rest = value["Fn::GetAtt"]
        return {"Fn::GetAtt": [_literal(head), *(_fold_names(r) for r in rest)]}
    return {k: _fold_names(v) for k, v in value.items()}


def _resolve_policies(template: dict, scope: Scope, strict: bool) -> None:
    """DeletionPolicy and UpdateReplacePolicy written as intrinsics (Ref, Fn::If, Fn::FindInMap...)."""
    resources = template.get("Resources") or {}
    written = [(r, p) for r in resources.values() if isinstance(r, dict)
               for p in ("DeletionPolicy", "UpdateReplacePolicy") if isinstance(r.get(p), dict)]
    if not written:
        return
    try:
        evaluate_conditions(template.get("Conditions") or {}, scope)
        for resource, policy in written:
            resource[policy] = evaluate(resource[policy], scope)
    except ServiceError:
        if strict:
            raise
        for resource, policy in written:  # a stored template read again: what decided it is not known here
            if isinstance(resource.get(policy), dict):
                resource.pop(policy)
