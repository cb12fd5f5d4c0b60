"""What process a step runs: EMR's step kinds turned into a command line. ``command-runner.jar`` runs
spark-submit (pyspark's own), spark-sql and hive (runners/sql.py on Spark), hadoop-streaming and
s3-dist-cp (runners/ as Python processes), or any other command; ``script-runner.jar`` runs a script; any
other JAR is a Spark application with its main class. Files the command names in S3 (the application, a
script, a JAR) are fetched into the step's directory first, as EMR's nodes fetch them."""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyspark

RUNNERS = Path(__file__).resolve().parent / "runners"
SPARK_HOME = Path(pyspark.__file__).resolve().parent
_S3 = ("s3://", "s3a://", "s3n://")


@dataclass
class Launch:
    """What a step's command line is built from."""
    workdir: Path
    hdfs_root: Path
    master: str
    executors: int
    spark_conf: dict[str, str]
    fetch: Callable[[str, Path], Path]  # an S3 object to a local file, as the cluster's role


def _hdfs(arg: str, launch: Launch) -> str:
    """HDFS paths are the cluster's own directory (see docs/services/emr.md)."""
    for prefix in ("hdfs:///", "hdfs://"):
        if arg.startswith(prefix):
            rest = arg[len(prefix):]
            if prefix == "hdfs://":  # hdfs://namenode:8020/path
                rest = rest.partition("/")[2]
            return f"file://{launch.hdfs_root}/{rest}"
    return arg


def _local(path: str, launch: Launch) -> str:
    return str(launch.fetch(path, launch.workdir)) if path.startswith(_S3) else path


def spark_submit(args: list[str], launch: Launch) -> list[str]:
    command = [str(SPARK_HOME / "bin" / "spark-submit"), "--master", launch.master]
    for key, value in {**launch.spark_conf, "spark.executor.instances": str(launch.executors)}.items():
        command += ["--conf", f"{key}={value}"]
    rest, seen_app = list(args), False
    while rest:
        arg = rest.pop(0)
        if seen_app:
            command.append(arg)
        elif arg == "--master":
            rest.pop(0)  # the cluster decides where steps run
        elif arg == "--deploy-mode":
            mode = rest.pop(0)
            # EMR's console submits in cluster mode; the local engine runs the driver in the step process,
            # which is client mode (a standalone Spark master cannot run Python drivers in cluster mode)
            command += ["--deploy-mode", "client" if mode == "cluster" else mode]
        elif arg.startswith("--") and arg not in ("--verbose", "--supervise", "--version", "--help") and rest:
            value = rest.pop(0)
            if arg in ("--py-files", "--jars", "--files"):
                value = ",".join(_local(v, launch) for v in value.split(","))
            command += [arg, value]
        else:
            command.append(_local(arg, launch))
            seen_app = True
    return command


def _sql(args: list[str], launch: Launch) -> list[str]:
    args = list(args)
    for n, arg in enumerate(args[:-1]):
        if arg == "-f":
            args[n + 1] = _local(args[n + 1], launch)
    return spark_submit([str(RUNNERS / "sql.py"), *args], launch)


def _python_runner(name: str) -> list[str]:
    return [sys.executable, "-m", f"nimbus.services.emr.runners.{name}"]


def command_line(config: dict, launch: Launch) -> list[str]:
    jar = config["Jar"]
    args = [_hdfs(a, launch) for a in config.get("Args", [])]
    name = jar.rsplit("/", 1)[-1]
    if name == "command-runner.jar":
        if not args:
            raise ValueError("command-runner.jar needs a command")
        program, rest = args[0], args[1:]
        if program == "spark-submit":
            return spark_submit(rest, launch)
        if program in ("spark-sql", "hive"):
            return _sql(rest, launch)
        if program == "hive-script":  # hive-script --run-hive-script --args -f s3://...
            return _sql([a for a in rest if a not in ("--run-hive-script", "--args")], launch)
        if program in ("hadoop-streaming", "s3-dist-cp"):
            return [*_python_runner("streaming" if program == "hadoop-streaming" else "distcp"), *rest]
        return [program, *rest]
    if name == "script-runner.jar":
        if not args:
            raise ValueError("script-runner.jar needs a script")
        return ["/bin/bash", _local(args[0], launch), *args[1:]]
    # a custom JAR: a Spark (or plain Java) application with its main class
    main_class = config.get("MainClass")
    return spark_submit([*(["--class", main_class] if main_class else []), jar, *args], launch)
