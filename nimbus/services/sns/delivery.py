"""Sending what SNS delivers, off the request path, durably.

Every HTTP/S delivery is a document in the store (``pending_ns``) from the moment it exists until it
is delivered or given up: its body, headers, the retry delays its delivery policy gives, the attempt
count and the next attempt's time on the virtual clock. A restart (even after ``kill -9``) resumes
them (``resume``). In memory there is only a heap of due times, woken when tests advance the clock,
so a test skips a 20-second retry delay with ``POST /_nimbus/clock``; before each attempt the
document is read again, so a delivery that was finished, given up or wiped (``/_nimbus/reset``) is
never sent. Delivery is at least once, as in AWS: a kill between an endpoint's 2xx and the removal of
the document sends it again after the restart.
"""
from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import urllib.error
import urllib.request
import weakref
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from nimbus.store.base import Store

from .common import (
    pending_ns,
    sent_ns,
    split_subscription_arn,
    split_topic_arn,
    subscription_key,
    subscriptions_ns,
    undelivered_ns,
)
from .delivery_status import http_outcome
from .documents import PENDING_DELIVERY, SUBSCRIPTION, PendingDelivery
from .retry_policy import should_retry

log = logging.getLogger(__name__)
HTTP_TIMEOUT_SECONDS = 15  # AWS gives an endpoint 15 s to answer before the attempt counts as failed
USER_AGENT = "Amazon Simple Notification Service Agent"
_deliverers: weakref.WeakKeyDictionary[object, Deliverer] = weakref.WeakKeyDictionary()
_deliverers_lock = threading.Lock()


@dataclass
class HttpJob:
    """One message for one endpoint; ``to_doc`` is what the store keeps of it."""
    url: str
    body: str
    headers: dict
    delays: list[float]
    subscription_arn: str | None
    message_id: str
    topic_arn: str
    key: str
    attempt: int = 0
    due: float = 0.0
    max_per_second: float | None = None  # the throttle policy's maxReceivesPerSecond

    @property
    def ns(self) -> tuple[str, ...]:
        account, region, _ = split_topic_arn(self.topic_arn)
        return pending_ns(account, region)

    @property
    def message_type(self) -> str:
        return self.headers.get("x-amz-sns-message-type", "")

    def to_doc(self) -> PendingDelivery:
        return PendingDelivery(
            Endpoint=self.url, Body=self.body, Headers=self.headers, Delays=self.delays,
            SubscriptionArn=self.subscription_arn, MessageId=self.message_id, TopicArn=self.topic_arn, Key=self.key,
            Attempt=self.attempt, Due=self.due, MaxPerSecond=self.max_per_second)

    @classmethod
    def from_doc(cls, doc: PendingDelivery) -> HttpJob:
        return cls(url=doc["Endpoint"], body=doc["Body"], headers=doc["Headers"], delays=doc["Delays"],
                   subscription_arn=doc["SubscriptionArn"], message_id=doc["MessageId"], topic_arn=doc["TopicArn"],
                   key=doc["Key"], attempt=doc["Attempt"], due=doc["Due"], max_per_second=doc["MaxPerSecond"])

    def save(self, store: Store) -> None:
        PENDING_DELIVERY.put(store, self.ns, self.key, self.to_doc())


def deliverer_for(runtime, create: bool = True) -> Deliverer | None:
    """The runtime's one Deliverer: providers come and go (``/_nimbus/reset``), deliveries do not."""
    with _deliverers_lock:
        found = _deliverers.get(runtime)
        if found is None and create:
            found = _deliverers[runtime] = Deliverer(runtime)
        return found


class Deliverer:
    def __init__(self, runtime, workers: int = 8):
        self.runtime = runtime
        self.clock = runtime.clock
        self.store = runtime.store
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nimbus-sns")
        self.attempts: deque[dict] = deque(maxlen=2000)
        self._heap: list = []
        self._seq = itertools.count()
        self._lock = threading.RLock()  # guards the heap, the ordered queues and the throttle slots
        self._closed = False
        self._ordered: dict[str, deque] = {}
        self._slots: dict[str, float] = {}  # throttled subscription -> earliest next send
        # Woken when a delivery is queued and by every jump of the virtual clock; at most a second apart.
        self._job = runtime.scheduler.every("sns-retries", 1.0, self._send_due)

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
        with self._lock:
            queue = self._ordered.setdefault(key, deque())
            queue.append((function, args))
            if len(queue) > 1:
                return  # the drain already running for this key will get to it
        self.run(self._drain, key)

    def _drain(self, key: str) -> None:
        while True:
            with self._lock:
                function, args = self._ordered[key][0]
            try:
                function(*args)
            except Exception:
                log.exception("SNS delivery task failed")
            with self._lock:
                queue = self._ordered[key]
                queue.popleft()
                if not queue:
                    del self._ordered[key]
                    return

    def post(self, job: HttpJob) -> None:
        """Store one delivery, then send it."""
        job.save(self.store)
        self.enqueue([job])

    def enqueue(self, jobs: list[HttpJob]) -> None:
        """Send deliveries the caller has stored, each when it is due and its throttle allows."""
        for job in jobs:
            self._dispatch(job, self.clock.time())

    def resume(self) -> int:
        """Pick up every stored delivery (at start-up): each keeps its attempt count and due time."""
        count = 0
        for ns in self.store.namespaces(("sns",)):
            if len(ns) == 4 and ns == pending_ns(ns[1], ns[2]):
                for _, doc in PENDING_DELIVERY.scan(self.store, ns):
                    self._dispatch(HttpJob.from_doc(doc), self.clock.time())
                    count += 1
        return count

    def close(self) -> None:
        self._closed = True
        self._job.cancel()
        self.pool.shutdown(wait=False, cancel_futures=True)

    # -- scheduling ------------------------------------------------------------------

    def _dispatch(self, job: HttpJob, now: float) -> None:
        when, reserved = job.due, False
        if when <= now and job.max_per_second:
            # The throttle policy spaces sends to one subscription 1/maxReceivesPerSecond apart.
            with self._lock:
                lane = job.subscription_arn or job.url
                when = max(self._slots.get(lane, 0.0), now)
                self._slots[lane] = when + 1.0 / job.max_per_second
                reserved = True
        if when <= now:
            self.run(self._attempt, job)
            return
        with self._lock:
            heapq.heappush(self._heap, (when, next(self._seq), job, reserved))
        self._job.wake()

    def _send_due(self) -> float | None:
        """Send what is due; the virtual time the next delivery falls due, for the scheduler."""
        with self._lock:
            now = self.clock.time()
            due = []
            while self._heap and self._heap[0][0] <= now:
                due.append(heapq.heappop(self._heap)[2:])
            next_due = self._heap[0][0] if self._heap else None
        for job, reserved in due:
            if reserved:
                self.run(self._attempt, job)  # its throttle slot is this moment
            else:
                self._dispatch(job, now)
        return next_due

    def pending_retries(self) -> int:
        with self._lock:
            return len(self._heap)

    # -- attempts ----------------------------------------------------------------------

    def _still_wanted(self, job: HttpJob) -> bool:
        if PENDING_DELIVERY.get(self.store, job.ns, job.key) is None:
            return False  # delivered, given up, or wiped by a reset
        if job.attempt and job.message_type == "Notification" and job.subscription_arn:
            account, region, topic, sub_id = split_subscription_arn(job.subscription_arn)
            if SUBSCRIPTION.get(self.store, subscriptions_ns(account, region), subscription_key(topic, sub_id)) is None:
                self.store.delete(job.ns, job.key)  # unsubscribed while it waited: no more retries
                return False
        return True

    def _attempt(self, job: HttpJob) -> None:
        if self._closed or not self._still_wanted(job):
            return
        status, error = None, None
        started = self.clock.time()
        request = urllib.request.Request(job.url, data=job.body.encode(), method="POST", headers=job.headers)
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
                status = response.status
                response.read(64 * 1024)
        except urllib.error.HTTPError as failure:
            status = failure.code
        except (OSError, ValueError) as failure:
            error = str(failure)
        record = {
            "url": job.url, "subscriptionArn": job.subscription_arn, "messageId": job.message_id,
            "messageType": job.message_type, "attempt": job.attempt + 1,
            "status": status, "error": error, "time": started,
        }
        if self._closed:
            return  # shutting down: the stored document stays for the next start
        self._settle(job, status, error)
        # Recorded once settled, so whoever sees the attempt also finds the retry it scheduled.
        self.attempts.append(record)

    def _settle(self, job: HttpJob, status: int | None, error: str | None) -> None:
        """After an attempt: delivered, retried later (stored with its new due time), or given up."""
        if status is not None and 200 <= status < 300:
            self.store.delete(job.ns, job.key)
            http_outcome(self.runtime, job, status, error, delivered=True)
        elif should_retry(status) and job.attempt < len(job.delays):
            job.due = self.clock.time() + job.delays[job.attempt]
            job.attempt += 1
            with self.store.transaction():
                if PENDING_DELIVERY.get(self.store, job.ns, job.key) is None:
                    return
                job.save(self.store)
            self._dispatch(job, self.clock.time())
        else:
            self._give_up(job, status, error)

    def _give_up(self, job: HttpJob, status: int | None, error: str | None) -> None:
        """The policy is exhausted (or the answer was final): to the dead-letter target, else on record."""
        account, region, _ = split_topic_arn(job.topic_arn)
        now = self.clock.time()
        code = f"HTTP {status}" if status is not None else "ConnectionError"
        with self.store.transaction():
            if not self.store.delete(job.ns, job.key):
                return
            entry = {"SubscriptionArn": job.subscription_arn, "TopicArn": job.topic_arn, "MessageId": job.message_id,
                     "Type": job.message_type, "Endpoint": job.url, "Body": job.body, "Attempts": job.attempt + 1,
                     "ErrorCode": code, "ErrorMessage": error or f"The endpoint answered {status}", "Time": now}
            target = self._dead_letter_target(job)
            if target:
                # What the subscription's dead-letter queue receives (SQS is recorded, not sent, in nimbus).
                self.store.put(sent_ns(account, region), f"{now:017.6f}-{job.key}", {
                    **entry, "Protocol": "sqs", "Endpoint": target, "DeadLetterFor": job.url})
            else:
                self.store.put(undelivered_ns(account, region), f"{now:017.6f}-{job.key}", entry)
        http_outcome(self.runtime, job, status, error, delivered=False)

    def _dead_letter_target(self, job: HttpJob) -> str | None:
        if not job.subscription_arn or job.message_type != "Notification":
            return None
        account, region, topic, sub_id = split_subscription_arn(job.subscription_arn)
        sub = SUBSCRIPTION.get(self.store, subscriptions_ns(account, region), subscription_key(topic, sub_id))
        policy = (sub or {}).get("Attributes", {}).get("RedrivePolicy")
        try:
            target = json.loads(policy).get("deadLetterTargetArn") if policy else None
        except (ValueError, AttributeError):
            return None
        return target if isinstance(target, str) and target else None


def http_job(url: str, document: dict | str, raw: bool, subscription_arn: str | None, topic_arn: str,
             message_type: str, message_id: str, delays: list[float], content_type: str, key: str,
             due: float, max_per_second: float | None = None) -> HttpJob:
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
    return HttpJob(url, body, headers, delays, subscription_arn, message_id, topic_arn, key, due=due,
                   max_per_second=max_per_second)
