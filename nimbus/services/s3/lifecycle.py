"""Lifecycle expiration on the virtual clock.

Objects are removed by a sweep that runs when the clock jumps and, lazily, when a bucket
with rules is used and its last sweep is more than a minute of virtual time old.
Expiry by ``Days`` falls at the midnight UTC after the object's age reaches the count, as S3 rounds.
"""
from __future__ import annotations

from email.utils import formatdate

from nimbus.services.s3.documents import ObjectVersion

DAY = 86400
SWEEP_EVERY = 60.0


def _filter(rule: dict) -> dict:
    found = rule.get("Filter")
    if found is None:
        return {"Prefix": rule.get("Prefix", "")}
    return found.get("And") or found


def applies(rule: dict, record: ObjectVersion) -> bool:
    if rule.get("Status") != "Enabled":
        return False
    condition = _filter(rule)
    if not record["Key"].startswith(condition.get("Prefix") or ""):
        return False
    tags = {t["Key"]: t["Value"] for t in record.get("Tags") or []}
    wanted = condition.get("Tags") or ([condition["Tag"]] if condition.get("Tag") else [])
    if any(tags.get(t["Key"]) != t["Value"] for t in wanted):
        return False
    size = record.get("Size", 0)
    if condition.get("ObjectSizeGreaterThan") is not None and not size > condition["ObjectSizeGreaterThan"]:
        return False
    if condition.get("ObjectSizeLessThan") is not None and not size < condition["ObjectSizeLessThan"]:
        return False
    return True


def expiry(rule: dict, record: ObjectVersion) -> float | None:
    """When this rule expires the record, or None."""
    expiration = rule.get("Expiration") or {}
    if not applies(rule, record):
        return None
    if expiration.get("Days") is not None:
        due = record["LastModified"] + expiration["Days"] * DAY
        return (due // DAY + 1) * DAY if due % DAY else due
    if expiration.get("Date") is not None:
        return float(expiration["Date"])
    return None


def first_expiry(rules: list[dict], record: ObjectVersion) -> tuple[float, str] | None:
    found = [(when, rule.get("ID", "")) for rule in rules or [] if (when := expiry(rule, record)) is not None]
    return min(found) if found else None


def expiration_header(rules: list[dict], record: ObjectVersion) -> str | None:
    found = first_expiry(rules, record)
    if found is None:
        return None
    return f'expiry-date="{formatdate(found[0], usegmt=True)}", rule-id="{found[1]}"'
