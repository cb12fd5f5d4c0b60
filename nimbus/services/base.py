"""What every provider shares."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nimbus.core.runtime import Runtime


class BaseProvider:
    """Methods are the model's operations in snake_case: ``method(ctx, params) -> output``."""

    def __init__(self, runtime: "Runtime"):
        self.runtime = runtime

    @property
    def store(self):
        return self.runtime.store

    @property
    def clock(self):
        return self.runtime.clock
