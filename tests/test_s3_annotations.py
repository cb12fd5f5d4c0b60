"""Object annotations: named UTF-8 payloads on an object version, listed by prefix and page, gone with it."""
from __future__ import annotations

from tests.support import error_of, unique


def test_put_get_list_delete(s3, bucket):
    key = unique("annotated")
    etag = s3.put_object(Bucket=bucket, Key=key, Body=b"object")["ETag"]
    put = s3.put_object_annotation(Bucket=bucket, Key=key, AnnotationName="review/summary",
                                   AnnotationPayload=b'{"ok": true}', ChecksumAlgorithm="CRC32")
    assert put["AnnotationName"] == "review/summary" and put["ChecksumCRC32"]
    s3.put_object_annotation(Bucket=bucket, Key=key, AnnotationName="review/notes", AnnotationPayload=b"fine")
    s3.put_object_annotation(Bucket=bucket, Key=key, AnnotationName="owner", AnnotationPayload=b"team-a",
                             ObjectIfMatch=etag)
    got = s3.get_object_annotation(Bucket=bucket, Key=key, AnnotationName="review/summary")
    assert got["AnnotationPayload"].read() == b'{"ok": true}' and got["ContentLength"] == 12
    listed = s3.list_object_annotations(Bucket=bucket, Key=key, AnnotationPrefix="review/", MaxAnnotationResults=1)
    assert [a["AnnotationName"] for a in listed["Annotations"]] == ["review/notes"]
    rest = s3.list_object_annotations(Bucket=bucket, Key=key, AnnotationPrefix="review/",
                                      ContinuationToken=listed["NextContinuationToken"])
    assert [a["AnnotationName"] for a in rest["Annotations"]] == ["review/summary"]
    assert "NextContinuationToken" not in rest
    s3.delete_object_annotation(Bucket=bucket, Key=key, AnnotationName="owner")
    assert error_of(lambda: s3.get_object_annotation(Bucket=bucket, Key=key, AnnotationName="owner")) \
        == ("NoSuchAnnotation", 404)


def test_refusals(s3, bucket):
    key = unique("annotated")
    s3.put_object(Bucket=bucket, Key=key, Body=b"object")
    assert error_of(lambda: s3.put_object_annotation(Bucket=bucket, Key=key, AnnotationName="bin",
                                                     AnnotationPayload=b"\xff\xfe")) == ("UnsupportedMediaType", 415)
    assert error_of(lambda: s3.put_object_annotation(Bucket=bucket, Key=key, AnnotationName="big",
                                                     AnnotationPayload=b"x" * (1024 * 1024 + 1)))[1] == 400
    assert error_of(lambda: s3.put_object_annotation(Bucket=bucket, Key=key, AnnotationName="c",
                                                     AnnotationPayload=b"x", ObjectIfMatch='"0000"')) \
        == ("PreconditionFailed", 412)
    assert error_of(lambda: s3.put_object_annotation(Bucket=bucket, Key="missing", AnnotationName="c",
                                                     AnnotationPayload=b"x")) == ("NoSuchKey", 404)


def test_annotations_go_with_their_version(s3, bucket):
    key = unique("annotated")
    s3.put_object(Bucket=bucket, Key=key, Body=b"first")
    s3.put_object_annotation(Bucket=bucket, Key=key, AnnotationName="a", AnnotationPayload=b"x")
    s3.put_object(Bucket=bucket, Key=key, Body=b"second")  # replaces the null version and its annotations
    assert s3.list_object_annotations(Bucket=bucket, Key=key)["Annotations"] == []
