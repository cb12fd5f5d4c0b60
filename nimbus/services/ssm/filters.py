"""ParameterFilters (DescribeParameters, GetParametersByPath) and the older Filters: checked with AWS's
errors, then matched against a parameter."""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError

from .common import check_path, validation
from .documents import Parameter

DESCRIBE_KEYS = ("Path", "Name", "Type", "KeyId", "Tier", "DataType")
BY_PATH_KEYS = ("Type", "KeyId", "Label")
VALUES = {"Type": ("String", "StringList", "SecureString"), "Tier": ("Standard", "Advanced", "Intelligent-Tiering")}


def _options(key: str, by_path: bool) -> tuple[str, ...]:
    if key == "Path":
        return ("Recursive", "OneLevel")
    if key == "Label" and by_path:
        return ("Equals",)
    return ("Equals", "BeginsWith", "Contains") if key == "Name" else ("Equals", "BeginsWith")


def check_filters(filters: list[dict], by_path: bool) -> list[dict]:
    """The filters with their options filled in; AWS's InvalidFilter* errors for what it refuses."""
    valid_keys = BY_PATH_KEYS if by_path else DESCRIBE_KEYS
    checked, seen = [], set()
    for given in filters:
        key = given["Key"]
        if key not in valid_keys and (by_path or not key.startswith("tag:")):
            raise ServiceError("InvalidFilterKey", f"The following filter key is not valid: {key}. Valid filter "
                               f"keys include: [{', '.join(valid_keys)}].")
        if key in seen:
            raise ServiceError("InvalidFilterKey", f"The following filter is duplicated in the request: {key}. A "
                               "request can contain only one occurrence of a specific filter.")
        seen.add(key)
        option = given.get("Option") or ("OneLevel" if key == "Path" else "Equals")
        if option not in _options(key, by_path):
            raise ServiceError("InvalidFilterOption", f"The following filter option is not valid: {option}. Valid "
                               f"options include: [{', '.join(_options(key, by_path))}].")
        values = given.get("Values") or []
        if not values and not key.startswith("tag:"):
            raise ServiceError("InvalidFilterValue",
                               f"The following filter values are missing : null for filter key {key}.")
        for value in values:
            if key in VALUES and value not in VALUES[key]:
                raise ServiceError("InvalidFilterValue", f"The following filter value is not valid: {value}. Valid "
                                   f"values include: [{', '.join(VALUES[key])}].")
        if key == "Path":
            values = [check_path(v) for v in values]
        checked.append({"Key": key, "Option": option, "Values": values})
    return checked


def matches(parameter: Parameter, filters: list[dict]) -> bool:
    return all(_matches(parameter, f["Key"], f["Option"], f["Values"]) for f in filters)


def _matches(parameter: Parameter, key: str, option: str, values: list[str]) -> bool:
    name = parameter["Name"]
    if key == "Path":
        parent = name.rsplit("/", 1)[0] if name.startswith("/") else None
        if parent is None:
            return False
        if option == "OneLevel":
            return parent in values
        return any(name.startswith(v + "/") for v in values)
    if key == "Label":
        return any(label in parameter.get("Labels", {}) for label in values)
    if key.startswith("tag:"):
        tags = parameter.get("Tags", {})
        tag = key[4:]
        return tag in tags and (not values or _compare(tags[tag], option, values))
    if key == "Name":
        return _compare("/" + name.lstrip("/"), option, ["/" + v.lstrip("/") for v in values]
                        if option != "Contains" else values)
    actual = parameter.get(key)  # Type, KeyId, Tier, DataType: the member of that name
    return isinstance(actual, str) and _compare(actual, option, values)


def _compare(actual: str, option: str, values: list[str]) -> bool:
    if option == "BeginsWith":
        return any(actual.startswith(v) for v in values)
    if option == "Contains":
        return any(v in actual for v in values)
    return actual in values


def legacy_matches(parameter: Parameter, filters: list[dict]) -> bool:
    """DescribeParameters' older Filters: Name begins with, Type and KeyId equal."""
    for given in filters:
        actual = parameter.get(given["Key"])
        if not isinstance(actual, str):
            return False
        if given["Key"] == "Name" and not any(actual.startswith(v) for v in given["Values"]):
            return False
        if given["Key"] != "Name" and actual not in given["Values"]:
            return False
    return True


def check_either(params: dict) -> None:
    if params.get("Filters") and params.get("ParameterFilters"):
        raise validation("You can use either Filters or ParameterFilters in a single request.")
