"""Amazon SNS: topics, subscriptions, publishing, and real HTTP/S delivery with signed messages.

The operations live in topic-sized mixins; this class joins them and owns the shared engines
(the signer and the delivery pool), created on first use; ``startup.py`` resumes stored deliveries.
"""
from __future__ import annotations

from functools import cached_property

from nimbus.services.base import BaseProvider

from .admin import SnsAdmin
from .delivery import Deliverer, deliverer_for
from .fanout import FanOut
from .publishing import PublishApi
from .signing import Signer
from .subscriptions import SubscriptionsApi
from .topics import TopicsApi


class Provider(TopicsApi, SubscriptionsApi, PublishApi, FanOut, SnsAdmin, BaseProvider):
    @cached_property
    def signer(self) -> Signer:
        config = self.runtime.config
        return Signer(None if config.ephemeral else config.data_dir)

    @cached_property
    def deliverer(self) -> Deliverer:
        return deliverer_for(self.runtime)

    def resume(self) -> None:
        """At start-up: stored deliveries continue where they were, accepted messages fan out."""
        self.deliverer.resume()
        self.resume_fan_outs()
