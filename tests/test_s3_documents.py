"""S3 documents stored before schema versions (version 0) are served, then rewritten versioned."""
from __future__ import annotations

from nimbus.core.documents import VERSION_FIELD
from nimbus.services.s3.common import BUCKETS, objects_ns, parts_ns, uploads_ns, versions_ns
from tests.support import make_client, start_server, stored, unversion

CORS = {"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["https://example.com"]}]}


def test_buckets_objects_and_uploads_stored_before_versions_keep_working(tmp_path):
    data_dir = str(tmp_path / "data")
    with start_server(tmp_path) as server:
        s3 = make_client(server.endpoint, "s3")
        s3.create_bucket(Bucket="legacy")
        s3.put_bucket_versioning(Bucket="legacy", VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_cors(Bucket="legacy", CORSConfiguration=CORS)
        first = s3.put_object(Bucket="legacy", Key="a.txt", Body=b"one", ContentType="text/plain")["VersionId"]
        s3.put_object(Bucket="legacy", Key="a.txt", Body=b"two", Metadata={"era": "before"})
        upload_id = s3.create_multipart_upload(Bucket="legacy", Key="big")["UploadId"]
        etag = s3.upload_part(Bucket="legacy", Key="big", UploadId=upload_id, PartNumber=1, Body=b"part")["ETag"]
    unversion(data_dir, BUCKETS, "legacy")
    for namespace in (objects_ns("legacy"), versions_ns("legacy"), uploads_ns("legacy"), parts_ns(upload_id)):
        unversion(data_dir, namespace)

    with start_server(tmp_path) as server:
        s3 = make_client(server.endpoint, "s3")
        assert s3.get_bucket_cors(Bucket="legacy")["CORSRules"] == CORS["CORSRules"]
        latest = s3.get_object(Bucket="legacy", Key="a.txt")
        assert latest["Body"].read() == b"two" and latest["Metadata"] == {"era": "before"}
        old = s3.get_object(Bucket="legacy", Key="a.txt", VersionId=first)
        assert old["Body"].read() == b"one" and old["ContentType"] == "text/plain"
        assert len(s3.list_object_versions(Bucket="legacy")["Versions"]) == 2
        assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="legacy")["Uploads"]] == [upload_id]
        s3.complete_multipart_upload(Bucket="legacy", Key="big", UploadId=upload_id,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
        assert s3.get_object(Bucket="legacy", Key="big")["Body"].read() == b"part"
        s3.put_bucket_tagging(Bucket="legacy", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})

    bucket = stored(data_dir, BUCKETS, "legacy")
    assert bucket[VERSION_FIELD] == 1 and bucket["Config"]["Cors"] == CORS["CORSRules"]
    assert stored(data_dir, objects_ns("legacy"), "big")[VERSION_FIELD] == 1
