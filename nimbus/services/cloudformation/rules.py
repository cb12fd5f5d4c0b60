"""A template's Rules: assertions on the parameter values, checked before a stack is created or updated (or
a change set made). A rule applies when its RuleCondition holds (or it has none); a failed Assert is a
ValidationError with its AssertDescription.

Rule functions: ``Fn::Contains``, ``Fn::EachMemberEquals``, ``Fn::EachMemberIn``, ``Fn::RefAll``,
``Fn::ValueOf``, ``Fn::ValueOfAll``, ``Fn::Equals``, ``Fn::And``, ``Fn::Or``, ``Fn::Not`` and ``Fn::If``,
over ``Ref`` to parameters and pseudo parameters."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .intrinsics import Scope, evaluate
from .intrinsics import _args as arguments
from .intrinsics import _truth as truth_of
from .template import validation_error


def _strings(value: Any, function: str) -> list[str]:
    if not isinstance(value, list):
        raise validation_error(f"Template error: {function} requires a list of strings")
    return [str(v) for v in value]


class RuleScope:
    """What a rule's functions can name: the parameters' values and their declared types."""

    def __init__(self, template: dict, scope: Scope):
        self.scope = scope
        self.types = {name: str(d.get("Type", "String")) for name, d in (template.get("Parameters") or {}).items()
                      if isinstance(d, dict)}
        self.functions: dict[str, Callable[[Any], Any]] = {
            "Fn::Contains": self._contains, "Fn::EachMemberEquals": self._each_member_equals,
            "Fn::EachMemberIn": self._each_member_in, "Fn::RefAll": self._ref_all,
            "Fn::ValueOf": self._value_of, "Fn::ValueOfAll": self._value_of,
            "Fn::Equals": self._equals, "Fn::And": lambda a: all(self.truth(x) for x in a),
            "Fn::Or": lambda a: any(self.truth(x) for x in a),
            "Fn::Not": lambda a: not self.truth(a[0] if isinstance(a, list) else a), "Fn::If": self._if}

    def value(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict) and len(value) == 1:
            (key, argument), = value.items()
            if key in self.functions:
                return self.functions[key](argument)
        return evaluate(value, self.scope)

    def truth(self, value: Any) -> bool:
        return truth_of(self.value(value))

    def _contains(self, argument: Any) -> bool:
        listed, item = (self.value(a) for a in arguments(argument, "Fn::Contains", 2))
        return str(item) in _strings(listed, "Fn::Contains")

    def _each_member_equals(self, argument: Any) -> bool:
        listed, item = (self.value(a) for a in arguments(argument, "Fn::EachMemberEquals", 2))
        return all(member == str(item) for member in _strings(listed, "Fn::EachMemberEquals"))

    def _each_member_in(self, argument: Any) -> bool:
        checked, allowed = (_strings(self.value(a), "Fn::EachMemberIn") for a in arguments(argument, "Fn::EachMemberIn", 2))
        return all(member in allowed for member in checked)

    def _ref_all(self, argument: Any) -> list[str]:
        """Every value of every parameter of that type."""
        values: list[str] = []
        for name, kind in self.types.items():
            if kind == argument and name in self.scope.names:
                value = self.scope.names[name]
                values.extend(str(v) for v in value) if isinstance(value, list) else values.append(str(value))
        return values

    def _value_of(self, argument: Any) -> Any:
        raise validation_error("Template error: Fn::ValueOf and Fn::ValueOfAll read attributes of AWS-specific "
                               "parameter types (VPCs, subnets, security groups), which nimbus does not serve")

    def _equals(self, argument: Any) -> bool:
        left, right = (self.value(a) for a in arguments(argument, "Fn::Equals", 2))
        return left == right if isinstance(left, list) else str(left) == str(right)

    def _if(self, argument: Any) -> Any:
        condition, when_true, when_false = arguments(argument, "Fn::If", 3)
        return self.value(when_true if self.scope.conditions.get(condition) else when_false)


def check_rules(template: dict, scope: Scope) -> None:
    """ValidationError for the first assertion that fails, worded as its AssertDescription."""
    rules = template.get("Rules") or {}
    if not isinstance(rules, dict):
        raise validation_error("Template format error: Rules must be an object")
    evaluator = RuleScope(template, scope)
    for name, rule in rules.items():
        if not isinstance(rule, dict) or not isinstance(rule.get("Assertions"), list):
            raise validation_error(f"Template format error: rule {name} must have a list of Assertions")
        if "RuleCondition" in rule and not evaluator.truth(rule["RuleCondition"]):
            continue
        for assertion in rule["Assertions"]:
            if not isinstance(assertion, dict) or "Assert" not in assertion:
                raise validation_error(f"Template format error: every assertion of rule {name} needs an Assert")
            if not evaluator.truth(assertion["Assert"]):
                raise validation_error(str(assertion.get("AssertDescription") or
                                           f"Template error: an assertion of rule {name} failed"))
