"""GetParameter (with ``name:version`` and ``name:label`` selectors), GetParameters and
GetParameterHistory."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .common import decode_token, encode_token, not_found
from .documents import Parameter, ParameterVersion
from .state import SsmState, version_key


def split_selector(identifier: str) -> tuple[str, str | None]:
    """A name or ARN, and the ``:version`` or ``:label`` selector after it, if any."""
    head = ""
    if identifier.startswith("arn:"):
        parts = identifier.split(":", 5)
        head, identifier = ":".join(parts[:5]) + ":", parts[5] if len(parts) == 6 else ""
    name, colon, selector = identifier.partition(":")
    return head + name, (colon + selector if colon else None)


class ReadOps(SsmState):
    def get_parameter(self, ctx: RequestContext, params: dict) -> dict:
        parameter, version, selector = self.selected(ctx, params["Name"])
        return {"Parameter": self.parameter_output(ctx, parameter, version, bool(params.get("WithDecryption")),
                                                   selector)}

    def get_parameters(self, ctx: RequestContext, params: dict) -> dict:
        found, invalid = [], []
        for identifier in dict.fromkeys(params["Names"]):
            try:
                parameter, version, selector = self.selected(ctx, identifier)
            except ServiceError as error:
                if error.code not in ("ParameterNotFound", "ParameterVersionNotFound"):
                    raise
                invalid.append(identifier)
                continue
            found.append(self.parameter_output(ctx, parameter, version, bool(params.get("WithDecryption")),
                                               selector))
        return {"Parameters": found, "InvalidParameters": invalid}

    def selected(self, ctx: RequestContext, identifier: str) -> tuple[Parameter, ParameterVersion, str | None]:
        """The parameter and the version a name (or ARN) with an optional selector names."""
        name, selector = split_selector(identifier)
        parameter = self.parameter(ctx, self.name_of(ctx, name))
        if selector is None:
            return parameter, parameter, None
        wanted = selector[1:]
        if wanted.isdigit():
            return parameter, self.version(ctx, parameter, int(wanted)), selector
        if wanted in parameter.get("Labels", {}):
            return parameter, self.version(ctx, parameter, parameter["Labels"][wanted]), selector
        raise not_found(identifier)

    def get_parameter_history(self, ctx: RequestContext, params: dict) -> dict:
        name = self.name_of(ctx, params["Name"])
        parameter = self.parameter(ctx, name)
        after = decode_token(params.get("NextToken"))
        versions = [v for v in self.versions(ctx, name) if after is None or version_key(v["Version"]) > after]
        limit = params.get("MaxResults") or 50
        page = versions[:limit]
        labels: dict[int, list[str]] = {}
        for label, number in parameter.get("Labels", {}).items():
            labels.setdefault(number, []).append(label)
        with_decryption = bool(params.get("WithDecryption"))
        out: dict = {"Parameters": [self._history_entry(ctx, parameter, v, labels.get(v["Version"], []),
                                                        with_decryption) for v in page]}
        if len(versions) > limit:
            out["NextToken"] = encode_token(version_key(page[-1]["Version"]))
        return out

    def _history_entry(self, ctx: RequestContext, parameter: Parameter, version: ParameterVersion,
                       labels: list[str], with_decryption: bool) -> dict:
        entry = {**self.metadata({**version, "Name": parameter["Name"], "ARN": parameter["ARN"]}),
                 "Value": self.value(ctx, parameter, version, with_decryption)}
        entry.pop("ARN")  # ParameterHistory has no ARN member
        if labels:
            entry["Labels"] = sorted(labels)
        return entry
