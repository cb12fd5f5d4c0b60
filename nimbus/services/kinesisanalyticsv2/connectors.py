"""Flink's connectors for nimbus: a Kinesis source and sink, and a filesystem for ``s3://`` and ``s3a://``
paths in nimbus S3 that Flink's file sinks and sources write and read exactly once (Java, in java/ beside
this module), under AWS's connector names and options (``'connector' = 'kinesis'``, ``'stream'``,
``'aws.region'``, ``'scan.stream.initpos'``...). AWS's connector packages live on Maven Central, which
nimbus does not install from, so these are compiled with javac against the jars PyFlink ships, once
(``make install``, or the first run that needs them), into ``java/build/nimbus-flink-connectors.jar``.

PyFlink itself lives in its own environment (``flink_python``, made by ``make install`` from
``flink-requirements.txt``): it pins pandas, pyarrow and py4j to versions the server's own packages have
outgrown, and a job only ever runs in a process of its own.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from nimbus.core.java_sources import with_shared

SOURCES = Path(__file__).resolve().parent / "java"
JAR = SOURCES / "build" / "nimbus-flink-connectors.jar"
# Flink loads filesystems when its JVM starts, before a job's JAR: the S3 one is a plugin (FLINK_PLUGINS_DIR)
PLUGINS = SOURCES / "build" / "plugins"
FILE_SYSTEM_FACTORIES = "nimbus.flink.s3.S3FileSystemFactory\nnimbus.flink.s3.S3aFileSystemFactory\n"
PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_PYTHON = PROJECT_ROOT / ".flink" / "bin" / "python"
_lock = threading.Lock()


def flink_python(configured: str | None = None) -> Path:
    return Path(configured) if configured else DEFAULT_PYTHON


def pyflink_home(python: Path) -> Path:
    """The pyflink package (its bin/, lib/ and opt/) of the environment of ``python``."""
    found = sorted(python.parent.parent.glob("lib/python3*/site-packages/pyflink"))
    if not found:
        raise FileNotFoundError(f"PyFlink is not installed for {python} (make install)")
    return found[-1]


def _sources() -> list[Path]:
    return with_shared(list(SOURCES.rglob("*.java")))


def jar(python: Path | None = None) -> Path:
    """The compiled connectors, built again when a source is newer than them."""
    with _lock:
        if JAR.exists() and all(JAR.stat().st_mtime >= s.stat().st_mtime for s in _sources()):
            return JAR
        home = pyflink_home(python or DEFAULT_PYTHON)
        classpath = f"{home / 'lib' / '*'}:{home / 'opt' / '*'}"
        with tempfile.TemporaryDirectory() as classes:
            subprocess.run(["javac", "-nowarn", "--release", "17", "-cp", classpath, "-d", classes,
                            *map(str, _sources())], check=True, capture_output=True)
            services = Path(classes) / "META-INF" / "services"
            services.mkdir(parents=True)
            (services / "org.apache.flink.table.factories.Factory").write_text(
                "nimbus.flink.KinesisTableFactory\n")
            (services / "org.apache.flink.core.fs.FileSystemFactory").write_text(FILE_SYSTEM_FACTORIES)
            JAR.parent.mkdir(exist_ok=True)
            built = JAR.with_suffix(".tmp")
            subprocess.run(["jar", "cf", str(built), "-C", classes, "."], check=True, capture_output=True)
            plugin = PLUGINS / "nimbus-s3" / JAR.name
            plugin.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(built, plugin)
            built.replace(JAR)
        return JAR


def plugins_dir(python: Path | None = None) -> Path:
    """Flink's plugins directory for a run: nimbus's S3 filesystem (``s3://`` and ``s3a://``)."""
    jar(python)
    return PLUGINS


if __name__ == "__main__":
    print(jar(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
