"""Amazon SNS: topics, subscriptions, publishing, and real HTTP/S delivery with signed messages.

The operations live in topic-sized mixins; this class joins them and owns the shared engines
(the signer and the delivery pool), created on first use.
"""
from __future__ import annotations

import threading
from functools import cached_property

from nimbus.services.base import BaseProvider

from .admin import SnsAdmin
from .delivery import Deliverer
from .fanout import FanOut
from .publishing import PublishApi
from .signing import Signer
from .subscriptions import SubscriptionsApi
from .topics import TopicsApi

_engine_lock = threading.Lock()


class Provider(TopicsApi, SubscriptionsApi, PublishApi, FanOut, SnsAdmin, BaseProvider):
    @cached_property
    def signer(self) -> Signer:
        config = self.runtime.config
        return Signer(None if config.ephemeral else config.data_dir)

    @cached_property
    def deliverer(self) -> Deliverer:
        with _engine_lock:
            return Deliverer(self.runtime)
