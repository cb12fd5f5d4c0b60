"""Amazon Kinesis Data Streams: durable shard logs, real sequence numbers, iterators, resharding, fan-out.

The operations live in topic modules (streams, shards, records, resharding, consumers, queues, tags, channels); this class
only brings them together as the one provider the registry loads.
"""
from __future__ import annotations

from nimbus.services.kinesis.channels import ChannelOps
from nimbus.services.kinesis.consumers import ConsumerOps
from nimbus.services.kinesis.queues import QueueOps
from nimbus.services.kinesis.records import RecordOps
from nimbus.services.kinesis.resharding import ReshardingOps
from nimbus.services.kinesis.shards import ShardOps
from nimbus.services.kinesis.streams import StreamOps
from nimbus.services.kinesis.tags import TagOps


class Provider(StreamOps, ShardOps, RecordOps, ReshardingOps, ConsumerOps, QueueOps, TagOps, ChannelOps):
    pass
