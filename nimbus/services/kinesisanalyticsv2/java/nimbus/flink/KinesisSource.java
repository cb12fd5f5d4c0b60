package nimbus.flink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.table.data.RowData;

/** A Kinesis stream as an unbounded Flink source: one split per shard, each split's position (the last
 * sequence number emitted) kept in checkpoints and savepoints, so a job restored from one reads on from
 * exactly there. */
final class KinesisSource implements Source<RowData, ShardSplit, Set<String>>, ResultTypeQueryable<RowData> {
    private static final long serialVersionUID = 1L;
    private static final long DISCOVERY_MILLIS = 10_000;

    final AwsClient aws;
    final String stream;
    final String startingPosition;  // TRIM_HORIZON, LATEST or AT_TIMESTAMP
    final String startingTimestamp;  // epoch seconds, for AT_TIMESTAMP
    final DeserializationSchema<RowData> deserializer;

    KinesisSource(AwsClient aws, String stream, String startingPosition, String startingTimestamp,
                  DeserializationSchema<RowData> deserializer) {
        this.aws = aws;
        this.stream = stream;
        this.startingPosition = startingPosition;
        this.startingTimestamp = startingTimestamp;
        this.deserializer = deserializer;
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public TypeInformation<RowData> getProducedType() {
        return deserializer.getProducedType();
    }

    @Override
    public SplitEnumerator<ShardSplit, Set<String>> createEnumerator(SplitEnumeratorContext<ShardSplit> context) {
        return new Enumerator(context, new HashSet<>());
    }

    @Override
    public SplitEnumerator<ShardSplit, Set<String>> restoreEnumerator(SplitEnumeratorContext<ShardSplit> context,
                                                                     Set<String> assigned) {
        return new Enumerator(context, assigned);
    }

    @Override
    public SimpleVersionedSerializer<ShardSplit> getSplitSerializer() {
        return new ShardSplit.Serializer();
    }

    @Override
    public SimpleVersionedSerializer<Set<String>> getEnumeratorCheckpointSerializer() {
        return new ShardSplit.AssignedSerializer();
    }

    @Override
    public SourceReader<RowData, ShardSplit> createReader(SourceReaderContext context) {
        return new ShardReader(this, context);
    }

    List<String> listShards() throws IOException {
        List<String> shards = new ArrayList<>();
        String token = null;
        do {
            ObjectNode request = AwsClient.JSON.createObjectNode();
            if (token == null) {
                request.put("StreamName", stream);
            } else {
                request.put("NextToken", token);
            }
            JsonNode answer = aws.kinesis("ListShards", request);
            for (JsonNode shard : answer.path("Shards")) {
                shards.add(shard.path("ShardId").asText());
            }
            token = answer.hasNonNull("NextToken") ? answer.get("NextToken").asText() : null;
        } while (token != null);
        return shards;
    }

    /** Hands each shard to one reader (round robin by shard order), and new shards as resharding makes them. */
    private final class Enumerator implements SplitEnumerator<ShardSplit, Set<String>> {
        private final SplitEnumeratorContext<ShardSplit> context;
        private final Set<String> assigned;
        private final List<ShardSplit> pending = new ArrayList<>();

        Enumerator(SplitEnumeratorContext<ShardSplit> context, Set<String> assigned) {
            this.context = context;
            this.assigned = assigned;
        }

        @Override
        public void start() {
            context.callAsync(KinesisSource.this::listShards, this::discovered, 0, DISCOVERY_MILLIS);
        }

        private void discovered(List<String> shards, Throwable error) {
            if (error != null) {
                throw new RuntimeException("Listing the shards of stream " + stream + " failed", error);
            }
            for (String shard : shards) {
                if (assigned.add(shard)) {
                    pending.add(new ShardSplit(shard, null, false));
                }
            }
            assignPending();
        }

        private void assignPending() {
            int readers = context.currentParallelism();
            for (ShardSplit split : new ArrayList<>(pending)) {
                int owner = Math.floorMod(split.shardId.hashCode(), readers);
                if (context.registeredReaders().containsKey(owner)) {
                    context.assignSplit(split, owner);
                    pending.remove(split);
                }
            }
        }

        @Override
        public void handleSplitRequest(int subtask, String host) {
        }

        @Override
        public void addSplitsBack(List<ShardSplit> splits, int subtask) {
            pending.addAll(splits);
            assignPending();
        }

        @Override
        public void addReader(int subtask) {
            assignPending();
        }

        @Override
        public Set<String> snapshotState(long checkpoint) {
            Set<String> handedOut = new HashSet<>(assigned);
            for (ShardSplit split : pending) {
                handedOut.remove(split.shardId);
            }
            return handedOut;
        }

        @Override
        public void close() {
        }
    }
}
