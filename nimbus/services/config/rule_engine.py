"""Evaluating Config rules: on configuration change (each item the recorder records, so only while it
records), periodically (``MaximumExecutionFrequency`` on the virtual clock, job ``nimbus-config-rules``),
and on demand (PutConfigRule, StartConfigRulesEvaluation). Results are stored per rule and resource; a
resource whose compliance changes is announced to the delivery channel's topic
(``ComplianceChangeNotification``), published as the recorder's role like the recording half's messages.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from nimbus.protocol.errors import ServiceError
from nimbus.services.config import (  # noqa: F401  (they register rules)
    managed_cloudfront,
    managed_iam,
    managed_s3,
    managed_security,
)
from nimbus.services.config.delivery import _publish, channel_of
from nimbus.services.config.described import iso
from nimbus.services.config.guard_rules import CUSTOM_POLICY, guard_rule
from nimbus.services.config.items import GONE, ItemStore
from nimbus.services.config.managed import CHANGE, MANAGED, PERIODIC, Inputs, ManagedRule, Verdict, parameters_of
from nimbus.services.config.reading import Reader
from nimbus.services.config.remediator import Remediator
from nimbus.services.config.rule_documents import (
    ACCOUNT_TYPE,
    EVALUATION,
    RULE,
    ConfigRule,
    Evaluation,
    evaluation_key,
    evaluations_ns,
    rules_ns,
)
from nimbus.services.config.state_names import recorders_ns

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

log = logging.getLogger(__name__)
PERIODIC_TICK = 60.0
FREQUENCY_SECONDS = {"One_Hour": 3600, "Three_Hours": 3 * 3600, "Six_Hours": 6 * 3600, "Twelve_Hours": 12 * 3600,
                     "TwentyFour_Hours": 24 * 3600}
DEFAULT_FREQUENCY = "TwentyFour_Hours"


def service_linked_role(account: str) -> str:
    return f"arn:aws:iam::{account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def managed_of(rule: ConfigRule) -> ManagedRule | None:
    source = rule["Source"]
    if source.get("Owner") == CUSTOM_POLICY:
        return guard_rule(rule)
    return MANAGED.get(source.get("SourceIdentifier", "")) if source.get("Owner") == "AWS" else None


def in_scope(rule: ConfigRule, managed: ManagedRule, item: dict[str, Any]) -> bool:
    scope = rule.get("Scope") or {}
    types = scope.get("ComplianceResourceTypes") or managed.resource_types
    if item["resourceType"] not in types:
        return False
    if scope.get("ComplianceResourceId") and scope["ComplianceResourceId"] != item["resourceId"]:
        return False
    if scope.get("TagKey"):
        tags = item.get("tags") or {}
        if scope["TagKey"] not in tags or (scope.get("TagValue") and tags[scope["TagKey"]] != scope["TagValue"]):
            return False
    return True


class RuleEngine:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.store = runtime.store
        self.remediator = Remediator(runtime)
        self._job = runtime.scheduler.every("config-rules", PERIODIC_TICK, self.run_periodic,
                                            on_advance=self.run_periodic)

    # -- who evaluates ------------------------------------------------------------------------------

    def _reader(self, account: str, region: str) -> Reader:
        recorders = [r for _, r in self.store.scan(recorders_ns(account, region))]
        role = recorders[0]["roleARN"] if recorders else service_linked_role(account)
        return Reader(self.runtime, account, region, role)

    def _inputs(self, account: str, region: str, rule: ConfigRule, managed: ManagedRule) -> Inputs:
        return Inputs(parameters_of(managed, rule.get("InputParameters")), self._reader(account, region),
                      ItemStore(self.store, account, region), self.runtime.clock.time())

    # -- triggers -----------------------------------------------------------------------------------

    def on_item(self, account: str, region: str, item: dict[str, Any]) -> None:
        """A configuration item was recorded: the change-triggered rules whose scope holds it evaluate it."""
        for rule in self.rules(account, region):
            managed = managed_of(rule)
            if managed is None or CHANGE not in managed.triggers or managed.check is None \
                    or managed.listing is not None or not in_scope(rule, managed, item):
                continue
            try:
                if item["configurationItemStatus"] in GONE:
                    self.forget(account, region, rule, item["resourceType"], item["resourceId"])
                else:
                    self._evaluate_item(account, region, rule, managed, item)
                self._succeeded(account, region, rule["ConfigRuleName"])
            except ServiceError as error:
                self._failed(account, region, rule["ConfigRuleName"], error)

    def run_periodic(self) -> None:
        now = self.runtime.clock.time()
        for ns in self.store.namespaces(("config",)):
            if len(ns) == 4 and ns[3] == "remediations":
                self.remediator.retry_due(ns[1], ns[2], now)
            if len(ns) != 4 or ns[3] != "rules":
                continue
            for _, rule in RULE.scan(self.store, ns):
                managed = managed_of(rule)
                # a rule over a type Config does not record reads it on the periodic trigger
                if managed is None or (PERIODIC not in managed.triggers and managed.listing is None):
                    continue
                every = FREQUENCY_SECONDS[rule.get("MaximumExecutionFrequency") or DEFAULT_FREQUENCY]
                if now - rule.get("lastPeriodicRun", 0.0) >= every:
                    self.evaluate_rule(ns[1], ns[2], rule["ConfigRuleName"], periodic=True)

    def evaluate_rule(self, account: str, region: str, name: str, periodic: bool = False) -> None:
        """Evaluate a rule over everything in its scope (what exists now), as a periodic trigger does."""
        rule = RULE.get(self.store, rules_ns(account, region), name)
        managed = managed_of(rule) if rule else None
        if rule is None or managed is None or managed.external:
            return
        self._update(account, region, name, lastPeriodicRun=self.runtime.clock.time()) if periodic else None
        try:
            inputs = self._inputs(account, region, rule, managed)
            if managed.account_check is not None:
                self._store(account, region, rule, ACCOUNT_TYPE, account, managed.account_check(inputs))
            else:
                self._evaluate_all(account, region, rule, managed, inputs)
            self._succeeded(account, region, name)
        except ServiceError as error:
            self._failed(account, region, name, error)
        except Exception:  # one rule's failure must not stop the others being evaluated
            log.exception("config could not evaluate rule %s", name)

    def _evaluate_all(self, account: str, region: str, rule: ConfigRule, managed: ManagedRule, inputs: Inputs) -> None:
        if managed.listing is not None:
            current = managed.listing(inputs)
        else:
            current = [r["item"] for t in managed.resource_types for r in inputs.items.resources(t)
                       if r["item"]["configurationItemStatus"] not in GONE]
        seen = set()
        for item in current:
            if in_scope(rule, managed, item):
                seen.add(evaluation_key(item["resourceType"], item["resourceId"]))
                self._store(account, region, rule, item["resourceType"], item["resourceId"],
                            managed.check(item, inputs))  # type: ignore[misc]
        for key, _ in list(EVALUATION.scan(self.store, evaluations_ns(account, region, rule["ConfigRuleName"]))):
            if key not in seen:
                self.store.delete(evaluations_ns(account, region, rule["ConfigRuleName"]), key)

    def _evaluate_item(self, account: str, region: str, rule: ConfigRule, managed: ManagedRule, item: dict) -> None:
        inputs = self._inputs(account, region, rule, managed)
        self._store(account, region, rule, item["resourceType"], item["resourceId"], managed.check(item, inputs),
                    ordering=item["configurationItemCaptureTime"])  # type: ignore[misc]

    # -- results ------------------------------------------------------------------------------------

    def rules(self, account: str, region: str) -> list[ConfigRule]:
        return [rule for _, rule in RULE.scan(self.store, rules_ns(account, region))
                if rule["ConfigRuleState"] == "ACTIVE"]

    def _store(self, account: str, region: str, rule: ConfigRule, resource_type: str, resource_id: str,
               found: Verdict, ordering: float | None = None) -> None:
        now = self.runtime.clock.time()
        evaluation = Evaluation(ResourceType=resource_type, ResourceId=resource_id, ComplianceType=found.compliance,
                                OrderingTimestamp=ordering or now, ResultRecordedTime=now, ConfigRuleInvokedTime=now)
        if found.annotation:
            evaluation["Annotation"] = found.annotation
        self.put_evaluation(account, region, rule, evaluation)

    def put_evaluation(self, account: str, region: str, rule: ConfigRule, evaluation: Evaluation) -> None:
        ns = evaluations_ns(account, region, rule["ConfigRuleName"])
        key = evaluation_key(evaluation["ResourceType"], evaluation["ResourceId"])
        previous = EVALUATION.get(self.store, ns, key)
        EVALUATION.put(self.store, ns, key, evaluation)
        changed = previous is None or previous["ComplianceType"] != evaluation["ComplianceType"]
        if changed:
            self._notify(account, region, rule, evaluation, previous)
        self.remediator.on_compliance(account, region, rule["ConfigRuleName"], evaluation["ResourceType"],
                                      evaluation["ResourceId"], evaluation["ComplianceType"], changed)

    def forget(self, account: str, region: str, rule: ConfigRule, resource_type: str, resource_id: str) -> None:
        self.store.delete(evaluations_ns(account, region, rule["ConfigRuleName"]),
                          evaluation_key(resource_type, resource_id))

    def _notify(self, account: str, region: str, rule: ConfigRule, evaluation: Evaluation,
                previous: Evaluation | None) -> None:
        channel = channel_of(self.runtime, account, region)
        if channel is None or not channel.get("snsTopicARN"):
            return
        name = rule["ConfigRuleName"]
        message = {
            "awsAccountId": account, "configRuleName": name, "configRuleARN": rule["ConfigRuleArn"],
            "resourceType": evaluation["ResourceType"], "resourceId": evaluation["ResourceId"], "awsRegion": region,
            "newEvaluationResult": notified_result(name, evaluation),
            "oldEvaluationResult": notified_result(name, previous) if previous else None,
            "notificationCreationTime": iso(self.runtime.clock.time()),
            "messageType": "ComplianceChangeNotification", "recordVersion": "1.0"}
        subject = (f"[AWS Config:{region}] {evaluation['ResourceType']} {evaluation['ResourceId']} is "
                   f"{evaluation['ComplianceType']} with {name} in Account {account}")
        try:
            _publish(self._reader(account, region), channel, message, subject)
        except ServiceError as error:
            log.info("config could not announce a compliance change of %s: %s", name, error.code)

    # -- status -------------------------------------------------------------------------------------

    def _update(self, account: str, region: str, name: str, **fields: Any) -> None:
        with self.store.transaction():
            rule = RULE.get(self.store, rules_ns(account, region), name)
            if rule is None:
                return
            status = rule.setdefault("status", {})
            status.update(fields.pop("status", {}))
            rule.update(fields)  # type: ignore[typeddict-item]
            RULE.put(self.store, rules_ns(account, region), name, rule)

    def _succeeded(self, account: str, region: str, name: str) -> None:
        now = self.runtime.clock.time()
        self._update(account, region, name, status={"LastSuccessfulInvocationTime": now,
                                                    "LastSuccessfulEvaluationTime": now, "FirstEvaluationStarted": True})

    def _failed(self, account: str, region: str, name: str, error: ServiceError) -> None:
        now = self.runtime.clock.time()
        self._update(account, region, name, status={"LastFailedInvocationTime": now, "LastFailedEvaluationTime": now,
                                                    "LastErrorCode": error.code, "LastErrorMessage": error.message,
                                                    "FirstEvaluationStarted": True})

    def close(self) -> None:
        self._job.cancel(wait=True)


def notified_result(rule_name: str, evaluation: Evaluation) -> dict[str, Any]:
    """An evaluation result as ComplianceChangeNotification carries it (times as ISO text)."""
    return {"evaluationResultIdentifier": {
                "evaluationResultQualifier": {"configRuleName": rule_name, "resourceType": evaluation["ResourceType"],
                                              "resourceId": evaluation["ResourceId"]},
                "orderingTimestamp": iso(evaluation["OrderingTimestamp"])},
            "complianceType": evaluation["ComplianceType"], "resultRecordedTime": iso(evaluation["ResultRecordedTime"]),
            "configRuleInvokedTime": iso(evaluation["ConfigRuleInvokedTime"]), "annotation": evaluation.get("Annotation"),
            "resultToken": None}
