"""Running applications on Apache Flink: each start is a run, a thread of its own (``nimbus-flink-<app>``)
that prepares the job (job_files.py), launches ``flink run`` (a local mini-cluster in that process, or a
submission to ``--flink-jobmanager``), follows the job through Flink's REST API (STARTING until every task
runs, then RUNNING), and stops it when asked: with a savepoint, recorded as a snapshot, unless forced or
snapshots are off. A run that fails (its code missing, the job failing) leaves the application READY with
the failure in its CloudWatch Logs stream; nimbus itself is never affected."""
from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from nimbus.core.ports import port_for_later
from nimbus.protocol.errors import ServiceError

from . import connectors, flink_rest
from .common import SERVICE, savepoint_path
from .documents import Application, Job
from .job_files import JobFailure, entry_point, fetch_code, flink_configuration, write_properties
from .logging_options import log_to_application
from .run_session import RunSession

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

    from .state import FlinkState

log = logging.getLogger(__name__)
LAUNCHER = Path(__file__).resolve().parent / "launcher.py"
POLL_SECONDS = 0.5
EXIT_SECONDS = 20.0


@dataclass
class StopRequest:
    operation_id: str
    snapshot_name: str | None  # stop with a savepoint recorded as this snapshot; None: cancel
    then_start: bool = False  # an update or rollback of a running application: start again from it


@dataclass
class Run:
    key: tuple[str, str, str]
    run_id: str
    workdir: Path
    rest_url: str
    operation_id: str
    submitted: float = field(default_factory=time.time)
    process: subprocess.Popen | None = None
    job_id: str | None = None
    running: bool = False
    stop: StopRequest | None = None
    session: RunSession | None = None
    wake: threading.Event = field(default_factory=threading.Event)


def _key(app: Application) -> tuple[str, str, str]:
    return app["AccountId"], app["Region"], app["ApplicationName"]


class FlinkEngine:
    def __init__(self, runtime: Runtime, state: FlinkState):
        self.runtime, self.state = runtime, state
        self.runs: dict[tuple[str, str, str], Run] = {}
        self._lock = threading.Lock()
        self.root = Path(runtime.config.data_dir) / SERVICE

    # ---- what the operations ask for

    def prepare(self, app: Application, operation_id: str) -> tuple[Run, Job]:
        """A new run of the application, and the Job to store on it before it is launched."""
        jobmanager = self.runtime.config.flink_jobmanager
        rest_url = f"http://{jobmanager}" if jobmanager else f"http://127.0.0.1:{port_for_later()}"
        run_id = uuid.uuid4().hex[:12]
        run = Run(_key(app), run_id, self.workdir(app, run_id), rest_url, operation_id)
        return run, Job(RunId=run_id, JobId=None, RestUrl=rest_url, OperationId=operation_id)

    def workdir(self, app: Application, run_id: str) -> Path:
        return self.root / "runs" / app["AccountId"] / app["Region"] / app["ApplicationName"] / run_id

    def launch(self, run: Run, app: Application, restore: str | None, allow_non_restored: bool) -> None:
        with self._lock:
            self.runs[run.key] = run
        threading.Thread(target=self._run, args=(run, app, restore, allow_non_restored),
                         name=f"nimbus-flink-{app['ApplicationName']}", daemon=True).start()

    def stop(self, app: Application, request: StopRequest) -> bool:
        """Ask the run to stop; False when nothing runs (the caller settles the application itself)."""
        with self._lock:
            run = self.runs.get(_key(app))
        if run is None:
            return False
        run.stop = request
        run.wake.set()
        return True

    def snapshot(self, app: Application, snapshot_name: str) -> None:
        """Take a savepoint of the running job as the snapshot (CREATING until it is written)."""
        with self._lock:
            run = self.runs.get(_key(app))
        threading.Thread(target=self._snapshot, args=(run, app, snapshot_name),
                         name=f"nimbus-flink-snapshot-{app['ApplicationName']}", daemon=True).start()

    def forget(self, app: Application) -> None:
        """A deleted application: its run ended, and the parts its S3 writes had staged gone."""
        with self._lock:
            run = self.runs.pop(_key(app), None)
        if run is not None:
            self._kill(run)
        shutil.rmtree(self.s3_staging_dir(app), ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            runs, self.runs = list(self.runs.values()), {}
        for run in runs:
            run.stop = run.stop or StopRequest("", None)
            run.wake.set()
            self._kill(run)

    def dashboard_url(self, app: Application) -> str | None:
        with self._lock:
            run = self.runs.get(_key(app))
        return f"{run.rest_url}/#/job/running" if run is not None and run.running else None

    def s3_staging_dir(self, app: Application) -> Path:
        """Where the S3 filesystem stages the parts a run writes: outside the run's directory, so a restore
        (by a later run) finds the parts its checkpoint recorded."""
        return self.root / "s3-staging" / app["AccountId"] / app["Region"] / app["ApplicationName"]

    def _keep(self, app: Application, snapshot_name: str, location: str | None) -> str | None:
        """The savepoint Flink wrote into the run's directory, kept in the service's S3 (savepoint_store.py)."""
        if location is None:
            return None
        try:
            return self.state.savepoints.keep(
                app["Region"], f"applications/{app['AccountId']}/{app['ApplicationName']}/{snapshot_name}",
                savepoint_path(location))
        except ServiceError as error:
            log_to_application(self.runtime, app, f"Snapshot {snapshot_name} could not be kept: {error.message}")
            return None

    # ---- a run

    def _environment(self, app: Application, run: Run, main: Path | None, python: Path) -> dict[str, str]:
        """The job's environment: the service execution role's session credentials and nimbus's endpoint, so
        the connectors (and any SDK in the job) reach nimbus as that role."""
        run.session = RunSession(self.runtime, app, run.workdir, run.run_id)
        credentials = run.session.renew()
        config = self.runtime.config
        scheme = "https" if config.tls_cert_file else "http"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NIMBUS_", "FLINK_", "PY"))}
        env.update({
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"], "AWS_REGION": app["Region"],
            "NIMBUS_CREDENTIALS_FILE": str(run.session.file),
            "AWS_DEFAULT_REGION": app["Region"], "AWS_ENDPOINT_URL": f"{scheme}://{config.host}:{config.port}",
            "FLINK_CONF_DIR": str(run.workdir / "conf"), "FLINK_LOG_DIR": str(run.workdir / "log"),
            "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "JVM_ARGS": "-Xmx768m -XX:+UseSerialGC", "NIMBUS_FLINK_PROPERTIES": str(run.workdir / "application_properties.json"),
            "KINESIS_ANALYTICS_APPLICATION_PROPERTIES": str(run.workdir / "application_properties.json"),
            # s3:// and s3a:// paths are nimbus S3 (a filesystem plugin)
            "FLINK_PLUGINS_DIR": str(connectors.plugins_dir(python)),
            "NIMBUS_S3_STAGING_DIR": str(self.s3_staging_dir(app))})
        if main is not None:
            env["NIMBUS_FLINK_MAIN"] = str(main)
        if not config.flink_jobmanager:
            env["NIMBUS_FLINK_WAIT"] = run.rest_url
        return env

    def _command(self, run: Run, app: Application, restore: str | None, allow: bool) -> tuple[list[str], dict]:
        python = connectors.flink_python(self.runtime.config.flink_python)
        try:
            home = connectors.pyflink_home(python)
        except FileNotFoundError as error:
            raise JobFailure(str(error)) from None
        code = fetch_code(self.runtime, app, run.workdir)
        kind, entry = entry_point(app, code)
        write_properties(app, run.workdir)
        if restore:
            restore = self.state.savepoints.local(restore, run.workdir / "restore")
        flink_configuration(app, run.workdir, int(run.rest_url.rsplit(":", 1)[1]),
                            run.workdir / "savepoints", restore, allow, str(python), home)
        jobmanager = self.runtime.config.flink_jobmanager
        target = ["-m", jobmanager, "-d"] if jobmanager else ["-t", "local"]
        command = [str(home / "bin" / "flink"), "run", *target]
        # the connectors are the Python job's JAR (shipped with it, as AWS's 'jarfile' run option is);
        # a Java application's own JAR comes first, with the connectors on its classpath
        if kind == "python":
            command += ["-j", str(connectors.jar(python)), "-py", str(LAUNCHER), "-pyfs", str(code)]
        else:
            command += ["-C", connectors.jar(python).as_uri(), str(entry)]
        return command, self._environment(app, run, entry if kind == "python" else None, python)

    def _run(self, run: Run, app: Application, restore: str | None, allow: bool) -> None:
        try:
            run.workdir.mkdir(parents=True, exist_ok=True)
            command, env = self._command(run, app, restore, allow)
            with open(run.workdir / "flink.log", "ab") as output:
                run.process = subprocess.Popen(command, cwd=run.workdir, env=env, stdout=output,
                                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                               start_new_session=True)
            self._follow(run, app)
        except (JobFailure, ServiceError, OSError, flink_rest.RestError) as error:
            self._ended(run, app, getattr(error, "message", None) or str(error))
        except Exception as error:  # a run's failure must never reach nimbus
            log.exception("Flink run of %s failed", app["ApplicationName"])
            self._ended(run, app, f"{type(error).__name__}: {error}")

    def _follow(self, run: Run, app: Application) -> None:
        while True:
            if run.stop is not None:
                self._stop(run, app)
                return
            job = None
            try:
                job = flink_rest.find_job(run.rest_url, app["ApplicationName"], run.submitted)
            except flink_rest.RestError:
                pass
            if job is not None:
                run.job_id = job["jid"]
                if job["state"] == "FINISHED":  # a bounded job read all its input
                    self._finished(run, app)
                    return
                if job["state"] in flink_rest.ENDED:
                    self._ended(run, app, f"The Flink job {job['jid']} ended {job['state']}: "
                                          f"{flink_rest.failure(run.rest_url, job['jid'])}")
                    return
                if not run.running and job["state"] == "RUNNING" and flink_rest.all_running(run.rest_url, job["jid"]):
                    run.running = True
                    self._settle(run, app, "RUNNING", job_id=job["jid"])
            elif run.process is not None and run.process.poll() is not None:
                if run.process.returncode == 0:  # the program's jobs finished, and its mini-cluster with them
                    self._finished(run, app)
                else:
                    self._ended(run, app, f"flink run exited with {run.process.returncode}: {self._tail(run)}")
                return
            if run.session is not None:
                run.session.renew_if_due()
            run.wake.wait(POLL_SECONDS)
            run.wake.clear()

    def _stop(self, run: Run, app: Application) -> None:
        request = run.stop
        assert request is not None
        location, failure = None, None
        if run.job_id is not None:
            try:
                if request.snapshot_name is not None:
                    location = flink_rest.stop_with_savepoint(
                        run.rest_url, run.job_id, f"file://{run.workdir / 'savepoints' / request.snapshot_name}")
                else:
                    flink_rest.cancel(run.rest_url, run.job_id)
            except flink_rest.RestError as error:
                failure = f"Stopping the Flink job failed: {error}"
        self._kill(run, wait=True)
        if self.state.closed:
            return
        if request.snapshot_name is not None:
            location = self._keep(app, request.snapshot_name, location)
            self.state.record_snapshot(app, request.snapshot_name, location)
        if request.then_start and failure is None:
            with self._lock:
                if self.runs.get(run.key) is run:
                    del self.runs[run.key]
            self.state.start_again(app, run.run_id, request.operation_id, location)
        else:
            self._settle(run, app, "READY", ended=True, failure=failure, operation_id=request.operation_id)

    def _snapshot(self, run: Run | None, app: Application, snapshot_name: str) -> None:
        location = None
        try:
            if run is not None and run.job_id is not None:
                location = flink_rest.savepoint(run.rest_url, run.job_id,
                                                f"file://{run.workdir / 'savepoints' / snapshot_name}")
        except flink_rest.RestError as error:
            log_to_application(self.runtime, app, f"Snapshot {snapshot_name} failed: {error}")
        self.state.record_snapshot(app, snapshot_name, self._keep(app, snapshot_name, location))

    def _finished(self, run: Run, app: Application) -> None:
        """The job ended on its own, not failing: READY again, the start successful (as a batch job's)."""
        self._kill(run, wait=False)
        self._settle(run, app, "READY", ended=True)

    def _ended(self, run: Run, app: Application, failure: str) -> None:
        log.warning("Flink application %s: %s", app["ApplicationName"], failure[:2000])
        self._kill(run, wait=False)
        if not self.state.closed:
            log_to_application(self.runtime, app, failure)
            self._settle(run, app, "READY", ended=True, failure=failure, operation_id=run.operation_id)

    def _settle(self, run: Run, app: Application, status: str, *, job_id: str | None = None, ended: bool = False,
                failure: str | None = None, operation_id: str | None = None) -> None:
        with self._lock:
            if ended and self.runs.get(run.key) is run:
                del self.runs[run.key]
        self.state.settle(app, run.run_id, status, job_id, ended, failure, operation_id or run.operation_id)

    def _kill(self, run: Run, wait: bool = False) -> None:
        process = run.process
        if process is None or process.poll() is not None:
            return
        if wait:
            try:
                process.wait(EXIT_SECONDS)
                return
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()

    @staticmethod
    def _tail(run: Run) -> str:
        try:
            return (run.workdir / "flink.log").read_text(errors="replace")[-3000:]
        except OSError:
            return ""
