"""Log transformers (Put / Get / Delete / TestTransformer), field index policies (Put / Describe / Delete,
DescribeFieldIndexes) and OpenSearch integrations (Put / Get / List / Delete).

A group's transformer is applied by PutLogEvents to every event it accepts (put_events.py), and TestTransformer
runs it the same way: a parser first (parseJSON, parseKeyValue, grok), then addKeys, deleteKeys, renameKeys,
copyValue, lowerCaseString, upperCaseString, trimString. Indexes do not speed up queries: see
docs/services/logs.md.
"""
from __future__ import annotations

import json

from nimbus.core.context import RequestContext
from nimbus.core.json_text import read_json

from .common import group_name_of, invalid, now_ms, page
from .grok import GrokError, compile_grok, grok
from .state import LogsState
from .stored import StoredKind

TRANSFORMERS = StoredKind("transformers", "transformer")
INDEX_POLICIES = StoredKind("indexpolicies", "index policy")
INTEGRATIONS = StoredKind("integrations", "integration")
MAX_PROCESSORS = 20
APPLIED_PARSERS = ("parseJSON", "parseKeyValue", "grok")


def _apply(processor: dict, record: dict) -> dict:
    name, options = next(iter(processor.items()))
    if name == "addKeys":
        for entry in options.get("entries", []):
            if entry.get("overwriteIfExists") or entry["key"] not in record:
                record[entry["key"]] = entry["value"]
    elif name == "deleteKeys":
        for key in options.get("withKeys", []):
            record.pop(key, None)
    elif name in ("renameKeys", "copyValue"):
        for entry in options.get("entries", []):
            source, target = entry.get("key", entry.get("source")), entry.get("renameTo", entry.get("target"))
            if source in record and (entry.get("overwriteIfExists") or target not in record):
                record[target] = record.pop(source) if name == "renameKeys" else record[source]
    elif name in ("lowerCaseString", "upperCaseString", "trimString"):
        change = {"lowerCaseString": str.lower, "upperCaseString": str.upper, "trimString": str.strip}[name]
        for key in options.get("withKeys", []):
            if isinstance(record.get(key), str):
                record[key] = change(record[key])
    return record


def _key_values(options: dict, text: str) -> dict | None:
    """parseKeyValue: ``a=1&b=2`` (the delimiters configurable) as an object; None when no pair is found."""
    record = {}
    for pair in text.split(options.get("fieldDelimiter") or "&"):
        key, found, value = pair.partition(options.get("keyValueDelimiter") or "=")
        if found and key:
            record[(options.get("keyPrefix") or "") + key] = value
        elif options.get("nonMatchValue") and pair:
            record[(options.get("keyPrefix") or "") + pair] = options["nonMatchValue"]
    return record or None


def _parse(processor: dict, message: str) -> dict | None:
    """The first processor: the message as a record, or None when it cannot read it."""
    name, options = next(iter(processor.items()))
    if name == "parseJSON":
        try:
            record = read_json(message)
        except ValueError:
            return None
        parsed = record if isinstance(record, dict) else None
    elif name == "parseKeyValue":
        parsed = _key_values(options or {}, message)
    elif name == "grok":
        parsed = grok(options["match"], message)
    else:
        return None
    destination = (options or {}).get("destination")
    return {destination: parsed} if parsed is not None and destination else parsed


def transform(processors: list[dict], message: str) -> str | None:
    """A message through the processors; None when the first (the parser) cannot read it."""
    record = _parse(processors[0], message)
    if record is None:
        return None
    for processor in processors[1:]:
        record = _apply(processor, record)
    return json.dumps(record, separators=(",", ":"))


def _check_processors(processors: list[dict]) -> None:
    if not 1 <= len(processors) <= MAX_PROCESSORS:
        raise invalid(f"A transformer has 1 to {MAX_PROCESSORS} processors.")
    if any(len(p) != 1 for p in processors):
        raise invalid("Each processor configures exactly one processor type.")
    first = next(iter(processors[0]))
    if not first.startswith("parse") and first != "grok" and first != "csv":
        raise invalid("The first processor of a transformer must be a parser.")
    for processor in processors:
        if "grok" in processor:
            try:
                compile_grok((processor["grok"] or {}).get("match") or "")
            except GrokError as problem:
                raise invalid(str(problem)) from None


class ProcessingOps(LogsState):
    def put_transformer(self, ctx: RequestContext, params: dict) -> dict:
        name = group_name_of(params)
        self.standard_only(self.log_group(ctx, name), "Transformers")
        _check_processors(params["transformerConfig"])
        previous = TRANSFORMERS.find(self.store, ctx, name)
        now = now_ms(ctx)
        TRANSFORMERS.save(self.store, ctx, name, {
            "logGroupIdentifier": params["logGroupIdentifier"], "transformerConfig": params["transformerConfig"],
            "creationTime": previous["creationTime"] if previous else now, "lastModifiedTime": now})
        return {}

    def get_transformer(self, ctx: RequestContext, params: dict) -> dict:
        name = group_name_of(params)
        self.log_group(ctx, name)
        return {**TRANSFORMERS.get(self.store, ctx, name), "logGroupIdentifier": params["logGroupIdentifier"]}

    def delete_transformer(self, ctx: RequestContext, params: dict) -> dict:
        name = group_name_of(params)
        TRANSFORMERS.get(self.store, ctx, name)
        TRANSFORMERS.delete(self.store, ctx, name)
        return {}

    def test_transformer(self, ctx: RequestContext, params: dict) -> dict:
        _check_processors(params["transformerConfig"])
        if next(iter(params["transformerConfig"][0])) not in APPLIED_PARSERS:
            raise invalid("nimbus runs transformers that begin with parseJSON, parseKeyValue or grok only.")
        out = []
        for number, message in enumerate(params["logEventMessages"], start=1):
            record = {"eventNumber": number, "eventMessage": message}
            transformed = transform(params["transformerConfig"], message)
            if transformed is not None:
                record["transformedEventMessage"] = transformed
            out.append(record)
        return {"transformedLogs": out}

    # -- field indexes ----------------------------------------------------------------------------

    def put_index_policy(self, ctx: RequestContext, params: dict) -> dict:
        name = group_name_of(params)
        self.log_group(ctx, name)
        try:
            fields = read_json(params["policyDocument"]).get("Fields")
        except (ValueError, AttributeError):
            fields = None
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise invalid("The index policy document must be JSON with a Fields list of field names.")
        policy = {"logGroupIdentifier": params["logGroupIdentifier"], "lastUpdateTime": now_ms(ctx),
                  "policyDocument": params["policyDocument"], "source": "LOG_GROUP"}
        INDEX_POLICIES.save(self.store, ctx, name, policy)
        return {"indexPolicy": policy}

    def describe_index_policies(self, ctx: RequestContext, params: dict) -> dict:
        found = [INDEX_POLICIES.find(self.store, ctx, group_name_of({"logGroupIdentifier": i}))
                 for i in params["logGroupIdentifiers"]]
        return {"indexPolicies": [p for p in found if p]}

    def delete_index_policy(self, ctx: RequestContext, params: dict) -> dict:
        name = group_name_of(params)
        INDEX_POLICIES.get(self.store, ctx, name)
        INDEX_POLICIES.delete(self.store, ctx, name)
        return {}

    def describe_field_indexes(self, ctx: RequestContext, params: dict) -> dict:
        indexes = []
        for identifier in params["logGroupIdentifiers"]:
            policy = INDEX_POLICIES.find(self.store, ctx, group_name_of({"logGroupIdentifier": identifier}))
            for field in read_json(policy["policyDocument"])["Fields"] if policy else []:
                indexes.append({"logGroupIdentifier": identifier, "fieldIndexName": field,
                                "lastScanTime": policy["lastUpdateTime"], "indexCategory": "CUSTOM"})
        return {"fieldIndexes": indexes}

    # -- integrations ------------------------------------------------------------------------------

    def put_integration(self, ctx: RequestContext, params: dict) -> dict:
        config = params["resourceConfig"].get("openSearchResourceConfig")
        if params["integrationType"] != "OPENSEARCH" or not config:
            raise invalid("Only OPENSEARCH integrations with an openSearchResourceConfig are supported.")
        INTEGRATIONS.save(self.store, ctx, params["integrationName"], {
            "integrationName": params["integrationName"], "integrationType": "OPENSEARCH",
            "integrationStatus": "ACTIVE", "config": config})
        return {"integrationName": params["integrationName"], "integrationStatus": "ACTIVE"}

    def get_integration(self, ctx: RequestContext, params: dict) -> dict:
        integration = INTEGRATIONS.get(self.store, ctx, params["integrationName"])
        config = integration["config"]
        return {"integrationName": integration["integrationName"], "integrationType": "OPENSEARCH",
                "integrationStatus": "ACTIVE", "integrationDetails": {"openSearchIntegrationDetails": {
                    "dataSource": {"dataSourceName": integration["integrationName"],
                                   "status": {"status": "ACTIVE"}}}},
                "resourceConfig": config}

    def list_integrations(self, ctx: RequestContext, params: dict) -> dict:
        rows = [{"integrationName": i["integrationName"], "integrationType": i["integrationType"],
                 "integrationStatus": i["integrationStatus"]} for i in INTEGRATIONS.all(self.store, ctx)
                if i["integrationName"].startswith(params.get("integrationNamePrefix") or "")
                and (not params.get("integrationStatus") or i["integrationStatus"] == params["integrationStatus"])]
        return page(rows, {}, "integrationSummaries", lambda i: i["integrationName"])

    def delete_integration(self, ctx: RequestContext, params: dict) -> dict:
        INTEGRATIONS.get(self.store, ctx, params["integrationName"])
        INTEGRATIONS.delete(self.store, ctx, params["integrationName"])
        return {}


def transformed(store, ctx: RequestContext, group: str, events: list[dict]) -> list[dict]:
    """PutLogEvents' accepted events through the group's transformer (as they are stored); those its parser
    cannot read, and every event of a group whose transformer starts with a parser nimbus does not run,
    stay as sent."""
    transformer = TRANSFORMERS.find(store, ctx, group)
    if transformer is None or next(iter(transformer["transformerConfig"][0])) not in APPLIED_PARSERS:
        return events
    out = []
    for event in events:
        message = transform(transformer["transformerConfig"], event["message"])
        out.append(event if message is None else {**event, "message": message})
    return out
