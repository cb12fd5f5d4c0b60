package nimbus.flink;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/** One shard of the stream, and where its reading stands: after {@code sequenceNumber} once a record of it
 * was emitted, else at the table's starting position. A finished split is a closed shard read to its end. */
final class ShardSplit implements SourceSplit {
    final String shardId;
    final String sequenceNumber;
    final boolean finished;

    ShardSplit(String shardId, String sequenceNumber, boolean finished) {
        this.shardId = shardId;
        this.sequenceNumber = sequenceNumber;
        this.finished = finished;
    }

    @Override
    public String splitId() {
        return shardId;
    }

    /** Splits as savepoints keep them. */
    static final class Serializer implements SimpleVersionedSerializer<ShardSplit> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(ShardSplit split) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(split.shardId);
                out.writeBoolean(split.sequenceNumber != null);
                if (split.sequenceNumber != null) {
                    out.writeUTF(split.sequenceNumber);
                }
                out.writeBoolean(split.finished);
            }
            return bytes.toByteArray();
        }

        @Override
        public ShardSplit deserialize(int version, byte[] serialized) throws IOException {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                String shard = in.readUTF();
                String sequence = in.readBoolean() ? in.readUTF() : null;
                return new ShardSplit(shard, sequence, in.readBoolean());
            }
        }
    }

    /** The enumerator's state: the shards it has handed out. */
    static final class AssignedSerializer implements SimpleVersionedSerializer<Set<String>> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(Set<String> shards) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(shards.size());
                for (String shard : shards) {
                    out.writeUTF(shard);
                }
            }
            return bytes.toByteArray();
        }

        @Override
        public Set<String> deserialize(int version, byte[] serialized) throws IOException {
            Set<String> shards = new HashSet<>();
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                for (int n = in.readInt(); n > 0; n--) {
                    shards.add(in.readUTF());
                }
            }
            return shards;
        }
    }
}
