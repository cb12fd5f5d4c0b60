"""AWS Config's managed rules: each AWS identifier with its trigger types, the resource types it applies
to, its parameters and their defaults, and the check that computes a resource's compliance.

A resource rule's check reads a resource's latest configuration item (what the recorder recorded) and
answers COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE with an annotation; an account rule (resource type
``AWS::::Account``) looks at the account as a whole. Checks that need what Config does not record (a key's
rotation, a user's access keys) read it through the internal client as the recorder's role, as AWS's own
rule functions call the services. The modules ``managed_*`` register the rules.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from nimbus.protocol.errors import ServiceError
from nimbus.services.config.rule_documents import COMPLIANT, NON_COMPLIANT

if TYPE_CHECKING:
    from nimbus.services.config.items import ItemStore
    from nimbus.services.config.reading import Reader

CHANGE, PERIODIC = "ConfigurationItemChangeNotification", "ScheduledNotification"


@dataclass(frozen=True)
class Verdict:
    compliance: str
    annotation: str | None = None


def verdict(ok: bool, annotation: str | None = None) -> Verdict:
    return Verdict(COMPLIANT if ok else NON_COMPLIANT, None if ok else annotation)


@dataclass
class Inputs:
    """What a check is given: the rule's parameters (defaults applied), a reader as the recorder's role,
    and the account and region's recorded items."""
    parameters: dict[str, Any]
    reader: Reader
    items: ItemStore
    now: float

    def flag(self, name: str) -> bool:
        return str(self.parameters.get(name, "")).lower() == "true"


ResourceCheck = Callable[[dict[str, Any], Inputs], Verdict]
AccountCheck = Callable[[Inputs], Verdict]
Listing = Callable[[Inputs], list[dict[str, Any]]]


@dataclass(frozen=True)
class ManagedRule:
    identifier: str
    triggers: tuple[str, ...]
    resource_types: tuple[str, ...] = ()  # empty: an account rule
    defaults: dict[str, str] = field(default_factory=dict)
    optional: tuple[str, ...] = ()  # parameters without a default
    check: ResourceCheck | None = None
    account_check: AccountCheck | None = None
    external: bool = False  # results come from PutExternalEvaluation (AWS_CONFIG_PROCESS_CHECK)
    listing: Listing | None = None  # reads a type Config does not record: item-like dicts of what exists

    @property
    def parameter_names(self) -> set[str]:
        return set(self.defaults) | set(self.optional)


MANAGED: dict[str, ManagedRule] = {}


def managed(rule: ManagedRule) -> None:
    MANAGED[rule.identifier] = rule


def managed_rule(identifier: str) -> ManagedRule:
    rule = MANAGED.get(identifier)
    if rule is None:
        raise ServiceError("InvalidParameterValueException",
                           f"The sourceIdentifier {identifier} is invalid. Please refer to the documentation for a "
                           "list of valid sourceIdentifiers that can be used when AWS is the Owner.", status=400)
    return rule


def parameters_of(rule: ManagedRule, input_parameters: str | None) -> dict[str, Any]:
    """The rule's parameters: its defaults, overridden by the InputParameters JSON (AWS's errors)."""
    given: Any = {}
    if input_parameters:
        try:
            given = json.loads(input_parameters)
        except ValueError:
            given = None
        if not isinstance(given, dict):
            raise ServiceError("InvalidParameterValueException",
                               "Invalid json string for input parameters.", status=400)
    unknown = sorted(set(given) - rule.parameter_names)
    if unknown:
        raise ServiceError("InvalidParameterValueException",
                           f"Unknown parameters provided in the input parameters for the rule {rule.identifier}: "
                           f"{', '.join(unknown)}.", status=400)
    return {**rule.defaults, **given}


def supplementary(item: dict[str, Any], name: str) -> Any:
    """A supplementary configuration value, parsed when recorded as JSON text."""
    value = (item.get("supplementaryConfiguration") or {}).get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def statements(policy: Any) -> list[dict[str, Any]]:
    """A policy document's statements (given as text, URL-encoded as IAM answers it, or an object)."""
    if isinstance(policy, str):
        try:
            policy = json.loads(policy if policy.lstrip().startswith("{") else unquote(policy))
        except ValueError:
            return []
    if not isinstance(policy, dict):
        return []
    found = policy.get("Statement", [])
    return [s for s in (found if isinstance(found, list) else [found]) if isinstance(s, dict)]


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []
