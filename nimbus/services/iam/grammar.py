"""IAM's stricter checks on identity policies, beyond the grammar every policy shares (core/policy).

IAM refuses on write what other services' policy stores let through: a managed policy in the 2008
language, a resource that is not an ARN or ``*`` (or names another partition, a region for IAM or S3,
an IAM resource type that does not exist). The action rules (one colon, a vendor of letters, digits,
``-`` and ``.``) are the shared grammar's. The messages are IAM's own.
"""
from __future__ import annotations

from nimbus.core.json_text import read_json
from nimbus.protocol.errors import ServiceError

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
IAM_RESOURCE_TYPES = ("user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
                      "server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/",
                      "report/", "access-report/")
REGIONLESS = {"iam": "IAM resource {resource} cannot contain region information.",
              "s3": "Resource {resource} can not contain region information."}


def malformed(message: str) -> ServiceError:
    return ServiceError("MalformedPolicyDocument", message, status=400)


def check_identity_grammar(document: str, managed: bool) -> None:
    """Raise MalformedPolicyDocument where IAM refuses an identity policy the shared grammar accepts."""
    data = read_json(document)  # the shared grammar has parsed it already
    if managed and data.get("Version") != "2012-10-17":
        raise malformed("Policy document must be version 2012-10-17 or greater.")
    statements = data["Statement"] if isinstance(data["Statement"], list) else [data["Statement"]]
    for statement in statements:
        for resource in _listed(statement, "Resource", "NotResource"):
            _check_resource(resource)


def _listed(statement: dict, *names: str) -> list[str]:
    values: list[str] = []
    for name in names:
        value = statement.get(name)
        values += value if isinstance(value, list) else [value] if value is not None else []
    return values


def _check_resource(resource: str) -> None:
    if resource == "*" or resource.startswith("${"):  # a policy variable may stand for a whole ARN
        return
    parts = resource.split(":", 5)
    if len(parts) < 2 or parts[0] != "arn":
        raise malformed(f'Resource {resource} must be in ARN format or "*".')
    partition = parts[1]
    if partition not in PARTITIONS and not any(c in partition for c in "*?$"):
        rest = (parts[2:] + ["*"] * 4)[:4]
        shown = ":".join(p if p else "*" for p in rest)
        raise malformed(f'Partition "{partition}" is not valid for resource "arn:{partition}:{shown}".')
    if len(parts) < 3 or not parts[2] or any(c in parts[2] for c in "*?"):
        if len(parts) >= 3 and parts[2] in ("*", ""):
            return  # arn:aws:* and arn:aws:*:*:* name every service
        raise malformed("Resource vendor must be fully qualified and cannot contain regexes.")
    service = parts[2]
    if service in REGIONLESS and len(parts) > 3 and parts[3] not in ("", "*"):
        raise malformed(REGIONLESS[service].format(resource=resource))
    if service == "iam" and len(parts) == 6 and parts[5] != "*" and not parts[5].startswith(IAM_RESOURCE_TYPES) \
            and parts[5] != "root" and not parts[5].startswith("${"):
        raise malformed('IAM resource path must either be "*" or start with ' + ", ".join(IAM_RESOURCE_TYPES) + ".")
