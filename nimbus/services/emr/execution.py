"""Running one step or bootstrap action as a process outside nimbus: credentials of the cluster's instance
role (assumed as EC2 would), the command line (commands.py), stdout and stderr captured to files, a
``controller`` log of what was run, and the three delivered gzipped to the cluster's LogUri at
``<cluster-id>/steps/<step-id>/``. A failing process fails only its step."""
from __future__ import annotations

import gzip
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from nimbus.protocol.errors import ServiceError

from . import emrfs
from .commands import SPARK_HOME, Launch, command_line
from .documents import Cluster
from .instances import worker_count

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime

EC2_SERVICE = "ec2.amazonaws.com"


def s3_location(url: str) -> tuple[str, str]:
    bucket, _, key = url.split("://", 1)[1].partition("/")
    return bucket, key


class StepProcess:
    """One running process, killable from another thread (CancelSteps, termination)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.killed = False
        self._lock = threading.Lock()

    def kill(self) -> None:
        with self._lock:
            self.killed = True
            if self.process is not None and self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)

    def run(self, command: list[str], cwd: Path, env: dict[str, str]) -> int:
        with open(cwd / "stdout", "wb") as out, open(cwd / "stderr", "wb") as err, self._lock:
            if self.killed:
                return -9
            self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        return self.process.wait()


class Executor:
    """What a cluster's steps and bootstrap actions run with."""

    def __init__(self, runtime: Runtime, cluster: Cluster, root: Path):
        self.runtime = runtime
        self.cluster_id, self.account, self.region = cluster["Id"], cluster["AccountId"], cluster["Region"]
        self.role = cluster["InstanceRoleArn"]
        self.root = root

    def call_s3(self, operation: str, params: dict) -> dict:
        return self.runtime.client.call_as_role(self.role, "s3", operation, params, invoked_by=EC2_SERVICE,
                                                session_name=self.cluster_id, region=self.region)

    def fetch(self, url: str, into: Path) -> Path:
        bucket, key = s3_location(url)
        body = self.call_s3("GetObject", {"Bucket": bucket, "Key": key})["Body"]
        target = into / (key.rsplit("/", 1)[-1] or "object")
        target.write_bytes(body if isinstance(body, (bytes, bytearray)) else b"".join(body))
        return target

    def environment(self) -> dict[str, str]:
        """The step's environment: the instance role's session credentials (as EC2's instance metadata would
        give them) and nimbus's endpoint, so SDKs in the step reach nimbus as that role."""
        credentials = self.runtime.client.call(
            "sts", "AssumeRole", {"RoleArn": self.role, "RoleSessionName": self.cluster_id, "DurationSeconds": 3600},
            account_id=self.account, region=self.region, invoked_by=EC2_SERVICE)["Credentials"]
        config = self.runtime.config
        scheme = "https" if config.tls_cert_file else "http"
        bin_dir = str(Path(sys.executable).parent)
        return {**{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NIMBUS_"))},
                "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
                "AWS_SESSION_TOKEN": credentials["SessionToken"], "AWS_DEFAULT_REGION": self.region,
                "AWS_ENDPOINT_URL": f"{scheme}://{config.host}:{config.port}", "SPARK_HOME": str(SPARK_HOME),
                "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable,
                "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "EMR_CLUSTER_ID": self.cluster_id,
                "SPARK_LOCAL_IP": "127.0.0.1",  # the local engine listens on loopback only
                "HDFS_ROOT": str(self.root / "hdfs")}

    def launch(self, cluster: Cluster, workdir: Path) -> Launch:
        executors = worker_count(cluster)
        master = self.runtime.config.spark_master or f"local[{executors}]"
        conf = emrfs.spark_conf(master)
        for entry in cluster.get("Configurations", []):
            if entry.get("Classification") == "spark-defaults":
                for key, value in (entry.get("Properties") or {}).items():
                    # a class path of the cluster's own keeps EMRFS's jar on it
                    conf[key] = f"{conf[key]}{os.pathsep}{value}" if key.endswith("extraClassPath") and key in conf \
                        else value
        return Launch(workdir, self.root / "hdfs", master, executors, conf, self.fetch)

    def run(self, cluster: Cluster, config: dict, workdir: Path, process: StepProcess) -> tuple[int, str]:
        """(exit code, controller log) of one step's config (``Jar``, ``Args``, ``MainClass``)."""
        workdir.mkdir(parents=True, exist_ok=True)
        (self.root / "hdfs").mkdir(parents=True, exist_ok=True)
        started = time.time()
        log = [f"{_stamp()} INFO startExec 'hadoop jar {config['Jar']} {' '.join(config.get('Args', []))}'"]
        try:
            command = command_line(config, self.launch(cluster, workdir))
            env = self.environment()
        except (ServiceError, ValueError, OSError, subprocess.CalledProcessError) as error:
            message = getattr(error, "message", None) or str(error)
            (workdir / "stderr").write_text(message + "\n")
            (workdir / "stdout").write_text("")
            log.append(f"{_stamp()} WARN Step failed before it started: {message}")
            return 1, "\n".join(log) + "\n"
        log.append(f"{_stamp()} INFO Running: {' '.join(command)}")
        code = process.run(command, workdir, env)
        log.append(f"{_stamp()} INFO Step {'succeeded' if code == 0 else 'failed'} with exitCode {code} and "
                   f"took {time.time() - started:.0f} seconds")
        return code, "\n".join(log) + "\n"

    def deliver_logs(self, log_uri: str, step_id: str, workdir: Path, controller: str) -> str:
        """The step's logs, gzipped under LogUri; the stderr file's location."""
        bucket, prefix = s3_location(log_uri.replace("s3n://", "s3://").replace("s3a://", "s3://"))
        base = f"{prefix.rstrip('/') + '/' if prefix.strip('/') else ''}{self.cluster_id}/steps/{step_id}/"
        (workdir / "controller").write_text(controller)
        for name in ("controller", "stdout", "stderr"):
            path = workdir / name
            data = path.read_bytes() if path.exists() else b""
            try:
                self.call_s3("PutObject", {"Bucket": bucket, "Key": base + name + ".gz", "Body": gzip.compress(data)})
            except ServiceError:
                break  # the bucket is gone or refuses the role: the step's state stands without its logs
        return f"s3://{bucket}/{base}stderr.gz"


def failure_reason(workdir: Path) -> tuple[str, str]:
    """(Reason, Message) of a failed step, from the last exception it printed (spark-submit merges a Python
    application's stderr into its stdout)."""
    text = ""
    for name in ("stdout", "stderr"):
        try:
            text += (workdir / name).read_text(errors="replace") + "\n"
        except OSError:
            pass
    found = re.findall(r"^(?:Exception in thread \"\w+\" )?([\w.$]+(?:Exception|Error)[^\n]*)$", text, re.M)
    if found:
        return "Unknown Error.", found[-1][:1000]
    last = [line for line in text.splitlines() if line.strip()]
    return "Unknown Error.", (last[-1][:1000] if last else "")


def _stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
