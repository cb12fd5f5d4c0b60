"""nimbus with CloudTrail's recording switched off, for benchmarks only: ``python -m benchmarks.unrecorded_server
serve ...`` takes ``nimbus serve``'s arguments. CloudTrail's engine ignores every API call (no event history, nothing
for trails), so a run against the real server measures what recording costs the request path."""
from __future__ import annotations

import sys

from nimbus.cli import main
from nimbus.services.cloudtrail.engine import Engine


def _not_recorded(engine: Engine, event) -> None:
    return None


if __name__ == "__main__":
    Engine.on_call = _not_recorded  # type: ignore[method-assign]
    sys.exit(main())
