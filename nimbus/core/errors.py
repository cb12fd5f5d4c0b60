"""Errors that several services word the same way."""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError


def not_found(kind: str, name: str, account: str, where: str = "") -> ServiceError:
    """``ResourceNotFoundException`` as Kinesis and Firehose word it:
    ``<kind> <name> under account <account> not found[ in <region>].``"""
    suffix = f" in {where}" if where else ""
    return ServiceError("ResourceNotFoundException", f"{kind} {name} under account {account} not found{suffix}.")
