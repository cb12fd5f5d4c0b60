"""RFC 6902 JSON Patch (``add``, ``remove``, ``replace``, ``move``, ``copy``, ``test``) with RFC 6901 pointers:
how UpdateResource describes a change to a resource's properties."""
from __future__ import annotations

import copy
from typing import Any


class PatchError(ValueError):
    """The patch document cannot apply (a malformed operation, a missing path, a failed test)."""


def _tokens(pointer: Any) -> list[str]:
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise PatchError(f"Invalid JSON pointer: {pointer}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _index(container: list, token: str, adding: bool = False) -> int:
    if adding and token == "-":
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise PatchError(f"Invalid array index: {token}")
    index = int(token)
    if index > len(container) or (index == len(container) and not adding):
        raise PatchError(f"Array index out of range: {token}")
    return index


def _parent(document: Any, tokens: list[str]) -> Any:
    node = document
    for token in tokens[:-1]:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token)]
        else:
            raise PatchError(f"Path not found: /{'/'.join(tokens)}")
    return node


def _get(document: Any, tokens: list[str]) -> Any:
    if not tokens:
        return document
    parent, last = _parent(document, tokens), tokens[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last)]
    raise PatchError(f"Path not found: /{'/'.join(tokens)}")


def _remove(document: Any, tokens: list[str]) -> Any:
    if not tokens:
        raise PatchError("Cannot remove the whole document")
    value = _get(document, tokens)
    parent, last = _parent(document, tokens), tokens[-1]
    if isinstance(parent, dict):
        del parent[last]
    else:
        del parent[_index(parent, last)]
    return value


def _add(document: Any, tokens: list[str], value: Any) -> Any:
    if not tokens:
        return value
    parent, last = _parent(document, tokens), tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, adding=True), value)
    else:
        raise PatchError(f"Path not found: /{'/'.join(tokens)}")
    return document


def apply_patch(document: dict, operations: Any) -> Any:
    """The document with the patch applied (the original is left as it was)."""
    if not isinstance(operations, list):
        raise PatchError("A patch document is a JSON array of operations")
    result: Any = copy.deepcopy(document)
    for operation in operations:
        if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
            raise PatchError("Every patch operation needs op and path")
        op, tokens = operation["op"], _tokens(operation["path"])
        if op in ("add", "replace", "test") and "value" not in operation:
            raise PatchError(f"Operation {op} needs a value")
        if op == "add":
            result = _add(result, tokens, copy.deepcopy(operation["value"]))
        elif op == "remove":
            _remove(result, tokens)
        elif op == "replace":
            if tokens:
                _remove(result, tokens)  # the path must exist
            result = _add(result, tokens, copy.deepcopy(operation["value"]))
        elif op in ("move", "copy"):
            source = _tokens(operation.get("from"))
            if op == "move" and tokens[:len(source)] == source and tokens != source:
                raise PatchError("Cannot move a value into itself")
            value = _remove(result, source) if op == "move" else copy.deepcopy(_get(result, source))
            result = _add(result, tokens, value)
        elif op == "test":
            if _get(result, tokens) != operation["value"]:
                raise PatchError(f"Test failed at {operation['path']}")
        else:
            raise PatchError(f"Unknown patch operation: {op}")
    return result
