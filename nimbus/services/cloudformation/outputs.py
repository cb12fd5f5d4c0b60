"""A template's Outputs, and the exports they publish for other stacks' Fn::ImportValue."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .documents import EXPORT
from .intrinsics import Scope, condition_value, evaluate
from .state import exports_ns
from .template import validation_error

if TYPE_CHECKING:
    from .state import CloudFormationState, StackIdentity


def _text(value) -> str:
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)


def outputs_of(template: dict, scope: Scope) -> list[dict[str, str]]:
    """The stack's Outputs, as DescribeStacks shows them."""
    out = []
    for key, declared in (template.get("Outputs") or {}).items():
        if "Condition" in declared and not condition_value(declared["Condition"], scope):
            continue
        item = {"OutputKey": key, "OutputValue": _text(evaluate(declared.get("Value", ""), scope))}
        if "Description" in declared:
            item["Description"] = str(declared["Description"])
        if "Export" in declared:
            item["ExportName"] = _text(evaluate(declared["Export"].get("Name", ""), scope))
        out.append(item)
    return out


def publish_exports(state: CloudFormationState, where: StackIdentity, outputs: list[dict[str, str]]) -> None:
    """Make the stack's exports these; ValidationError when another stack owns a name, or when an export
    another stack imports would change or disappear."""
    exports = state.exports(where.account, where.region)
    wanted = {o["ExportName"]: o["OutputValue"] for o in outputs if "ExportName" in o}
    for name in wanted:
        owner = exports.get(name)
        if owner is not None and owner["ExportingStackId"] != where.stack_id:
            raise validation_error(f"Export with name {name} is already exported by stack "
                                   f"{owner['ExportingStackId'].split('/')[1]}")
    mine = {n: e for n, e in exports.items() if e["ExportingStackId"] == where.stack_id}
    for name, export in mine.items():
        importers = state.importers(where.account, where.region, name)
        if importers and wanted.get(name) != export["Value"]:
            verb = "updated" if name in wanted else "deleted"
            raise validation_error(f"Export {name} cannot be {verb} as it is in use by {importers[0]}")
    namespace = exports_ns(where.account, where.region)
    with state.store.transaction():
        for name in set(mine) - set(wanted):
            state.store.delete(namespace, name)
        for name, value in wanted.items():
            EXPORT.put(state.store, namespace, name, {"ExportingStackId": where.stack_id, "Name": name, "Value": value})
