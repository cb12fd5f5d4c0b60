"""awsQuery and ec2: flat ``Name.Sub.1=value`` form parameters, in the body or the query string.

The flat keys are first folded into a tree on their dots, then the tree is read
against the input shape.
"""
from __future__ import annotations

from urllib.parse import parse_qsl

from botocore.model import Shape

from .common import BadValue, Malformed, UnknownMember, from_text, shape_cache

# Parameters every query request may carry that are not operation input.
_PROTOCOL_PARAMS = frozenset(
    {"Action", "Version", "AWSAccessKeyId", "Signature", "SignatureMethod",
     "SignatureVersion", "SecurityToken", "Timestamp", "Expires"}
)


def _is_protocol_param(key: str) -> bool:
    # X-Amz-* are SigV4 presigned-URL parameters.
    return key in _PROTOCOL_PARAMS or key[:6].lower() == "x-amz-"


def _form_items(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise Malformed("The request body is not valid UTF-8 form data") from None


def _tree(items) -> dict:
    root: dict = {}
    for key, value in items:
        node = root
        *parents, leaf = key.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                # "ListArg=" (an empty list) next to "ListArg.member.1=..." keeps the members.
                child = node[part] = {}
            node = child
        node.setdefault(leaf, value)
    return root


def _indexed(shape, node) -> list:
    """The values of a ``{"1": ..., "2": ...}`` node in index order."""
    if not isinstance(node, dict) or not all(key.isdigit() for key in node):
        raise BadValue(f"{shape.name} must be given as numbered items (Name.1, Name.2, ...)")
    return [node[key] for key in sorted(node, key=int)]


@shape_cache
def _query_names(shape) -> dict:
    names = {}
    for name, member in shape.members.items():
        names[member.serialization.get("name", name)] = (name, member)
        if member.type_name == "list" and member.serialization.get("flattened"):
            # botocore names a flattened list after its member's locationName
            # (Item.1=...), Smithy after the list member (Hi.1=...): accept both.
            item_name = member.member.serialization.get("name")
            if item_name:
                names.setdefault(item_name, (name, member))
    return names


def _capitalized(name: str) -> str:
    return name[:1].upper() + name[1:]


@shape_cache
def _ec2_names(shape) -> dict:
    names: dict[str, tuple[str, Shape]] = {}
    for name, member in shape.members.items():
        serialization = member.serialization
        if "queryName" in serialization:
            candidates = [serialization["queryName"]]
        elif "name" in serialization:
            candidates = [_capitalized(serialization["name"])]
        else:
            # botocore sends the member name as is, Smithy clients capitalize it.
            candidates = [name, _capitalized(name)]
        for wire in candidates:
            names.setdefault(wire, (name, member))
    return names


class QueryReader:
    def __init__(self, ec2: bool):
        self._ec2 = ec2
        self._names = _ec2_names if ec2 else _query_names

    def read(self, shape, node):
        kind = shape.type_name
        if kind == "structure":
            return self.structure(shape, node)
        if kind == "list":
            return self.list(shape, node)
        if kind == "map":
            return self.map(shape, node)
        if not isinstance(node, str):
            raise BadValue(f"{shape.name} must be a single value, not a nested parameter")
        return from_text(shape, node)

    def structure(self, shape, node, top_level: bool = False):
        if node == "":
            return {}
        if not isinstance(node, dict):
            raise BadValue(f"{shape.name} must be given as nested parameters")
        members = self._names(shape)
        result = {}
        for key, value in node.items():
            entry = members.get(key)
            if entry is None:
                if top_level and _is_protocol_param(key):
                    continue
                raise UnknownMember(key, list(members))
            name, member = entry
            try:
                result[name] = self.read(member, value)
            except UnknownMember as unknown:
                unknown.path.insert(0, name)
                raise
        return result

    def list(self, shape, node):
        if node == "":
            return []
        if not self._ec2 and not shape.serialization.get("flattened"):
            item_name = shape.member.serialization.get("name", "member")
            if not isinstance(node, dict) or node.keys() != {item_name}:
                raise BadValue(f"{shape.name} items must be given as {item_name}.N")
            node = node[item_name]
        member = shape.member
        return [self.read(member, item) for item in _indexed(shape, node)]

    def map(self, shape, node):
        if node == "":
            return {}
        if not shape.serialization.get("flattened"):
            if not isinstance(node, dict) or node.keys() != {"entry"}:
                raise BadValue(f"{shape.name} entries must be given as entry.N.key/value")
            node = node["entry"]
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        result = {}
        for entry in _indexed(shape, node):
            if not isinstance(entry, dict) or key_name not in entry or value_name not in entry:
                raise BadValue(f"{shape.name} entries need both {key_name} and {value_name}")
            key = self.read(shape.key, entry[key_name])
            result[key] = self.read(shape.value, entry[value_name])
        return result


QUERY = QueryReader(ec2=False)
EC2 = QueryReader(ec2=True)


def parse_query(operation_model, query_items, body: bytes, ec2: bool) -> dict:
    """Parameters may come in the query string (GET, presigned URLs), the form body, or both."""
    shape = operation_model.input_shape
    if shape is None:
        return {}
    tree = _tree([*query_items, *_form_items(body)])
    return (EC2 if ec2 else QUERY).structure(shape, tree, top_level=True)
