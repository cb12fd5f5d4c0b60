"""Amazon CloudWatch Logs: log groups and streams, PutLogEvents with AWS's batch rules,
GetLogEvents with forward/backward tokens, FilterLogEvents with the filter pattern syntax.

Events are store documents (see event_store.py), so they survive restarts; retention is
applied on the virtual clock whenever a stream is read.
"""
from __future__ import annotations

from .anomalies import AnomalyOps
from .data_protection import DataProtectionOps
from .data_sources import DataSourceOps
from .deliveries import DeliveryOps
from .destinations import DestinationOps
from .export_tasks import ExportOps
from .get_events import GetEventOps
from .groups import GroupOps
from .imports import ImportOps
from .ingestion_settings import IngestionSettingOps
from .insights import InsightsOps
from .listing import ListingOps
from .live_tail import LiveTailOps
from .lookup_tables import LookupTableOps
from .metric_filters import MetricFilterOps
from .policies import PolicyOps
from .processing import ProcessingOps
from .put_events import PutEventOps
from .query_definitions import QueryDefinitionOps
from .s3_tables import S3TableOps
from .scheduled_queries import ScheduledQueryOps
from .streams import StreamOps
from .subscriptions import SubscriptionOps


class Provider(GroupOps, StreamOps, PutEventOps, GetEventOps, SubscriptionOps, DestinationOps, MetricFilterOps,
               InsightsOps, QueryDefinitionOps, ExportOps, LiveTailOps, DataProtectionOps, PolicyOps, DeliveryOps,
               AnomalyOps, ProcessingOps, ListingOps, LookupTableOps, ScheduledQueryOps, IngestionSettingOps,
               ImportOps, DataSourceOps, S3TableOps):
    pass
