"""PutDataProtectionPolicy / GetDataProtectionPolicy, and the policy at work: inbound on Publish (audit
findings, masking or redaction, a refused publish) and outbound on each delivery (data_identifiers.py)."""
from __future__ import annotations

from nimbus.core.context import CallSource, RequestContext

from .common import authorization_error, findings_ns, split_topic_arn
from .data_identifiers import Outcome, apply
from .delivery_status import sampled, write_vended_log
from .documents import Topic
from .fanout import next_record_seq
from .state import SnsState
from .topic_attributes import check_attribute


class DataProtectionOps(SnsState):
    def put_data_protection_policy(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            topic = self.topic(ctx, params["ResourceArn"], "SNS:PutDataProtectionPolicy")
            topic["Attributes"]["DataProtectionPolicy"] = check_attribute(
                "DataProtectionPolicy", params["DataProtectionPolicy"], topic)
            self.save_topic(topic)
        return {}

    def get_data_protection_policy(self, ctx: RequestContext, params: dict) -> dict:
        topic = self.topic(ctx, params["ResourceArn"], "SNS:GetDataProtectionPolicy")
        policy = topic["Attributes"].get("DataProtectionPolicy")
        return {"DataProtectionPolicy": policy} if policy else {}

    def protect_inbound(self, ctx: RequestContext, topic: Topic, entry: dict) -> dict:
        """The entry as the topic keeps it: refused (Deny), de-identified, and audited (findings recorded)."""
        policy = topic["Attributes"].get("DataProtectionPolicy")
        if not policy:
            return entry
        topic_arn = topic["Attributes"]["TopicArn"]
        outcome = apply(policy, "Inbound", entry["Message"], ctx.principal.arn, ctx.account_id)
        if outcome.audit is not None and sampled(outcome.audit.get("SampleRate"), f"{topic_arn} Audit"):
            self._record_findings(topic_arn, ctx.principal.arn, outcome, ctx.clock.time())
        if outcome.denied:
            raise authorization_error(
                f"User: {ctx.principal.arn} is not authorized to perform: SNS:Publish on resource: {topic_arn} "
                "because the message contains data the topic's data protection policy denies")
        return {**entry, "Message": outcome.message}

    def _record_findings(self, topic_arn: str, principal_arn: str, outcome: Outcome, now: float) -> None:
        """What an Audit statement logs, kept where ``/_nimbus/sns/data-protection`` lists it."""
        account, region, _ = split_topic_arn(topic_arn)
        identifiers: dict[str, list] = {}
        for finding in outcome.findings:
            identifiers.setdefault(finding.identifier, []).append({"start": finding.start, "end": finding.end})
        found_any = bool(outcome.findings)
        destination = (outcome.audit or {}).get("FindingsDestination" if found_any else "NoFindingsDestination")
        record = {"auditTimestamp": now, "callerPrincipal": principal_arn, "resourceArn": topic_arn,
                  "dataIdentifiers": [{"name": name, "count": len(found), "detections": found}
                                      for name, found in identifiers.items()]}
        self.store.put(findings_ns(account, region), f"{now:017.6f}-{next_record_seq():012d}",
                       {**record, "findingsDestination": destination})
        group = ((destination or {}).get("CloudWatchLogs") or {}).get("LogGroup")
        if group:
            write_vended_log(self.runtime, account, region, CallSource(topic_arn, account), group, record, now)
