"""Service-linked roles: roles a service owns, at ``/aws-service-role/<service principal>/`` and named
``AWSServiceRoleFor<Service>`` as AWS names them, trusted by that service alone, changed only by it
(DeleteRole refuses them: DeleteServiceLinkedRole starts a deletion task instead)."""
from __future__ import annotations

import json
import re
import uuid

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import SERVICE_ROLE_PATH, no_such_entity, ns
from nimbus.services.iam.documents import DELETION_TASK, DeletionTask
from nimbus.services.iam.roles import DEFAULT_SESSION_SECONDS, role_output
from nimbus.services.iam.state import IamState

# AWS's own names where they are not the capitalised service prefix.
ROLE_NAMES = {
    "autoscaling.amazonaws.com": "AutoScaling", "elasticloadbalancing.amazonaws.com": "ElasticLoadBalancing",
    "elasticbeanstalk.amazonaws.com": "ElasticBeanstalk", "ecs.amazonaws.com": "ECS",
    "rds.amazonaws.com": "RDS", "dynamodb.application-autoscaling.amazonaws.com":
    "ApplicationAutoScaling_DynamoDBTable", "ecs.application-autoscaling.amazonaws.com":
    "ApplicationAutoScaling_ECSService", "config.amazonaws.com": "Config", "cloudtrail.amazonaws.com":
    "CloudTrail", "organizations.amazonaws.com": "Organizations", "support.amazonaws.com": "Support",
    "trustedadvisor.amazonaws.com": "TrustedAdvisor", "elasticmapreduce.amazonaws.com": "EMRCleanup",
    "es.amazonaws.com": "AmazonElasticsearchService", "opensearchservice.amazonaws.com": "AmazonOpenSearchService",
    "eks.amazonaws.com": "AmazonEKS", "lambda.amazonaws.com": "Lambda", "sso.amazonaws.com": "SSO",
    "spot.amazonaws.com": "EC2Spot", "kafka.amazonaws.com": "Kafka", "guardduty.amazonaws.com":
    "AmazonGuardDuty", "securityhub.amazonaws.com": "SecurityHub", "inspector2.amazonaws.com":
    "AmazonInspector2", "cloudformation.amazonaws.com": "CloudFormationStackSetsOrgAdmin",
}
CUSTOM_SUFFIX = re.compile(r"[\w+=,.@-]{1,64}")
# Services whose roles take a custom suffix (AWS allows it only where a service may have several).
SUFFIXED = frozenset({"autoscaling.amazonaws.com", "elasticbeanstalk.amazonaws.com"})


def invalid_input(message: str) -> ServiceError:
    return ServiceError("InvalidInput", message, status=400)


def role_name(service: str, suffix: str | None) -> str:
    prefix = service.split(".")[0]
    name = "AWSServiceRoleFor" + ROLE_NAMES.get(service, prefix[:1].upper() + prefix[1:])
    return f"{name}_{suffix}" if suffix else name


class ServiceLinkedRoleOps(IamState):
    def create_service_linked_role(self, ctx: RequestContext, params: dict) -> dict:
        service, suffix = params["AWSServiceName"], params.get("CustomSuffix")
        if not service.endswith(".amazonaws.com"):
            raise invalid_input(f"Invalid service principal {service}.")
        if suffix and (service not in SUFFIXED or not CUSTOM_SUFFIX.fullmatch(suffix)):
            raise invalid_input(f"Custom suffix is not allowed for {service}")
        name = role_name(service, suffix)
        if self._find(ctx.account_id, "role", name):
            raise invalid_input(f"Service role name {name} has been taken in this account, please try a "
                                "different suffix.")
        trust = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": [service]}, "Action": ["sts:AssumeRole"]}]})
        with self.store.transaction():
            role = self._new_entity(ctx, "role", {"RoleName": name, "Path": f"{SERVICE_ROLE_PATH}{service}/"},
                                    AssumeRolePolicyDocument=trust, Description=params.get("Description"),
                                    MaxSessionDuration=DEFAULT_SESSION_SECONDS, Tags=[], PermissionsBoundary=None)
        ctx.emit_resource_change("AWS::IAM::Role", role["Arn"], "created", lambda: role_output(role))
        return {"Role": role_output(role, full=False)}

    def delete_service_linked_role(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            role = self._entity(ctx.account_id, "role", params["RoleName"])
            if not role["Path"].startswith(SERVICE_ROLE_PATH):
                raise invalid_input(f"Role {role['RoleName']} is not a service-linked role.")
            task_id = f"task{role['Path']}{role['RoleName']}/{uuid.uuid4()}"
            # The owning service has no resources using it in nimbus, so the deletion succeeds at once;
            # the role's own policies go with it.
            self._remove(ctx.account_id, "role", role["RoleName"])
            task: DeletionTask = {"RoleName": role["RoleName"], "Status": "SUCCEEDED", "Created": ctx.clock.time()}
            DELETION_TASK.put(self.store, ns(ctx.account_id, "deletion_tasks"), task_id, task)
        self._changed(ctx)
        ctx.emit_resource_change("AWS::IAM::Role", role["Arn"], "deleted")
        return {"DeletionTaskId": task_id}

    def get_service_linked_role_deletion_status(self, ctx: RequestContext, params: dict) -> dict:
        task = DELETION_TASK.get(self.store, ns(ctx.account_id, "deletion_tasks"), params["DeletionTaskId"])
        if task is None:
            raise no_such_entity(f"Deletion task {params['DeletionTaskId']} cannot be found.")
        return {"Status": task["Status"]}

