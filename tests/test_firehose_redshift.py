"""Redshift destination: staged in S3, then COPY into a table on a real PostgreSQL server."""
from __future__ import annotations

import gzip
import json

import psycopg

from tests.support import (
    FIREHOSE_ROLE,
    active_delivery_stream,
    error_of,
    flush,
    new_bucket,
    objects,
    s3_config,
    unique,
)


def table(postgres, columns: str) -> str:
    host, port, user = postgres
    name = f"events_{unique('t').split('-')[1]}"
    with psycopg.connect(host=host, port=port, user=user, dbname="dev", autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {name} ({columns})")
    return name


def rows(postgres, name: str) -> list[tuple]:
    host, port, user = postgres
    with psycopg.connect(host=host, port=port, user=user, dbname="dev") as conn:
        return conn.execute(f"SELECT * FROM {name} ORDER BY 1").fetchall()


def redshift(postgres, target: str, name: str, options: str, columns: str | None = None, **s3_extra) -> dict:
    host, port, user = postgres
    command = {"DataTableName": name, "CopyOptions": options}
    if columns:
        command["DataTableColumns"] = columns
    # The model wants a cluster-style host name: 127-0-0-1.redshift.<domain> means 127.0.0.1.
    url = f"jdbc:redshift://{host.replace('.', '-')}.redshift.nimbus.local:{port}/dev"
    return {"RoleARN": FIREHOSE_ROLE, "ClusterJDBCURL": url, "Username": user,
            "Password": "password1", "CopyCommand": command, "RetryOptions": {"DurationInSeconds": 60},
            "S3Configuration": s3_config(target, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60}, **s3_extra)}


def test_json_auto_copy_with_gzip_staging(firehose, s3, endpoint, postgres):
    target = new_bucket(s3)
    name = table(postgres, "id integer, name text, score double precision")
    stream = active_delivery_stream(firehose, endpoint, RedshiftDestinationConfiguration=redshift(
        postgres, target, name, "json 'auto' gzip", CompressionFormat="GZIP", Prefix="stage/"))
    described = firehose.describe_delivery_stream(DeliveryStreamName=stream)["DeliveryStreamDescription"]
    assert "Password" not in described["Destinations"][0]["RedshiftDestinationDescription"]
    records = [{"id": 1, "name": "a", "score": 0.5}, {"id": 2, "NAME": "b"}]
    firehose.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": json.dumps(r).encode()} for r in records])
    flush(endpoint, 61)
    assert rows(postgres, name) == [(1, "a", 0.5), (2, "b", None)]
    staged = objects(s3, target, "stage/")
    assert len(staged) == 1 and gzip.decompress(next(iter(staged.values()))).startswith(b'{"id": 1')


def test_csv_copy_with_columns_and_delimiter(firehose, s3, endpoint, postgres):
    target = new_bucket(s3)
    name = table(postgres, "id integer, label text, note text")
    stream = active_delivery_stream(firehose, endpoint, RedshiftDestinationConfiguration=redshift(
        postgres, target, name, "CSV DELIMITER AS ';' EMPTYASNULL", columns="id,label"))
    firehose.put_record_batch(DeliveryStreamName=stream, Records=[{"Data": b'1;"semi;colon"\n'}, {"Data": b"2;\n"}])
    flush(endpoint, 61)
    assert rows(postgres, name) == [(1, "semi;colon", None), (2, None, None)]


def test_failed_copy_goes_to_the_error_prefix(firehose, s3, endpoint, postgres):
    target = new_bucket(s3)
    name = table(postgres, "id integer")
    stream = active_delivery_stream(firehose, endpoint, RedshiftDestinationConfiguration=redshift(
        postgres, target, name, "json 'auto'", ErrorOutputPrefix="failed/!{firehose:error-output-type}/"))
    firehose.put_record(DeliveryStreamName=stream, Record={"Data": b'{"id": "not a number"}'})
    flush(endpoint, 61)
    assert rows(postgres, name) == []
    failure = firehose.describe_delivery_stream(DeliveryStreamName=stream)["DeliveryStreamDescription"][
        "FailureDescription"]
    assert "Redshift.CopyFailed" in failure["Details"]
    flush(endpoint, 61)  # past RetryOptions.DurationInSeconds
    manifests = objects(s3, target, "failed/redshift-failed/")
    assert len(manifests) == 1
    manifest = json.loads(next(iter(manifests.values())))
    assert manifest["errorCode"] == "Redshift.CopyFailed"
    staged = manifest["entries"][0]["url"]
    assert staged.startswith(f"s3://{target}/")
    assert s3.get_object(Bucket=target, Key=staged.split("/", 3)[3])["Body"].read() == b'{"id": "not a number"}'


def test_bad_copy_options_and_url_refused(firehose, s3, postgres):
    target = new_bucket(s3)
    for change in ({"CopyCommand": {"DataTableName": "t", "CopyOptions": "json 's3://paths.json'"}},
                   {"ClusterJDBCURL": "postgres://x"}):
        config = redshift(postgres, target, "t", "json 'auto'") | change
        assert error_of(firehose.create_delivery_stream, DeliveryStreamName=unique("rs"),
                        RedshiftDestinationConfiguration=config).code \
            in ("InvalidArgumentException", "ValidationException")


def test_a_copy_option_without_its_value_is_refused(firehose, s3, postgres):
    config = redshift(postgres, new_bucket(s3), "t", "csv ignoreheader")
    error = error_of(firehose.create_delivery_stream, DeliveryStreamName=unique("rs"),
                     RedshiftDestinationConfiguration=config)
    assert error == ("InvalidArgumentException", 400)
    assert error.message == "CopyCommand.CopyOptions: ignoreheader needs a value."
