"""SelectObjectContent: S3 Select's SQL over CSV, JSON and Parquet, compressed or not, as an event stream."""
from __future__ import annotations

import bz2
import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq

from tests.support import error_of

CSV = b"name,city,age\nana,lisbon,34\nbo,oslo,27\ncy,lisbon,51\n"
CSV_IN = {"CSV": {"FileHeaderInfo": "USE"}}


def select(s3, bucket, key, sql, input_serialization, output=None, **extra) -> tuple[bytes, dict, list[str]]:
    response = s3.select_object_content(Bucket=bucket, Key=key, Expression=sql, ExpressionType="SQL",
                                        InputSerialization=input_serialization,
                                        OutputSerialization=output or {"CSV": {}}, **extra)
    records, stats, kinds = b"", {}, []
    for event in response["Payload"]:
        kinds.extend(event)
        if "Records" in event:
            records += event["Records"]["Payload"]
        if "Stats" in event:
            stats = event["Stats"]["Details"]
    return records, stats, kinds


def test_csv_with_a_header_where_cast_and_limit(s3, bucket):
    s3.put_object(Bucket=bucket, Key="people.csv", Body=CSV)
    records, stats, kinds = select(s3, bucket, "people.csv", "SELECT s.name, s.\"age\" FROM S3Object s WHERE "
                                   "CAST(s.age AS INT) > 30 AND s.city = 'lisbon'", CSV_IN)
    assert records == b"ana,34\ncy,51\n"
    assert kinds[-2:] == ["Stats", "End"]
    assert stats["BytesScanned"] == len(CSV) and stats["BytesReturned"] == len(records)
    limited, _, _ = select(s3, bucket, "people.csv", "SELECT * FROM S3Object LIMIT 1", CSV_IN)
    assert limited == b"ana,lisbon,34\n"


def test_csv_by_position_and_json_output(s3, bucket):
    s3.put_object(Bucket=bucket, Key="pos.csv", Body=CSV)
    records, _, _ = select(s3, bucket, "pos.csv", "SELECT s._1, UPPER(s._2) FROM S3Object s WHERE s._3 = '27'",
                           {"CSV": {"FileHeaderInfo": "IGNORE"}}, {"JSON": {}})
    assert [json.loads(line) for line in records.splitlines()] == [{"_1": "bo", "_2": "OSLO"}]
    counted, _, _ = select(s3, bucket, "pos.csv", "SELECT COUNT(*) FROM S3Object", {"CSV": {"FileHeaderInfo": "USE"}})
    assert counted == b"3\n"


def test_json_lines_and_document_with_gzip_and_bzip2(s3, bucket):
    lines = b'{"id": 1, "tags": {"k": "a"}}\n{"id": 2, "tags": {"k": "b"}}\n'
    s3.put_object(Bucket=bucket, Key="l.json.gz", Body=gzip.compress(lines))
    records, _, progress = select(s3, bucket, "l.json.gz", "SELECT s.id FROM S3Object s WHERE s.id > 1",
                                  {"JSON": {"Type": "LINES"}, "CompressionType": "GZIP"}, {"JSON": {}},
                                  RequestProgress={"Enabled": True})
    assert records == b'{"id":2}\n' and "Progress" in progress
    document = json.dumps({"id": 7, "name": "doc"}).encode()
    s3.put_object(Bucket=bucket, Key="d.json.bz2", Body=bz2.compress(document))
    records, _, _ = select(s3, bucket, "d.json.bz2", "SELECT s.name FROM S3Object s",
                           {"JSON": {"Type": "DOCUMENT"}, "CompressionType": "BZIP2"}, {"JSON": {}})
    assert records == b'{"name":"doc"}\n'


def test_parquet(s3, bucket):
    buffer = io.BytesIO()
    pq.write_table(pa.table({"n": [1, 2, 3], "word": ["a", "b", "c"]}), buffer)
    s3.put_object(Bucket=bucket, Key="t.parquet", Body=buffer.getvalue())
    records, _, _ = select(s3, bucket, "t.parquet", "SELECT s.word FROM S3Object s WHERE s.n >= 2",
                           {"Parquet": {}})
    assert records == b"b\nc\n"


def test_unsupported_sql_and_bad_input_get_s3_select_errors(s3, bucket):
    s3.put_object(Bucket=bucket, Key="e.csv", Body=CSV)
    assert error_of(select, s3, bucket, "e.csv", "SELEC * FROM S3Object", CSV_IN) == ("UnsupportedSyntax", 400)
    assert error_of(select, s3, bucket, "e.csv", "SELECT * FROM S3Object s JOIN S3Object t ON s.name = t.name",
                    CSV_IN) == ("UnsupportedSqlStructure", 400)
    assert error_of(select, s3, bucket, "e.csv", "SELECT s.name FROM S3Object s ORDER BY s.name",
                    CSV_IN) == ("UnsupportedSqlStructure", 400)
    assert error_of(select, s3, bucket, "e.csv", "SELECT CAST(s.name AS INT) FROM S3Object s",
                    CSV_IN) == ("CastFailed", 400)
    assert error_of(select, s3, bucket, "e.csv", "SELECT * FROM S3Object",
                    {"CSV": {}, "CompressionType": "GZIP"}) == ("InvalidCompressionFormat", 400)
    assert error_of(select, s3, bucket, "missing.csv", "SELECT * FROM S3Object", CSV_IN) == ("NoSuchKey", 404)
