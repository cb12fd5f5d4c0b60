"""SMS: publishing to a phone number (recorded, not sent), SMS attributes, the SMS sandbox with its
verification codes, opt-outs, and origination numbers.

An account starts outside the sandbox, so publishing to any valid number works as it did before;
``POST /_nimbus/sns/sms/sandbox`` puts it in (or takes it out), as AWS Support would. A number opts
out as a recipient replying STOP would, with ``POST /_nimbus/sns/sms/opt-out``.
"""
from __future__ import annotations

import secrets

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from . import sns_metrics
from .common import invalid_parameter, page_after, sms_ns
from .delivery_status import check_feedback_role, log_sms_status
from .documents import SMS_SETTINGS, SmsSettings
from .sms_rules import (
    DEFAULT_SMS_ATTRIBUTES,
    E164,
    MAX_SANDBOX_NUMBERS,
    OPT_IN_INTERVAL_SECONDS,
    SETTINGS_KEY,
    check_number,
    check_sms_attribute,
    settings_of,
    sms_options,
    sms_record,
)
from .state import SnsState


class SmsOps(SnsState):
    def publish_sms(self, ctx: RequestContext, params: dict, message_id: str) -> dict:
        number = params["PhoneNumber"]
        if not E164.match(number):
            raise invalid_parameter(f"PhoneNumber Reason: {number} is not valid to publish to")
        settings = settings_of(self.store, ctx.account_id, ctx.region)
        options = sms_options(params.get("MessageAttributes"), settings)
        if settings.get("InSandbox") and settings.get("SandboxNumbers", {}).get(number, {}).get("Status") != "Verified":
            raise invalid_parameter(f"PhoneNumber Reason: {number} is not a verified destination of the SMS sandbox")
        record = sms_record(settings, ctx.account_id, ctx.region, number, params["Message"], message_id,
                            ctx.clock.time(), options)
        self.store.put(*record)
        delivered = record[2]["Status"] == "DELIVERED"
        sns_metrics.sms_outcome(self.runtime, ctx.account_id, ctx.region, number, delivered)
        log_sms_status(self.runtime, ctx.account_id, ctx.region, settings.get("Attributes", {}), message_id=message_id,
                       number=number, sms_type=options.get("SMSType"), published_at=ctx.clock.time(),
                       success=delivered)
        return {"MessageId": message_id}

    # -- attributes ---------------------------------------------------------------

    def set_sms_attributes(self, ctx: RequestContext, params: dict) -> dict:
        given = params.get("attributes") or {}
        for name, value in given.items():
            check_sms_attribute(name, value)
            if name == "DeliveryStatusIAMRole" and value:
                check_feedback_role(ctx, name, value)
        with self.store.transaction():
            settings = self._settings(ctx)
            settings["Attributes"] = {**settings.get("Attributes", {}), **given}
            self._save(ctx, settings)
        return {}

    def get_sms_attributes(self, ctx: RequestContext, params: dict) -> dict:
        attributes = {**DEFAULT_SMS_ATTRIBUTES, **self._settings(ctx).get("Attributes", {})}
        wanted = params.get("attributes")
        if wanted:
            attributes = {k: v for k, v in attributes.items() if k in wanted}
        return {"attributes": attributes}

    # -- opt-outs -------------------------------------------------------------------

    def check_if_phone_number_is_opted_out(self, ctx: RequestContext, params: dict) -> dict:
        number = check_number(params.get("phoneNumber"))
        return {"isOptedOut": number in self._settings(ctx).get("OptedOut", {})}

    def list_phone_numbers_opted_out(self, ctx: RequestContext, params: dict) -> dict:
        numbers = [{"n": n} for n in self._settings(ctx).get("OptedOut", {})]
        chunk, token = page_after(numbers, lambda n: n["n"], params.get("nextToken"))
        return {"phoneNumbers": [n["n"] for n in chunk], **({"nextToken": token} if token else {})}

    def opt_in_phone_number(self, ctx: RequestContext, params: dict) -> dict:
        number = check_number(params.get("phoneNumber"))
        now = ctx.clock.time()
        with self.store.transaction():
            settings = self._settings(ctx)
            last = settings.get("OptedIn", {}).get(number)
            if number in settings.get("OptedOut", {}) and last is not None and now - last < OPT_IN_INTERVAL_SECONDS:
                raise ServiceError("Throttled", "You can opt in a phone number only once every 30 days.")
            if settings.get("OptedOut", {}).pop(number, None) is not None:
                settings.setdefault("OptedIn", {})[number] = now
            self._save(ctx, settings)
        return {}

    def opt_out(self, account: str, region: str, number: str) -> None:
        """A recipient replied STOP (``POST /_nimbus/sns/sms/opt-out``)."""
        with self.store.transaction():
            settings = settings_of(self.store, account, region)
            settings.setdefault("OptedOut", {})[number] = self.clock.time()
            SMS_SETTINGS.put(self.store, sms_ns(account, region), SETTINGS_KEY, settings)

    # -- the sandbox ------------------------------------------------------------------

    def get_sms_sandbox_account_status(self, ctx: RequestContext, params: dict) -> dict:
        return {"IsInSandbox": bool(self._settings(ctx).get("InSandbox"))}

    def create_sms_sandbox_phone_number(self, ctx: RequestContext, params: dict) -> dict:
        number = check_number(params.get("PhoneNumber"))
        with self.store.transaction():
            settings = self._settings(ctx)
            if number in settings.get("OptedOut", {}):
                raise ServiceError("OptedOut", "Phone number is opted out.")
            numbers = settings.setdefault("SandboxNumbers", {})
            if number not in numbers and len(numbers) >= MAX_SANDBOX_NUMBERS:
                raise ServiceError("UserError", "You have reached the maximum number of sandbox phone numbers.")
            if numbers.get(number, {}).get("Status") == "Verified":
                raise ServiceError("UserError", "Phone number is already verified.")
            # A new one-time password each time, as AWS texts one; read it at /_nimbus/sns/sms/sandbox.
            numbers[number] = {"Status": "Pending", "Code": f"{secrets.randbelow(10 ** 6):06d}",
                               "LanguageCode": params.get("LanguageCode") or "en-US", "CreatedAt": ctx.clock.time()}
            self._save(ctx, settings)
        return {}

    def verify_sms_sandbox_phone_number(self, ctx: RequestContext, params: dict) -> dict:
        number = check_number(params.get("PhoneNumber"))
        with self.store.transaction():
            settings = self._settings(ctx)
            entry = settings.get("SandboxNumbers", {}).get(number)
            if entry is None:
                raise ServiceError("ResourceNotFound", "Phone number does not exist in the sandbox.")
            if entry["Status"] != "Verified":
                if params.get("OneTimePassword") != entry["Code"]:
                    raise ServiceError("VerificationException", "Invalid one-time password.", Status="Failed")
                entry["Status"] = "Verified"
                self._save(ctx, settings)
        return {}

    def list_sms_sandbox_phone_numbers(self, ctx: RequestContext, params: dict) -> dict:
        limit = params.get("MaxResults") or 100
        if not 1 <= limit <= 100:
            raise invalid_parameter("MaxResults Reason: must be between 1 and 100")
        numbers = [{"PhoneNumber": n, "Status": e["Status"]}
                   for n, e in self._settings(ctx).get("SandboxNumbers", {}).items()]
        chunk, token = page_after(numbers, lambda n: n["PhoneNumber"], params.get("NextToken"), limit)
        return {"PhoneNumbers": chunk, **({"NextToken": token} if token else {})}

    def delete_sms_sandbox_phone_number(self, ctx: RequestContext, params: dict) -> dict:
        number = check_number(params.get("PhoneNumber"))
        with self.store.transaction():
            settings = self._settings(ctx)
            if settings.get("SandboxNumbers", {}).pop(number, None) is None:
                raise ServiceError("ResourceNotFound", "Phone number does not exist in the sandbox.")
            self._save(ctx, settings)
        return {}

    def set_sandbox(self, account: str, region: str, in_sandbox: bool) -> None:
        with self.store.transaction():
            settings = settings_of(self.store, account, region)
            settings["InSandbox"] = in_sandbox
            SMS_SETTINGS.put(self.store, sms_ns(account, region), SETTINGS_KEY, settings)

    def list_origination_numbers(self, ctx: RequestContext, params: dict) -> dict:
        limit = params.get("MaxResults")
        if limit is not None and not 1 <= limit <= 30:
            raise ServiceError("ValidationException", "MaxResults must be between 1 and 30.")
        return {"PhoneNumbers": []}  # nimbus owns no phone numbers: its texts are recorded, not sent

    def _settings(self, ctx: RequestContext) -> SmsSettings:
        return settings_of(self.store, ctx.account_id, ctx.region)

    def _save(self, ctx: RequestContext, settings: SmsSettings) -> None:
        SMS_SETTINGS.put(self.store, sms_ns(ctx.account_id, ctx.region), SETTINGS_KEY, settings)
