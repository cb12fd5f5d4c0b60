package nimbus.flink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.table.data.RowData;

/** Rows written to a Kinesis stream with PutRecords: buffered, and flushed when 500 are waiting, when the
 * oldest has waited {@code 'sink.flush-buffer.timeout'} milliseconds (AWS's option; 5000 by default), and at
 * every checkpoint (so what a checkpoint or savepoint covers is in the stream: at least once, and exactly
 * once across a stop with a savepoint). Records PutRecords refuses are sent again. */
final class KinesisSink implements Sink<RowData> {
    private static final long serialVersionUID = 1L;
    private static final int BATCH = 500;
    private static final int ATTEMPTS = 10;

    private final AwsClient aws;
    private final String stream;
    private final SerializationSchema<RowData> serializer;
    private final long flushMillis;

    KinesisSink(AwsClient aws, String stream, SerializationSchema<RowData> serializer, long flushMillis) {
        this.aws = aws;
        this.stream = stream;
        this.serializer = serializer;
        this.flushMillis = flushMillis;
    }

    @Override
    public SinkWriter<RowData> createWriter(WriterInitContext context) throws IOException {
        try {
            serializer.open(context.asSerializationSchemaInitializationContext());
        } catch (Exception e) {
            throw new IOException(e);
        }
        return new Writer(context.getProcessingTimeService());
    }

    private final class Writer implements SinkWriter<RowData> {
        private final List<byte[]> buffered = new ArrayList<>();
        private final ProcessingTimeService time;
        private boolean timerSet;

        Writer(ProcessingTimeService time) {
            this.time = time;
        }

        @Override
        public void write(RowData row, Context context) throws IOException {
            buffered.add(serializer.serialize(row));
            if (buffered.size() >= BATCH) {
                flush(false);
            } else if (!timerSet) {
                // the timer runs in the task's own thread, as write and flush do
                timerSet = true;
                time.registerTimer(time.getCurrentProcessingTime() + flushMillis, at -> {
                    timerSet = false;
                    flush(false);
                });
            }
        }

        @Override
        public void flush(boolean endOfInput) throws IOException {
            for (int attempt = 0; !buffered.isEmpty(); attempt++) {
                if (attempt == ATTEMPTS) {
                    throw new IOException(buffered.size() + " records could not be put to stream " + stream);
                }
                List<byte[]> batch = new ArrayList<>(buffered.subList(0, Math.min(BATCH, buffered.size())));
                ObjectNode request = AwsClient.JSON.createObjectNode();
                request.put("StreamName", stream);
                ArrayNode records = request.putArray("Records");
                for (byte[] data : batch) {
                    records.addObject().put("Data", Base64.getEncoder().encodeToString(data))
                            .put("PartitionKey", UUID.randomUUID().toString());
                }
                JsonNode answer = aws.kinesis("PutRecords", request);
                List<byte[]> failed = new ArrayList<>();
                int n = 0;
                for (JsonNode result : answer.path("Records")) {
                    if (result.hasNonNull("ErrorCode")) {
                        failed.add(batch.get(n));
                    }
                    n++;
                }
                buffered.subList(0, batch.size()).clear();
                buffered.addAll(0, failed);
                if (failed.isEmpty()) {
                    attempt = -1;
                }
            }
        }

        @Override
        public void close() {
        }
    }
}
