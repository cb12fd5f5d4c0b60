"""Steps: AddJobFlowSteps, DescribeStep, ListSteps and CancelSteps. The engine runs them (engine.py)."""
from __future__ import annotations

from nimbus.core.context import RequestContext
from nimbus.core.ids import random_id

from .documents import Cluster, Step
from .state import ENDED, EmrState, cluster_steps, invalid_request, save_cluster, save_step, validation

_ACTIONS = {"TERMINATE_JOB_FLOW": "TERMINATE_CLUSTER"}  # the old name AWS still accepts


def new_step(store, cluster: Cluster, config: dict, now: float) -> Step:
    """Add one of RunJobFlow's or AddJobFlowSteps' step configs to the cluster, PENDING (saved by the caller's
    transaction along with the cluster's step count)."""
    jar = config["HadoopJarStep"]
    step: Step = {"Id": random_id("s-", 13), "ClusterId": cluster["Id"], "Seq": cluster.get("StepCount", 0),
                  "Name": config["Name"],
                  "Config": {"Jar": jar["Jar"], "Args": jar.get("Args", []),
                             "Properties": {p["Key"]: p.get("Value", "") for p in jar.get("Properties", [])},
                             **({"MainClass": jar["MainClass"]} if jar.get("MainClass") else {})},
                  "ActionOnFailure": _ACTIONS.get(config.get("ActionOnFailure", "TERMINATE_CLUSTER"),
                                                  config.get("ActionOnFailure", "TERMINATE_CLUSTER")),
                  "Status": {"State": "PENDING", "StateChangeReason": {}, "Timeline": {"CreationDateTime": now}}}
    cluster["StepCount"] = step["Seq"] + 1
    save_cluster(store, cluster)
    save_step(store, cluster, step)
    return step


def shown(step: Step) -> dict:
    return {k: v for k, v in step.items() if k in ("Id", "Name", "Config", "ActionOnFailure", "Status")}


class StepOps(EmrState):
    def add_job_flow_steps(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            cluster = self.cluster(ctx, params["JobFlowId"])
            if cluster["Status"]["State"] in ENDED:
                raise validation("A job flow that is shutting down, terminated, or finished may not be modified.")
            steps = [new_step(self.store, cluster, config, ctx.clock.time()) for config in params["Steps"]]
        self.engine.wake(cluster["Id"])
        return {"StepIds": [s["Id"] for s in steps]}

    def describe_step(self, ctx: RequestContext, params: dict) -> dict:
        cluster = self.cluster(ctx, params["ClusterId"])
        for step in cluster_steps(self.store, cluster):
            if step["Id"] == params["StepId"]:
                return {"Step": shown(step)}
        raise invalid_request(f"Step id '{params['StepId']}' is not valid.")

    def list_steps(self, ctx: RequestContext, params: dict) -> dict:
        cluster = self.cluster(ctx, params["ClusterId"])
        steps = list(reversed(cluster_steps(self.store, cluster)))  # newest first, as EMR lists them
        if params.get("StepStates"):
            steps = [s for s in steps if s["Status"]["State"] in params["StepStates"]]
        if params.get("StepIds"):
            steps = [s for s in steps if s["Id"] in params["StepIds"]]
        start = int(params["Marker"]) if str(params.get("Marker", "")).isdigit() else 0
        chunk = steps[start:start + 50]
        return {"Steps": [shown(s) for s in chunk], **({"Marker": str(start + 50)} if start + 50 < len(steps) else {})}

    def cancel_steps(self, ctx: RequestContext, params: dict) -> dict:
        cluster = self.cluster(ctx, params["ClusterId"])
        answers = []
        with self.store.transaction():
            by_id = {s["Id"]: s for s in cluster_steps(self.store, cluster)}
            for step_id in params["StepIds"]:
                step = by_id.get(step_id)
                if step is None:
                    answers.append({"StepId": step_id, "Status": "FAILED", "Reason": f"Step id '{step_id}' is not valid."})
                elif step["Status"]["State"] == "PENDING":
                    finish(step, "CANCELLED", ctx.clock.time())
                    save_step(self.store, cluster, step)
                    answers.append({"StepId": step_id, "Status": "SUBMITTED"})
                elif step["Status"]["State"] == "RUNNING" and params.get("StepCancellationOption") == "TERMINATE_PROCESS":
                    self.engine.kill_step(step_id)
                    answers.append({"StepId": step_id, "Status": "SUBMITTED"})
                else:
                    answers.append({"StepId": step_id, "Status": "FAILED",
                                    "Reason": f"Step {step_id} is in state {step['Status']['State']} and cannot be "
                                              "cancelled."})
        return {"CancelStepsInfoList": answers}


def finish(step: Step, state: str, now: float, details: dict | None = None) -> None:
    step["Status"]["State"] = state
    step["Status"]["Timeline"]["EndDateTime"] = now
    if details:
        step["Status"]["FailureDetails"] = details
