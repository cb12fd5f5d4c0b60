"""hadoop-streaming as a step process, as Hadoop runs a streaming job: a map task per input split (each
input file; nimbus's inputs are test-sized, so a file is one block) running the mapper over it, with
``mapreduce_map_input_file`` set; the task's lines sorted by key and, with ``-combiner``, combined; the
map outputs partitioned by a hash of the key among the reduce tasks (``-numReduceTasks`` or
``-D mapreduce.job.reduces``, 1 by default), each merged in key order and run through the reducer into
``part-0000<n>``; ``_SUCCESS`` last. With no reduce tasks (0 or ``-reducer NONE``) each map task's output
is its own ``part-0000<n>``, unsorted. Tasks run one after another: nimbus runs no Hadoop cluster."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import zlib

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


def _sorted(lines: list[bytes]) -> bytes:
    """Hadoop's sort of map output by key (stable, so equal keys keep their order)."""
    return b"".join(line if line.endswith(b"\n") else line + b"\n" for line in sorted(lines, key=_key))


def _reduces(options: argparse.Namespace) -> int:
    settings = dict(pair.split("=", 1) for pair in options.D if "=" in pair)
    count = options.numReduceTasks or settings.get("mapreduce.job.reduces") or settings.get("mapred.reduce.tasks")
    return 0 if options.reducer == "NONE" else int(count or 1)


def main(argv: list[str]) -> None:
    options = _options(argv)
    if not options.mapper or not options.output or not options.input:
        raise SystemExit("hadoop-streaming: -input, -output and -mapper are required")
    _fetch(options.files)
    env = dict(os.environ, **dict(pair.split("=", 1) for pair in options.cmdenv))
    # -files land in the task's directory, where Hadoop finds the commands they name
    env["PATH"] = os.getcwd() + os.pathsep + env.get("PATH", "")
    reduces = _reduces(options)
    splits = [f for path in options.input for f in storage.list_files(path)]
    partitions: list[list[bytes]] = [[] for _ in range(max(reduces, 1))]
    for number, split in enumerate(splits):
        task_env = {**env, "mapreduce_map_input_file": split, "map_input_file": split,
                    "mapreduce_task_partition": str(number)}
        mapped = _run(options.mapper, storage.read(split), task_env)
        if not reduces:
            storage.write(storage.join(options.output, f"part-{number:05d}"), mapped)
            continue
        output = _sorted(mapped.splitlines(keepends=True))
        if options.combiner:
            output = _run(options.combiner, output, task_env)
        for line in output.splitlines(keepends=True):
            partitions[zlib.crc32(_key(line).rstrip(b"\n")) % reduces].append(line)
    for number, lines in enumerate(partitions[:reduces]):
        merged = _sorted(lines)
        reduced = merged if not options.reducer else _run(options.reducer, merged,
                                                          {**env, "mapreduce_task_partition": str(number)})
        storage.write(storage.join(options.output, f"part-{number:05d}"), reduced)
    storage.write(storage.join(options.output, "_SUCCESS"), b"")
    print(f"Output directory: {options.output} ({len(splits)} map tasks, {reduces} reduce tasks)")


if __name__ == "__main__":
    main(sys.argv[1:])
