"""What every Parameter Store module shares: finding a parameter and its versions, saving and deleting
them, the index of expiration dates, and the members every read reports."""
from __future__ import annotations

import json
import uuid

from nimbus.core.context import RequestContext
from nimbus.core.identity import service_principal
from nimbus.core.scheduler import Job
from nimbus.services.base import BaseProvider

from . import secure
from .common import names_of, not_found, parameters_ns, version_not_found, versions_ns
from .documents import PARAMETER, PARAMETER_VERSION, Parameter, ParameterVersion
from .policies import expiration_time, policies_output

# One global index, ordered by time: "<epoch seconds, fixed width>|<account>|<region>|<name>".
EXPIRATIONS_NS = ("ssm", "expirations")
VERSION_FIELDS = tuple(ParameterVersion.__annotations__)


def expires_at(version: ParameterVersion) -> float | None:
    return expiration_time([json.loads(text) for text in version.get("Policies", [])])


def expiration_key(when: float, account: str, region: str, name: str) -> str:
    return f"{when:017.3f}|{account}|{region}|{name}"


def version_key(version: int) -> str:
    return f"{version:08d}"  # keys list in code point order: versions in number order


class SsmState(BaseProvider):
    expiry: Job

    def __init__(self, runtime):
        super().__init__(runtime)
        # Expiration policies delete parameters when the virtual clock passes their date: at once on a
        # clock jump, otherwise when the job wakes at the next date (or each minute, for other nodes' writes).
        self.expiry = self.every("ssm-expiration", 60, self.expire_due, on_advance=self.expire_due)
        self.expiry.wake()

    def expiry_changed(self) -> None:
        self.expiry.wake()

    def expire_due(self) -> float | None:
        """Delete every parameter whose Expiration has passed; the next expiration date, if any."""
        now = self.clock.time()
        for key, _ in self.store.scan(EXPIRATIONS_NS):
            when, account, region, name = key.split("|", 3)
            if float(when) > now:
                return float(when)
            if not self.closed:
                self._expire(account, region, name, float(when))
        return None

    def _expire(self, account: str, region: str, name: str, when: float) -> None:
        with self.store.transaction():
            self.store.delete(EXPIRATIONS_NS, expiration_key(when, account, region, name))
            parameter = PARAMETER.get(self.store, parameters_ns(account, region), name)
            if parameter is None or expires_at(parameter) != when:
                return
            self.remove(account, region, parameter)
        ctx = RequestContext(runtime=self.runtime, request_id=str(uuid.uuid4()), service="ssm",
                             operation="DeleteParameter", account_id=account, region=region,
                             principal=service_principal(secure.SSM_PRINCIPAL), internal=True)
        ctx.emit_resource_change("AWS::SSM::Parameter", parameter["ARN"], "deleted")

    def find(self, ctx: RequestContext, name: str) -> Parameter | None:
        """The parameter, or None; one whose Expiration has passed is gone even before expiry.py deletes it."""
        parameter = PARAMETER.get(self.store, parameters_ns(ctx.account_id, ctx.region), name)
        if parameter is None:
            return None
        when = expires_at(parameter)
        return None if when is not None and when <= ctx.clock.time() else parameter

    def name_of(self, ctx: RequestContext, identifier: str) -> str:
        """The name a name or ARN stands for: the parameter that exists, if either does."""
        names = names_of(identifier)
        return next((n for n in names if self.find(ctx, n) is not None), names[0])

    def scan(self, ctx: RequestContext, prefix: str = "") -> list[Parameter]:
        """The account's parameters whose names start with ``prefix``, in name order (none expired)."""
        now = ctx.clock.time()
        found = PARAMETER.scan(self.store, parameters_ns(ctx.account_id, ctx.region), prefix)
        return [p for _, p in found if (expires_at(p) or now + 1) > now]

    def parameter(self, ctx: RequestContext, name: str) -> Parameter:
        parameter = self.find(ctx, name)
        if parameter is None:
            raise not_found(name)
        return parameter

    def versions(self, ctx: RequestContext, name: str) -> list[ParameterVersion]:
        return [v for _, v in PARAMETER_VERSION.scan(self.store, versions_ns(ctx.account_id, ctx.region, name))]

    def version(self, ctx: RequestContext, parameter: Parameter, number: int) -> ParameterVersion:
        if number == parameter["Version"]:
            return parameter
        found = PARAMETER_VERSION.get(self.store, versions_ns(ctx.account_id, ctx.region, parameter["Name"]),
                                      version_key(number))
        if found is None:
            raise version_not_found(parameter["Name"], number)
        return found

    def save(self, ctx: RequestContext, parameter: Parameter, new_version: bool = False) -> None:
        """Store the parameter; ``new_version``: its latest version is new, so also keep it in its history."""
        PARAMETER.put(self.store, parameters_ns(ctx.account_id, ctx.region), parameter["Name"], parameter)
        if new_version:
            version: ParameterVersion = {k: parameter[k] for k in VERSION_FIELDS if k in parameter}  # type: ignore
            PARAMETER_VERSION.put(self.store, versions_ns(ctx.account_id, ctx.region, parameter["Name"]),
                                  version_key(parameter["Version"]), version)

    def drop_version(self, ctx: RequestContext, name: str, number: int) -> None:
        self.store.delete(versions_ns(ctx.account_id, ctx.region, name), version_key(number))

    def schedule_expiration(self, ctx: RequestContext, before: Parameter | None, after: Parameter) -> None:
        """Keep the expiration index in step with the parameter's Expiration policy."""
        old, new = (expires_at(before) if before else None), expires_at(after)
        if old is not None and old != new:
            self.store.delete(EXPIRATIONS_NS, expiration_key(old, ctx.account_id, ctx.region, after["Name"]))
        if new is not None:
            self.store.put(EXPIRATIONS_NS, expiration_key(new, ctx.account_id, ctx.region, after["Name"]), {})

    def remove(self, account: str, region: str, parameter: Parameter) -> None:
        """Delete the parameter, its history and its place in the expiration index."""
        name = parameter["Name"]
        when = expires_at(parameter)
        if when is not None:
            self.store.delete(EXPIRATIONS_NS, expiration_key(when, account, region, name))
        self.store.delete_namespace(versions_ns(account, region, name))
        self.store.delete(parameters_ns(account, region), name)

    # -- what reads report -----------------------------------------------------------------

    def value(self, ctx: RequestContext, parameter: Parameter, version: ParameterVersion,
              with_decryption: bool) -> str:
        if version["Type"] == "SecureString" and with_decryption:
            return secure.decrypt(ctx, parameter["ARN"], version["Value"])
        return version["Value"]

    def parameter_output(self, ctx: RequestContext, parameter: Parameter, version: ParameterVersion,
                         with_decryption: bool, selector: str | None = None) -> dict:
        """The ``Parameter`` shape of GetParameter(s) and GetParametersByPath."""
        out = {"Name": parameter["Name"], "Type": version["Type"], "Version": version["Version"],
               "Value": self.value(ctx, parameter, version, with_decryption),
               "LastModifiedDate": version["LastModifiedDate"], "ARN": parameter["ARN"],
               "DataType": version["DataType"]}
        if selector is not None:
            out["Selector"] = selector
        return out

    @staticmethod
    def metadata(parameter: Parameter) -> dict:
        """The ``ParameterMetadata`` shape of DescribeParameters (no value)."""
        out = {k: parameter[k] for k in ("Name", "ARN", "Type", "LastModifiedDate", "LastModifiedUser", "Version",
                                         "Tier", "DataType") if k in parameter}
        for member in ("KeyId", "Description", "AllowedPattern"):
            if member in parameter:
                out[member] = parameter[member]  # type: ignore[literal-required]
        out["Policies"] = policies_output(parameter.get("Policies", []))
        return out

    def configuration(self, parameter: Parameter) -> dict:
        """What a resource-change event reports: the metadata and tags, never the value."""
        return {**self.metadata(parameter), "Tags": parameter.get("Tags", {})}
