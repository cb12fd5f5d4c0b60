"""Virtual MFA devices: a real TOTP seed (shown once, as Base32 and as a QR code PNG), enabled for a user
with two consecutive codes, resynchronised the same way; STS checks their codes (``check_mfa_code``).

A root of the account may use a virtual device of its account that no user holds (AWS's console enables
root devices; the API has no operation for it).
"""
from __future__ import annotations

import base64
import io
import os
from urllib.parse import quote

import segno  # type: ignore[import-untyped]

from nimbus.core import totp
from nimbus.core.context import RequestContext
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.iam.common import (
    already_exists,
    checked_path,
    checked_tags,
    delete_conflict,
    no_such_entity,
    ns,
    paged_output,
    tags_output,
)
from nimbus.services.iam.documents import MFA_DEVICE, MfaDevice
from nimbus.services.iam.saml_providers import retag
from nimbus.services.iam.state import IamState
from nimbus.services.iam.users import user_output

ENABLE_WINDOW = 10  # steps either side of now in which EnableMFADevice finds the two codes
RESYNC_WINDOW = 240  # two hours of drift either way


def invalid_code() -> ServiceError:
    return ServiceError("InvalidAuthenticationCode", "Authentication code for device is not valid.", status=403)


class MfaDeviceOps(IamState):
    def create_virtual_mfa_device(self, ctx: RequestContext, params: dict) -> dict:
        name, path = params["VirtualMFADeviceName"], checked_path(params.get("Path", "/"))
        serial = ctx.arn(f"mfa{path}{name}")
        seed = os.urandom(20)
        device: MfaDevice = {"SerialNumber": serial, "SealedSeed": self.runtime.vault.seal(seed, serial),
                             "CreateDate": ctx.clock.time(), "UserName": None, "EnableDate": None, "Drift": 0,
                             "Tags": checked_tags(params.get("Tags", []))}
        with self.store.transaction():
            if MFA_DEVICE.get(self.store, ns(ctx.account_id, "mfa_devices"), serial):
                raise already_exists("MFADevice entity at the same path and name already exists.")
            MFA_DEVICE.put(self.store, ns(ctx.account_id, "mfa_devices"), serial, device)
        secret = base64.b32encode(seed).decode()
        uri = (f"otpauth://totp/{quote(f'Amazon Web Services:{name}@{ctx.account_id}')}?secret={secret}"
               f"&issuer={quote('Amazon Web Services')}")
        png = io.BytesIO()
        segno.make(uri, error="m").save(png, kind="png", scale=4)
        return {"VirtualMFADevice": {"SerialNumber": serial, "Base32StringSeed": secret.encode(),
                                     "QRCodePNG": png.getvalue(), "Tags": tags_output(device["Tags"])}}

    def enable_mfa_device(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            user = self._entity(ctx.account_id, "user", params["UserName"])
            device = self._device(ctx, params["SerialNumber"])
            if device["UserName"]:
                raise already_exists("MFA Device is already in use.")
            self._consecutive(ctx, device, params, ENABLE_WINDOW)
            device["UserName"], device["EnableDate"] = user["UserName"], ctx.clock.time()
            self._save_device(ctx, device)
        self._changed(ctx)
        return {}

    def resync_mfa_device(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            device = self._assigned(ctx, params)
            self._consecutive(ctx, device, params, RESYNC_WINDOW)
            self._save_device(ctx, device)
        return {}

    def deactivate_mfa_device(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            device = self._assigned(ctx, params)
            device["UserName"], device["EnableDate"] = None, None
            self._save_device(ctx, device)
        self._changed(ctx)
        return {}

    def delete_virtual_mfa_device(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            device = self._device(ctx, params["SerialNumber"])
            if device["UserName"]:
                raise delete_conflict("MFA device is still in use.")
            self.store.delete(ns(ctx.account_id, "mfa_devices"), device["SerialNumber"])
        return {}

    def get_mfa_device(self, ctx: RequestContext, params: dict) -> dict:
        device = self._device(ctx, params["SerialNumber"])
        if params.get("UserName") and (device["UserName"] or "").lower() != params["UserName"].lower():
            raise no_such_entity(f"MFA Device with serial number {params['SerialNumber']} does not exist.")
        output = {"SerialNumber": device["SerialNumber"]}
        if device["UserName"]:
            output.update(UserName=device["UserName"], EnableDate=timestamp(device["EnableDate"]))
        return output

    def list_mfa_devices(self, ctx: RequestContext, params: dict) -> dict:
        name = params.get("UserName") or self._caller_name(ctx)
        if name is None:
            return {"MFADevices": [], "IsTruncated": False}
        user = self._entity(ctx.account_id, "user", name)
        devices = [d for d in self._devices(ctx) if d["UserName"] == user["UserName"]]
        return paged_output(devices, params, lambda d: d["SerialNumber"], "MFADevices", lambda d: {
            "UserName": d["UserName"], "SerialNumber": d["SerialNumber"], "EnableDate": timestamp(d["EnableDate"])})

    def list_virtual_mfa_devices(self, ctx: RequestContext, params: dict) -> dict:
        status = params.get("AssignmentStatus", "Any")
        devices = [d for d in self._devices(ctx)
                   if status == "Any" or (status == "Assigned") == bool(d["UserName"])]
        return paged_output(devices, params, lambda d: d["SerialNumber"], "VirtualMFADevices",
                            lambda d: self._virtual_output(ctx, d))

    def tag_mfa_device(self, ctx, params): return self._change_device(ctx, params, retag(params))  # noqa: E704
    def untag_mfa_device(self, ctx, params): return self._change_device(ctx, params, retag(params))  # noqa: E704

    def list_mfa_device_tags(self, ctx: RequestContext, params: dict) -> dict:
        return paged_output(self._device(ctx, params["SerialNumber"])["Tags"], params, lambda t: t["Key"], "Tags",
                            dict)

    def check_mfa_code(self, account: str, user_name: str | None, serial: str, given: str, now: float) -> bool:
        """For STS: is ``given`` the current code of device ``serial``, held by this user (None: a root,
        with a device no user holds)?"""
        device = MFA_DEVICE.get(self.store, ns(account, "mfa_devices"), serial)
        if device is None or (device["UserName"] or None) != user_name:
            return False
        seed = self.runtime.vault.unseal(device["SealedSeed"], serial)
        return totp.matching_step(seed, given, totp.step_at(now) + device["Drift"]) is not None

    # -- helpers -------------------------------------------------------------

    def _consecutive(self, ctx: RequestContext, device: MfaDevice, params: dict, window: int) -> None:
        """Two consecutive codes near now (InvalidAuthenticationCode if not); the device's drift follows them."""
        seed = self.runtime.vault.unseal(device["SealedSeed"], device["SerialNumber"])
        now = totp.step_at(ctx.clock.time())
        step = totp.consecutive_step(seed, params["AuthenticationCode1"], params["AuthenticationCode2"], now, window)
        if step is None:
            raise invalid_code()
        device["Drift"] = step + 1 - now

    def _device(self, ctx: RequestContext, serial: str) -> MfaDevice:
        device = MFA_DEVICE.get(self.store, ns(ctx.account_id, "mfa_devices"), serial)
        if device is None:
            raise no_such_entity(f"MFA Device with serial number {serial} does not exist.")
        return device

    def _assigned(self, ctx: RequestContext, params: dict) -> MfaDevice:
        device = self._device(ctx, params["SerialNumber"])
        user = self._entity(ctx.account_id, "user", params["UserName"])
        if device["UserName"] != user["UserName"]:
            raise no_such_entity(f"MFA Device with serial number {params['SerialNumber']} is not assigned to "
                                 f"user {params['UserName']}.")
        return device

    def _devices(self, ctx: RequestContext) -> list[MfaDevice]:
        return [d for _, d in MFA_DEVICE.scan(self.store, ns(ctx.account_id, "mfa_devices"))]

    def _save_device(self, ctx: RequestContext, device: MfaDevice) -> None:
        MFA_DEVICE.put(self.store, ns(ctx.account_id, "mfa_devices"), device["SerialNumber"], device)

    def _change_device(self, ctx: RequestContext, params: dict, change) -> dict:
        with self.store.transaction():
            device = self._device(ctx, params["SerialNumber"])
            change(device)
            self._save_device(ctx, device)
        return {}

    def _virtual_output(self, ctx: RequestContext, device: MfaDevice) -> dict:
        output: dict = {"SerialNumber": device["SerialNumber"], "Tags": tags_output(device["Tags"])}
        user = self._find(ctx.account_id, "user", device["UserName"]) if device["UserName"] else None
        if user is not None:
            output.update(User=user_output(user, listed=True), EnableDate=timestamp(device["EnableDate"]))
        return output

    @staticmethod
    def _caller_name(ctx: RequestContext) -> str | None:
        return ctx.principal.user_name if ctx.principal.type == "IAMUser" else None
