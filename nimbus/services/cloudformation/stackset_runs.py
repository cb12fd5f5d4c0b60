"""Running a stack set operation in the background, with the self-managed permission model: CloudFormation
assumes the administration role in the administrator's account; that role's session assumes the execution
role in each target account through STS (its trust policy decides, as for any caller); and the stack
instance is a real stack in the target account and region, made, updated or deleted as that session.

Regions are worked through one after another (``RegionOrder`` first); within a region up to
``MaxConcurrent*`` targets at once, and once more than ``FailureTolerance*`` of them fail no further target
starts (the rest are CANCELLED) and the operation FAILS.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from nimbus.protocol.errors import ServiceError

from .stackset_documents import StackInstance, StackSet, StackSetOperation
from .stackset_state import StackSetState, instance_key
from .state import ROLE_SESSION, SERVICE_PRINCIPAL, Caller, acting_as, stacks_ns

POLL_SECONDS = 0.1
# What an account with no account gate function reports, as on AWS.
ACCOUNT_GATE = {"Status": "SKIPPED", "StatusReason": "Function not found: arn:aws:lambda:{region}:{account}:function:"
                "AWSCloudFormationStackSetAccountGate"}
Act = Callable[[StackInstance, Caller], str | None]  # one target's work: None when done, else why it failed


STOP_REQUESTED: set[str] = set()  # operation ids StopStackSetOperation asked to stop
STOP_LOCK = threading.Lock()  # a stop and the operation's end are never interleaved


class Refused(Exception):
    """A target the operation could not act in (a role could not be assumed)."""


def limits(preferences: dict, targets: int) -> tuple[int, int]:
    """(targets at once, failures tolerated) in a region of ``targets`` accounts."""
    if "MaxConcurrentCount" in preferences:
        concurrent = int(preferences["MaxConcurrentCount"])
    else:
        concurrent = targets * int(preferences.get("MaxConcurrentPercentage", 0)) // 100
    if "FailureToleranceCount" in preferences:
        tolerance = int(preferences["FailureToleranceCount"])
    else:
        tolerance = targets * int(preferences.get("FailureTolerancePercentage", 0)) // 100
    return max(concurrent, 1), tolerance


class SetRun:
    def __init__(self, state: StackSetState, account: str, region: str, stack_set: StackSet,
                 operation: StackSetOperation):
        self.state, self.account, self.region = state, account, region
        self.stack_set, self.operation = stack_set, operation
        self.lock = threading.Lock()

    # -- acting in a target account ------------------------------------------------------------

    def execution(self, account: str, region: str) -> Caller:
        """Calls in ``account`` as a session of its execution role, assumed by the administration role's."""
        admin_arn, role_name = self.operation["AdministrationRoleARN"], self.operation["ExecutionRoleName"]
        client = self.state.runtime.client
        try:
            admin = client.sessions.principal(admin_arn, SERVICE_PRINCIPAL, ROLE_SESSION, self.region, None)
        except ServiceError as error:
            raise Refused(f"Could not assume role {admin_arn}: {error.message}") from None
        try:
            session = client.call("sts", "AssumeRole", {
                "RoleArn": f"arn:aws:iam::{account}:role/{role_name}",
                "RoleSessionName": f"stacksets-exec-{uuid.uuid4().hex[:24]}"},
                account_id=self.account, region=region, principal=admin, forwarded=False)
        except ServiceError:
            raise Refused(f"Account {account} should have '{role_name}' role with trust relationship to Role "
                          f"'{admin_arn.rsplit('/', 1)[-1]}'.") from None
        credential = self.state.runtime.credentials.lookup(session["Credentials"]["AccessKeyId"])
        assert credential is not None  # STS has just stored it
        return acting_as(self.state.runtime, account, region, None, credential.principal)

    def settled(self, account: str, region: str, stack_id: str) -> tuple[str, str]:
        """(status, reason) of the target's stack once its operation has ended."""
        while True:
            found = self.state.store.get(stacks_ns(account, region), stack_id)
            if found is not None and not found["StackStatus"].endswith("_IN_PROGRESS"):
                return found["StackStatus"], found.get("StackStatusReason", "")
            if self.state.closed:
                raise Refused("nimbus stopped before the stack instance's operation ended")
            time.sleep(POLL_SECONDS)

    # -- the operation ---------------------------------------------------------------------------

    def run(self, act: Act) -> None:
        preferences = self.operation.get("OperationPreferences") or {}
        given = list(dict.fromkeys(r["Region"] for r in self.operation.get("Results", [])))
        regions = [r for r in preferences.get("RegionOrder", []) if r in given] + \
            [r for r in given if r not in preferences.get("RegionOrder", [])]
        if preferences.get("RegionConcurrencyType") == "PARALLEL":  # every region at once, each on its own
            with ThreadPoolExecutor(len(regions) or 1, thread_name_prefix="nimbus-stackset-region") as pool:
                stopped = any(list(pool.map(lambda region: self.in_region(region, act, preferences, False), regions)))
        else:
            stopped = False
            for region in regions:  # a region past its tolerance cancels the regions after it
                stopped = self.in_region(region, act, preferences, stopped) or stopped
        with STOP_LOCK:
            final = "STOPPED" if self.stop_requested() else "FAILED" if stopped else "SUCCEEDED"
            STOP_REQUESTED.discard(self.operation["OperationId"])
            self.operation.update({"Status": final, "EndTimestamp": self.state.clock.time()})
            if final == "FAILED":
                self.operation["StatusReason"] = "The operation failed in more accounts than its failure tolerance " \
                                                 "allows"
            self.save()

    def in_region(self, region: str, act: Act, preferences: dict, cancelled: bool) -> bool:
        """Work on one region's targets, a batch at a time; whether more failed than its tolerance allows.
        ``cancelled``: an earlier region failed, so nothing starts here."""
        targets = [r for r in self.operation.get("Results", []) if r["Region"] == region]
        concurrent, tolerance = limits(preferences, len(targets))
        failures = 0
        for start in range(0, len(targets), concurrent):
            batch = targets[start:start + concurrent]
            if self.stop_requested():
                for result in batch:
                    self.finish(result, "CANCELLED", "Cancelled since the operation was stopped")
            elif cancelled or failures > tolerance:
                for result in batch:
                    self.finish(result, "CANCELLED", "Cancelled since failure tolerance has exceeded")
            else:
                with ThreadPoolExecutor(len(batch), thread_name_prefix="nimbus-stackset-target") as pool:
                    failures += list(pool.map(lambda result: self.one(result, act), batch)).count(False)
        return failures > tolerance

    def one(self, result: dict, act: Act) -> bool:
        account, region = result["Account"], result["Region"]
        instance = self.instance(account, region)
        self.finish(result, "RUNNING", "", instance, "RUNNING")
        try:
            reason = act(instance, self.execution(account, region))
        except Refused as refused:
            reason = str(refused)
        except ServiceError as error:
            reason = error.message
        self.finish(result, "FAILED" if reason else "SUCCEEDED", reason or "", instance)
        return not reason

    def instance(self, account: str, region: str) -> StackInstance:
        for found in self.state.instances(self.account, self.region, self.stack_set["StackSetId"]):
            if instance_key(found["Account"], found["Region"]) == instance_key(account, region):
                return found
        return {"StackSetId": self.stack_set["StackSetId"], "Account": account, "Region": region,
                "Status": "OUTDATED", "StackInstanceStatus": {"DetailedStatus": "PENDING"}}

    def finish(self, result: dict, status: str, reason: str, instance: StackInstance | None = None,
               detailed: str | None = None) -> None:
        """Record a target's result, and its instance's status (a deleted instance is gone)."""
        result["Status"] = status
        result.pop("StatusReason", None)
        if reason:
            result["StatusReason"] = reason
        result["AccountGateResult"] = {k: v.format(region=result["Region"], account=result["Account"])
                                       for k, v in ACCOUNT_GATE.items()}
        with self.lock:
            self.save()
            if instance is None and status == "CANCELLED":
                instance = self.instance(result["Account"], result["Region"])
            if instance is None or (self.operation["Action"] == "DELETE" and status == "SUCCEEDED"):
                return
            done = status == "SUCCEEDED"
            instance.update({"Status": "CURRENT" if done else "OUTDATED", "LastOperationId": self.operation["OperationId"],
                             "StackInstanceStatus": {"DetailedStatus": detailed or status}})
            instance.pop("StatusReason", None)
            if reason:
                instance["StatusReason"] = reason
            self.state.save_instance(self.account, self.region, instance)

    def stop_requested(self) -> bool:
        return self.operation["OperationId"] in STOP_REQUESTED

    def save(self) -> None:
        if self.stop_requested() and self.operation["Status"] == "RUNNING":
            self.operation["Status"] = "STOPPING"  # what StopStackSetOperation stored: not to be undone
        self.state.save_set_operation(self.account, self.region, self.operation)
