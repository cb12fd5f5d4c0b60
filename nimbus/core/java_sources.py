"""Java sources several builders compile: SigV4 signing and an S3 client (``java/nimbus/aws/`` beside this
module), shared by EMR's EMRFS and the Flink connectors and S3 filesystem, which run in JVMs without an AWS
SDK."""
from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parent / "java"


def with_shared(sources: list[Path]) -> list[Path]:
    """``sources`` and the shared ones, sorted (a builder rebuilds when any is newer than its jar)."""
    return sorted([*sources, *SHARED.rglob("*.java")])
