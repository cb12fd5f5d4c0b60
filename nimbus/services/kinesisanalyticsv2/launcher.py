"""The PyFlink driver of a Managed Flink application (run by ``flink run -py`` in the PyFlink environment,
standard library only): it points AWS's runtime properties file at the run's own, runs the application's
main file, and, on a local mini-cluster, stays until the job ends (the mini-cluster lives in this
driver's JVM, so leaving would end the job; AWS's runtime keeps a submitted job running the same way)."""
from __future__ import annotations

import builtins
import json
import os
import runpy
import sys
import time
import urllib.error
import urllib.request

AWS_PROPERTIES = "/etc/flink/application_properties.json"
ENDED = {"FINISHED", "FAILED", "CANCELED", "SUSPENDED"}


def _redirect_properties(properties: str) -> None:
    real_open = builtins.open

    def open_properties(file, *args, **kwargs):
        return real_open(properties if file == AWS_PROPERTIES else file, *args, **kwargs)

    builtins.open = open_properties  # type: ignore[assignment]


def _wait(rest_url: str) -> None:
    """Until every job of the mini-cluster has ended (stopped with a savepoint, cancelled, failed or finished)."""
    while True:
        try:
            with urllib.request.urlopen(f"{rest_url}/jobs/overview", timeout=5) as response:
                jobs = json.load(response)["jobs"]
        except urllib.error.URLError as error:
            if isinstance(error.reason, ConnectionRefusedError):
                return  # the mini-cluster closed: its jobs finished (a bounded job's closes with it)
            jobs = None
        except OSError:
            jobs = None
        if jobs is not None and all(job["state"] in ENDED for job in jobs):
            return
        time.sleep(1)


def main() -> None:
    main_file = os.environ["NIMBUS_FLINK_MAIN"]
    _redirect_properties(os.environ["NIMBUS_FLINK_PROPERTIES"])
    sys.path.insert(0, os.path.dirname(main_file))
    sys.argv = [main_file]
    runpy.run_path(main_file, run_name="__main__")
    if os.environ.get("NIMBUS_FLINK_WAIT"):
        _wait(os.environ["NIMBUS_FLINK_WAIT"])


if __name__ == "__main__":
    main()
