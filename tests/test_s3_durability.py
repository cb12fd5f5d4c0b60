"""An object acknowledged before kill -9 is whole after a restart; a killed upload leaves no debris."""
from __future__ import annotations

import os
import signal

from nimbus.server import free_port
from tests.support import make_client, serve_subprocess


def test_object_survives_kill_9(tmp_path):
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    data_dir = str(tmp_path / "data")
    body = os.urandom(3 * 1024 * 1024)
    process = serve_subprocess(data_dir, port)
    try:
        s3 = make_client(endpoint, "s3")
        s3.create_bucket(Bucket="durable-bucket")
        s3.put_object(Bucket="durable-bucket", Key="kept/object.bin", Body=body, Metadata={"k": "v"})
        upload = s3.create_multipart_upload(Bucket="durable-bucket", Key="mp")["UploadId"]
        etag = s3.upload_part(Bucket="durable-bucket", Key="mp", UploadId=upload, PartNumber=1, Body=b"p")["ETag"]
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    # A write cut short by the crash: a temporary file, which start-up clears away.
    os.makedirs(os.path.join(data_dir, "s3", "tmp"), exist_ok=True)
    with open(os.path.join(data_dir, "s3", "tmp", "0" * 32), "wb") as partial:
        partial.write(b"half")

    process = serve_subprocess(data_dir, port)
    try:
        s3 = make_client(endpoint, "s3")
        got = s3.get_object(Bucket="durable-bucket", Key="kept/object.bin")
        assert got["Body"].read() == body and got["Metadata"] == {"k": "v"}
        s3.complete_multipart_upload(Bucket="durable-bucket", Key="mp", UploadId=upload,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
        assert s3.get_object(Bucket="durable-bucket", Key="mp")["Body"].read() == b"p"
        assert os.listdir(os.path.join(data_dir, "s3", "tmp")) == []
    finally:
        process.terminate()
        process.wait(timeout=10)
