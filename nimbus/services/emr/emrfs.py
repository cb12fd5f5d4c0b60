"""EMRFS: the Hadoop FileSystem (Java, in java/ beside this module) through which Spark steps read and write ``s3://``,
``s3a://`` and ``s3n://`` paths in nimbus S3 as the step's role session. hadoop-aws (S3A) and the AWS SDK
bundle are on no registry nimbus installs from, so this small one is compiled with javac against the
hadoop-client jars pyspark ships, once (``make install``, or the first step that needs it), into
``java/build/nimbus-emrfs.jar``."""
from __future__ import annotations

import subprocess
import tempfile
import threading
from pathlib import Path

import pyspark

from nimbus.core.java_sources import with_shared

SOURCES = Path(__file__).resolve().parent / "java"
JAR = SOURCES / "build" / "nimbus-emrfs.jar"
FILE_SYSTEM = "nimbus.emrfs.NimbusS3FileSystem"
_lock = threading.Lock()


def _sources() -> list[Path]:
    return with_shared(list((SOURCES / "nimbus" / "emrfs").glob("*.java")))


def jar() -> Path:
    """The compiled FileSystem, built again when a source is newer than it."""
    with _lock:
        if JAR.exists() and all(JAR.stat().st_mtime >= s.stat().st_mtime for s in _sources()):
            return JAR
        hadoop = str(Path(pyspark.__file__).resolve().parent / "jars" / "*")
        with tempfile.TemporaryDirectory() as classes:
            subprocess.run(["javac", "-nowarn", "--release", "17", "-cp", hadoop, "-d", classes,
                            *map(str, _sources())], check=True, capture_output=True)
            JAR.parent.mkdir(exist_ok=True)
            built = JAR.with_suffix(".tmp")
            subprocess.run(["jar", "cf", str(built), "-C", classes, "."], check=True, capture_output=True)
            built.replace(JAR)
        return JAR


def spark_conf(master: str) -> dict[str, str]:
    """What spark-submit needs for S3 paths to be EMRFS's. On the local engine the jar is on the JVM's
    class path from its launch: given as ``spark.jars`` instead, the driver would serve it and the executor
    fetch it before its first task, a second or more of every step on a loaded machine. A remote master's
    executors get it as ``spark.jars``."""
    path = str(jar())
    conf = {"spark.driver.extraClassPath": path} if master.startswith("local") else {"spark.jars": path}
    for scheme in ("s3", "s3a", "s3n"):
        conf[f"spark.hadoop.fs.{scheme}.impl"] = FILE_SYSTEM
        conf[f"spark.hadoop.fs.{scheme}.impl.disable.cache"] = "true"
    return conf


if __name__ == "__main__":
    print(jar())
