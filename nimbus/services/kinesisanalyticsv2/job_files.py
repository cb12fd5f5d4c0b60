"""What one run of an application needs on disk before Flink starts it: the code (an S3 zip or JAR
fetched as the service execution role, or the zip sent inline), ``application_properties.json`` (the
runtime properties file AWS's runtime reads, ``/etc/flink/application_properties.json`` there), and the
Flink configuration (``conf/config.yaml``) of its checkpoints, parallelism, savepoints and connectors."""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

from nimbus.protocol.errors import ServiceError

from .common import FLINK_RUN_OPTIONS, SERVICE_PRINCIPAL, SESSION_NAME
from .configuration import code_dir
from .describe import flink_settings
from .documents import Application


class JobFailure(Exception):
    """Why a run could not start: logged, and the application goes back to READY."""


def fetch_code(runtime, app: Application, into: Path) -> Path:
    """The application's code, in ``into``: a zip is unpacked there; a JAR is kept as it is."""
    content = app["ApplicationConfiguration"].get("ApplicationCodeConfiguration", {}).get("CodeContent") or {}
    into.mkdir(parents=True, exist_ok=True)
    if "ZipFileDigest" in content:
        archive = into / "code.zip"
        shutil.copyfile(code_dir(runtime) / content["ZipFileDigest"], archive)
    elif "S3ContentLocation" in content:
        location = content["S3ContentLocation"]
        bucket, key = location["BucketARN"].split(":::", 1)[-1], location["FileKey"]
        params = {"Bucket": bucket, "Key": key}
        if location.get("ObjectVersion"):
            params["VersionId"] = location["ObjectVersion"]
        try:
            output = runtime.client.call_as_role(app["ServiceExecutionRole"], "s3", "GetObject", params,
                                                 invoked_by=SERVICE_PRINCIPAL, session_name=SESSION_NAME,
                                                 region=app["Region"])
        except ServiceError as error:
            raise JobFailure(f"Could not fetch the application code s3://{bucket}/{key}: {error.code}: "
                             f"{error.message}") from None
        body = output["Body"]
        archive = into / (key.rsplit("/", 1)[-1] or "code")
        archive.write_bytes(body if isinstance(body, (bytes, bytearray)) else b"".join(body))
    else:
        raise JobFailure("The application has no code (ApplicationCodeConfiguration).")
    if archive.suffix == ".jar" or not zipfile.is_zipfile(archive):
        return archive
    try:
        with zipfile.ZipFile(archive) as zipped:
            for name in zipped.namelist():
                if name.startswith("/") or ".." in Path(name).parts:
                    raise JobFailure(f"The application zip holds an unsafe path: {name}")
            zipped.extractall(into / "code")
    except zipfile.BadZipFile as error:
        raise JobFailure(f"The application code is not a valid zip: {error}") from None
    return into / "code"


def property_groups(app: Application) -> list[dict]:
    return (app["ApplicationConfiguration"].get("EnvironmentProperties") or {}).get("PropertyGroups") or []


def entry_point(app: Application, code: Path) -> tuple[str, Path]:
    """("python", main file) or ("jar", JAR file): AWS's ``kinesis.analytics.flink.run.options`` group
    names a PyFlink main file (``python``) and the JARs beside it (``jarfile``); a JAR or a zip holding
    one JAR is a Java application."""
    options: dict[str, str] = next((g["PropertyMap"] for g in property_groups(app) if g["PropertyGroupId"] == FLINK_RUN_OPTIONS), {})
    if code.is_file():
        return "jar", code
    if options.get("python"):
        main = (code / options["python"]).resolve()
        if not main.is_relative_to(code.resolve()) or not main.is_file():
            raise JobFailure(f"The PyFlink main file {options['python']} is not in the application code.")
        return "python", main
    jars = sorted(code.rglob("*.jar"))
    if len(jars) == 1:
        return "jar", jars[0]
    raise JobFailure(f"The application code names no entry point: a PyFlink application sets 'python' in the "
                     f"{FLINK_RUN_OPTIONS} property group; a Java application is one JAR.")


def write_properties(app: Application, workdir: Path) -> Path:
    target = workdir / "application_properties.json"
    target.write_text(json.dumps(property_groups(app), indent=2))
    return target


def flink_configuration(app: Application, workdir: Path, rest_port: int, savepoints: Path,
                        restore: str | None, allow_non_restored: bool, python: str,
                        pyflink_home: Path) -> dict[str, str]:
    """The job's Flink settings, as AWS derives them from FlinkApplicationConfiguration."""
    settings = flink_settings(app["ApplicationConfiguration"].get("FlinkApplicationConfiguration") or {})
    checkpoint, parallelism = settings["CheckpointConfiguration"], settings["ParallelismConfiguration"]
    extra_jars = [f"file://{jar}" for jar in sorted(workdir.glob("code/**/*.jar"))]
    conf = {
        "rest.address": "127.0.0.1", "rest.bind-address": "127.0.0.1", "rest.port": str(rest_port),
        "jobmanager.bind-host": "127.0.0.1", "taskmanager.bind-host": "127.0.0.1", "taskmanager.host": "127.0.0.1",
        "parallelism.default": str(parallelism["Parallelism"]),
        "taskmanager.numberOfTaskSlots": str(max(parallelism["Parallelism"], 1)),
        "execution.checkpointing.dir": f"file://{workdir / 'checkpoints'}",
        "execution.checkpointing.savepoint-dir": f"file://{savepoints}",
        "pipeline.classpaths": ";".join(extra_jars),
        "pipeline.name": app["ApplicationName"],
        "python.client.executable": python, "python.executable": python,
    }
    if checkpoint["CheckpointingEnabled"]:
        conf["execution.checkpointing.interval"] = f"{checkpoint['CheckpointInterval']} ms"
        conf["execution.checkpointing.min-pause"] = f"{checkpoint['MinPauseBetweenCheckpoints']} ms"
    if restore:
        conf["execution.state-recovery.path"] = restore
        conf["execution.state-recovery.ignore-unclaimed-state"] = "true" if allow_non_restored else "false"
    (workdir / "conf").mkdir(parents=True, exist_ok=True)
    for shipped in sorted((pyflink_home / "conf").glob("log4j*.properties")):
        shutil.copyfile(shipped, workdir / "conf" / shipped.name)
    conf["env.java.opts.all"] = _java_options(pyflink_home / "conf" / "config.yaml")
    (workdir / "conf" / "config.yaml").write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in conf.items()))
    return conf


def _java_options(shipped: Path) -> str:
    """The JVM options of Flink's own configuration (the module opens Flink needs on JDK 17)."""
    for line in shipped.read_text().splitlines():
        if line.strip().startswith("all: --add-"):
            return line.split(":", 1)[1].strip()
    return ""
