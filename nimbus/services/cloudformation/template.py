"""Reading a template body: JSON, or YAML with CloudFormation's short-form tags (``!Ref``, ``!GetAtt``...).

YAML is read by a SafeLoader subclass: no Python object can be built from a template, only the plain
types and the long form (``{"Fn::Sub": ...}``) of each tag. A body that is neither is a ValidationError
naming the line and column where the parser stopped, as AWS's template format error does.
"""
from __future__ import annotations

import json
from typing import Any

import yaml

from nimbus.core.json_text import MAX_DEPTH, read_json
from nimbus.protocol.errors import ServiceError

MAX_BODY = 51_200  # TemplateBody's limit; a TemplateURL may name up to 1 MB
MAX_URL_BODY = 1_048_576
MAX_NODES = 500_000  # values a template may hold, YAML aliases expanded; a 1 MB template holds no more

# Short tags and the intrinsic each stands for; ``!Ref`` and ``!Condition`` keep their own names.
_FUNCTIONS = ("Base64", "Cidr", "FindInMap", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub",
              "Transform", "And", "Equals", "If", "Not", "Or", "Length", "ToJsonString")
SECTIONS = frozenset({"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings",
                      "Conditions", "Transform", "Resources", "Outputs", "Hooks"})


def validation_error(message: str) -> ServiceError:
    return ServiceError("ValidationError", message, status=400, sender_fault=True)


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation's tags; mappings keep plain string keys."""


def _construct(loader: yaml.SafeLoader, node: yaml.Node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]


def _function(name: str):
    def construct(loader: yaml.SafeLoader, node: yaml.Node):
        return {name: _construct(loader, node)}
    return construct


def _get_att(loader: yaml.SafeLoader, node: yaml.Node):
    value = _construct(loader, node)
    if isinstance(value, str):  # !GetAtt Resource.Attribute (the attribute may itself contain dots)
        value = value.split(".", 1)
    return {"Fn::GetAtt": value}


for _name in _FUNCTIONS:
    _TemplateLoader.add_constructor(f"!{_name}", _function(f"Fn::{_name}"))
_TemplateLoader.add_constructor("!Ref", _function("Ref"))
_TemplateLoader.add_constructor("!Condition", _function("Condition"))
_TemplateLoader.add_constructor("!GetAtt", _get_att)
# A timestamp-looking scalar (AWSTemplateFormatVersion: 2010-09-09) stays the string it was written as.
_TemplateLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _check_size(template: Any) -> None:
    """Refuse nesting past MAX_DEPTH and documents whose YAML aliases expand past MAX_NODES values: every
    later walk over the template (evaluation, the graph) is recursive and visits aliased parts each time."""
    visits, stack = 0, [(template, 1)]
    while stack:
        value, depth = stack.pop()
        visits += 1
        if depth > MAX_DEPTH or visits > MAX_NODES:
            raise validation_error(f"Template format error: the template nests deeper than {MAX_DEPTH} levels or "
                                   f"expands to more than {MAX_NODES} values.")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def parse_template(body: str) -> dict:
    """The template as a dict; ValidationError with the line and column of what cannot be read."""
    text = body.lstrip()
    if text.startswith("{"):
        try:
            template = read_json(body)
        except json.JSONDecodeError as error:
            raise validation_error(f"Template format error: JSON not well-formed. (line {error.lineno}, "
                                   f"column {error.colno})") from None
        except ValueError as error:
            raise validation_error(f"Template format error: JSON not well-formed. ({error})") from None
    else:
        try:
            template = yaml.load(body, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise validation_error(f"Template format error: YAML not well-formed.{where}") from None
        except (yaml.YAMLError, RecursionError):
            raise validation_error("Template format error: YAML not well-formed.") from None
    _check_size(template)
    if not isinstance(template, dict):
        raise validation_error("Template format error: JSON not well-formed. (line 1, column 1)"
                               if text.startswith("{") else "Template format error: YAML not well-formed.")
    unknown = sorted(str(k) for k in template if k not in SECTIONS)
    if unknown:
        raise validation_error(f"Template format error: Unrecognized section(s): {unknown}".replace("'", ""))
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise validation_error("Template format error: At least one Resources member must be defined.")
    for name, resource in resources.items():
        if name.startswith("Fn::ForEach::"):
            continue  # a loop AWS::LanguageExtensions writes resources from
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise validation_error(f"Template format error: [/Resources/{name}] Every Resources object must "
                                   "contain a Type member.")
    return template
