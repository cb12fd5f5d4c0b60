"""A conformance pack's template: a CloudFormation-like template whose ``AWS::Config::ConfigRule``
resources are the pack's rules, with ``Parameters`` (defaults, overridden by the pack's input parameters),
``Conditions``, and the intrinsics such templates use (``Ref``, ``Fn::If``, ``Fn::Equals``, ``Fn::Not``,
``AWS::NoValue``). Anything else is ConformancePackTemplateValidationException, as AWS answers."""
from __future__ import annotations

from typing import Any

from nimbus.protocol.errors import ServiceError
from nimbus.services.cloudformation.template import parse_template

RULE_TYPE = "AWS::Config::ConfigRule"
_NO_VALUE = object()


def invalid_template(message: str) -> ServiceError:
    return ServiceError("ConformancePackTemplateValidationException", message, status=400)


class _Resolver:
    def __init__(self, template: dict, inputs: dict[str, str]):
        self.parameters = {name: str(inputs.get(name, (spec or {}).get("Default", "")))
                           for name, spec in (template.get("Parameters") or {}).items()}
        unknown = sorted(set(inputs) - set(self.parameters))
        if unknown:
            raise invalid_template(f"The input parameter {unknown[0]} is not a parameter of the template.")
        self.conditions = template.get("Conditions") or {}

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise invalid_template(f"Unresolved condition {name} in the template.")
        return bool(self.value(self.conditions[name]))

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self.value(item) for item in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            [(key, argument)] = node.items()
            if key == "Ref":
                if argument == "AWS::NoValue":
                    return _NO_VALUE
                if argument not in self.parameters:
                    raise invalid_template(f"Unresolved reference {argument} in the template.")
                return self.parameters[argument]
            if key == "Fn::If":
                name, then, otherwise = argument
                return self.value(then if self.condition(name) else otherwise)
            if key == "Fn::Equals":
                left, right = (self.value(v) for v in argument)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.value(argument[0])
            if key == "Condition":
                return self.condition(argument)
            if key.startswith("Fn::"):
                raise invalid_template(f"The intrinsic function {key} is not supported in a conformance pack.")
        return {k: v for k, v in ((k, self.value(v)) for k, v in node.items()) if v is not _NO_VALUE}


def pack_rules(body: str, inputs: dict[str, str]) -> list[dict[str, Any]]:
    """The ConfigRule properties of each rule the template declares, resolved."""
    try:
        template = parse_template(body)
    except ServiceError as error:
        raise invalid_template(error.message) from None
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict) or not resources:
        raise invalid_template("The template must declare at least one AWS::Config::ConfigRule resource.")
    resolver = _Resolver(template, inputs)
    rules = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != RULE_TYPE:
            raise invalid_template(f"Resource {logical_id}: a conformance pack may only declare {RULE_TYPE} "
                                   "resources in nimbus.")
        if resource.get("Condition") and not resolver.condition(resource["Condition"]):
            continue
        properties = resolver.value(resource.get("Properties") or {})
        if not properties.get("ConfigRuleName") or not properties.get("Source"):
            raise invalid_template(f"Resource {logical_id} needs ConfigRuleName and Source.")
        if isinstance(properties.get("InputParameters"), dict):
            properties["InputParameters"] = {k: str(v) for k, v in properties["InputParameters"].items()}
        rules.append(properties)
    return rules
