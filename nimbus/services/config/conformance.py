"""Conformance packs: a template's rules created as one pack (each rule named with the pack's suffix, as
AWS names them), their status, their compliance, and deleting them together."""
from __future__ import annotations

import json
import secrets
import string
from typing import Any

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.config.compliance import evaluation_result, overall, result_key
from nimbus.services.config.pack_template import invalid_template, pack_rules
from nimbus.services.config.paging import window
from nimbus.services.config.rule_documents import PACK, ConformancePack, packs_ns
from nimbus.services.config.rules import RuleOps

CONFORMS = "config-conforms.amazonaws.com"
MAX_PACKS = 50  # AWS's default quota of conformance packs per account and region
_CHARS = string.ascii_lowercase + string.digits
_DETAIL_MEMBERS = ("ConformancePackName", "ConformancePackArn", "ConformancePackId", "DeliveryS3Bucket",
                   "DeliveryS3KeyPrefix", "ConformancePackInputParameters", "LastUpdateRequestedTime", "CreatedBy")


def no_such_pack(name: str) -> ServiceError:
    return ServiceError("NoSuchConformancePackException",
                        f"One or more conformance packs do not exist: {name}.", status=400)


def _random(length: int) -> str:
    return "".join(secrets.choice(_CHARS) for _ in range(length))


class ConformanceOps(RuleOps):
    def _pack(self, ctx: RequestContext, name: str) -> ConformancePack:
        pack = PACK.get(self.store, packs_ns(ctx.account_id, ctx.region), name)
        if pack is None:
            raise no_such_pack(name)
        return pack

    def _template(self, ctx: RequestContext, params: dict) -> str:
        if params.get("TemplateBody"):
            return params["TemplateBody"]
        uri = params.get("TemplateS3Uri") or ""
        if not uri.startswith("s3://") or "/" not in uri[5:]:
            raise ServiceError("ValidationException", "Either TemplateBody or a TemplateS3Uri of the form "
                               "s3://bucket/key is required.", status=400)
        bucket, _, key = uri[5:].partition("/")
        try:  # read as the caller, so a pack reads no template its creator may not read
            body = self.runtime.client.call("s3", "GetObject", {"Bucket": bucket, "Key": key}, account_id=ctx.account_id,
                                            region=ctx.region, principal=ctx.principal)["Body"]
            return (bytes(body) if isinstance(body, (bytes, bytearray)) else b"".join(body)).decode()
        except (ServiceError, UnicodeDecodeError) as error:
            raise invalid_template(f"The template at {uri} cannot be read: {getattr(error, 'code', error)}.") from None

    def put_conformance_pack(self, ctx: RequestContext, params: dict) -> dict:
        name = params["ConformancePackName"]
        inputs = {p["ParameterName"]: p["ParameterValue"] for p in params.get("ConformancePackInputParameters") or []}
        wanted_rules = pack_rules(self._template(ctx, params), inputs)
        existing = PACK.get(self.store, packs_ns(ctx.account_id, ctx.region), name)
        if existing is None and len(list(PACK.scan(self.store, packs_ns(ctx.account_id, ctx.region)))) >= MAX_PACKS:
            raise ServiceError("MaxNumberOfConformancePacksExceededException",
                               f"You have reached the limit ({MAX_PACKS}) of conformance packs in this account.",
                               status=400)
        now = self.clock.time()
        pack_id = existing["ConformancePackId"] if existing else f"conformance-pack-{_random(8)}"
        pack = existing or ConformancePack(
            ConformancePackName=name, ConformancePackId=pack_id, suffix=_random(8), LastUpdateRequestedTime=now,
            ConformancePackArn=f"arn:aws:config:{ctx.region}:{ctx.account_id}:conformance-pack/{name}/{pack_id}")
        pack.update(ConformancePackInputParameters=params.get("ConformancePackInputParameters") or [],
                    LastUpdateRequestedTime=now)
        for member in ("DeliveryS3Bucket", "DeliveryS3KeyPrefix"):
            if params.get(member):
                pack[member] = params[member]  # type: ignore[literal-required]
        names = []
        for properties in wanted_rules:
            rule_name = f"{properties['ConfigRuleName']}-conformance-pack-{pack['suffix']}"
            wanted = {**properties, "ConfigRuleName": rule_name}
            if isinstance(wanted.get("InputParameters"), dict):
                wanted["InputParameters"] = json.dumps(wanted["InputParameters"])
            self.put_rule(ctx, wanted, created_by=CONFORMS)
            names.append(rule_name)
        for dropped in set(pack.get("rules", [])) - set(names):
            self.remove_rule(ctx, dropped)
        pack.update(rules=names, LastUpdateCompletedTime=self.clock.time())
        PACK.put(self.store, packs_ns(ctx.account_id, ctx.region), name, pack)
        return {"ConformancePackArn": pack["ConformancePackArn"]}

    def _selected_packs(self, ctx: RequestContext, names: list[str] | None) -> list[ConformancePack]:
        if names:
            return [self._pack(ctx, name) for name in names]
        return [pack for _, pack in PACK.scan(self.store, packs_ns(ctx.account_id, ctx.region))]

    def describe_conformance_packs(self, ctx: RequestContext, params: dict) -> dict:
        packs = self._selected_packs(ctx, params.get("ConformancePackNames"))
        chunk, token = window(packs, params, 20, 20, lambda p: p["ConformancePackName"], ("Limit", "NextToken"))
        details = [{k: p[k] for k in _DETAIL_MEMBERS if k in p} for p in chunk]  # type: ignore[literal-required]
        return {"ConformancePackDetails": details, **({"NextToken": token} if token else {})}

    def describe_conformance_pack_status(self, ctx: RequestContext, params: dict) -> dict:
        packs = self._selected_packs(ctx, params.get("ConformancePackNames"))
        chunk, token = window(packs, params, 20, 20, lambda p: p["ConformancePackName"], ("Limit", "NextToken"))
        statuses = [{"ConformancePackName": p["ConformancePackName"], "ConformancePackId": p["ConformancePackId"],
                     "ConformancePackArn": p["ConformancePackArn"], "ConformancePackState": "CREATE_COMPLETE",
                     "StackArn": f"arn:aws:cloudformation:{ctx.region}:{ctx.account_id}:stack/"
                                 f"awsconfigconforms-{p['ConformancePackName']}-{p['suffix']}/{p['ConformancePackId']}",
                     "LastUpdateRequestedTime": p["LastUpdateRequestedTime"],
                     "LastUpdateCompletedTime": p.get("LastUpdateCompletedTime", p["LastUpdateRequestedTime"])}
                    for p in chunk]
        return {"ConformancePackStatusDetails": statuses, **({"NextToken": token} if token else {})}

    def _rule_compliance(self, ctx: RequestContext, pack: ConformancePack) -> dict[str, str]:
        self.engine.flush()
        return {name: overall([e["ComplianceType"] for e in self.evaluations(ctx, name)]) for name in pack["rules"]}

    def describe_conformance_pack_compliance(self, ctx: RequestContext, params: dict) -> dict:
        pack = self._pack(ctx, params["ConformancePackName"])
        filters = params.get("Filters") or {}
        wanted_rules = set(filters.get("ConfigRuleNames") or [])
        found = [{"ConfigRuleName": name, "ComplianceType": compliance, "Controls": []}
                 for name, compliance in sorted(self._rule_compliance(ctx, pack).items())
                 if (not wanted_rules or name in wanted_rules)
                 and (not filters.get("ComplianceType") or compliance == filters["ComplianceType"])]
        chunk, token = window(found, params, 100, 1000, lambda r: r["ConfigRuleName"], ("Limit", "NextToken"))
        return {"ConformancePackName": pack["ConformancePackName"], "ConformancePackRuleComplianceList": chunk,
                **({"NextToken": token} if token else {})}

    def get_conformance_pack_compliance_details(self, ctx: RequestContext, params: dict) -> dict:
        pack = self._pack(ctx, params["ConformancePackName"])
        filters = params.get("Filters") or {}
        self.engine.flush()
        results: list[dict[str, Any]] = []
        for name in pack["rules"]:
            if filters.get("ConfigRuleNames") and name not in filters["ConfigRuleNames"]:
                continue
            for evaluation in self.evaluations(ctx, name):
                if filters.get("ComplianceType") and evaluation["ComplianceType"] != filters["ComplianceType"]:
                    continue
                if filters.get("ResourceType") and evaluation["ResourceType"] != filters["ResourceType"]:
                    continue
                if filters.get("ResourceIds") and evaluation["ResourceId"] not in filters["ResourceIds"]:
                    continue
                results.append(evaluation_result(name, evaluation))
        chunk, token = window(results, params, 100, 100, result_key, ("Limit", "NextToken"))
        return {"ConformancePackName": pack["ConformancePackName"], "ConformancePackRuleEvaluationResults": chunk,
                **({"NextToken": token} if token else {})}

    def get_conformance_pack_compliance_summary(self, ctx: RequestContext, params: dict) -> dict:
        summaries = [{"ConformancePackName": pack["ConformancePackName"],
                      "ConformancePackComplianceStatus": overall(list(self._rule_compliance(ctx, pack).values()))}
                     for pack in self._selected_packs(ctx, params["ConformancePackNames"])]
        return {"ConformancePackComplianceSummaryList": summaries}

    def delete_conformance_pack(self, ctx: RequestContext, params: dict) -> dict:
        pack = self._pack(ctx, params["ConformancePackName"])
        for name in pack["rules"]:
            self.remove_rule(ctx, name)
        self.store.delete(packs_ns(ctx.account_id, ctx.region), pack["ConformancePackName"])
        return {}

