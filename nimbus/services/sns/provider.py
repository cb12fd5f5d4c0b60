"""Amazon SNS: topics, subscriptions, publishing, real HTTP/S delivery with signed messages, platform
applications and SMS (recorded).

The operations live in topic modules built on ``SnsState`` (state.py: the signer, the delivery pool and
fan-out); this class joins them; ``startup.py`` resumes stored deliveries.
"""
from __future__ import annotations

from .admin import AdminOps
from .publishing import PublishOps
from .subscriptions import SubscriptionOps
from .topics import TopicOps


class Provider(TopicOps, SubscriptionOps, PublishOps, AdminOps):
    def resume(self) -> None:
        """At start-up: stored deliveries continue where they were, accepted messages fan out."""
        self.deliverer.resume()
        self.resume_fan_outs()
