"""What a pipeline does to other services, always as its roles through the internal client: checking
preconditions (S3KeyExists, S3PrefixNotEmpty, Exists; ShellCommandPrecondition through a task runner,
shell_precondition.py), raising actions (SnsAlarm as the pipeline's
``role``; Terminate), and starting the local worker of an Ec2Resource (as its ``resourceRole``)."""
from __future__ import annotations

import logging

from nimbus.core.context import CallSource
from nimbus.protocol.errors import ServiceError

from .documents import Pipeline, RunObject
from .emr_resource import DATAPIPELINE_PRINCIPAL
from .expressions import ExpressionError
from .objects_model import Definition
from .runs_model import ACTIVE, component_of, put, status
from .shell_precondition import ShellPreconditions
from .state import pipeline_arn
from .workers import LocalWorkers

log = logging.getLogger(__name__)
SERVICE_PRINCIPAL = DATAPIPELINE_PRINCIPAL


def runtime_fields(run: RunObject) -> dict[str, object]:
    """An instance's ``@`` fields, which its expressions may read (``@scheduledStartTime``...)."""
    return {f["key"]: f.get("stringValue", f.get("refValue")) for f in run["fields"] if f["key"].startswith("@")}


def _bucket_key(url: str) -> tuple[str, str]:
    if not url.startswith("s3://"):
        raise ExpressionError(f"'{url}' is not an s3:// URL")
    bucket, _, key = url[5:].partition("/")
    return bucket, key


class SideEffects(ShellPreconditions):
    workers: LocalWorkers

    def worker_group(self, pipeline: Pipeline, definition: Definition, component: str) -> str:
        resource = definition.ref(component, "runsOn")
        if resource is not None:
            return f"{pipeline['pipelineId']}/{resource}"
        return definition.evaluated(component, "workerGroup") or ""

    def as_role(self, pipeline: Pipeline, role: str | None, service: str, operation: str, params: dict) -> dict:
        if not role:
            raise ServiceError("AccessDeniedException", "The pipeline names no role to act as", status=400)
        account, region = pipeline["accountId"], pipeline["region"]
        return self.runtime.client.call_as_role(
            role, service, operation, params, invoked_by=SERVICE_PRINCIPAL, session_name="DataPipeline",
            region=region, source=CallSource(pipeline_arn(account, region, pipeline["pipelineId"]), account))

    def precondition_holds(self, pipeline: Pipeline, definition: Definition, precondition: str,
                           instance: RunObject) -> bool:
        kind = definition.type_of(precondition)
        fields = runtime_fields(instance)
        if kind == "ShellCommandPrecondition":  # run by a task runner, not here
            component = component_of(instance)
            holds = self.shell_check(pipeline, definition, precondition, instance,
                                     self.worker_group(pipeline, definition, component))
            self.save_run(pipeline["accountId"], pipeline["region"], pipeline["pipelineId"], instance)
            if not holds:
                self.resource_needed(pipeline, definition, component)
            return holds
        role = definition.evaluated(precondition, "role")
        try:
            if kind == "S3KeyExists":
                bucket, key = _bucket_key(definition.evaluated(precondition, "s3Key", fields) or "")
                self.as_role(pipeline, role, "s3", "HeadObject", {"Bucket": bucket, "Key": key})
                return True
            if kind == "S3PrefixNotEmpty":
                bucket, prefix = _bucket_key(definition.evaluated(precondition, "s3Prefix", fields) or "")
                listed = self.as_role(pipeline, role, "s3", "ListObjectsV2",
                                      {"Bucket": bucket, "Prefix": prefix, "MaxKeys": 1})
                return bool(listed.get("Contents"))
        except (ServiceError, ExpressionError) as error:
            put(instance, "@preconditionStatus", f"{precondition}: {error}")
            return False
        return kind == "Exists"

    def run_actions(self, pipeline: Pipeline, definition: Definition, component: str, event: str,
                    instance: RunObject) -> None:
        for action in definition.refs(component, event):
            kind = definition.type_of(action)
            if kind == "Terminate" and status(instance) in ACTIVE:
                put(instance, "@status", "CANCELED")
            if kind != "SnsAlarm":
                continue
            fields = runtime_fields(instance)
            try:
                self.as_role(pipeline, definition.evaluated(action, "role"), "sns", "Publish", {
                    "TopicArn": definition.evaluated(action, "topicArn", fields, node=component),
                    "Subject": definition.evaluated(action, "subject", fields, node=component),
                    "Message": definition.evaluated(action, "message", fields, node=component)})
            except (ServiceError, ExpressionError) as error:
                log.warning("Data Pipeline %s: %s action %s failed: %s", pipeline["pipelineId"], event, action, error)

    def resource_needed(self, pipeline: Pipeline, definition: Definition, component: str) -> None:
        resource = definition.ref(component, "runsOn")
        if resource is None or definition.type_of(resource) not in ("Ec2Resource", "EmrCluster"):
            return
        self.workers.ensure(pipeline, definition, resource)

    def cancel_if_active(self, account: str, region: str, pipeline_id: str, run: RunObject,
                         states: tuple[str, ...]) -> None:
        if status(run) in states:
            put(run, "@status", "CANCELED")
            self.save_run(account, region, pipeline_id, run)
