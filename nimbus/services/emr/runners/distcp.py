"""s3-dist-cp as a step process: every file under ``--src`` (those matching ``--srcPattern``) copied to the
same relative name under ``--dest``; S3 and HDFS paths alike."""
from __future__ import annotations

import argparse
import re
import sys

from nimbus.services.emr.runners import storage


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="s3-dist-cp")
    parser.add_argument("--src", required=True)
    parser.add_argument("--dest", required=True)
    parser.add_argument("--srcPattern")
    options, _ = parser.parse_known_args(argv)
    pattern = re.compile(options.srcPattern) if options.srcPattern else None
    base = options.src.rstrip("/")
    copied = 0
    for path in storage.list_files(options.src):
        if pattern and not pattern.fullmatch(path):
            continue
        relative = path[len(base):].lstrip("/") if path.startswith(base) else path.rsplit("/", 1)[-1]
        storage.write(storage.join(options.dest, relative or path.rsplit("/", 1)[-1]), storage.read(path))
        copied += 1
    print(f"s3-dist-cp: copied {copied} files from {options.src} to {options.dest}")


if __name__ == "__main__":
    main(sys.argv[1:])
