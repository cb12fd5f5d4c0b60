"""PutParameter (versions, tiers, policies, SecureString), DeleteParameter and DeleteParameters."""
from __future__ import annotations

import re

from nimbus.core.context import RequestContext
from nimbus.core.linear_regex import compile_linear
from nimbus.core.linear_regex import error as linear_regex_error
from nimbus.core.tags import MAX_TAGS
from nimbus.protocol.errors import ServiceError

from . import secure
from .common import check_new_name, not_found, parameter_arn, validation
from .documents import Parameter
from .policies import parse_policies, policy_texts
from .state import SsmState

MAX_VERSIONS = 100
VALUE_LIMITS = {"Standard": 4096, "Advanced": 8192}
DATA_TYPES = ("text", "aws:ec2:image")
AMI_ID = re.compile(r"^ami-([0-9a-f]{8}|[0-9a-f]{17})$")
ADVANCED_ONLY = ("This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the "
                 "advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced "
                 "parameter and recreate it as a standard parameter.")


def resolve_tier(asked: str | None, previous: str | None, value: str, has_policies: bool) -> str:
    """The tier a version is stored in: Intelligent-Tiering picks Standard unless the value's size or
    policies need Advanced; an advanced parameter never goes back to Standard."""
    if asked in (None, "Intelligent-Tiering"):
        needs_advanced = len(value) > VALUE_LIMITS["Standard"] or has_policies
        tier = "Advanced" if previous == "Advanced" or (asked and needs_advanced) else "Standard"
    else:
        tier = asked
    if previous == "Advanced" and tier == "Standard":
        raise validation(ADVANCED_ONLY)
    if len(value) > VALUE_LIMITS[tier]:
        if tier == "Standard":
            raise validation("Standard tier parameters support a maximum parameter value of 4096 characters. To "
                             "create a larger parameter value, upgrade the parameter to use the advanced-parameter "
                             "tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/"
                             "userguide/parameter-store-advanced-parameters.html")
        raise validation("Advanced tier parameters support a maximum parameter value of 8192 characters.")
    if has_policies and tier == "Standard":
        raise validation("Standard tier parameters don't support parameter policies. To attach policies, use the "
                         "advanced-parameter tier.")
    return tier


def check_value(value: str, data_type: str, pattern: str | None) -> None:
    if data_type not in DATA_TYPES:
        raise validation(f"The following data type is not supported: {data_type} (Data type names are all "
                         "lowercase.)")
    if data_type == "aws:ec2:image" and not AMI_ID.match(value):
        raise validation(f"Parameter value, {value}, must be in the format ami-12345abc or "
                         "ami-12345abcdef01234.")
    if pattern is not None and not _matches(pattern, value):
        raise ServiceError("ParameterPatternMismatchException",
                           f"Parameter value, cannot be validated against allowedPattern: {pattern}")


def _matches(pattern: str, value: str) -> bool:
    try:
        return compile_linear(pattern).search(value) is not None
    except linear_regex_error:
        raise ServiceError("InvalidAllowedPatternException",
                           "The request does not meet the regular expression requirement.") from None


class WriteOps(SsmState):
    def put_parameter(self, ctx: RequestContext, params: dict) -> dict:
        name, value = params["Name"], params["Value"]
        if params.get("Overwrite") and params.get("Tags"):
            raise validation("Invalid request: tags and overwrite can't be used together. To create a parameter "
                             "with tags, please remove overwrite flag. To update tags for an existing parameter, "
                             "please use AddTagsToResource or RemoveTagsFromResource.")
        check_new_name(name)
        if not value:
            raise validation("1 validation error detected: Value '' at 'value' failed to satisfy constraint: "
                             "Member must have length greater than or equal to 1.")
        with self.store.transaction():
            previous = self.find(ctx, name)
            if previous is not None and not params.get("Overwrite"):
                raise ServiceError("ParameterAlreadyExists", "The parameter already exists. To overwrite this "
                                   "value, set the overwrite option in the request to true.")
            parameter = self._next_version(ctx, name, params, previous)
            self.schedule_expiration(ctx, previous, parameter)
            self.save(ctx, parameter, new_version=True)
        self.expiry_changed()
        change = "created" if previous is None else "updated"
        ctx.emit_resource_change("AWS::SSM::Parameter", parameter["ARN"], change,
                                 lambda: self.configuration(parameter))
        return {"Version": parameter["Version"], "Tier": parameter["Tier"]}

    def _next_version(self, ctx: RequestContext, name: str, params: dict, previous: Parameter | None) -> Parameter:
        """The parameter with its new latest version; members a call leaves out keep their values."""
        kept = previous or {}
        kind = params.get("Type") or kept.get("Type")
        if kind is None:
            raise validation("A parameter type is required when you create a parameter.")
        value, data_type = params["Value"], params.get("DataType") or kept.get("DataType", "text")
        pattern = params.get("AllowedPattern", kept.get("AllowedPattern"))
        check_value(value, data_type, pattern)
        policies = parse_policies(params["Policies"], ctx.clock.time()) if "Policies" in params else None
        texts = policy_texts(policies) if policies is not None else kept.get("Policies", [])
        tier = resolve_tier(params.get("Tier"), kept.get("Tier"), value, bool(texts))
        tags = {t["Key"]: t["Value"] for t in params.get("Tags") or []}
        if len(tags) > MAX_TAGS:
            raise ServiceError("TooManyTagsError", "The Tags parameter has too many tags.")
        number = kept.get("Version", 0) + 1
        parameter: Parameter = {
            "Name": name, "ARN": parameter_arn(ctx, name), "Version": number, "Type": kind, "Value": value,
            "LastModifiedDate": ctx.clock.time(), "LastModifiedUser": ctx.principal.arn, "Tier": tier,
            "DataType": data_type, "Policies": texts, "Tags": kept.get("Tags", tags),
            "Labels": dict(kept.get("Labels", {})),
        }
        for member in ("Description", "AllowedPattern"):
            if params.get(member, kept.get(member)) is not None:
                parameter[member] = params.get(member, kept.get(member))  # type: ignore[literal-required]
        if kind == "SecureString":
            parameter["KeyId"] = params.get("KeyId") or (kept.get("KeyId") if kept.get("Type") == kind else None) \
                or secure.DEFAULT_KEY
            parameter["Value"] = secure.encrypt(ctx, parameter["ARN"], parameter["KeyId"], value)
        if number > MAX_VERSIONS:
            self._drop_oldest(ctx, name, number - MAX_VERSIONS, parameter)
        return parameter

    def _drop_oldest(self, ctx: RequestContext, name: str, oldest: int, parameter: Parameter) -> None:
        """A parameter keeps its last 100 versions; the oldest goes, unless a label holds it."""
        if oldest in parameter["Labels"].values():
            raise ServiceError("ParameterMaxVersionLimitExceeded",
                               f"You attempted to create a new version of {name} by calling the PutParameter API "
                               f"with the overwrite flag. Version {oldest}, the oldest version, can't be deleted "
                               "because it has a label associated with it. Move the label to another version of "
                               "the parameter, and try again.")
        self.drop_version(ctx, name, oldest)

    def delete_parameter(self, ctx: RequestContext, params: dict) -> dict:
        if not self._delete(ctx, params["Name"]):
            raise not_found(params["Name"])
        return {}

    def delete_parameters(self, ctx: RequestContext, params: dict) -> dict:
        deleted, invalid = [], []
        for name in params["Names"]:
            (deleted if self._delete(ctx, name) else invalid).append(name)
        return {"DeletedParameters": deleted, "InvalidParameters": invalid}

    def _delete(self, ctx: RequestContext, name: str) -> bool:
        with self.store.transaction():
            parameter = self.find(ctx, name)
            if parameter is None:
                return False
            self.remove(ctx.account_id, ctx.region, parameter)
        ctx.emit_resource_change("AWS::SSM::Parameter", parameter["ARN"], "deleted")
        return True
