"""nimbus's own SNS endpoints under /_nimbus/sns/: the signing certificate (SigningCertURL), and
for tests what nimbus recorded instead of sending, its HTTP delivery attempts, the deliveries still
pending and those given up."""
from __future__ import annotations

import json
from dataclasses import asdict

from nimbus.core.arns import DEFAULT_ACCOUNT, DEFAULT_REGION
from nimbus.protocol.http import Headers, HttpRequest, HttpResponse

from .common import pending_ns, sent_ns, undelivered_ns
from .delivery import HttpJob
from .documents import PENDING_DELIVERY
from .state import SnsState


def _json(payload) -> HttpResponse:
    return HttpResponse(200, Headers({"content-type": "application/json"}), json.dumps(payload).encode())


class AdminOps(SnsState):
    def admin(self, request: HttpRequest, path: str) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD"):
            return None
        if path.startswith("SimpleNotificationService-") and path.endswith(".pem"):
            if path != self.signer.cert_name:
                return None
            return HttpResponse(200, Headers({"content-type": "application/x-x509-ca-cert"}),
                                self.signer.certificate_pem)
        query = request.query
        if path == "recorded":
            account = query.get("account", DEFAULT_ACCOUNT)
            region = query.get("region", DEFAULT_REGION)
            items = [doc for _, doc in self.store.scan(sent_ns(account, region))]
            if query.get("endpoint"):
                items = [doc for doc in items if doc["Endpoint"] == query["endpoint"]]
            return _json({"messages": items})
        if path == "deliveries":
            # Recent attempts (memory), and from the store: deliveries still pending and those given up.
            account = query.get("account", DEFAULT_ACCOUNT)
            region = query.get("region", DEFAULT_REGION)
            attempts = list(self.deliverer.attempts)
            # Shown as the deliveries themselves (HttpJob's fields), whatever shape the store keeps.
            pending = [asdict(HttpJob.from_doc(doc)) for _, doc in PENDING_DELIVERY.scan(self.store,
                                                                                       pending_ns(account, region))]
            undelivered = [doc for _, doc in self.store.scan(undelivered_ns(account, region))]
            if query.get("endpoint"):
                attempts = [a for a in attempts if a["url"] == query["endpoint"]]
                pending = [p for p in pending if p["url"] == query["endpoint"]]
                undelivered = [u for u in undelivered if u["Endpoint"] == query["endpoint"]]
            return _json({"attempts": attempts, "pendingRetries": self.deliverer.pending_retries(),
                          "pending": pending, "undelivered": undelivered})
        return None
