"""A Managed Service for Apache Flink application (PyFlink, Table API) archiving a Kinesis stream to S3, written
as for AWS: it reads the stream's name and the archive's ``s3://`` path from the runtime properties file and
writes every record, as JSON lines, with Flink's filesystem connector. A part file becomes an object when
the checkpoint after it rolls completes, so the archive holds each record exactly once, across a stop with a
snapshot and a restart from it.

Zip this directory, put it in S3, and create the application with the property group
``kinesis.analytics.flink.run.options`` = ``{"python": "main.py"}``, ``consumer.config.0`` naming
``input.stream.name`` and ``archive.config.0`` naming ``archive.path``, and checkpoints on.
"""
import json

from pyflink.table import EnvironmentSettings, TableEnvironment

APPLICATION_PROPERTIES_FILE_PATH = "/etc/flink/application_properties.json"  # AWS's runtime puts it there


def property_map(group_id: str) -> dict:
    with open(APPLICATION_PROPERTIES_FILE_PATH) as properties:
        return next(g["PropertyMap"] for g in json.load(properties) if g["PropertyGroupId"] == group_id)


def main() -> None:
    consumer, archive = property_map("consumer.config.0"), property_map("archive.config.0")
    tables = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    tables.execute_sql(f"""
        CREATE TABLE events (id BIGINT, name STRING) WITH (
            'connector' = 'kinesis', 'stream' = '{consumer["input.stream.name"]}',
            'aws.region' = '{consumer["aws.region"]}', 'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json'
        )""")
    # a part rolls after rollover.interval (Flink's default: 30 minutes) and is an object at the next checkpoint
    rollover = archive.get("rollover.interval", "30 s")
    tables.execute_sql(f"""
        CREATE TABLE archive (id BIGINT, name STRING) WITH (
            'connector' = 'filesystem', 'path' = '{archive["archive.path"]}', 'format' = 'json',
            'sink.rolling-policy.rollover-interval' = '{rollover}', 'sink.rolling-policy.check-interval' = '1 s'
        )""")
    tables.execute_sql("INSERT INTO archive SELECT id, name FROM events")


if __name__ == "__main__":
    main()
