"""Running remediations: a rule's remediation configuration names an automation document (``automation.py``)
and its parameters (a static value, or ``RESOURCE_ID``); it runs on StartRemediationExecution, and, when
``Automatic``, each time a resource turns NON_COMPLIANT, retried every ``RetryAttemptSeconds`` of the virtual
clock up to ``MaximumAutomaticAttempts`` while the resource stays non-compliant. A resource with a
remediation exception (not expired) is not remediated automatically.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nimbus.protocol.errors import ServiceError
from nimbus.services.config.automation import document, execute
from nimbus.services.config.rule_documents import (
    EVALUATION,
    EXECUTION,
    NON_COMPLIANT,
    REMEDIATION,
    REMEDIATION_EXCEPTION,
    Execution,
    Remediation,
    evaluation_key,
    evaluations_ns,
    exceptions_ns,
    executions_ns,
    remediations_ns,
)

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

DEFAULT_ATTEMPTS, DEFAULT_RETRY_SECONDS = 5, 60


def parameter_values(remediation: Remediation, resource_id: str) -> dict[str, str]:
    values = {}
    for name, value in (remediation.get("Parameters") or {}).items():
        if (value.get("ResourceValue") or {}).get("Value") == "RESOURCE_ID":
            values[name] = resource_id
        elif value.get("StaticValue"):
            values[name] = ",".join(value["StaticValue"].get("Values") or [])
    return values


class Remediator:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.store = runtime.store

    def run(self, account: str, region: str, remediation: Remediation, resource_type: str, resource_id: str,
            automatic: bool = False) -> Execution:
        """Run the remediation on one resource now; its execution status (stored)."""
        ns = executions_ns(account, region, remediation["ConfigRuleName"])
        key = evaluation_key(resource_type, resource_id)
        previous = EXECUTION.get(self.store, ns, key)
        started = self.runtime.clock.time()
        step: dict[str, Any] = {"Name": remediation["TargetId"], "State": "SUCCEEDED", "StartTime": started}
        try:
            execute(self.runtime, region, document(remediation["TargetId"]),
                    parameter_values(remediation, resource_id))
        except ServiceError as error:
            step.update(State="FAILED", ErrorMessage=f"{error.code}: {error.message}")
        stopped = step["StopTime"] = self.runtime.clock.time()
        execution = Execution(ResourceType=resource_type, ResourceId=resource_id, State=step["State"],
                              StepDetails=[step], InvocationTime=started, LastUpdatedTime=stopped,
                              automaticAttempts=(previous or {}).get("automaticAttempts", 0) + (1 if automatic else 0))
        EXECUTION.put(self.store, ns, key, execution)
        return execution

    def on_compliance(self, account: str, region: str, rule_name: str, resource_type: str, resource_id: str,
                      compliance: str, changed: bool) -> None:
        """A rule stored a result: an automatic remediation starts on a resource that turned non-compliant."""
        if compliance != NON_COMPLIANT or not changed:
            return
        remediation = REMEDIATION.get(self.store, remediations_ns(account, region), rule_name)
        if remediation is None or not remediation.get("Automatic") or self._excepted(
                account, region, rule_name, resource_type, resource_id):
            return
        if remediation.get("ResourceType") and remediation["ResourceType"] != resource_type:
            return
        ns = executions_ns(account, region, rule_name)
        key = evaluation_key(resource_type, resource_id)
        previous = EXECUTION.get(self.store, ns, key)
        if previous is not None:
            previous["automaticAttempts"] = 0  # a new non-compliance: the attempts start again
            EXECUTION.put(self.store, ns, key, previous)
        self.run(account, region, remediation, resource_type, resource_id, automatic=True)

    def retry_due(self, account: str, region: str, now: float) -> None:
        """Automatic remediations that failed, still non-compliant, with attempts left and their retry due."""
        for rule_name, remediation in REMEDIATION.scan(self.store, remediations_ns(account, region)):
            if not remediation.get("Automatic"):
                continue
            attempts = remediation.get("MaximumAutomaticAttempts") or DEFAULT_ATTEMPTS
            retry = remediation.get("RetryAttemptSeconds") or DEFAULT_RETRY_SECONDS
            for _, execution in EXECUTION.scan(self.store, executions_ns(account, region, rule_name)):
                resource = (execution["ResourceType"], execution["ResourceId"])
                if execution["State"] != "FAILED" or execution.get("automaticAttempts", 0) >= attempts \
                        or now - execution["LastUpdatedTime"] < retry:
                    continue
                result = EVALUATION.get(self.store, evaluations_ns(account, region, rule_name), evaluation_key(*resource))
                if result is not None and result["ComplianceType"] == NON_COMPLIANT \
                        and not self._excepted(account, region, rule_name, *resource):
                    self.run(account, region, remediation, *resource, automatic=True)

    def _excepted(self, account: str, region: str, rule_name: str, resource_type: str, resource_id: str) -> bool:
        found = REMEDIATION_EXCEPTION.get(self.store, exceptions_ns(account, region, rule_name),
                                          evaluation_key(resource_type, resource_id))
        return found is not None and (not found.get("ExpirationTime") or found["ExpirationTime"] > self.runtime.clock.time())
