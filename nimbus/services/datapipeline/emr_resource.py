"""nimbus's own EmrCluster resource: a real nimbus EMR cluster, launched by RunJobFlow as the pipeline's
``role`` (its ServiceRole, as AWS does) with the ``resourceRole``'s instance profile as JobFlowRole, and a
task runner for the resource's worker group (as the cluster's master node runs one on AWS). The runner
adds each EmrActivity's ``step`` lines and each HiveActivity's script as EMR steps to that cluster and
waits for them; the cluster is terminated when the worker stops (its activities ended or
``terminateAfter`` passed)."""
from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import time

from nimbus.protocol.errors import ServiceError

from .objects_model import Definition
from .runner import PROGRESS_EVERY, TaskFailed, TaskRunner, _fields, _one

log = logging.getLogger(__name__)
DATAPIPELINE_PRINCIPAL = "datapipeline.amazonaws.com"
DEFAULT_RELEASE = "emr-7.5.0"
DEFAULT_INSTANCE_TYPE = "m5.xlarge"
_UNESCAPED_COMMA = re.compile(r"(?<!\\),")
_STEP_DONE = ("COMPLETED", "FAILED", "CANCELLED", "INTERRUPTED")


def _listed(text: str) -> list[str]:
    """Data Pipeline's ``jar,arg,arg`` syntax: commas separate, ``\\,`` is a comma inside a value."""
    return [part.replace("\\,", ",") for part in _UNESCAPED_COMMA.split(text)]


def _profile_name(role: str) -> str:
    """``resourceRole`` names a role whose instance profile has the same name (as AWS's default roles)."""
    return role.rsplit("/", 1)[-1]


def run_job_flow_params(definition: Definition, resource: str, pipeline_id: str) -> dict:
    def value(field: str) -> str | None:
        return definition.evaluated(resource, field)
    instances: dict = {"MasterInstanceType": value("masterInstanceType") or DEFAULT_INSTANCE_TYPE,
                       "SlaveInstanceType": value("coreInstanceType") or DEFAULT_INSTANCE_TYPE,
                       "InstanceCount": 1 + int(value("coreInstanceCount") or "1"),
                       "KeepJobFlowAliveWhenNoSteps": True}
    params: dict = {"Name": f"{pipeline_id}_{resource}"[:256], "ReleaseLabel": value("releaseLabel") or DEFAULT_RELEASE,
                    "Instances": instances, "ServiceRole": value("role"),
                    "JobFlowRole": _profile_name(value("resourceRole") or ""),
                    "Tags": [{"Key": "datapipeline:pipelineId", "Value": pipeline_id},
                             {"Key": "datapipeline:resourceId", "Value": resource}]}
    applications = definition.fields(resource, "applications")
    if applications:
        params["Applications"] = [{"Name": str(a.get("stringValue", "")).capitalize()} for a in applications]
    actions = [_listed(str(a.get("stringValue", ""))) for a in definition.fields(resource, "bootstrapAction")]
    if actions:
        params["BootstrapActions"] = [{"Name": f"Bootstrap action {n}", "ScriptBootstrapAction": {
            "Path": action[0], "Args": action[1:]}} for n, action in enumerate(actions, 1)]
    log_uri = value("pipelineLogUri")
    if log_uri:
        params["LogUri"] = f"{log_uri.rstrip('/')}/{pipeline_id}/{resource}/"
    return params


class EmrTaskRunner(TaskRunner):
    """A task runner that runs EMR activities as steps on its cluster, and any other activity locally."""
    cluster_id = ""
    cluster_error = "The EmrCluster resource has no running cluster"
    STEP_POLL = 1.0

    def execute(self, task: dict) -> bytes:
        objects = task["objects"]
        activity = objects[task["attemptId"]]
        kind = _one(activity, "type")
        if kind == "EmrActivity":
            steps = [self._step(f"{task['attemptId']} step {n}", _listed(str(line)))
                     for n, line in enumerate(_fields(activity).get("step", []), 1)]
            output = self._commands(task, activity, "preStepCommand")
            output += self._run_steps(task, steps)
            return output + self._commands(task, activity, "postStepCommand")
        if kind == "HiveActivity":
            return self._run_steps(task, [self._hive_step(task["attemptId"], activity, objects)])
        return super().execute(task)

    def _commands(self, task: dict, activity: dict, field: str) -> bytes:
        """An EmrActivity's preStepCommand (before its steps) or postStepCommand (after they all completed)
        shell commands, in order, run by the cluster's task runner as EMR's master node would; the first that
        exits non-zero fails the attempt."""
        output = b""
        for command in _fields(activity).get(field, []):
            with tempfile.TemporaryDirectory(prefix="nimbus-task-") as work:
                env = {**os.environ, "EMR_CLUSTER_ID": self.cluster_id}
                done = self._run_reporting(task, ["sh", "-c", str(command)], env, work)
            output += done.stdout + done.stderr
            if done.returncode != 0:
                failure = TaskFailed(f"{field} exited with status {done.returncode}: "
                                     f"{done.stderr.decode(errors='replace')[-2000:]}")
                failure.log = output  # type: ignore[attr-defined]
                raise failure
        return output

    @staticmethod
    def _step(name: str, jar_and_args: list[str]) -> dict:
        return {"Name": name[:256], "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {"Jar": jar_and_args[0], "Args": jar_and_args[1:]}}

    def _hive_step(self, name: str, activity: dict, objects: dict) -> dict:
        """HiveQL runs through EMR's ``hive`` step; ``${input1}``/``${output1}`` are the data nodes' paths."""
        variables = [str(v) for v in _fields(activity).get("scriptVariable", [])]
        for field, prefix in (("input", "input"), ("output", "output")):
            for n, node_id in enumerate(_fields(activity).get(field, []), 1):
                path = _one(objects.get(node_id, {}), "directoryPath") or _one(objects.get(node_id, {}), "filePath")
                if path:
                    variables.append(f"{prefix}{n}={path}")
        defines = [arg for variable in variables for arg in ("-d", variable)]
        script = _one(activity, "hiveScript")
        source = ["-e", script] if script is not None else ["-f", _one(activity, "scriptUri") or ""]
        return self._step(name, ["command-runner.jar", "hive", *defines, *source])

    def _run_steps(self, task: dict, steps: list[dict]) -> bytes:
        if not self.cluster_id:
            raise TaskFailed(self.cluster_error)
        step_ids = self.call("emr", "AddJobFlowSteps", {"JobFlowId": self.cluster_id, "Steps": steps})["StepIds"]
        lines = []
        for step_id in step_ids:
            step = self._wait_step(task, step_id)
            state = step["Status"]["State"]
            lines.append(f"{self.cluster_id} {step_id} {step['Name']}: {state}")
            if state != "COMPLETED":
                details = step["Status"].get("FailureDetails", {})
                failure = TaskFailed(f"EMR step {step_id} on {self.cluster_id} ended {state}: "
                                     f"{details.get('Message', details.get('Reason', ''))} "
                                     f"(logs: {details.get('LogFile', 'none')})")
                failure.log = ("\n".join(lines) + "\n").encode()  # type: ignore[attr-defined]
                raise failure
        return ("\n".join(lines) + "\n").encode()

    def _wait_step(self, task: dict, step_id: str) -> dict:
        reported = time.monotonic()
        while True:
            step = self.call("emr", "DescribeStep", {"ClusterId": self.cluster_id, "StepId": step_id})["Step"]
            if step["Status"]["State"] in _STEP_DONE:
                return step
            if time.monotonic() - reported >= PROGRESS_EVERY:
                reported = time.monotonic()
                if self.call("datapipeline", "ReportTaskProgress", {"taskId": task["taskId"]}).get("canceled"):
                    self.call("emr", "CancelSteps", {"ClusterId": self.cluster_id, "StepIds": [step_id]})
                    raise TaskFailed(f"The task was canceled; EMR step {step_id} was canceled")
            time.sleep(self.STEP_POLL)


def _running_cluster(name: str, as_service) -> str | None:
    """The resource's cluster launched before nimbus restarted, which EMR kept waiting: it is reused."""
    listed = as_service("emr", "ListClusters", {"ClusterStates": ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"]})
    return next((c["Id"] for c in listed.get("Clusters", []) if c["Name"] == name), None)


def run_on_cluster(runner: EmrTaskRunner, stop: threading.Event, launch: dict, as_service) -> None:
    """The worker thread of an EmrCluster: launch the cluster, run its tasks, terminate it at the end."""
    try:
        runner.cluster_id = _running_cluster(launch["Name"], as_service) or \
            as_service("emr", "RunJobFlow", launch)["JobFlowId"]
    except ServiceError as error:  # the runner still takes the tasks, to fail them with the reason
        runner.cluster_error = f"The EmrCluster could not be launched: {error.code}: {error.message}"
    try:
        runner.run(stop)
    except Exception:  # noqa: BLE001 - logged; a worker's thread never dies with a traceback
        if stop.is_set():
            return
        log.exception("The task runner of EMR cluster %s failed", runner.cluster_id)
    if stop.is_set() or not runner.cluster_id:
        return  # nimbus is closing: EMR keeps the cluster waiting, and the next start reuses it
    try:
        as_service("emr", "TerminateJobFlows", {"JobFlowIds": [runner.cluster_id]})
    except ServiceError as error:
        log.warning("EMR cluster %s of a pipeline could not be terminated: %s", runner.cluster_id, error)
