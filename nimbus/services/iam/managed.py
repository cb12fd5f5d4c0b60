"""Customer managed policies and their versions; AWS managed policies resolve read-only."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.ids import random_id
from nimbus.core.times import timestamp
from nimbus.services.iam.aws_managed import AWS_MANAGED
from nimbus.services.iam.common import (
    MANAGED_POLICY_SIZE,
    POLICY_VERSIONS,
    already_exists,
    checked_path,
    checked_tags,
    delete_conflict,
    encode_document,
    limit_exceeded,
    no_such_entity,
    ns,
    paged_output,
    validated_document,
)
from nimbus.services.iam.documents import MANAGED_POLICY, ManagedPolicy
from nimbus.services.iam.state import IamState


def policy_output(policy: ManagedPolicy, attachments: int = 0, described: bool = True) -> dict:
    """A policy as IAM describes it; CreatePolicy's answer (``described=False``) leaves out the description."""
    output = {k: policy[k] for k in ("PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId", "IsAttachable")}
    output.update(AttachmentCount=attachments, PermissionsBoundaryUsageCount=0,
                  CreateDate=timestamp(policy["CreateDate"]), UpdateDate=timestamp(policy["UpdateDate"]))
    if described and policy.get("Description"):
        output["Description"] = policy["Description"]
    if policy.get("Tags"):
        output["Tags"] = policy["Tags"]
    return output


def version_output(policy: ManagedPolicy, version_id: str, with_document: bool = True) -> dict:
    version = policy["Versions"][version_id]
    output = {"VersionId": version_id, "IsDefaultVersion": version_id == policy["DefaultVersionId"],
              "CreateDate": timestamp(version["CreateDate"])}
    if with_document:
        output["Document"] = encode_document(version["Document"])
    return output


def _version_order(version_id: str) -> int:
    return int(version_id[1:])


class ManagedPolicyOps(IamState):
    def create_policy(self, ctx: RequestContext, params: dict) -> dict:
        name, path = params["PolicyName"], checked_path(params.get("Path", "/"))
        document = validated_document(params["PolicyDocument"], limit=MANAGED_POLICY_SIZE, managed=True)
        arn = ctx.arn(f"policy{path}{name}")
        now = ctx.clock.time()
        with self.store.transaction():
            if any(p["PolicyName"].lower() == name.lower() for p in self._local_policies(ctx.account_id)):
                raise already_exists(f"A policy called {name} already exists. Duplicate names are not allowed.")
            policy: ManagedPolicy = {"PolicyName": name, "PolicyId": random_id("ANPA"), "Arn": arn, "Path": path,
                      "DefaultVersionId": "v1", "IsAttachable": True, "Description": params.get("Description"),
                      "CreateDate": now, "UpdateDate": now, "Tags": checked_tags(params.get("Tags", [])),
                      "Versions": {"v1": {"Document": document, "CreateDate": now}}, "NextVersion": 2}
            MANAGED_POLICY.put(self.store, ns(ctx.account_id, "policies"), arn, policy)
        ctx.emit_resource_change("AWS::IAM::Policy", arn, "created", lambda: policy_output(policy))
        return {"Policy": policy_output(policy, described=False)}

    def get_policy(self, ctx: RequestContext, params: dict) -> dict:
        policy = self._policy(ctx.account_id, params["PolicyArn"])
        # GetPolicy always carries Tags, empty or not (ListPolicies and CreatePolicy only when there are some).
        return {"Policy": {"Tags": [], **policy_output(policy, self._attachment_counts(ctx.account_id)[policy["Arn"]])}}

    def list_policies(self, ctx: RequestContext, params: dict) -> dict:
        scope, prefix = params.get("Scope", "All"), params.get("PathPrefix", "/")
        policies = []
        if scope in ("All", "AWS"):
            policies += list(AWS_MANAGED.values())
        if scope in ("All", "Local"):
            policies += self._local_policies(ctx.account_id)
        counts = self._attachment_counts(ctx.account_id)
        policies = [p for p in policies if p["Path"].startswith(prefix)
                    and (not params.get("OnlyAttached") or counts[p["Arn"]])]
        return paged_output(policies, params, lambda p: p["Arn"], "Policies",
                            lambda p: policy_output(p, counts[p["Arn"]]))

    def delete_policy(self, ctx: RequestContext, params: dict) -> dict:
        arn = params["PolicyArn"]
        with self.store.transaction():
            policy = self._policy(ctx.account_id, arn, local=True)
            if self._attachment_counts(ctx.account_id)[arn]:
                raise delete_conflict("Cannot delete a policy attached to entities.")
            if len(policy["Versions"]) > 1:
                raise delete_conflict("This policy has more than one version. Before you delete a policy, "
                                      "you must delete the policy's versions. The default version is deleted "
                                      "with the policy.")
            self.store.delete(ns(ctx.account_id, "policies"), arn)
        ctx.emit_resource_change("AWS::IAM::Policy", arn, "deleted")
        return {}

    # -- versions --------------------------------------------------------------

    def create_policy_version(self, ctx: RequestContext, params: dict) -> dict:
        document = validated_document(params["PolicyDocument"], limit=MANAGED_POLICY_SIZE, managed=True)
        with self.store.transaction():
            policy = self._policy(ctx.account_id, params["PolicyArn"], local=True)
            if len(policy["Versions"]) >= POLICY_VERSIONS:
                raise limit_exceeded(f"A managed policy can have up to {POLICY_VERSIONS} versions. Before you "
                                     "create a new version, you must delete an existing version.")
            version_id = f"v{policy['NextVersion']}"
            policy["NextVersion"] += 1
            policy["Versions"][version_id] = {"Document": document, "CreateDate": ctx.clock.time()}
            if params.get("SetAsDefault"):
                policy["DefaultVersionId"] = version_id
            policy["UpdateDate"] = ctx.clock.time()
            MANAGED_POLICY.put(self.store, ns(ctx.account_id, "policies"), policy["Arn"], policy)
        self._changed(ctx)
        ctx.emit_resource_change("AWS::IAM::Policy", policy["Arn"], "updated", lambda: policy_output(policy))
        return {"PolicyVersion": version_output(policy, version_id, with_document=False)}

    def get_policy_version(self, ctx: RequestContext, params: dict) -> dict:
        policy = self._policy(ctx.account_id, params["PolicyArn"])
        return {"PolicyVersion": version_output(policy, self._version_id(policy, params["VersionId"]))}

    def list_policy_versions(self, ctx: RequestContext, params: dict) -> dict:
        policy = self._policy(ctx.account_id, params["PolicyArn"])
        versions = sorted(policy["Versions"], key=_version_order, reverse=True)
        return paged_output(versions, params, lambda v: v, "Versions",
                            lambda v: version_output(policy, v, with_document=False))

    def delete_policy_version(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            policy = self._policy(ctx.account_id, params["PolicyArn"], local=True)
            version_id = self._version_id(policy, params["VersionId"])
            if version_id == policy["DefaultVersionId"]:
                raise delete_conflict("Cannot delete the default version of a policy.")
            del policy["Versions"][version_id]
            MANAGED_POLICY.put(self.store, ns(ctx.account_id, "policies"), policy["Arn"], policy)
        return {}

    def set_default_policy_version(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            policy = self._policy(ctx.account_id, params["PolicyArn"], local=True)
            policy["DefaultVersionId"] = self._version_id(policy, params["VersionId"])
            policy["UpdateDate"] = ctx.clock.time()
            MANAGED_POLICY.put(self.store, ns(ctx.account_id, "policies"), policy["Arn"], policy)
        self._changed(ctx)
        ctx.emit_resource_change("AWS::IAM::Policy", policy["Arn"], "updated", lambda: policy_output(policy))
        return {}

    # -- helpers -------------------------------------------------------------------

    @staticmethod
    def _version_id(policy: ManagedPolicy, version_id: str) -> str:
        if version_id not in policy["Versions"]:
            raise no_such_entity(f"Policy {policy['Arn']} version {version_id} does not exist or is not attachable.")
        return version_id

