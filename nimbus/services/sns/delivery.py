"""Sending what SNS delivers, off the request path.

A bounded thread pool fans messages out and POSTs them; failed HTTP/S attempts are retried on
the virtual clock (a heap of due times, woken when tests advance the clock), so a test skips a
20-second retry delay with ``POST /_nimbus/clock``. Protocols nimbus does not send (email, sms,
sqs, lambda...) are recorded in the store; ``GET /_nimbus/sns/recorded`` shows them.
In-flight deliveries live in memory: a restart drops them (AWS would keep retrying).
"""
from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import urllib.error
import urllib.request
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .retry_policy import should_retry

log = logging.getLogger(__name__)
HTTP_TIMEOUT_SECONDS = 5
USER_AGENT = "Amazon Simple Notification Service Agent"


@dataclass
class HttpJob:
    url: str
    body: bytes
    headers: dict
    delays: list[float]
    subscription_arn: str | None
    message_id: str
    attempt: int = 0
    results: list = field(default_factory=list)


class Deliverer:
    def __init__(self, runtime, workers: int = 8):
        self.clock = runtime.clock
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nimbus-sns")
        self.attempts: deque[dict] = deque(maxlen=2000)
        self._heap: list = []
        self._seq = itertools.count()
        self._wake = threading.Condition()
        self._closed = False
        self._ordered: dict[str, deque] = {}
        threading.Thread(target=self._schedule_loop, name="nimbus-sns-retries", daemon=True).start()
        runtime.clock.on_advance(self._notify)

    def run(self, function, *args) -> None:
        """Run ``function`` on the pool, logging (never raising) its failures."""
        def guarded():
            try:
                function(*args)
            except Exception:
                log.exception("SNS delivery task failed")
        self.pool.submit(guarded)

    def run_in_order(self, key: str, function, *args) -> None:
        """Like ``run``, but tasks with the same key (a topic) run one after another, in order."""
        with self._wake:
            queue = self._ordered.setdefault(key, deque())
            queue.append((function, args))
            if len(queue) > 1:
                return  # the drain already running for this key will get to it
        self.run(self._drain, key)

    def _drain(self, key: str) -> None:
        while True:
            with self._wake:
                function, args = self._ordered[key][0]
            try:
                function(*args)
            except Exception:
                log.exception("SNS delivery task failed")
            with self._wake:
                queue = self._ordered[key]
                queue.popleft()
                if not queue:
                    del self._ordered[key]
                    return

    def post(self, job: HttpJob) -> None:
        self.run(self._attempt, job)

    def close(self) -> None:
        self._closed = True
        self._notify()
        self.pool.shutdown(wait=False, cancel_futures=True)

    # -- attempts ----------------------------------------------------------------

    def _attempt(self, job: HttpJob) -> None:
        status, error = None, None
        request = urllib.request.Request(job.url, data=job.body, method="POST", headers=job.headers)
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
                status = response.status
                response.read(64 * 1024)
        except urllib.error.HTTPError as failure:
            status = failure.code
        except (OSError, ValueError) as failure:
            error = str(failure)
        self.attempts.append({
            "url": job.url, "subscriptionArn": job.subscription_arn, "messageId": job.message_id,
            "messageType": job.headers.get("x-amz-sns-message-type"), "attempt": job.attempt + 1,
            "status": status, "error": error, "time": self.clock.time(),
        })
        delivered = status is not None and 200 <= status < 300
        if not delivered and should_retry(status) and job.attempt < len(job.delays):
            delay = job.delays[job.attempt]
            job.attempt += 1
            self._schedule(job, delay)

    def _schedule(self, job: HttpJob, delay: float) -> None:
        with self._wake:
            heapq.heappush(self._heap, (self.clock.time() + delay, next(self._seq), job))
            self._wake.notify()

    def _notify(self) -> None:
        with self._wake:
            self._wake.notify()

    def _schedule_loop(self) -> None:
        while not self._closed:
            with self._wake:
                now = self.clock.time()
                due = []
                while self._heap and self._heap[0][0] <= now:
                    due.append(heapq.heappop(self._heap)[2])
                if not due:
                    wait = min(self._heap[0][0] - now, 1.0) if self._heap else 1.0
                    self._wake.wait(timeout=max(wait, 0.01))
            for job in due:
                self.run(self._attempt, job)

    def pending_retries(self) -> int:
        with self._wake:
            return len(self._heap)


def http_job(url: str, document: dict | str, raw: bool, subscription_arn: str | None, topic_arn: str,
             message_type: str, message_id: str, delays: list[float], content_type: str) -> HttpJob:
    headers = {
        "x-amz-sns-message-type": message_type,
        "x-amz-sns-message-id": message_id,
        "x-amz-sns-topic-arn": topic_arn,
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
    }
    if subscription_arn:
        headers["x-amz-sns-subscription-arn"] = subscription_arn
    if raw:
        headers["x-amz-sns-rawdelivery"] = "true"
    body = document if isinstance(document, str) else json.dumps(document, indent=2)
    return HttpJob(url, body.encode(), headers, delays, subscription_arn, message_id)
