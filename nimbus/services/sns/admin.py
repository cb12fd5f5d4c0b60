"""nimbus's own SNS endpoints under /_nimbus/sns/: the signing certificate (SigningCertURL), and
for tests what nimbus recorded instead of sending (texts, pushes, emails...), its HTTP delivery attempts,
the deliveries still pending and those given up; the SMS sandbox's one-time passwords, and what a phone
or AWS Support would do (a recipient replying STOP, an account leaving the sandbox)."""
from __future__ import annotations

import json
from dataclasses import asdict

from nimbus.core.arns import DEFAULT_ACCOUNT, DEFAULT_REGION
from nimbus.core.json_text import read_json
from nimbus.protocol.http import Headers, HttpRequest, HttpResponse

from .common import findings_ns, pending_ns, sent_ns, undelivered_ns
from .delivery import HttpJob
from .documents import PENDING_DELIVERY
from .sms import SmsOps
from .sms_rules import E164, settings_of


def _json(payload) -> HttpResponse:
    return HttpResponse(200, Headers({"content-type": "application/json"}), json.dumps(payload).encode())


def _error(status: int, message: str) -> HttpResponse:
    return HttpResponse(status, Headers({"content-type": "application/json"}), json.dumps({"error": message}).encode())


class AdminOps(SmsOps):
    def admin(self, request: HttpRequest, path: str) -> HttpResponse | None:
        if path.startswith("sms/"):
            return self._sms_admin(request, path[len("sms/"):])
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
        if path == "data-protection":
            # What Audit statements of data protection policies found, oldest first.
            account = query.get("account", DEFAULT_ACCOUNT)
            region = query.get("region", DEFAULT_REGION)
            findings = [doc for _, doc in self.store.scan(findings_ns(account, region))]
            if query.get("topic"):
                findings = [f for f in findings if f["resourceArn"] == query["topic"]]
            return _json({"findings": findings})
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

    def _sms_admin(self, request: HttpRequest, path: str) -> HttpResponse | None:
        """GET sms/sandbox: the account's sandbox state and one-time passwords; POST sms/sandbox
        ``{"inSandbox": true}``; POST sms/opt-out ``{"phoneNumber": "+1..."}`` (a reply of STOP)."""
        if request.method in ("GET", "HEAD"):
            query = request.query
            if path != "sandbox":
                return None
            settings = settings_of(self.store, query.get("account", DEFAULT_ACCOUNT),
                                   query.get("region", DEFAULT_REGION))
            return _json({"inSandbox": bool(settings.get("InSandbox")), "phoneNumbers": [
                {"phoneNumber": n, "status": e["Status"], "oneTimePassword": e["Code"]}
                for n, e in settings.get("SandboxNumbers", {}).items()]})
        if request.method != "POST" or path not in ("sandbox", "opt-out"):
            return None
        try:
            body = read_json(request.body or b"{}")
        except ValueError:
            return _error(400, "the body must be a JSON object")
        if not isinstance(body, dict):
            return _error(400, "the body must be a JSON object")
        account, region = body.get("account", DEFAULT_ACCOUNT), body.get("region", DEFAULT_REGION)
        if path == "sandbox":
            if not isinstance(body.get("inSandbox"), bool):
                return _error(400, "inSandbox must be true or false")
            self.set_sandbox(account, region, body["inSandbox"])
            return _json({"inSandbox": body["inSandbox"]})
        number = body.get("phoneNumber")
        if not isinstance(number, str) or not E164.match(number):
            return _error(400, "phoneNumber must be an E.164 number (+ and digits)")
        self.opt_out(account, region, number)
        return _json({"phoneNumber": number, "optedOut": True})
