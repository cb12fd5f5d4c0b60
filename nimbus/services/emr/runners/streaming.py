"""hadoop-streaming as a step process: the mapper over every input file, Hadoop's sort of the mapper's lines
by key, the reducer over the sorted lines, and the reducer's output as ``part-00000`` (with ``_SUCCESS``)
under ``-output``. One map and one reduce task: nimbus runs no Hadoop cluster, so the parallelism of a
real job is not reproduced, but its inputs, commands and output layout are."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

from nimbus.services.emr.runners import storage


def _options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hadoop-streaming", prefix_chars="-")
    for name in ("files", "mapper", "reducer", "combiner", "output", "inputformat", "outputformat",
                 "partitioner", "numReduceTasks"):
        parser.add_argument(f"-{name}")
    parser.add_argument("-input", action="append", default=[])
    parser.add_argument("-D", action="append", default=[])
    parser.add_argument("-cmdenv", action="append", default=[])
    return parser.parse_args(argv)


def _fetch(files: str | None) -> None:
    """-files: each one copied into the task's working directory, executable (Hadoop's distributed cache)."""
    for path in (files or "").split(","):
        if path:
            name = path.rsplit("/", 1)[-1].split("#")[-1]
            with open(name, "wb") as out:
                out.write(storage.read(path.split("#")[0]))
            os.chmod(name, 0o755)


def _run(command: str, data: bytes, env: dict) -> bytes:
    done = subprocess.run(command, shell=True, input=data, capture_output=True, env=env)
    sys.stderr.write(done.stderr.decode(errors="replace"))
    if done.returncode != 0:
        sys.stderr.write(f"PipeMapRed.waitOutputThreads(): subprocess failed with code {done.returncode}\n")
        raise SystemExit("Streaming Command Failed!")
    return done.stdout


def _key(line: bytes) -> bytes:
    return line.split(b"\t", 1)[0]


def main(argv: list[str]) -> None:
    options = _options(argv)
    if not options.mapper or not options.output or not options.input:
        raise SystemExit("hadoop-streaming: -input, -output and -mapper are required")
    _fetch(options.files)
    env = dict(os.environ, **dict(pair.split("=", 1) for pair in options.cmdenv))
    # -files land in the task's directory, where Hadoop finds the commands they name
    env["PATH"] = os.getcwd() + os.pathsep + env.get("PATH", "")
    data = b"".join(storage.read(f) for path in options.input for f in storage.list_files(path))
    mapped = _run(options.mapper, data, env)
    lines = sorted(mapped.splitlines(keepends=True), key=_key)
    sorted_lines = b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines)
    reducer = options.reducer
    output = sorted_lines if not reducer or reducer == "NONE" else _run(reducer, sorted_lines, env)
    storage.write(storage.join(options.output, "part-00000"), output)
    storage.write(storage.join(options.output, "_SUCCESS"), b"")
    print(f"Output directory: {options.output}")


if __name__ == "__main__":
    main(sys.argv[1:])
