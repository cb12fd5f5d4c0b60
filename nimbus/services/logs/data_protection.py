"""Data protection: PutDataProtectionPolicy / Get / Delete on a log group (and account-wide
``DATA_PROTECTION_POLICY`` account policies), and the masking GetLogEvents and FilterLogEvents apply.

A policy names managed data identifiers in an Audit statement and a Deidentify statement, as AWS requires;
what they find is masked with asterisks in what readers get back, unless the caller asks ``unmask=true``
and holds ``logs:Unmask`` on the group. Events are stored as sent: masking happens on the way out.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json

from .common import account_policies_ns, group_arn, group_name_of, groups_ns, invalid, now_ms
from .documents import LOG_GROUP, LogGroup
from .state import LogsState

IDENTIFIER_ARN = "arn:aws:dataprotection::aws:data-identifier/"
# The managed data identifiers nimbus recognises (AWS has over a hundred; see docs/services/logs.md).
IDENTIFIERS = {
    "EmailAddress": r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}",
    "AwsSecretKey": r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])",
    "AwsAccessKeyId": r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])",
    "IpAddress": r"(?<![0-9.])(?:(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])"
                 r"(?![0-9.])",
}


def identifiers_of(document: str) -> list[str]:
    """The managed identifiers a policy masks; InvalidParameterException for a policy AWS would refuse."""
    try:
        policy = read_json(document)
    except ValueError:
        raise invalid("Invalid data protection policy document: not valid JSON.") from None
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if not isinstance(statements, list) or len(statements) != 2:
        raise invalid("A data protection policy must contain exactly two statements: one with an Audit operation "
                      "and one with a Deidentify operation.")
    operations = {}
    for statement in statements:
        operation = statement.get("Operation") if isinstance(statement, dict) else None
        if not isinstance(operation, dict) or len(operation) != 1:
            raise invalid("Each data protection policy statement needs exactly one Operation.")
        operations[next(iter(operation))] = statement.get("DataIdentifier")
    if set(operations) != {"Audit", "Deidentify"}:
        raise invalid("A data protection policy needs one Audit and one Deidentify statement.")
    if operations["Audit"] != operations["Deidentify"] or not operations["Audit"]:
        raise invalid("The Audit and Deidentify statements must name the same data identifiers.")
    names = []
    for identifier in operations["Deidentify"]:
        name = identifier.removeprefix(IDENTIFIER_ARN) if isinstance(identifier, str) else ""
        if name not in IDENTIFIERS:
            raise invalid(f"Unsupported data identifier: {identifier}")
        names.append(name)
    return names


@functools.lru_cache(maxsize=256)
def _masker(names: tuple[str, ...]) -> Callable[[str], str]:
    pattern = re.compile("|".join(f"(?:{IDENTIFIERS[n]})" for n in names))
    return lambda message: pattern.sub(lambda m: "*" * len(m.group(0)), message)


class DataProtectionOps(LogsState):
    def put_data_protection_policy(self, ctx: RequestContext, params: dict) -> dict:
        identifiers_of(params["policyDocument"])
        name = group_name_of(params)
        with self.store.transaction():
            group = self.log_group(ctx, name)
            group["dataProtectionPolicy"] = params["policyDocument"]
            group["dataProtectionUpdated"] = now_ms(ctx)
            self.save_group(ctx, group)
        return {"logGroupIdentifier": params["logGroupIdentifier"], "policyDocument": params["policyDocument"],
                "lastUpdatedTime": group["dataProtectionUpdated"]}

    def get_data_protection_policy(self, ctx: RequestContext, params: dict) -> dict:
        group = self.log_group(ctx, group_name_of(params))
        output: dict = {"logGroupIdentifier": params["logGroupIdentifier"]}
        if group.get("dataProtectionPolicy"):
            output.update(policyDocument=group["dataProtectionPolicy"], lastUpdatedTime=group["dataProtectionUpdated"])
        return output

    def delete_data_protection_policy(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            group = self.log_group(ctx, group_name_of(params))
            if not group.get("dataProtectionPolicy"):
                raise invalid("The specified log group has no data protection policy.")
            group.pop("dataProtectionPolicy", None)
            group.pop("dataProtectionUpdated", None)
            self.save_group(ctx, group)
        return {}


def mask_for(store, ctx: RequestContext, group: LogGroup, unmask: bool) -> Callable[[str], str] | None:
    """What hides the group's sensitive data from this reader (None: nothing to hide, or unmasked)."""
    documents = [group["dataProtectionPolicy"]] if group.get("dataProtectionPolicy") else []
    documents += [policy["policyDocument"] for _, policy in
                  store.scan(account_policies_ns(ctx.account_id, ctx.region, "DATA_PROTECTION_POLICY"))]
    if not documents:
        return None
    if unmask:
        ctx.authorize("logs:Unmask", group_arn(ctx, group["logGroupName"]))
        return None
    names = sorted({name for document in documents for name in identifiers_of(document)})
    return _masker(tuple(names))


def mask_groups(store, ctx: RequestContext, names: list[str]) -> Callable[[str], str] | None:
    """What hides sensitive data in results drawn from several groups (Insights rows may mix them): every
    identifier any of them protects. Insights results are always masked, as AWS masks them."""
    maskers = [m for name in names
               if (group := LOG_GROUP.get(store, groups_ns(ctx.account_id, ctx.region), name)) is not None
               and (m := mask_for(store, ctx, group, unmask=False)) is not None]
    if not maskers:
        return None

    def mask(text: str) -> str:
        for masker in maskers:
            text = masker(text)
        return text
    return mask
