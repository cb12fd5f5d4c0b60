"""A Data Pipeline task runner: polls a worker group, runs each task's activity, reports progress and
the outcome. It speaks only the public API through ``call(service, operation, params)``: boto3 for
``nimbus taskrunner`` (anywhere, with any credentials), the internal client as an Ec2Resource's
``resourceRole`` for nimbus's own workers. Activities: ShellCommandActivity (``stage`` staging S3 inputs
and outputs through ``${INPUTn_STAGING_DIR}``/``${OUTPUTn_STAGING_DIR}``) and CopyActivity (S3 to S3).
Each attempt's output goes to ``pipelineLogUri`` when one is set."""
from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from . import sql_work

Call = Callable[[str, str, dict], dict]
PROGRESS_EVERY = 20.0
COMMAND_TIMEOUT = 3600.0


class TaskFailed(Exception):
    """The activity failed: its message goes to SetTaskStatus."""


def _fields(obj: dict) -> dict[str, list]:
    out: dict[str, list] = {}
    for field in obj.get("fields", []):
        out.setdefault(field["key"], []).append(field.get("stringValue", field.get("refValue")))
    return out


def _one(obj: dict, key: str) -> str | None:
    found = _fields(obj).get(key)
    return found[0] if found else None


def _split(url: str) -> tuple[str, str]:
    if not url.startswith("s3://"):
        raise TaskFailed(f"'{url}' is not an s3:// URL")
    bucket, _, key = url[5:].partition("/")
    return bucket, key


def _body(output: dict) -> bytes:
    body = output["Body"]
    if hasattr(body, "read"):
        return body.read()
    return body if isinstance(body, (bytes, bytearray)) else b"".join(body)


class TaskRunner:
    def __init__(self, call: Call, worker_group: str, hostname: str | None = None):
        self.call, self.worker_group = call, worker_group
        self.hostname = hostname or socket.gethostname()
        self.runner_id = uuid.uuid4().hex

    def heartbeat(self) -> bool:
        """True when the service tells this runner to stop."""
        answer = self.call("datapipeline", "ReportTaskRunnerHeartbeat", {
            "taskrunnerId": self.runner_id, "workerGroup": self.worker_group, "hostname": self.hostname})
        return bool(answer.get("terminate"))

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            if self.heartbeat():
                return
            self.poll_once()

    def poll_once(self) -> bool:
        task = self.call("datapipeline", "PollForTask", {"workerGroup": self.worker_group,
                                                         "hostname": self.hostname}).get("taskObject")
        if not task:
            return False
        status, message, log = "FINISHED", None, b""
        try:
            log = self.execute(task)
        except TaskFailed as failure:
            status, message = "FAILED", str(failure)
            log = getattr(failure, "log", b"") or message.encode()
            if _one(task["objects"][task["attemptId"]], "type") == "ShellCommandPrecondition":
                status = "FALSE"  # the check ran: the precondition does not hold
        except Exception as failure:  # noqa: BLE001 - any runner error fails the attempt, never the runner
            status, message = "FAILED", f"{type(failure).__name__}: {failure}"
        self._deliver_log(task, log)
        params = {"taskId": task["taskId"], "taskStatus": status}
        if message:
            params.update(errorId="ActivityFailed", errorMessage=message[:10000])
        self.call("datapipeline", "SetTaskStatus", params)
        return True

    def execute(self, task: dict) -> bytes:
        objects = task["objects"]
        activity = objects[task["attemptId"]]
        kind = _one(activity, "type")
        inputs = [objects[i] for i in _fields(activity).get("input", []) if i in objects]
        outputs = [objects[o] for o in _fields(activity).get("output", []) if o in objects]
        if kind in ("ShellCommandActivity", "ShellCommandPrecondition"):
            return self._shell(task, activity, inputs, outputs)
        try:
            if kind == "CopyActivity" and len(inputs) == 1 and _one(inputs[0], "type") == "SqlDataNode":
                return self._sql_to_s3(objects, inputs[0], outputs)
            if kind == "CopyActivity":
                return self._copy(inputs, outputs)
            if kind == "SqlActivity":
                return sql_work.run_script(self._database(objects, activity), self._script(activity, "script"),
                                           _one)
            if kind == "RedshiftCopyActivity":
                return self._redshift_copy(objects, activity, inputs, outputs)
        except sql_work.SqlFailed as failure:
            raise TaskFailed(str(failure)) from None
        raise TaskFailed(f"This task runner does not run {kind}")

    def _script(self, activity: dict, field: str) -> str:
        """The activity's inline script, or the one its ``scriptUri`` names in S3."""
        text = _one(activity, field)
        if text is not None:
            return text
        bucket, key = _split(_one(activity, "scriptUri") or "")
        return _body(self.call("s3", "GetObject", {"Bucket": bucket, "Key": key})).decode()

    @staticmethod
    def _database(objects: dict, holder: dict) -> dict:
        database = objects.get(_one(holder, "database") or "")
        if database is None:
            raise TaskFailed(f"{holder['id']} names no database")
        return database

    def _sql_to_s3(self, objects: dict, source: dict, outputs: list[dict]) -> bytes:
        if len(outputs) != 1 or _one(outputs[0], "type") != "S3DataNode":
            raise TaskFailed("CopyActivity from a SqlDataNode needs one S3DataNode output")
        data = sql_work.query_csv(source, self._database(objects, source), _one)
        target = outputs[0]
        path = _one(target, "filePath") or f"{(_one(target, 'directoryPath') or '').rstrip('/')}/{source['id']}.csv"
        bucket, key = _split(path)
        self.call("s3", "PutObject", {"Bucket": bucket, "Key": key, "Body": data})
        rows = data.count(b"\n") - 1
        return f"{rows} rows to {path}\n".encode()

    def _redshift_copy(self, objects: dict, activity: dict, inputs: list[dict], outputs: list[dict]) -> bytes:
        if len(inputs) != 1 or len(outputs) != 1:
            raise TaskFailed("RedshiftCopyActivity needs one input and one output")
        data = b"".join(_body(self.call("s3", "GetObject", {"Bucket": bucket, "Key": key}))
                        for bucket, key, _name in self._objects_of(inputs[0]))
        options = [str(o) for o in _fields(activity).get("commandOptions", [])]
        loaded = sql_work.load_into_table(outputs[0], self._database(objects, outputs[0]), data,
                                          _one(activity, "insertMode") or "KEEP_EXISTING", options, _one)
        return f"{loaded} rows loaded\n".encode()

    def _shell(self, task: dict, activity: dict, inputs: list[dict], outputs: list[dict]) -> bytes:
        with tempfile.TemporaryDirectory(prefix="nimbus-task-") as work:
            env = dict(os.environ)
            stage = (_one(activity, "stage") or "false").lower() == "true"
            if stage:
                for n, node in enumerate(inputs, 1):
                    env[f"INPUT{n}_STAGING_DIR"] = self._download(node, Path(work, f"input{n}"))
                for n, _node in enumerate(outputs, 1):
                    Path(work, f"output{n}").mkdir()
                    env[f"OUTPUT{n}_STAGING_DIR"] = str(Path(work, f"output{n}"))
            command = self._script(activity, "command")
            args = [str(a) for a in _fields(activity).get("scriptArgument", [])]
            done = self._run_reporting(task, ["sh", "-c", command, "sh", *args], env, work)
            log = done.stdout + done.stderr
            if done.returncode != 0:
                failure = TaskFailed(f"Command exited with status {done.returncode}: "
                                     f"{done.stderr.decode(errors='replace')[-2000:]}")
                failure.log = log  # type: ignore[attr-defined]
                raise failure
            if stage:
                for n, node in enumerate(outputs, 1):
                    self._upload(Path(work, f"output{n}"), node)
            return log

    def _run_reporting(self, task: dict, argv: list[str], env: dict, cwd: str) -> subprocess.CompletedProcess:
        """Run the command, reporting progress meanwhile; a task the service canceled is killed."""
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        box: dict = {}
        reader = threading.Thread(target=lambda: box.update(out=process.communicate()), daemon=True)
        reader.start()
        waited = 0.0
        while reader.is_alive() and waited < COMMAND_TIMEOUT:
            reader.join(PROGRESS_EVERY)
            waited += PROGRESS_EVERY
            if reader.is_alive() and self.call("datapipeline", "ReportTaskProgress",
                                               {"taskId": task["taskId"]}).get("canceled"):
                break
        if reader.is_alive():
            process.kill()
            reader.join()
            raise TaskFailed("The task was canceled or ran too long, and was stopped")
        stdout, stderr = box["out"]
        return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)

    def _objects_of(self, node: dict) -> list[tuple[str, str, str]]:
        """(bucket, key, name) of each object an S3DataNode names: its filePath, or all under directoryPath."""
        path = _one(node, "filePath")
        if path:
            bucket, key = _split(path)
            return [(bucket, key, key.rsplit("/", 1)[-1])]
        bucket, prefix = _split(_one(node, "directoryPath") or "")
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        found, token = [], None
        while True:
            params = {"Bucket": bucket, "Prefix": prefix, **({"ContinuationToken": token} if token else {})}
            listed = self.call("s3", "ListObjectsV2", params)
            found += [(bucket, o["Key"], o["Key"][len(prefix):]) for o in listed.get("Contents", [])]
            token = listed.get("NextContinuationToken")
            if not token:
                return found

    def _download(self, node: dict, into: Path) -> str:
        into.mkdir(parents=True)
        for bucket, key, name in self._objects_of(node):
            if not name or name.endswith("/") or ".." in Path(name).parts:
                continue
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_body(self.call("s3", "GetObject", {"Bucket": bucket, "Key": key})))
        return str(into)

    def _upload(self, source: Path, node: dict) -> None:
        path = _one(node, "directoryPath") or _one(node, "filePath") or ""
        bucket, prefix = _split(path)
        files = sorted(p for p in source.rglob("*") if p.is_file())
        for file in files:
            key = prefix if _one(node, "filePath") else f"{prefix.rstrip('/')}/{file.relative_to(source)}"
            self.call("s3", "PutObject", {"Bucket": bucket, "Key": key.lstrip("/"), "Body": file.read_bytes()})

    def _copy(self, inputs: list[dict], outputs: list[dict]) -> bytes:
        if len(inputs) != 1 or len(outputs) != 1:
            raise TaskFailed("CopyActivity needs one input and one output")
        source, target = inputs[0], outputs[0]
        if _one(source, "type") != "S3DataNode" or _one(target, "type") != "S3DataNode":
            raise TaskFailed("This task runner copies S3DataNode to S3DataNode")
        target_path = _one(target, "filePath") or _one(target, "directoryPath") or ""
        bucket, prefix = _split(target_path)
        copied = []
        for src_bucket, key, name in self._objects_of(source):
            dest = prefix if _one(target, "filePath") else f"{prefix.rstrip('/')}/{name}".lstrip("/")
            self.call("s3", "CopyObject", {"Bucket": bucket, "Key": dest,
                                           "CopySource": f"{src_bucket}/{quote(key)}"})
            copied.append(f"s3://{src_bucket}/{key} -> s3://{bucket}/{dest}")
        return ("\n".join(copied) + "\n").encode()

    def _deliver_log(self, task: dict, log: bytes) -> None:
        activity = task["objects"][task["attemptId"]]
        uri = _one(activity, "pipelineLogUri")
        if not uri:
            return
        bucket, prefix = _split(uri)
        component = next((v for k, v in ((f["key"], f.get("refValue")) for f in activity["fields"])
                          if k == "@componentParent"), "activity")
        key = f"{prefix.rstrip('/')}/{task['pipelineId']}/{component}/{task['attemptId']}/Activity.log".lstrip("/")
        try:
            self.call("s3", "PutObject", {"Bucket": bucket, "Key": key, "Body": log})
        except Exception:  # noqa: BLE001 - a log that cannot be delivered never changes the task's outcome
            pass


def run_from_command_line(worker_group: str, endpoint: str | None, region: str | None, tasks: int | None) -> int:
    """``nimbus taskrunner``: a runner anywhere, with the AWS credentials its environment gives botocore."""
    import botocore.session
    from botocore import xform_name

    from nimbus.config import DEFAULT_PORT

    session = botocore.session.get_session()
    endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL") or f"http://127.0.0.1:{DEFAULT_PORT}"
    region = region or session.get_config_variable("region") or "us-east-1"
    clients: dict[str, object] = {}

    def call(service: str, operation: str, params: dict) -> dict:
        if service not in clients:
            clients[service] = session.create_client(service, region_name=region, endpoint_url=endpoint)
        return getattr(clients[service], xform_name(operation))(**params)

    runner = TaskRunner(call, worker_group)
    print(f"nimbus taskrunner {runner.runner_id} polling worker group {worker_group!r} at {endpoint}", flush=True)
    ran = 0
    try:
        while tasks is None or ran < tasks:
            ran += runner.poll_once()
    except KeyboardInterrupt:
        pass
    return 0
