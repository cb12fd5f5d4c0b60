"""What CreateStack, UpdateStack and ValidateTemplate check before anything runs: the template reads,
every type exists, the graph has no cycle, the parameters satisfy their constraints, and the caller
acknowledged the capabilities the template needs."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nimbus.protocol.errors import ServiceError

from . import parameters, schemas
from .graph import check_names, creation_order, dependencies
from .intrinsics import Scope, evaluate_conditions
from .language_extensions import LANGUAGE_EXTENSIONS, check_transforms, default_names, expand, transforms
from .resource_policies import check_resource_policies
from .rules import check_rules
from .template import parse_template, validation_error

IAM_TYPES = frozenset({"AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Policy",
                       "AWS::IAM::ManagedPolicy", "AWS::IAM::AccessKey", "AWS::IAM::InstanceProfile",
                       "AWS::IAM::UserToGroupAddition"})
# The property that gives an IAM resource a name of the template's choosing: CAPABILITY_NAMED_IAM.
IAM_NAMES = {"AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName",
             "AWS::IAM::ManagedPolicy": "ManagedPolicyName", "AWS::IAM::InstanceProfile": "InstanceProfileName"}


@dataclass
class Prepared:
    template: dict
    body: str
    values: dict[str, str]  # the parameter values given (defaults left out)
    refs: dict[str, Any]  # what Ref answers for each parameter
    resolved: dict[str, str]  # SSM parameter types: the values read
    conditions: dict[str, bool]
    order: list[str]  # the resources whose Condition holds, each after what it depends on

    @property
    def resources(self) -> dict[str, dict]:
        return self.template["Resources"]


def read(body: str, values: dict[str, str] | None = None, names: dict[str, Any] | None = None) -> dict:
    """A template parsed, its transform applied and its graph checked: no unknown type, no cycle. ``names``:
    what Ref answers for the transform (parameters and pseudo parameters); without them, the parameter
    ``values`` given (a stack's, read again) or the defaults."""
    template = parse_template(body)
    if names is not None:
        template = expand(template, names)
    else:
        template = expand(template, default_names(template, values or {}), strict=False)
    if set(transforms(template)) - {LANGUAGE_EXTENSIONS}:
        return template  # what another transform would write is not known: ValidateTemplate reports it as declared
    unknown = sorted({r["Type"] for r in template["Resources"].values() if not schemas.exists(r["Type"])})
    if unknown:
        raise validation_error(f"Template format error: Unrecognized resource types: [{', '.join(unknown)}]")
    creation_order(dependencies(template["Resources"]))
    check_names(template)
    check_resource_policies(template["Resources"])
    return template


def capabilities_needed(template: dict) -> tuple[list[str], str]:
    """(the capabilities the template needs, AWS's CapabilitiesReason)."""
    iam = {n: r for n, r in template["Resources"].items() if r["Type"] in IAM_TYPES}
    if not iam:
        return [], ""
    named = any(IAM_NAMES.get(r["Type"], "") in (r.get("Properties") or {}) for r in iam.values())
    reason = f"The following resource(s) require capabilities: [{', '.join(sorted({r['Type'] for r in iam.values()}))}]"
    return ["CAPABILITY_NAMED_IAM" if named else "CAPABILITY_IAM"], reason


def check_capabilities(template: dict, given: list[str]) -> None:
    needed, _ = capabilities_needed(template)
    if needed == ["CAPABILITY_IAM"] and "CAPABILITY_NAMED_IAM" in given:
        return
    missing = [c for c in needed if c not in given]
    if missing:
        raise ServiceError("InsufficientCapabilitiesException", f"Requires capabilities : [{', '.join(missing)}]",
                           status=400, sender_fault=True)


def prepare(body: str, given: list[dict], previous: dict[str, str], capabilities: list[str],
            pseudo: dict[str, Any], ssm_value: Callable[[str], str], previous_body: str | None = None,
            change_set: bool = False) -> Prepared:
    """``previous_body``: the stack's template before this update, whose defaults UsePreviousValue may take;
    ``change_set``: for a change set, whose transforms need no CAPABILITY_AUTO_EXPAND."""
    written = parse_template(body)
    check_transforms(written, capabilities, needs_capability=not change_set)
    declarations = parameters.declared(written)
    before = parameters.defaults(previous_body) if previous_body else {}
    values = parameters.given_values(given, previous, before)
    for name in [n for n in values if n not in previous and n in before]:  # a previous default that is still
        if str(declarations.get(name, {}).get("Default")) == values[name]:  # the default: nothing was given
            del values[name]
    refs, resolved = parameters.resolve(declarations, values, ssm_value)
    template = read(body, names={**refs, **pseudo})
    check_capabilities(template, capabilities)
    scope = Scope({**refs, **pseudo}, template.get("Mappings") or {})
    conditions = evaluate_conditions(template.get("Conditions") or {}, scope)
    check_rules(template, scope)
    for name, resource in template["Resources"].items():
        if "Condition" in resource and resource["Condition"] not in conditions:
            raise validation_error(f"Template format error: Unresolved dependencies [{resource['Condition']}]. "
                                   f"Cannot reference resources in the Conditions block of the template ({name})")
    present = {n: r for n, r in template["Resources"].items() if conditions.get(r.get("Condition", ""), True)}
    order = [n for n in creation_order(dependencies(template["Resources"])) if n in present]
    return Prepared(template, body, values, refs, resolved, conditions, order)
