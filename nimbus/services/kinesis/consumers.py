"""Enhanced fan-out: registered consumers and SubscribeToShard's event stream."""
from __future__ import annotations

import time

from nimbus.core.context import RequestContext
from nimbus.core.errors import not_found
from nimbus.core.paging import page_after
from nimbus.core.times import timestamp
from nimbus.protocol.errors import ServiceError
from nimbus.services.kinesis import access
from nimbus.services.kinesis.documents import Consumer, Shard, Stream
from nimbus.services.kinesis.sequence import sequence_number
from nimbus.services.kinesis.state import (
    ACTIVE,
    CREATING,
    DELETING,
    KinesisState,
    consumer_status,
    now_ms,
    owner_account,
    transition_seconds,
)

MAX_CONSUMERS = 20
CONSUMER_TYPE = "AWS::Kinesis::StreamConsumer"
# AWS ends a subscription after 5 minutes; here of virtual time, or sooner when the client goes away.
POLL_SECONDS = 0.05  # how often an idle subscription looks for new records
HEARTBEAT_SECONDS = 2.0  # an idle subscription still sends an (empty) event this often


def _describe(consumer: Consumer, now: float, stream_arn: str | None = None) -> dict:
    output = {"ConsumerName": consumer["ConsumerName"], "ConsumerARN": consumer["ConsumerARN"],
              "ConsumerStatus": consumer_status(consumer, now),
              "ConsumerCreationTimestamp": timestamp(consumer["ConsumerCreationTimestamp"])}
    if stream_arn:
        output["StreamARN"] = stream_arn
    return output


class ConsumerOps(KinesisState):
    def register_stream_consumer(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.stream(ctx, {"StreamARN": params["StreamARN"]}, usable=False)
        name = params["ConsumerName"]
        with self.lock(stream):
            consumers = self._consumers(ctx, stream)
            if name in consumers:
                raise ServiceError("ResourceInUseException",
                                   f"Consumer {name} under stream {stream['StreamName']} already exists for account "
                                   f"{ctx.account_id}.")
            if len(consumers) >= MAX_CONSUMERS:
                raise ServiceError("LimitExceededException",
                                   f"Consumer limit of {MAX_CONSUMERS} reached for stream {stream['StreamName']}.")
            created = ctx.clock.time()
            consumer: Consumer = {
                "ConsumerName": name, "ConsumerARN": f"{stream['StreamARN']}/consumer/{name}:{int(created)}",
                "ConsumerCreationTimestamp": created, "ConsumerStatus": CREATING,
                "StatusUntil": created + transition_seconds(ctx), "Tags": dict(params.get("Tags") or {}),
                "Policy": None}
            consumers[name] = consumer
            self.save(ctx, stream)
        ctx.emit_resource_change(CONSUMER_TYPE, consumer["ConsumerARN"], "created", lambda: {"ConsumerName": name})
        return {"Consumer": _describe(consumer, created)}

    def describe_stream_consumer(self, ctx: RequestContext, params: dict) -> dict:
        stream, consumer = self._consumer(ctx, params)
        return {"ConsumerDescription": _describe(consumer, ctx.clock.time(), stream["StreamARN"])}

    def list_stream_consumers(self, ctx: RequestContext, params: dict) -> dict:
        stream = self.stream(ctx, {"StreamARN": params["StreamARN"]}, usable=False)
        consumers = sorted(self._consumers(ctx, stream).values(), key=lambda c: c["ConsumerName"])
        chunk: list[Consumer]
        chunk, more = page_after(consumers, lambda c: c["ConsumerName"], params.get("NextToken"),
                                 params.get("MaxResults") or 100)
        output: dict = {"Consumers": [_describe(c, ctx.clock.time()) for c in chunk]}
        if more:
            output["NextToken"] = chunk[-1]["ConsumerName"]
        return output

    def deregister_stream_consumer(self, ctx: RequestContext, params: dict) -> dict:
        stream, consumer = self._consumer(ctx, params)
        with self.lock(stream):
            consumer["ConsumerStatus"] = DELETING
            consumer["StatusUntil"] = ctx.clock.time() + transition_seconds(ctx)
            self.save(ctx, stream)
        ctx.emit_resource_change(CONSUMER_TYPE, consumer["ConsumerARN"], "deleted")
        return {}

    def _consumers(self, ctx: RequestContext, stream: Stream) -> dict[str, Consumer]:
        """The stream's consumers, without those whose deregistration has finished."""
        now = ctx.clock.time()
        gone = [n for n, c in stream["Consumers"].items() if consumer_status(c, now) is None]
        for name in gone:
            del stream["Consumers"][name]
        return stream["Consumers"]

    def _consumer(self, ctx: RequestContext, params: dict) -> tuple[Stream, Consumer]:
        arn = params.get("ConsumerARN")
        if arn:
            stream_arn, _, rest = arn.partition("/consumer/")
            name = rest.rsplit(":", 1)[0]
        elif params.get("StreamARN") and params.get("ConsumerName"):
            stream_arn, name = params["StreamARN"], params["ConsumerName"]
        else:
            raise ServiceError("InvalidArgumentException",
                               "Either ConsumerARN, or both StreamARN and ConsumerName, must be given.")
        account = self.stream_ref(ctx, {"StreamARN": stream_arn})[0]
        try:
            stream = self.stream(ctx, {"StreamARN": stream_arn}, usable=False, check=False)
        except ServiceError:
            access.check_consumer(ctx, account, arn or f"{stream_arn}/consumer/{name}", None)
            raise
        consumer = self._consumers(ctx, stream).get(name)
        if consumer is not None and arn and consumer["ConsumerARN"] != arn:
            consumer = None
        access.check_consumer(ctx, account,
                              consumer["ConsumerARN"] if consumer else arn or f"{stream_arn}/consumer/{name}", consumer)
        if consumer is None:
            raise not_found("Consumer", arn or name, account)
        return stream, consumer

    # -- SubscribeToShard ----------------------------------------------------

    def subscribe_to_shard(self, ctx: RequestContext, params: dict) -> dict:
        stream, consumer = self._consumer(ctx, {"ConsumerARN": params["ConsumerARN"]})
        status = consumer_status(consumer, ctx.clock.time())
        if status != ACTIVE:
            raise ServiceError("ResourceInUseException", f"Consumer {consumer['ConsumerARN']} is not ACTIVE, it is {status}.")
        shard = self.shard(ctx, stream, params["ShardId"])
        start = params["StartingPosition"]
        position = self.start_position(stream, shard, now_ms(ctx), start["Type"], start.get("SequenceNumber"),
                                       start.get("Timestamp"))
        return {"EventStream": self._events(ctx, stream, shard, position)}

    def _events(self, ctx: RequestContext, stream: Stream, shard: Shard, position: int):
        """Events until the shard is read to its end, the subscription's lifetime passes, or the client leaves."""
        ends = ctx.clock.time() + ctx.runtime.config.kinesis_subscription_seconds
        log = self.logs.log(stream["StreamId"], shard["ShardIndex"])
        last_sent = 0.0
        while ctx.clock.time() < ends:
            if self.find(ctx, stream["StreamName"], owner_account(stream)) is not stream:
                raise ServiceError("ResourceNotFoundException", f"Stream {stream['StreamName']} was deleted.")
            batch = self.read_batch(ctx, stream, shard, position, 10000)
            if batch["records"] or batch["child_shards"] is not None or time.monotonic() - last_sent > HEARTBEAT_SECONDS:
                position = batch["next"]
                if batch["records"]:
                    continuation = batch["records"][-1]["SequenceNumber"]
                else:
                    before = log.time_before(position) if position else shard["CreatedMs"]
                    continuation = sequence_number(shard["ShardIndex"], before, position)
                event = {"Records": batch["records"], "ContinuationSequenceNumber": continuation,
                         "MillisBehindLatest": batch["behind"]}
                if batch["child_shards"] is not None:
                    event["ChildShards"] = batch["child_shards"]
                last_sent = time.monotonic()
                yield {"SubscribeToShardEvent": event}
                if batch["child_shards"] is not None:
                    return
                if batch["records"]:
                    continue
            time.sleep(POLL_SECONDS)
