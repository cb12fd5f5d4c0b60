"""Message data protection: validating a topic's data protection policy and applying it to message bodies.

Statements act on managed data identifiers (``arn:aws:dataprotection::aws:data-identifier/EmailAddress``)
or the policy's own custom ones (``Configuration.CustomDataIdentifier``: a name and a regex). Inbound
statements act on Publish: Audit records findings, Deidentify masks or redacts, Deny refuses the publish.
Outbound statements act on each delivery: Deidentify changes what that subscriber gets, Deny drops it.
AWS finds data with machine learning as well as patterns; nimbus uses patterns, so only identifiers with a
reliable pattern are detected (``DETECTORS``); the others are accepted in policies and find nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from nimbus.core.json_text import read_json

from .common import invalid_parameter

MANAGED_PREFIX = "arn:aws:dataprotection::aws:data-identifier/"
MANAGED_NAME = re.compile(r"^[A-Za-z0-9-]{1,128}$")
POLICY_VERSION = "2021-06-01"
OPERATIONS = ("Audit", "Deidentify", "Deny")
DIRECTIONS = ("Inbound", "Outbound")
MAX_POLICY_BYTES = 30720


def _luhn(text: str) -> bool:
    digits = [int(c) for c in text if c.isdigit()]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return 13 <= len(digits) <= 19 and total % 10 == 0


DETECTORS: dict[str, tuple[re.Pattern, object]] = {
    "EmailAddress": (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), None),
    "CreditCardNumber": (re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), _luhn),
    "AwsSecretKey": (re.compile(r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+=]*[a-z])(?=[A-Za-z0-9/+=]*[A-Z])"
                                r"(?=[A-Za-z0-9/+=]*[0-9])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"), None),
    "IpAddress": (re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b"), None),
    "PhoneNumber-US": (re.compile(r"(?<!\d)(?:\+1[ -]?)?\(?\d{3}\)?[ -]?\d{3}-\d{4}(?!\d)"), None),
    "Ssn-US": (re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b"), None),
    "OpenSshPrivateKey": (re.compile(r"-----BEGIN OPENSSH PRIVATE KEY-----[\s\S]+?-----END OPENSSH PRIVATE KEY-----"),
                          None),
    "PkcsPrivateKey": (re.compile(r"-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?"
                                  r"-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----"), None),
    "PgpPrivateKey": (re.compile(r"-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]+?-----END PGP PRIVATE KEY BLOCK-----"),
                      None),
}


@dataclass
class Finding:
    identifier: str  # the managed identifier's name, or the custom identifier's
    start: int
    end: int


def _bad(reason: str):
    return invalid_parameter(f"DataProtectionPolicy Reason: {reason}")


def check_policy(text: str) -> dict:
    """AWS's checks of a data protection policy document; the parsed policy."""
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise _bad("The policy is larger than 30720 bytes")
    try:
        policy = read_json(text)
    except ValueError:
        raise _bad("Invalid JSON") from None
    if not isinstance(policy, dict):
        raise _bad("Invalid JSON")
    if not isinstance(policy.get("Name"), str) or not policy["Name"]:
        raise _bad("Name is required")
    if policy.get("Version") != POLICY_VERSION:
        raise _bad(f"Version must be {POLICY_VERSION}")
    custom = _custom_identifiers(policy)
    statements = policy.get("Statement")
    if not isinstance(statements, list) or not statements:
        raise _bad("Statement must be a non-empty list")
    audits = 0
    for statement in statements:
        if not isinstance(statement, dict):
            raise _bad("Statement must be a list of objects")
        if statement.get("DataDirection") not in DIRECTIONS:
            raise _bad("DataDirection must be Inbound or Outbound")
        principals = statement.get("Principal")
        if not isinstance(principals, list) or not principals or not all(isinstance(p, str) for p in principals):
            raise _bad("Principal must be a non-empty list of strings")
        identifiers = statement.get("DataIdentifier")
        if not isinstance(identifiers, list) or not identifiers:
            raise _bad("DataIdentifier must be a non-empty list")
        for identifier in identifiers:
            if not isinstance(identifier, str) or not (
                    identifier in custom or (identifier.startswith(MANAGED_PREFIX)
                                             and MANAGED_NAME.match(identifier[len(MANAGED_PREFIX):]))):
                raise _bad(f"Invalid DataIdentifier: {identifier}")
        operation = statement.get("Operation")
        if not isinstance(operation, dict) or len(operation) != 1 or next(iter(operation)) not in OPERATIONS:
            raise _bad("Operation must have exactly one of Audit, Deidentify or Deny")
        kind, settings = next(iter(operation.items()))
        if not isinstance(settings, dict):
            raise _bad(f"{kind} must be an object")
        if kind == "Audit":
            audits += 1
            if statement["DataDirection"] != "Inbound":
                raise _bad("Audit is supported for Inbound data only")
            rate = str(settings.get("SampleRate", ""))
            if not rate.isdigit() or int(rate) > 99:
                raise _bad("SampleRate must be an integer from 0 to 99")
        if kind == "Deidentify":
            _check_deidentify(settings)
    if audits > 1:
        raise _bad("Only one Audit statement is allowed")
    return policy


def _check_deidentify(settings: dict) -> None:
    if len(settings) != 1 or next(iter(settings)) not in ("MaskConfig", "RedactConfig"):
        raise _bad("Deidentify must have exactly one of MaskConfig or RedactConfig")
    mask = settings.get("MaskConfig")
    if mask is not None:
        character = mask.get("MaskWithCharacter", "*") if isinstance(mask, dict) else None
        if not isinstance(character, str) or len(character) != 1 or not character.isprintable():
            raise _bad("MaskWithCharacter must be one printable character")


def _custom_identifiers(policy: dict) -> dict[str, re.Pattern]:
    configured = (policy.get("Configuration") or {}).get("CustomDataIdentifier") or []
    found = {}
    for entry in configured:
        try:
            found[entry["Name"]] = re.compile(entry["Regex"])
        except (TypeError, KeyError, re.error):
            raise _bad("CustomDataIdentifier needs a Name and a valid Regex") from None
    return found


def _name(identifier: str) -> str:
    return identifier[len(MANAGED_PREFIX):] if identifier.startswith(MANAGED_PREFIX) else identifier


def find(text: str, identifiers: list[str], custom: dict[str, re.Pattern]) -> list[Finding]:
    findings = []
    for identifier in identifiers:
        name = _name(identifier)
        pattern, valid = (custom[identifier], None) if identifier in custom else DETECTORS.get(name, (None, None))
        if pattern is None:
            continue
        for match in pattern.finditer(text):
            if valid is None or valid(match.group(0)):  # type: ignore[operator]
                findings.append(Finding(name, match.start(), match.end()))
    return findings


def _principal_matches(principals: list[str], principal_arn: str, account: str) -> bool:
    return any(p in ("*", principal_arn, account, f"arn:aws:iam::{account}:root") for p in principals)


@dataclass
class Outcome:
    message: str  # the body after de-identification
    denied: bool
    audit: dict | None  # the Audit statement's settings with its findings, when one applies
    findings: list[Finding]


def apply(policy_text: str | None, direction: str, message: str, principal_arn: str, account: str) -> Outcome:
    """What the topic's policy does to one message in one direction, for one principal."""
    if not policy_text:
        return Outcome(message, False, None, [])
    policy = read_json(policy_text)
    custom = _custom_identifiers(policy)
    denied, audit, every = False, None, []
    spans: list[tuple[int, int, str | None]] = []  # start, end, mask character (None: redact)
    for statement in policy["Statement"]:
        if statement["DataDirection"] != direction or not _principal_matches(statement["Principal"], principal_arn,
                                                                             account):
            continue
        findings = find(message, statement["DataIdentifier"], custom)
        kind, settings = next(iter(statement["Operation"].items()))
        if kind == "Audit":
            audit = {**settings, "Findings": findings}
            every.extend(findings)
        elif findings and kind == "Deny":
            denied = True
        elif findings and kind == "Deidentify":
            character = settings["MaskConfig"].get("MaskWithCharacter", "*") if "MaskConfig" in settings else None
            spans.extend((f.start, f.end, character) for f in findings)
    for start, end, character in sorted(spans, reverse=True):
        message = message[:start] + (character * (end - start) if character else "") + message[end:]
    return Outcome(message, denied, audit, every)
