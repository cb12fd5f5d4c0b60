"""Evaluating a template's values: intrinsic functions, conditions and ``AWS::NoValue``.

``Scope`` is what a value can name: parameters and pseudo parameters, mappings, evaluated conditions,
the resources created so far (physical id and attributes) and other stacks' exports. A name it does
not know is a ValidationError, as AWS's "Unresolved resource dependencies" is.
"""
from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .template import validation_error

NO_VALUE = object()  # Ref AWS::NoValue: the property (or list item) is left out
SUB_NAME = re.compile(r"\$\{([^}]*)\}")


@dataclass
class Scope:
    names: dict[str, Any]  # parameters and pseudo parameters: name -> value
    mappings: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, bool] = field(default_factory=dict)
    physical_ids: dict[str, str] = field(default_factory=dict)  # logical id -> physical id (created so far)
    attribute: Callable[[str, str], Any] = lambda logical, name: None  # GetAtt of a created resource
    export: Callable[[str], str | None] = lambda name: None  # Fn::ImportValue
    region: str = "us-east-1"

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.names:
            return self.names[name]
        if name in self.physical_ids:
            return self.physical_ids[name]
        raise validation_error(f"Template format error: Unresolved resource dependencies [{name}] in the "
                               "Resources block of the template")

    def get_att(self, logical: str, name: str) -> Any:
        if logical not in self.physical_ids:
            raise validation_error(f"Template error: instance of Fn::GetAtt references undefined resource {logical}")
        value = self.attribute(logical, name)
        if value is None:
            raise validation_error(f"Template error: resource {logical} does not support attribute type {name} "
                                   "in Fn::GetAtt")
        return value


def evaluate(value: Any, scope: Scope) -> Any:
    """The value with every intrinsic function applied; ``NO_VALUE`` members and items are dropped."""
    if isinstance(value, list):
        items = [evaluate(item, scope) for item in value]
        return [item for item in items if item is not NO_VALUE]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, argument), = value.items()
        function = _FUNCTIONS.get(key)
        if function is not None:
            return function(argument, scope)
    out = {}
    for key, item in value.items():
        evaluated = evaluate(item, scope)
        if evaluated is not NO_VALUE:
            out[key] = evaluated
    return out


def condition_value(name: str, scope: Scope) -> bool:
    if name not in scope.conditions:
        raise validation_error(f"Template format error: Unresolved dependencies [{name}]. Cannot reference "
                               "resources in the Conditions block of the template")
    return scope.conditions[name]


def evaluate_conditions(conditions: dict, scope: Scope) -> dict[str, bool]:
    """Every condition's value, each evaluated once; a condition may name others in any order."""
    done: dict[str, bool] = {}
    pending: set[str] = set()

    class Lazy(dict):
        def __contains__(self, name: object) -> bool:
            return name in conditions

        def __missing__(self, name: str) -> bool:
            return done[name] if name in done else value_of(name)

    def value_of(name: str) -> bool:
        if name in pending:
            raise validation_error(f"Circular dependency between conditions: [{name}]")
        pending.add(name)
        done[name] = _truth(evaluate(conditions[name], scope))
        return done[name]

    scope.conditions = Lazy()
    for name in conditions:
        if name not in done:
            value_of(name)
    scope.conditions = done
    return done


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise validation_error("Template error: every Condition must evaluate to true or false")


def _args(argument: Any, function: str, count: int) -> list:
    if not isinstance(argument, list) or len(argument) != count:
        raise validation_error(f"Template error: {function} requires a list of {count} arguments")
    return argument


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise validation_error("Template error: a value in Fn::Join or Fn::Sub must resolve to a string")


def _ref(argument, scope):
    if not isinstance(argument, str):
        raise validation_error("Template error: Ref requires a string")
    return scope.ref(argument)


def _get_att(argument, scope):
    if isinstance(argument, str):
        argument = argument.split(".", 1)
    logical, name = _args(argument, "Fn::GetAtt", 2)
    return scope.get_att(logical, _text(evaluate(name, scope)))


def _sub(argument, scope):
    text, variables = (argument, {}) if isinstance(argument, str) else _args(argument, "Fn::Sub", 2)
    values = {k: evaluate(v, scope) for k, v in (variables or {}).items()}

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in values:
            return _text(values[name])
        if "." in name and name.split(".", 1)[0] in scope.physical_ids:
            return _text(scope.get_att(*name.split(".", 1)))
        return _text(scope.ref(name))

    return SUB_NAME.sub(replace, _text(text))


def _join(argument, scope):
    delimiter, items = _args(argument, "Fn::Join", 2)
    items = evaluate(items, scope)
    if not isinstance(items, list):
        raise validation_error("Template error: Fn::Join requires a list of values")
    return _text(delimiter).join(_text(item) for item in items)


def _select(argument, scope):
    index, items = (evaluate(a, scope) for a in _args(argument, "Fn::Select", 2))
    if not isinstance(items, list) or not str(index).isdigit() or int(index) >= len(items):
        raise validation_error("Template error: Fn::Select cannot select nonexistent value at index "
                               f"{index}")
    return items[int(index)]


def _split(argument, scope):
    delimiter, source = _args(argument, "Fn::Split", 2)
    return _text(evaluate(source, scope)).split(_text(delimiter))


def _if(argument, scope):
    name, when_true, when_false = _args(argument, "Fn::If", 3)
    return evaluate(when_true if condition_value(name, scope) else when_false, scope)


def _equals(argument, scope):
    left, right = (evaluate(a, scope) for a in _args(argument, "Fn::Equals", 2))
    return _text(left) == _text(right) if not isinstance(left, list) else left == right


def _conditions(argument, scope, function: str) -> list[bool]:
    if not isinstance(argument, list) or not 2 <= len(argument) <= 10:
        raise validation_error(f"Template error: {function} requires between 2 and 10 conditions")
    return [_truth(evaluate(a, scope)) for a in argument]


def _find_in_map(argument, scope):
    """AWS::LanguageExtensions adds a fourth argument, ``{"DefaultValue": v}``: what a missing key answers."""
    default = argument[3] if isinstance(argument, list) and len(argument) == 4 and isinstance(argument[3], dict) \
        and set(argument[3]) == {"DefaultValue"} else None
    names = [_text(evaluate(a, scope)) for a in _args(argument[:3] if default else argument, "Fn::FindInMap", 3)]
    found: Any = scope.mappings
    for depth, name in enumerate(names):
        if not isinstance(found, dict) or name not in found:
            if default is not None:
                return evaluate(default["DefaultValue"], scope)
            where = ("Mapping named", "Key", "Key")[depth]
            raise validation_error(f"Template error: Unable to get mapping for {names[0]}::{names[1]}::{names[2]}"
                                   if depth else f"Template error: {where} '{name}' is not present in the "
                                   "'Mappings' section of template")
        found = found[name]
    return found


def _cidr(argument, scope):
    block, count, bits = (evaluate(a, scope) for a in _args(argument, "Fn::Cidr", 3))
    try:
        network = ipaddress.ip_network(_text(block), strict=False)
        prefix = network.max_prefixlen - int(bits)
        subnets = network.subnets(new_prefix=prefix)
        return [str(next(subnets)) for _ in range(int(count))]
    except (ValueError, StopIteration):
        raise validation_error(f"Template error: Fn::Cidr cannot make {count} subnets of {bits} bits "
                               f"in {block}") from None


def _import_value(argument, scope):
    name = _text(evaluate(argument, scope))
    value = scope.export(name)
    if value is None:
        raise validation_error(f"No export named {name} found.")
    return value


_FUNCTIONS: dict[str, Callable[[Any, Scope], Any]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::And": lambda a, s: all(_conditions(a, s, "Fn::And")),
    "Fn::Or": lambda a, s: any(_conditions(a, s, "Fn::Or")),
    "Fn::Not": lambda a, s: not _truth(evaluate(_args(a, "Fn::Not", 1)[0], s)),
    "Condition": lambda a, s: condition_value(_text(a), s),
    "Fn::FindInMap": _find_in_map,
    "Fn::Base64": lambda a, s: base64.b64encode(_text(evaluate(a, s)).encode()).decode(),
    "Fn::Cidr": _cidr,
    "Fn::GetAZs": lambda a, s: [f"{_text(evaluate(a, s)) or s.region}{z}" for z in "abc"],
    "Fn::ImportValue": _import_value,
    "Fn::ToJsonString": lambda a, s: json.dumps(evaluate(a, s), separators=(",", ":")),
    "Fn::Length": lambda a, s: len(evaluate(a, s)),
}
