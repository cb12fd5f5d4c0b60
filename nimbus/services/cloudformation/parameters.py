"""A template's Parameters: the values a stack is given, checked against their declarations.

``AWS::SSM::Parameter::Value<...>`` parameters name a Parameter Store parameter; its value is read
through the internal client (``ssm_value``) and is what Ref answers (``ResolvedValue`` in describes).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nimbus.core.linear_regex import compile_linear
from nimbus.core.linear_regex import error as pattern_error

from .template import parse_template, validation_error

MASK = "****"
SSM_TYPE = "AWS::SSM::Parameter::Value<"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def declared(template: dict) -> dict[str, dict]:
    parameters = template.get("Parameters") or {}
    if not isinstance(parameters, dict):
        raise validation_error("Template format error: Parameters must be an object")
    for name, declaration in parameters.items():
        if not isinstance(declaration, dict) or "Type" not in declaration:
            raise validation_error(f"Template format error: Every Parameters object must contain a Type member. "
                                   f"({name})")
    return parameters


def given_values(given: list[dict], previous: dict[str, str],
                 previous_defaults: dict[str, str] | None = None) -> dict[str, str]:
    """The values a call gives (``UsePreviousValue`` takes the stack's last one: the value given before, or
    for a parameter of the previous template that took its default, that default)."""
    previous = {**(previous_defaults or {}), **previous}
    values = {}
    for item in given:
        key = item.get("ParameterKey", "")
        if item.get("UsePreviousValue"):
            if key not in previous:
                raise validation_error(f"Invalid input for parameter key {key}. Cannot specify usePreviousValue "
                                       "as true for a parameter key not in the previous template")
            values[key] = previous[key]
        elif "ParameterValue" in item:
            values[key] = item["ParameterValue"]
    return values


def defaults(body: str) -> dict[str, str]:
    """The Default of each parameter a (previous) template declares."""
    return {n: str(d["Default"]) for n, d in declared(parse_template(body)).items() if "Default" in d}


def resolve(declarations: dict[str, dict], values: dict[str, str],
            ssm_value: Callable[[str], str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(what Ref answers for each parameter, the SSM values resolved); ValidationError as AWS words it."""
    unknown = sorted(set(values) - set(declarations))
    if unknown:
        raise validation_error(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    missing = [n for n in declarations if n not in values and "Default" not in declarations[n]]
    if missing:
        raise validation_error(f"Parameters: [{', '.join(missing)}] must have values")
    refs: dict[str, Any] = {}
    resolved: dict[str, str] = {}
    for name, declaration in declarations.items():
        value = str(values.get(name, declaration.get("Default", "")))
        kind = str(declaration["Type"])
        if kind.startswith(SSM_TYPE):
            resolved[name] = ssm_value(value)
            value, kind = resolved[name], kind[len(SSM_TYPE):-1]
        refs[name] = _checked(name, value, kind, declaration)
    return refs, resolved


def _checked(name: str, value: str, kind: str, declaration: dict) -> Any:
    is_list = kind.startswith("List<") or kind == "CommaDelimitedList"
    items = [item.strip() if kind != "CommaDelimitedList" else item for item in value.split(",")] \
        if is_list else [value]
    for item in items if value or not is_list else []:
        if kind in ("Number", "List<Number>") and not _is_number(item):
            raise validation_error(f"Parameter '{name}' must be a number.")
        _constraints(name, item, declaration)
    return items if is_list else value


def _constraints(name: str, value: str, declaration: dict) -> None:
    def failed(default: str) -> Exception:
        reason = declaration.get("ConstraintDescription")
        return validation_error(f"Parameter '{name}' failed to satisfy constraint: {reason}" if reason else default)

    allowed = declaration.get("AllowedValues")
    if allowed is not None and value not in [str(v) for v in allowed]:
        raise failed(f"Parameter '{name}' must be one of AllowedValues")
    pattern = declaration.get("AllowedPattern")
    if pattern is not None:
        try:
            matches = compile_linear(str(pattern)).fullmatch(value) is not None
        except pattern_error:
            raise validation_error(f"Parameter '{name}' has an invalid AllowedPattern") from None
        if not matches:
            raise failed(f"Parameter '{name}' must match pattern {pattern}")
    if "MinLength" in declaration and len(value) < int(declaration["MinLength"]):
        raise failed(f"Parameter '{name}' must contain at least {declaration['MinLength']} characters")
    if "MaxLength" in declaration and len(value) > int(declaration["MaxLength"]):
        raise failed(f"Parameter '{name}' must contain at most {declaration['MaxLength']} characters")
    if "MinValue" in declaration and _is_number(value) and float(value) < float(declaration["MinValue"]):
        raise failed(f"Parameter '{name}' must be a number not less than {declaration['MinValue']}")
    if "MaxValue" in declaration and _is_number(value) and float(value) > float(declaration["MaxValue"]):
        raise failed(f"Parameter '{name}' must be a number not greater than {declaration['MaxValue']}")


def no_echo(declaration: dict) -> bool:
    return str(declaration.get("NoEcho", "false")).lower() == "true"


def secret_values(declarations: dict[str, dict], values: dict[str, str]) -> set[str]:
    """The NoEcho parameters' values, which nothing a describe answers may show."""
    return {str(values.get(n, d.get("Default", ""))) for n, d in declarations.items() if no_echo(d)} - {""}


def described(declarations: dict[str, dict], values: dict[str, str], resolved: dict[str, str]) -> list[dict]:
    """The stack's ``Parameters`` as describes show them: NoEcho values masked."""
    out = []
    for name, declaration in declarations.items():
        hidden = no_echo(declaration)
        value = values.get(name, str(declaration.get("Default", "")))
        item = {"ParameterKey": name, "ParameterValue": MASK if hidden else value}
        if name in resolved:
            item["ResolvedValue"] = MASK if hidden else resolved[name]
        out.append(item)
    return out
