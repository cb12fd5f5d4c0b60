"""rest-xml bodies.

Elements are matched on their local name, so namespaces (declared or not) never
get in the way. Elements the shape does not know are ignored, as S3 does.
DTDs and entities are refused outright, so no entity expansion can happen.
"""
from __future__ import annotations

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .common import BadValue, Malformed, from_text, shape_cache


def _local(name: str) -> str:
    """``{ns}Tag`` or ``prefix:Tag`` -> ``Tag``."""
    return name.rpartition("}")[2].rpartition(":")[2]


@shape_cache
def _plan(shape) -> list[tuple]:
    """Per body member: (name, shape, how it appears, the element/attribute names it may use)."""
    plan = []
    for name, member in shape.members.items():
        serialization = member.serialization
        if "location" in serialization:
            continue  # bound to a header, label or query parameter, never to the body
        wire = serialization.get("name", name)
        if serialization.get("xmlAttribute"):
            plan.append((name, member, "attribute", (_local(wire),)))
            continue
        # botocore takes a locationName set on the member's target shape as the
        # element name, Smithy the member name; a flattened list is named after
        # its items in botocore. Accept them all: unknown elements are ignored anyway.
        names = [wire, name]
        flattened = serialization.get("flattened") and member.type_name in ("list", "map")
        if flattened and member.type_name == "list":
            names.insert(0, member.member.serialization.get("name", wire))
        plan.append((name, member, "flattened" if flattened else "element", tuple(dict.fromkeys(names))))
    return plan


class XmlReader:
    def read(self, shape, element):
        kind = shape.type_name
        if kind == "structure":
            return self.structure(shape, element)
        if kind == "list":
            return [self.read(shape.member, item) for item in element]
        if kind == "map":
            return self.map(shape, list(element))
        text = element.text or ""
        return from_text(shape, text if kind == "string" else text.strip())

    def structure(self, shape, element):
        children: dict[str, list] = {}
        for child in element:
            children.setdefault(_local(child.tag), []).append(child)
        result = {}
        for name, member, how, names in _plan(shape):
            if how == "attribute":
                for key, value in element.attrib.items():
                    if _local(key) in names:
                        result[name] = from_text(member, value)
                continue
            found = next((children[wire] for wire in names if wire in children), None)
            if found is None:
                continue
            if how == "element":
                result[name] = self.read(member, found[0])
            elif member.type_name == "list":
                result[name] = [self.read(member.member, item) for item in found]
            else:
                result[name] = self.map(member, found)
        return result

    def map(self, shape, entries):
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        result = {}
        for entry in entries:
            parts = {_local(child.tag): child for child in entry}
            if key_name not in parts or value_name not in parts:
                raise BadValue(f"{shape.name} entries need both <{key_name}> and <{value_name}>")
            result[self.read(shape.key, parts[key_name])] = self.read(shape.value, parts[value_name])
        return result


XML = XmlReader()


def load_xml(body: bytes):
    try:
        return fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as error:
        raise Malformed(
            "The XML you provided was not well-formed or did not validate against our published schema"
        ) from error
