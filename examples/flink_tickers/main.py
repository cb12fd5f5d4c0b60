"""A Managed Service for Apache Flink application (PyFlink, Table API and SQL), written as for AWS: it reads
its streams' names from the runtime properties file, reads stock ticks from a Kinesis stream, and writes
each ticker's count and total per ten-second event-time window to another stream.

Zip this directory, put it in S3, and create the application with the property group
``kinesis.analytics.flink.run.options`` = ``{"python": "main.py"}`` (see examples/flink_streaming_sql.py).
"""
import json

from pyflink.table import EnvironmentSettings, TableEnvironment

APPLICATION_PROPERTIES_FILE_PATH = "/etc/flink/application_properties.json"  # AWS's runtime puts it there


def property_map(group_id: str) -> dict:
    with open(APPLICATION_PROPERTIES_FILE_PATH) as properties:
        return next(g["PropertyMap"] for g in json.load(properties) if g["PropertyGroupId"] == group_id)


def main() -> None:
    consumer, producer = property_map("consumer.config.0"), property_map("producer.config.0")
    tables = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    tables.execute_sql(f"""
        CREATE TABLE ticks (
            ticker STRING, price DOUBLE, ts BIGINT,
            event_time AS TO_TIMESTAMP_LTZ(ts, 3),
            WATERMARK FOR event_time AS event_time
        ) WITH (
            'connector' = 'kinesis', 'stream' = '{consumer["input.stream.name"]}',
            'aws.region' = '{consumer["aws.region"]}', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json'
        )""")
    tables.execute_sql(f"""
        CREATE TABLE totals (ticker STRING, window_start STRING, ticks BIGINT, total DOUBLE) WITH (
            'connector' = 'kinesis', 'stream' = '{producer["output.stream.name"]}',
            'aws.region' = '{producer["aws.region"]}', 'format' = 'json'
        )""")
    tables.execute_sql("""
        INSERT INTO totals
        SELECT ticker, CAST(window_start AS STRING), COUNT(*), SUM(price)
        FROM TABLE(TUMBLE(TABLE ticks, DESCRIPTOR(event_time), INTERVAL '10' SECOND))
        GROUP BY ticker, window_start, window_end""")


if __name__ == "__main__":
    main()
