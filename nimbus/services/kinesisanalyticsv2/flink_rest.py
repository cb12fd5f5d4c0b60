"""The few calls of Flink's REST API nimbus makes to a JobManager (the local mini-cluster's or
--flink-jobmanager's): find an application's job, stop it with a savepoint, take one, cancel it."""
from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from typing import Any

ENDED = {"FINISHED", "FAILED", "CANCELED", "SUSPENDED"}
SAVEPOINT_SECONDS = 120.0


class RestError(Exception):
    pass


def call(url: str, method: str = "GET", body: dict | None = None, timeout: float = 10) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (our own Flink)
            text = response.read()
    except urllib.error.HTTPError as error:
        raise RestError(f"{method} {url}: HTTP {error.code} {error.read()[:500]!r}") from None
    except (OSError, http.client.HTTPException) as error:  # not (yet) a JobManager answering HTTP there
        raise RestError(f"{method} {url}: {type(error).__name__}: {error}") from None
    return json.loads(text) if text else {}


def find_job(rest_url: str, name: str, submitted_after: float) -> dict | None:
    """The newest job of that name started after ``submitted_after`` (epoch seconds, real time)."""
    jobs = [job for job in call(f"{rest_url}/jobs/overview")["jobs"]
            if job["name"] == name and job["start-time"] >= submitted_after * 1000 - 1000]
    return max(jobs, key=lambda job: job["start-time"], default=None)


def all_running(rest_url: str, job_id: str) -> bool:
    """Every task of the job is running (not only scheduled): the job reads its sources."""
    vertices = call(f"{rest_url}/jobs/{job_id}").get("vertices") or []
    return bool(vertices) and all(vertex["status"] == "RUNNING" for vertex in vertices)


def failure(rest_url: str, job_id: str) -> str:
    try:
        exceptions = call(f"{rest_url}/jobs/{job_id}/exceptions")
    except RestError as error:
        return str(error)
    history = exceptions.get("exceptionHistory", {}).get("entries") or []
    return (history[0].get("stacktrace") if history else None) or "the job failed"


def _await_savepoint(rest_url: str, job_id: str, trigger: str) -> str:
    deadline = time.monotonic() + SAVEPOINT_SECONDS
    while time.monotonic() < deadline:
        status = call(f"{rest_url}/jobs/{job_id}/savepoints/{trigger}")
        if status["status"]["id"] == "COMPLETED":
            operation = status.get("operation") or {}
            if operation.get("location"):
                return operation["location"]
            raise RestError(str(operation.get("failure-cause", {}).get("stack-trace", operation))[:2000])
        time.sleep(0.25)
    raise RestError(f"the savepoint of job {job_id} did not complete in {SAVEPOINT_SECONDS:.0f} seconds")


def stop_with_savepoint(rest_url: str, job_id: str, directory: str) -> str:
    """Stop the job with a savepoint in ``directory``: its location."""
    trigger = call(f"{rest_url}/jobs/{job_id}/stop", "POST", {"targetDirectory": directory, "drain": False})
    return _await_savepoint(rest_url, job_id, trigger["request-id"])


def savepoint(rest_url: str, job_id: str, directory: str) -> str:
    """A savepoint of the running job in ``directory``: its location."""
    trigger = call(f"{rest_url}/jobs/{job_id}/savepoints", "POST",
                   {"target-directory": directory, "cancel-job": False})
    return _await_savepoint(rest_url, job_id, trigger["request-id"])


def cancel(rest_url: str, job_id: str) -> None:
    call(f"{rest_url}/jobs/{job_id}?mode=cancel", "PATCH")
