"""Clusters: RunJobFlow (checked as EMR checks it, roles passed as core/roles.py says), DescribeCluster,
ListClusters, TerminateJobFlows, SetTerminationProtection, SetVisibleToAllUsers and the auto-termination
policy. What a cluster then does (bootstrap, steps, termination) is the engine's (engine.py)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.ids import random_id
from nimbus.core.roles import check_pass_role
from nimbus.protocol.errors import ServiceError

from .documents import Cluster
from .instances import instance_layout
from .releases import checked_label
from .state import ENDED, EmrState, save_cluster, validation
from .steps import new_step

EMR_SERVICE = "elasticmapreduce.amazonaws.com"
EC2_SERVICE = "ec2.amazonaws.com"
_SHOWN = ("Id", "Name", "Status", "Ec2InstanceAttributes", "InstanceCollectionType", "LogUri", "ReleaseLabel",
          "AutoTerminate", "TerminationProtected", "VisibleToAllUsers", "Applications", "Tags", "ServiceRole",
          "Configurations", "SecurityConfiguration", "ClusterArn", "StepConcurrencyLevel")


def _role_arn(ctx: RequestContext, role: str) -> str:
    return role if role.startswith("arn:") else f"arn:aws:iam::{ctx.account_id}:role/{role}"


def _refused(member: str):
    return lambda message: validation(f"Invalid {member}: {message}")


def _instance_role(ctx: RequestContext, profile: str) -> str:
    """The role of the instance profile ``JobFlowRole`` names: what steps act as."""
    name = profile.rsplit("/", 1)[-1]
    try:
        output = ctx.runtime.client.call("iam", "GetInstanceProfile", {"InstanceProfileName": name},
                                         account_id=ctx.account_id, region=ctx.region, principal=ctx.principal)
    except ServiceError:
        raise validation(f"Invalid InstanceProfile: {profile}.") from None
    roles = output["InstanceProfile"]["Roles"]
    if not roles:
        raise validation(f"Invalid InstanceProfile: {profile} has no role.")
    return roles[0]["Arn"]


def shown(cluster: Cluster) -> dict:
    output = {k: cluster[k] for k in _SHOWN if k in cluster}  # type: ignore[literal-required]
    output["NormalizedInstanceHours"] = 0
    output["MasterPublicDnsName"] = "ip-10-0-0-10.ec2.internal"
    return output


class ClusterOps(EmrState):
    def run_job_flow(self, ctx: RequestContext, params: dict) -> dict:
        instances = params["Instances"]
        now = ctx.clock.time()
        label = checked_label(params.get("ReleaseLabel") or "emr-7.5.0")
        collection, layout = instance_layout(instances, now)
        for member in ("ServiceRole", "JobFlowRole"):
            if not params.get(member):
                raise validation(f"{member} is required for creating cluster.")
        service_role = _role_arn(ctx, params["ServiceRole"])
        check_pass_role(ctx, service_role, EMR_SERVICE, "emr-cluster", _refused("ServiceRole"))
        instance_role = _instance_role(ctx, params["JobFlowRole"])
        check_pass_role(ctx, instance_role, EC2_SERVICE, "emr-instance", _refused("InstanceProfile"))
        if params.get("SecurityConfiguration") and self.find_security_configuration(
                ctx, params["SecurityConfiguration"]) is None:
            raise validation(f"Security configuration '{params['SecurityConfiguration']}' does not exist.")
        cluster_id = random_id("j-", 13)
        cluster: Cluster = {
            "Id": cluster_id, "Name": params["Name"], "AccountId": ctx.account_id, "Region": ctx.region,
            "ClusterArn": f"arn:aws:elasticmapreduce:{ctx.region}:{ctx.account_id}:cluster/{cluster_id}",
            "Status": {"State": "STARTING", "StateChangeReason": {}, "Timeline": {"CreationDateTime": now}},
            "ReleaseLabel": label, "InstanceCollectionType": collection,
            "Applications": [{"Name": a["Name"], **({"Version": v} if (v := _version(label, a["Name"])) else {})}
                             for a in params.get("Applications") or [{"Name": "Hadoop"}]],
            "Configurations": params.get("Configurations", []), "BootstrapActions": params.get("BootstrapActions", []),
            "Ec2InstanceAttributes": {"Ec2AvailabilityZone": f"{ctx.region}a", "IamInstanceProfile":
                                      params["JobFlowRole"], **{k: instances[k] for k in (
                                          "Ec2KeyName", "Ec2SubnetId") if k in instances}},
            "AutoTerminate": not instances.get("KeepJobFlowAliveWhenNoSteps", False),
            "TerminationProtected": instances.get("TerminationProtected", False),
            "VisibleToAllUsers": params.get("VisibleToAllUsers", True), "ServiceRole": params["ServiceRole"],
            "JobFlowRole": params["JobFlowRole"], "InstanceRoleArn": instance_role,
            "StepConcurrencyLevel": params.get("StepConcurrencyLevel", 1), "Tags": params.get("Tags", []),
            "IdleSince": now, "StepCount": 0}
        cluster["InstanceFleets" if collection == "INSTANCE_FLEET" else "InstanceGroups"] = layout  # type: ignore[literal-required]
        for member in ("LogUri", "AutoTerminationPolicy", "SecurityConfiguration"):
            if params.get(member):
                cluster[member] = params[member]  # type: ignore[literal-required]
        with self.store.transaction():
            save_cluster(self.store, cluster)
            for config in params.get("Steps") or []:
                new_step(self.store, cluster, config, now)
        self.engine.start(cluster)
        self.emit(ctx, cluster, "created")
        return {"JobFlowId": cluster_id, "ClusterArn": cluster["ClusterArn"]}

    def describe_cluster(self, ctx: RequestContext, params: dict) -> dict:
        return {"Cluster": shown(self.cluster(ctx, params["ClusterId"]))}

    def list_clusters(self, ctx: RequestContext, params: dict) -> dict:
        states, after, before = params.get("ClusterStates"), params.get("CreatedAfter"), params.get("CreatedBefore")
        found = []
        for cluster in sorted(self.all_clusters(ctx), key=lambda c: -c["Status"]["Timeline"]["CreationDateTime"]):
            created = cluster["Status"]["Timeline"]["CreationDateTime"]
            if (states and cluster["Status"]["State"] not in states) or (after and created < after.timestamp()) \
                    or (before and created > before.timestamp()):
                continue
            found.append({"Id": cluster["Id"], "Name": cluster["Name"], "Status": cluster["Status"],
                          "NormalizedInstanceHours": 0, "ClusterArn": cluster["ClusterArn"]})
        start = int(params["Marker"]) if str(params.get("Marker", "")).isdigit() else 0
        chunk = found[start:start + 50]
        return {"Clusters": chunk, **({"Marker": str(start + 50)} if start + 50 < len(found) else {})}

    def terminate_job_flows(self, ctx: RequestContext, params: dict) -> dict:
        clusters = [self.cluster(ctx, cluster_id) for cluster_id in params["JobFlowIds"]]
        if any(c["TerminationProtected"] and c["Status"]["State"] not in ENDED for c in clusters):
            raise validation("Could not shut down one or more job flows since they are termination protected.")
        for cluster in clusters:
            self.engine.terminate(cluster["Id"], "USER_REQUEST", "Terminated by user request")
            self.emit(ctx, cluster, "deleted")
        return {}

    def set_termination_protection(self, ctx: RequestContext, params: dict) -> dict:
        self._set(ctx, params["JobFlowIds"], "TerminationProtected", params["TerminationProtected"])
        return {}

    def set_visible_to_all_users(self, ctx: RequestContext, params: dict) -> dict:
        self._set(ctx, params["JobFlowIds"], "VisibleToAllUsers", params["VisibleToAllUsers"])
        return {}

    def put_auto_termination_policy(self, ctx: RequestContext, params: dict) -> dict:
        self._set(ctx, [params["ClusterId"]], "AutoTerminationPolicy", params.get("AutoTerminationPolicy") or {})
        self.engine.wake(params["ClusterId"])
        return {}

    def get_auto_termination_policy(self, ctx: RequestContext, params: dict) -> dict:
        policy = self.cluster(ctx, params["ClusterId"]).get("AutoTerminationPolicy")
        return {"AutoTerminationPolicy": policy} if policy else {}

    def remove_auto_termination_policy(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            cluster = self.cluster(ctx, params["ClusterId"])
            cluster.pop("AutoTerminationPolicy", None)
            save_cluster(self.store, cluster)
        return {}

    def _set(self, ctx: RequestContext, cluster_ids: list[str], member: str, value) -> None:
        with self.store.transaction():
            clusters = [self.cluster(ctx, cluster_id) for cluster_id in cluster_ids]
            for cluster in clusters:
                if cluster["Status"]["State"] in ENDED:
                    raise validation("A job flow that is shutting down, terminated, or finished may not be "
                                     "modified.")
                cluster[member] = value  # type: ignore[literal-required]
                save_cluster(self.store, cluster)
        for cluster in clusters:
            self.emit(ctx, cluster, "updated")


def _version(label: str, name: str) -> str | None:
    from .releases import applications_of
    return applications_of(label).get(name.capitalize() if name.islower() else name)
