package nimbus.flink;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;
import org.apache.flink.util.UserCodeClassLoader;

/** Reads the shards assigned to it with GetRecords, one record at a time into the job, so a checkpoint
 * taken between two calls of pollNext holds exactly the records already emitted. */
final class ShardReader implements SourceReader<RowData, ShardSplit> {
    private static final long IDLE_MILLIS = 200;
    private static final int LIMIT = 1000;

    private final KinesisSource source;
    private final SourceReaderContext context;
    private final Map<String, Shard> shards = new LinkedHashMap<>();
    private final List<RowData> decoded = new ArrayList<>();
    private boolean opened;

    private static final class Shard {
        final String id;
        String sequenceNumber;
        String iterator;
        boolean finished;
        long nextFetch;
        final Deque<JsonNode> records = new ArrayDeque<>();

        Shard(ShardSplit split) {
            id = split.shardId;
            sequenceNumber = split.sequenceNumber;
            finished = split.finished;
        }
    }

    ShardReader(KinesisSource source, SourceReaderContext context) {
        this.source = source;
        this.context = context;
    }

    @Override
    public void start() {
    }

    private void open() throws Exception {
        if (!opened) {
            source.deserializer.open(new DeserializationSchema.InitializationContext() {
                @Override
                public MetricGroup getMetricGroup() {
                    return context.metricGroup();
                }

                @Override
                public UserCodeClassLoader getUserCodeClassLoader() {
                    return context.getUserCodeClassLoader();
                }
            });
            opened = true;
        }
    }

    @Override
    public InputStatus pollNext(ReaderOutput<RowData> output) throws Exception {
        open();
        long now = System.currentTimeMillis();
        for (Shard shard : shards.values()) {
            if (shard.records.isEmpty() && !shard.finished && shard.nextFetch <= now) {
                fetch(shard);
            }
            JsonNode record = shard.records.poll();
            if (record != null) {
                emit(shard, record, output);
                return InputStatus.MORE_AVAILABLE;
            }
        }
        return InputStatus.NOTHING_AVAILABLE;
    }

    private void emit(Shard shard, JsonNode record, ReaderOutput<RowData> output) throws IOException {
        byte[] data = Base64.getDecoder().decode(record.path("Data").asText());
        decoded.clear();
        source.deserializer.deserialize(data, new Collector<RowData>() {
            @Override
            public void collect(RowData row) {
                decoded.add(row);
            }

            @Override
            public void close() {
            }
        });
        long arrival = (long) (record.path("ApproximateArrivalTimestamp").asDouble(0) * 1000);
        for (RowData row : decoded) {
            output.collect(row, arrival);
        }
        shard.sequenceNumber = record.path("SequenceNumber").asText();
    }

    private void fetch(Shard shard) throws IOException {
        if (shard.iterator == null) {
            shard.iterator = iterator(shard);
        }
        ObjectNode request = AwsClient.JSON.createObjectNode();
        request.put("ShardIterator", shard.iterator);
        request.put("Limit", LIMIT);
        JsonNode answer;
        try {
            answer = source.aws.kinesis("GetRecords", request);
        } catch (AwsClient.AwsException e) {
            if (e.code.contains("ExpiredIterator") || e.code.contains("ProvisionedThroughputExceeded")) {
                shard.iterator = null;
                shard.nextFetch = System.currentTimeMillis() + IDLE_MILLIS;
                return;
            }
            throw e;
        }
        for (JsonNode record : answer.path("Records")) {
            shard.records.add(record);
        }
        if (answer.hasNonNull("NextShardIterator")) {
            shard.iterator = answer.get("NextShardIterator").asText();
        } else {
            shard.finished = shard.records.isEmpty();
            shard.iterator = null;
        }
        if (shard.records.isEmpty()) {
            shard.nextFetch = System.currentTimeMillis() + IDLE_MILLIS;
        }
    }

    private String iterator(Shard shard) throws IOException {
        ObjectNode request = AwsClient.JSON.createObjectNode();
        request.put("StreamName", source.stream);
        request.put("ShardId", shard.id);
        if (shard.sequenceNumber != null) {
            request.put("ShardIteratorType", "AFTER_SEQUENCE_NUMBER");
            request.put("StartingSequenceNumber", shard.sequenceNumber);
        } else {
            request.put("ShardIteratorType", source.startingPosition);
            if ("AT_TIMESTAMP".equals(source.startingPosition)) {
                request.put("Timestamp", Double.parseDouble(source.startingTimestamp));
            }
        }
        return source.aws.kinesis("GetShardIterator", request).path("ShardIterator").asText();
    }

    @Override
    public List<ShardSplit> snapshotState(long checkpoint) {
        List<ShardSplit> splits = new ArrayList<>();
        for (Shard shard : shards.values()) {
            splits.add(new ShardSplit(shard.id, shard.sequenceNumber, shard.finished && shard.records.isEmpty()));
        }
        return splits;
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        long next = Long.MAX_VALUE;
        for (Shard shard : shards.values()) {
            if (!shard.records.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            if (!shard.finished) {
                next = Math.min(next, shard.nextFetch);
            }
        }
        long wait = next == Long.MAX_VALUE ? IDLE_MILLIS : Math.max(1, next - System.currentTimeMillis());
        return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(wait, TimeUnit.MILLISECONDS));
    }

    @Override
    public void addSplits(List<ShardSplit> splits) {
        for (ShardSplit split : splits) {
            shards.put(split.shardId, new Shard(split));
        }
    }

    @Override
    public void notifyNoMoreSplits() {
    }

    @Override
    public void close() {
    }
}
