"""Standard access logs ("Configure standard logging (legacy)"): with a distribution's ``Logging`` enabled,
each viewer request is a line in CloudFront's tab-separated format, fields in AWS's order, delivered to
the logging bucket as ``<prefix><distribution id>.YYYY-MM-DD-HH.<unique>.gz`` every
``cloudfront_log_delivery_seconds`` of the virtual clock (a scheduler job; a jump of the clock delivers
at once). Cookies are logged only with ``IncludeCookies``. Lines not yet delivered live in memory."""
from __future__ import annotations

import gzip
import secrets
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from urllib.parse import quote

from nimbus.core.identity import root_principal
from nimbus.protocol.errors import ServiceError
from nimbus.protocol.http import HttpRequest, HttpResponse

from .answers import POP
from .common import owner_account
from .configs import matching_behaviour
from .documents import Distribution
from .realtime_delivery import RealtimeDeliveryOps

FIELDS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
          "cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol "
          "cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type "
          "cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte "
          "x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end")
HEADER = f"#Version: 1.0\n#Fields: {FIELDS}\n"
_TICK_SECONDS = 1.0
# Past this many lines waiting, they are delivered at once rather than at the interval: memory stays bounded.
MAX_PENDING_LINES = 10_000


def _field(value: object) -> str:
    text = str(value) if value not in (None, "") else "-"
    return text.replace("\t", "%09").replace(" ", "%20").replace("\n", "%0A")


def log_fields(now: float, distribution: Distribution, request: HttpRequest, path: str,
               response: HttpResponse, seconds: float) -> dict[str, str]:
    """Every field CloudFront logs about one request, by its standard-log name."""
    moment = datetime.fromtimestamp(now, UTC)
    headers = response.headers
    outcome = (headers.get("x-cache") or "Error from cloudfront").split()[0]
    body = response.body if isinstance(response.body, bytes) else b""
    content_range = headers.get("content-range", "")
    first, _, last = content_range.removeprefix("bytes ").partition("/")[0].partition("-")
    values = (
        moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M:%S"), POP,
        len(body) + sum(len(k) + len(v) + 4 for k, v in headers.items()), request.source_ip, request.method,
        distribution["DomainName"], quote(path, safe="/%"), response.status, request.headers.get("referer"),
        quote(request.headers.get("user-agent", ""), safe=""), request.query_string, request.headers.get("cookie"),
        outcome, headers.get("x-amz-cf-id"), request.headers.get("host"), request.scheme,
        request.body_size() + sum(len(k) + len(v) + 4 for k, v in request.headers.items()), f"{seconds:.3f}",
        request.headers.get("x-forwarded-for"), None, None, outcome, "HTTP/1.1", None, None, None,
        f"{seconds:.3f}", outcome, headers.get("content-type"), headers.get("content-length"),
        first if first.isdigit() else None, last if last.isdigit() else None)
    return dict(zip(FIELDS.split(), (_field(v) for v in values), strict=True))


class AccessLogOps(RealtimeDeliveryOps):
    def __init__(self, runtime):
        super().__init__(runtime)
        self._pending: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
        self._pending_lock = threading.Lock()
        self._last_delivery = self.clock.time()
        self._waiting = 0
        self._logs_job = self.every("cloudfront-logs", _TICK_SECONDS, self.deliver_logs, on_advance=self.deliver_logs)

    def log_request(self, distribution: Distribution, request: HttpRequest, path: str, response: HttpResponse,
                    started: float) -> None:
        config = distribution["DistributionConfig"]
        logging = config.get("Logging") or {}
        realtime = matching_behaviour(config, path).get("RealtimeLogConfigArn")
        if not logging.get("Enabled") and not realtime:
            return
        now = self.clock.time()
        fields = log_fields(now, distribution, request, path, response, time.monotonic() - started)
        if realtime:
            self.queue_realtime(realtime, now, distribution, fields)
        if not logging.get("Enabled"):
            return
        if not logging.get("IncludeCookies"):
            fields["cs(Cookie)"] = "-"
        with self._pending_lock:
            self._pending[(owner_account(distribution), distribution["Id"])].append((now, "\t".join(fields.values())))
            self._waiting += 1
            full = self._waiting >= MAX_PENDING_LINES
        if full:
            self._logs_job.wake()

    def deliver_logs(self) -> None:
        now = self.clock.time()
        due = now - self._last_delivery >= self.runtime.config.cloudfront_log_delivery_seconds
        if not due and self._waiting < MAX_PENDING_LINES:
            return
        self._last_delivery = now
        with self._pending_lock:
            pending, self._pending, self._waiting = self._pending, defaultdict(list), 0
        for (account, distribution_id), lines in pending.items():
            distribution = self.find(account, distribution_id)
            logging = (distribution or {}).get("DistributionConfig", {}).get("Logging") or {}
            if distribution is None or not logging.get("Enabled"):
                continue  # deleted, or logging turned off since: as CloudFront, nothing more is delivered
            by_hour: dict[str, list[str]] = defaultdict(list)
            for when, line in lines:
                by_hour[datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d-%H")].append(line)
            for hour, hour_lines in by_hour.items():
                self._put_log(account, logging, f"{distribution_id}.{hour}.{secrets.token_hex(4)}.gz",
                              HEADER + "\n".join(hour_lines) + "\n")

    def _put_log(self, account: str, logging: dict, name: str, text: str) -> None:
        bucket = logging["Bucket"].split(".s3", 1)[0]
        try:
            self.runtime.client.call("s3", "PutObject", {
                "Bucket": bucket, "Key": f"{logging.get('Prefix', '')}{name}", "Body": gzip.compress(text.encode()),
                "ContentType": "application/x-gzip"}, account_id=account, region="us-east-1",
                principal=root_principal(account), invoked_by="cloudfront.amazonaws.com")
        except ServiceError:
            pass  # a bucket gone or closed to the distribution's account: CloudFront drops these logs too

