"""What a cluster does once RunJobFlow returns, on a thread of its own (``nimbus-emr-<id>``): STARTING,
BOOTSTRAPPING (its bootstrap actions really run), RUNNING its steps (up to StepConcurrencyLevel at once),
WAITING when a persistent cluster has nothing to do, and TERMINATING → TERMINATED (or
TERMINATED_WITH_ERRORS) after its last step (transient), a failed step that says so, a user's request, or
its auto-termination idle timeout on the virtual clock. The cluster's HDFS directory goes with it."""
from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from nimbus.core.context import RequestContext
from nimbus.core.identity import service_principal

from .clusters import EMR_SERVICE
from .documents import CLUSTER, Cluster, Step
from .execution import Executor, StepProcess, failure_reason
from .instances import set_ended, set_running
from .state import cluster_steps, clusters_ns, save_cluster, save_step
from .steps import finish

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

_POLL = 0.25  # seconds between looks at the virtual clock for the idle timeout
# A transient cluster created without steps waits this long (real seconds) for its first ones before it
# ends: EMR takes minutes to provision a cluster, and clients such as mrjob add their steps meanwhile.
STEPLESS_GRACE = 10.0


class ClusterRun:
    def __init__(self, engine: Engine, cluster: Cluster):
        self.engine, self.runtime = engine, engine.runtime
        self.ns = clusters_ns(cluster["AccountId"], cluster["Region"])
        self.cluster_id = cluster["Id"]
        self.root = Path(self.runtime.config.data_dir) / "emr" / cluster["Id"]
        self.executor = Executor(self.runtime, cluster, self.root)
        self.wakeup = threading.Event()
        self.ending: tuple[str, str, str] | None = None  # (final state, code, message) once asked to end
        self.running: dict[str, StepProcess] = {}
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self._run, name=f"nimbus-emr-{cluster['Id']}", daemon=True)

    # -- the cluster document, always read again: API calls change it meanwhile -----------------------

    def _update(self, change: Callable[[Cluster], None]) -> Cluster:
        store = self.runtime.store
        with store.transaction():
            cluster = CLUSTER.get(store, self.ns, self.cluster_id)
            assert cluster is not None
            change(cluster)
            save_cluster(store, cluster)
        return cluster

    def _state(self, state: str, code: str | None = None, message: str | None = None) -> Cluster:
        now = self.runtime.clock.time()

        def change(cluster: Cluster) -> None:
            status = cluster["Status"]
            status["State"] = state
            status["StateChangeReason"] = {k: v for k, v in (("Code", code), ("Message", message)) if v}
            if state == "RUNNING" and "ReadyDateTime" not in status["Timeline"]:
                status["Timeline"]["ReadyDateTime"] = now
                set_running(cluster, now)
            if state in ("TERMINATED", "TERMINATED_WITH_ERRORS"):
                status["Timeline"]["EndDateTime"] = now
                set_ended(cluster, now)
            if state == "WAITING":
                cluster["IdleSince"] = now
        return self._update(change)

    # -- the run ---------------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            cluster = CLUSTER.get(self.runtime.store, self.ns, self.cluster_id)
            assert cluster is not None
            state = cluster["Status"]["State"]
            if state == "TERMINATING":  # nimbus stopped while it ended
                self.ending = (cluster["Status"]["StateChangeReason"].get("Code") == "STEP_FAILURE"
                               and "TERMINATED_WITH_ERRORS" or "TERMINATED",
                               cluster["Status"]["StateChangeReason"].get("Code", "USER_REQUEST"),
                               cluster["Status"]["StateChangeReason"].get("Message", "Terminated by user request"))
            elif state in ("RUNNING", "WAITING"):  # resumed after a restart: bootstrapped already
                self._interrupt_running(cluster)
                self._steps()
            else:
                self._state("BOOTSTRAPPING", message="Running bootstrap actions")
                failed = self._bootstrap()
                if failed:
                    self.ending = ("TERMINATED_WITH_ERRORS", "BOOTSTRAP_FAILURE", failed)
                else:
                    self._state("RUNNING", message="Running step")
                    self._steps()
        except Exception as error:  # nimbus's own fault: the cluster ends with it, nimbus goes on
            self.ending = ("TERMINATED_WITH_ERRORS", "INTERNAL_ERROR", f"Internal error: {error}")
            raise
        finally:
            if self.ending or not self.engine.closed:
                self._end()
            # else nimbus is stopping: the cluster stays as it is and resumes at the next start

    def _interrupt_running(self, cluster: Cluster) -> None:
        """Steps whose processes ended with the nimbus that ran them."""
        now = self.runtime.clock.time()
        with self.runtime.store.transaction():
            for step in cluster_steps(self.runtime.store, cluster):
                if step["Status"]["State"] == "RUNNING":
                    finish(step, "INTERRUPTED", now)
                    save_step(self.runtime.store, cluster, step)

    def _bootstrap(self) -> str | None:
        cluster = CLUSTER.get(self.runtime.store, self.ns, self.cluster_id)
        assert cluster is not None
        for number, action in enumerate(cluster.get("BootstrapActions", []), start=1):
            script = action["ScriptBootstrapAction"]
            config = {"Jar": "script-runner.jar", "Args": [script["Path"], *script.get("Args", [])]}
            process = StepProcess()
            with self.lock:
                if self.ending:
                    return None
                self.running[f"bootstrap-{number}"] = process
            workdir = self.root / "bootstrap" / str(number)
            code, controller = self.executor.run(cluster, config, workdir, process)
            with self.lock:
                self.running.pop(f"bootstrap-{number}", None)
            if cluster.get("LogUri"):
                self.executor.deliver_logs(cluster["LogUri"], f"bootstrap-actions/{number}", workdir, controller)
            if code != 0 and not self.ending:
                return (f"Master instance (i-{self.cluster_id[2:].lower()}) failed attempting to run bootstrap "
                        f"action {number}: bootstrap action {number} returned a non-zero return code")
        return None

    def _steps(self) -> None:
        workers: list[threading.Thread] = []
        while not self.ending and not self.engine.closed:
            cluster = CLUSTER.get(self.runtime.store, self.ns, self.cluster_id)
            assert cluster is not None
            steps = cluster_steps(self.runtime.store, cluster)
            workers = [w for w in workers if w.is_alive()]
            pending = [s for s in steps if s["Status"]["State"] == "PENDING"]
            busy = [s for s in steps if s["Status"]["State"] == "RUNNING"]
            free = cluster.get("StepConcurrencyLevel", 1) - len(workers)
            for step in pending[:max(free, 0)]:
                worker = threading.Thread(target=self._step, args=(cluster, step),
                                          name=f"nimbus-emr-{step['Id']}", daemon=True)
                self._mark_running(cluster, step)
                workers.append(worker)
                worker.start()
                busy.append(step)
            if not pending and not busy and not workers:
                if cluster["AutoTerminate"]:  # transient: it ends after its last step
                    if steps or time.monotonic() - self.started > STEPLESS_GRACE:
                        self.ending = ("TERMINATED", "ALL_STEPS_COMPLETED", "Steps completed")
                        break
                elif cluster["Status"]["State"] != "WAITING":
                    cluster = self._state("WAITING", message="Cluster ready after last step completed."
                                          if steps else "Cluster ready to run steps.")
                idle = (cluster.get("AutoTerminationPolicy") or {}).get("IdleTimeout")
                if idle and self.runtime.clock.time() - cluster.get("IdleSince", 0) >= idle:
                    self.ending = ("TERMINATED", "ALL_STEPS_COMPLETED",
                                   f"Cluster was terminated after being idle for {idle} seconds "
                                   "(auto-termination policy)")
                    break
            elif cluster["Status"]["State"] == "WAITING":
                self._state("RUNNING", message="Running step")
            self.wakeup.wait(_POLL)
            self.wakeup.clear()
        for worker in workers:
            worker.join()

    def _mark_running(self, cluster: Cluster, step: Step) -> None:
        step["Status"]["State"] = "RUNNING"
        step["Status"]["Timeline"]["StartDateTime"] = self.runtime.clock.time()
        save_step(self.runtime.store, cluster, step)

    def _step(self, cluster: Cluster, step: Step) -> None:
        process = StepProcess()
        with self.lock:
            self.running[step["Id"]] = process
        workdir = self.root / "steps" / step["Id"]
        try:
            code, controller = self.executor.run(cluster, step["Config"], workdir, process)
        finally:
            with self.lock:
                self.running.pop(step["Id"], None)
        if process.killed and self.engine.closed and not self.ending:
            return  # nimbus is stopping: INTERRUPTED when the cluster resumes
        log_file = None
        if cluster.get("LogUri"):
            log_file = self.executor.deliver_logs(cluster["LogUri"], step["Id"], workdir, controller)
        now = self.runtime.clock.time()
        if code == 0:
            finish(step, "COMPLETED", now)
        elif process.killed:
            finish(step, "CANCELLED" if not self.ending else "INTERRUPTED", now)
        else:
            reason, message = failure_reason(workdir)
            finish(step, "FAILED", now, {"Reason": reason, "Message": message,
                                         **({"LogFile": log_file} if log_file else {})})
        save_step(self.runtime.store, cluster, step)
        if step["Status"]["State"] == "FAILED" and step["ActionOnFailure"] != "CONTINUE":
            self._cancel_pending(cluster)
            if step["ActionOnFailure"] == "TERMINATE_CLUSTER":
                with self.lock:
                    self.ending = self.ending or ("TERMINATED_WITH_ERRORS", "STEP_FAILURE",
                                                  "Shut down as step failed")
        self.wakeup.set()

    def _cancel_pending(self, cluster: Cluster) -> None:
        now = self.runtime.clock.time()
        with self.runtime.store.transaction():
            for step in cluster_steps(self.runtime.store, cluster):
                if step["Status"]["State"] == "PENDING":
                    finish(step, "CANCELLED", now)
                    save_step(self.runtime.store, cluster, step)

    def end(self, state: str, code: str, message: str) -> None:
        with self.lock:
            self.ending = self.ending or (state, code, message)
            processes = list(self.running.values())
        for process in processes:
            process.kill()
        self.wakeup.set()

    def _end(self) -> None:
        state, code, message = self.ending or ("TERMINATED", "USER_REQUEST", "Terminated by user request")
        cluster = self._state("TERMINATING", code, message)
        self._cancel_pending(cluster)
        shutil.rmtree(self.root, ignore_errors=True)  # HDFS lives as long as the cluster
        ended = self._state(state, code, message)
        if code != "USER_REQUEST":  # TerminateJobFlows published its own; an end by itself is told here
            ctx = RequestContext(runtime=self.runtime, request_id=str(uuid.uuid4()), service="emr",
                                 operation="TerminateJobFlows", account_id=ended["AccountId"],
                                 region=ended["Region"], principal=service_principal(EMR_SERVICE), internal=True)
            ctx.emit_resource_change("AWS::EMR::Cluster", ended["ClusterArn"], "deleted")
        self.engine.finished(self.cluster_id)


class Engine:
    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.closed = False
        self._runs: dict[str, ClusterRun] = {}
        self._lock = threading.Lock()

    def start(self, cluster: Cluster) -> None:
        run = ClusterRun(self, cluster)
        with self._lock:
            self._runs[cluster["Id"]] = run
        run.thread.start()

    def _run(self, cluster_id: str) -> ClusterRun | None:
        with self._lock:
            return self._runs.get(cluster_id)

    def wake(self, cluster_id: str) -> None:
        run = self._run(cluster_id)
        if run is not None:
            run.wakeup.set()

    def terminate(self, cluster_id: str, code: str, message: str) -> None:
        run = self._run(cluster_id)
        if run is not None:
            run.end("TERMINATED", code, message)

    def kill_step(self, step_id: str) -> None:
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            with run.lock:
                process = run.running.get(step_id)
            if process is not None:
                process.kill()

    def finished(self, cluster_id: str) -> None:
        with self._lock:
            self._runs.pop(cluster_id, None)

    def resume(self, cluster: Cluster) -> None:
        """A cluster that was not ended when nimbus last stopped goes on where it was."""
        with self._lock:
            if cluster["Id"] in self._runs:
                return
        self.start(cluster)

    def close(self) -> None:
        """A reset or shutdown: every step process is killed and every cluster thread ends, leaving the
        clusters' stored state for the next start to resume."""
        self.closed = True
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            with run.lock:
                processes = list(run.running.values())
            for process in processes:
                process.kill()
            run.wakeup.set()
        for run in runs:
            run.thread.join(timeout=10)
