"""LabelParameterVersion and UnlabelParameterVersion: a label names one version at a time."""
from __future__ import annotations

import re

from nimbus.core.context import RequestContext
from nimbus.protocol.errors import ServiceError

from .state import SsmState

MAX_LABELS_PER_VERSION = 10
LABEL = re.compile(r"^[a-zA-Z0-9_.\-]{1,100}$")


def valid_label(label: str) -> bool:
    """Letters, numbers, ``.``, ``-``, ``_``; not starting with a number, ``aws`` or ``ssm``."""
    return bool(LABEL.match(label)) and not label[0].isdigit() and not label.lower().startswith(("aws", "ssm"))


class LabelOps(SsmState):
    def label_parameter_version(self, ctx: RequestContext, params: dict) -> dict:
        name = self.name_of(ctx, params["Name"])
        with self.store.transaction():
            parameter = self.parameter(ctx, name)
            number = params.get("ParameterVersion") or parameter["Version"]
            self.version(ctx, parameter, number)  # ParameterVersionNotFound
            good = [label for label in dict.fromkeys(params["Labels"]) if valid_label(label)]
            invalid = [label for label in params["Labels"] if not valid_label(label)]
            labels = parameter.setdefault("Labels", {})
            on_version = {label for label, v in labels.items() if v == number} | set(good)
            if len(on_version) > MAX_LABELS_PER_VERSION:
                raise ServiceError("ParameterVersionLabelLimitExceeded",
                                   "A parameter version can have maximum 10 labels.Move one or more labels to "
                                   "another version and try again.")
            labels.update(dict.fromkeys(good, number))  # a label on another version moves here
            self.save(ctx, parameter)
        return {"InvalidLabels": invalid, "ParameterVersion": number}

    def unlabel_parameter_version(self, ctx: RequestContext, params: dict) -> dict:
        name = self.name_of(ctx, params["Name"])
        number = params["ParameterVersion"]
        with self.store.transaction():
            parameter = self.parameter(ctx, name)
            self.version(ctx, parameter, number)
            labels = parameter.setdefault("Labels", {})
            removed = [label for label in dict.fromkeys(params["Labels"]) if labels.get(label) == number]
            for label in removed:
                del labels[label]
            self.save(ctx, parameter)
        return {"RemovedLabels": removed, "InvalidLabels": [label for label in params["Labels"] if label not in removed]}
