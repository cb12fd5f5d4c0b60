package nimbus.flink;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.format.EncodingFormat;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.SourceProvider;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.SerializationFormatFactory;
import org.apache.flink.table.types.DataType;

/** {@code 'connector' = 'kinesis'}: AWS's Kinesis table connector's options ({@code 'stream'} or
 * {@code 'stream.arn'}, {@code 'aws.region'}, {@code 'scan.stream.initpos'} or {@code 'source.init.position'},
 * {@code 'format'}...), against nimbus's endpoint ({@code 'aws.endpoint'}, else AWS_ENDPOINT_URL). */
public final class KinesisTableFactory implements DynamicTableSourceFactory, DynamicTableSinkFactory {
    static final ConfigOption<String> STREAM = ConfigOptions.key("stream").stringType().noDefaultValue();
    static final ConfigOption<String> STREAM_ARN = ConfigOptions.key("stream.arn").stringType().noDefaultValue();
    static final ConfigOption<String> REGION = ConfigOptions.key("aws.region").stringType().noDefaultValue();
    static final ConfigOption<String> INITPOS = ConfigOptions.key("scan.stream.initpos").stringType().noDefaultValue();
    static final ConfigOption<String> INIT_POSITION = ConfigOptions.key("source.init.position").stringType().noDefaultValue();
    static final ConfigOption<String> INITPOS_TIMESTAMP = ConfigOptions.key("scan.stream.initpos-timestamp").stringType().noDefaultValue();

    @Override
    public String factoryIdentifier() {
        return "kinesis";
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        Set<ConfigOption<?>> options = new HashSet<>();
        options.add(FactoryUtil.FORMAT);
        return options;
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        Set<ConfigOption<?>> options = new HashSet<>();
        options.add(STREAM);
        options.add(STREAM_ARN);
        options.add(REGION);
        options.add(INITPOS);
        options.add(INIT_POSITION);
        options.add(INITPOS_TIMESTAMP);
        return options;
    }

    static String streamName(Map<String, String> options) {
        String arn = options.get("stream.arn");
        String name = AwsClient.first(options.get("stream"), arn == null ? null : arn.substring(arn.indexOf('/') + 1));
        if (name == null) {
            throw new IllegalArgumentException("The kinesis connector needs 'stream' or 'stream.arn'.");
        }
        return name;
    }

    @Override
    public DynamicTableSource createDynamicTableSource(Context context) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        DecodingFormat<DeserializationSchema<RowData>> format =
                helper.discoverDecodingFormat(DeserializationFormatFactory.class, FactoryUtil.FORMAT);
        helper.validateExcept("aws.", "scan.", "source.", "sink.", "shard.", "stream.");
        Map<String, String> options = context.getCatalogTable().getOptions();
        String position = AwsClient.first(options.get("scan.stream.initpos"), options.get("source.init.position"), "LATEST");
        String timestamp = AwsClient.first(options.get("scan.stream.initpos-timestamp"), options.get("source.init.timestamp"));
        return new Source(AwsClient.fromOptions(options, "kinesis"), streamName(options), position, timestamp,
                format, context.getPhysicalRowDataType());
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        EncodingFormat<SerializationSchema<RowData>> format =
                helper.discoverEncodingFormat(SerializationFormatFactory.class, FactoryUtil.FORMAT);
        helper.validateExcept("aws.", "scan.", "source.", "sink.", "shard.", "stream.");
        Map<String, String> options = context.getCatalogTable().getOptions();
        long flushMillis = Long.parseLong(options.getOrDefault("sink.flush-buffer.timeout", "5000"));
        return new Sink(AwsClient.fromOptions(options, "kinesis"), streamName(options), format,
                context.getPhysicalRowDataType(), flushMillis);
    }

    private static final class Source implements ScanTableSource {
        private final AwsClient aws;
        private final String stream;
        private final String position;
        private final String timestamp;
        private final DecodingFormat<DeserializationSchema<RowData>> format;
        private final DataType rowType;

        Source(AwsClient aws, String stream, String position, String timestamp,
               DecodingFormat<DeserializationSchema<RowData>> format, DataType rowType) {
            this.aws = aws;
            this.stream = stream;
            this.position = position;
            this.timestamp = timestamp;
            this.format = format;
            this.rowType = rowType;
        }

        @Override
        public ChangelogMode getChangelogMode() {
            return ChangelogMode.insertOnly();
        }

        @Override
        public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
            return SourceProvider.of(new KinesisSource(aws, stream, position, timestamp,
                    format.createRuntimeDecoder(context, rowType)));
        }

        @Override
        public DynamicTableSource copy() {
            return new Source(aws, stream, position, timestamp, format, rowType);
        }

        @Override
        public String asSummaryString() {
            return "Kinesis(" + stream + ")";
        }
    }

    private static final class Sink implements DynamicTableSink {
        private final AwsClient aws;
        private final String stream;
        private final EncodingFormat<SerializationSchema<RowData>> format;
        private final DataType rowType;
        private final long flushMillis;

        Sink(AwsClient aws, String stream, EncodingFormat<SerializationSchema<RowData>> format, DataType rowType,
             long flushMillis) {
            this.aws = aws;
            this.stream = stream;
            this.format = format;
            this.rowType = rowType;
            this.flushMillis = flushMillis;
        }

        @Override
        public ChangelogMode getChangelogMode(ChangelogMode requested) {
            return format.getChangelogMode();
        }

        @Override
        public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
            return SinkV2Provider.of(new KinesisSink(aws, stream, format.createRuntimeEncoder(context, rowType),
                    flushMillis));
        }

        @Override
        public DynamicTableSink copy() {
            return new Sink(aws, stream, format, rowType, flushMillis);
        }

        @Override
        public String asSummaryString() {
            return "Kinesis(" + stream + ")";
        }
    }
}
