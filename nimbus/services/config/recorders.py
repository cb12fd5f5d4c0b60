"""Configuration recorders: put, describe, delete, start and stop, and their status."""
from __future__ import annotations

import secrets

from nimbus.core.context import RequestContext
from nimbus.core.roles import check_pass_role
from nimbus.protocol.errors import ServiceError
from nimbus.services.config.documents import Recorder
from nimbus.services.config.reading import CONFIG, is_service_linked
from nimbus.services.config.selection import normalized_group
from nimbus.services.config.state import ConfigState, validation
from nimbus.services.config.state_names import CONTINUOUS, recorders_ns

_STATUS_FIELDS = ("lastStartTime", "lastStopTime", "lastStatus", "lastErrorCode", "lastErrorMessage",
                  "lastStatusChangeTime")


def _invalid_role(message: str) -> ServiceError:
    return ServiceError("InvalidRoleException", message, status=400)


def _recording_mode(mode: dict | None) -> dict:
    mode = mode or {}
    overrides = mode.get("recordingModeOverrides") or []
    for override in overrides:
        if not override.get("resourceTypes"):
            raise validation("A recording mode override must name at least one resource type.")
    return {"recordingFrequency": mode.get("recordingFrequency", CONTINUOUS), "recordingModeOverrides": overrides}


def recorder_output(recorder: Recorder) -> dict:
    return {k: recorder[k] for k in ("arn", "name", "roleARN", "recordingGroup", "recordingMode")  # type: ignore
            } | {"recordingScope": "PAID"}


class RecorderOps(ConfigState):
    def put_configuration_recorder(self, ctx: RequestContext, params: dict) -> dict:
        wanted = params["ConfigurationRecorder"]
        name = wanted.get("name") or "default"
        role = wanted.get("roleARN")
        if not role:
            raise _invalid_role("The role ARN is required: AWS Config records as the role the recorder names.")
        if not is_service_linked(role):
            check_pass_role(ctx, role, CONFIG, "AWSConfig-Describe", _invalid_role)
        group = normalized_group(wanted.get("recordingGroup"))
        mode = _recording_mode(wanted.get("recordingMode"))
        with self.store.transaction():
            existing = self.recorder(ctx)
            if existing is not None and existing["name"] != name:
                raise ServiceError("MaxNumberOfConfigurationRecordersExceededException",
                                   f"Failed to put configuration recorder '{name}' because the maximum number of "
                                   "configuration recorders: 1 is reached.", status=400)
            recorder = existing or Recorder(
                name=name, arn=f"arn:aws:config:{ctx.region}:{ctx.account_id}:configuration-recorder/{name}/"
                               f"{secrets.token_hex(8)}", roleARN=role, recordingGroup=group, recordingMode=mode,
                recording=False)
            recorder.update(roleARN=role, recordingGroup=group, recordingMode=mode)
            self.save_recorder(ctx, recorder)
        self.engine.recorder_changed(ctx.account_id, ctx.region, discover=bool(recorder.get("recording")))
        return {}

    def describe_configuration_recorders(self, ctx: RequestContext, params: dict) -> dict:
        return {"ConfigurationRecorders": [recorder_output(r) for r in self._selected_recorders(ctx, params)]}

    def describe_configuration_recorder_status(self, ctx: RequestContext, params: dict) -> dict:
        statuses = []
        for recorder in self._selected_recorders(ctx, params):
            status = {"arn": recorder["arn"], "name": recorder["name"], "recording": bool(recorder.get("recording"))}
            status.update({k: recorder[k] for k in _STATUS_FIELDS if k in recorder})  # type: ignore[literal-required]
            statuses.append(status)
        return {"ConfigurationRecordersStatus": statuses}

    def list_configuration_recorders(self, ctx: RequestContext, params: dict) -> dict:
        return {"ConfigurationRecorderSummaries": [
            {"arn": r["arn"], "name": r["name"], "recordingScope": "PAID"} for r in self._selected_recorders(ctx, {})]}

    def _selected_recorders(self, ctx: RequestContext, params: dict) -> list[Recorder]:
        recorder = self.recorder(ctx)
        names = params.get("ConfigurationRecorderNames") or []
        arn = params.get("Arn")
        for name in names:
            if recorder is None or recorder["name"] != name:
                raise ServiceError("NoSuchConfigurationRecorderException",
                                   f"Cannot find configuration recorder with the specified name '{name}'.", status=400)
        if arn and (recorder is None or recorder["arn"] != arn):
            raise ServiceError("NoSuchConfigurationRecorderException",
                               f"Cannot find configuration recorder with the specified ARN '{arn}'.", status=400)
        return [recorder] if recorder is not None else []

    def delete_configuration_recorder(self, ctx: RequestContext, params: dict) -> dict:
        recorder = self.named_recorder(ctx, params["ConfigurationRecorderName"])
        self.store.delete(recorders_ns(ctx.account_id, ctx.region), recorder["name"])
        self.engine.recorder_changed(ctx.account_id, ctx.region)
        return {}

    def start_configuration_recorder(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            recorder = self.named_recorder(ctx, params["ConfigurationRecorderName"])
            if self.channel(ctx) is None:
                raise ServiceError("NoAvailableDeliveryChannelException",
                                   "Delivery channel is not available to start configuration recorder.", status=400)
            if recorder.get("recording"):
                return {}
            now = self.clock.time()
            recorder.update(recording=True, lastStartTime=now, lastStatus="Pending", lastStatusChangeTime=now)
            self.save_recorder(ctx, recorder)
        self.engine.recorder_changed(ctx.account_id, ctx.region, discover=True)
        return {}

    def stop_configuration_recorder(self, ctx: RequestContext, params: dict) -> dict:
        with self.store.transaction():
            recorder = self.named_recorder(ctx, params["ConfigurationRecorderName"])
            if recorder.get("recording"):
                now = self.clock.time()
                recorder.update(recording=False, lastStopTime=now)
                self.save_recorder(ctx, recorder)
        self.engine.recorder_changed(ctx.account_id, ctx.region)
        return {}
