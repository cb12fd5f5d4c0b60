"""Amazon CloudWatch Logs: log groups and streams, PutLogEvents with AWS's batch rules,
GetLogEvents with forward/backward tokens, FilterLogEvents with the filter pattern syntax.

Events are store documents (see event_store.py), so they survive restarts; retention is
applied on the virtual clock whenever a stream is read.
"""
from __future__ import annotations

from nimbus.services.base import BaseProvider

from .get_events import GetEventsApi
from .groups import GroupsApi
from .put_events import PutEventsApi
from .streams import StreamsApi


class Provider(GroupsApi, StreamsApi, PutEventsApi, GetEventsApi, BaseProvider):
    pass
