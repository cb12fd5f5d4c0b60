"""nimbus's Flink filesystem for s3:// and s3a:// paths, driven directly by a small Java program through
Flink's own FileSystem API (the calls Flink's FileSource, filesystem connector and batch sinks make):
create, status, listing, ranged reads, rename, delete, and the objects that result in nimbus S3."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from nimbus.services.kinesisanalyticsv2 import connectors
from tests.support import new_bucket

PYFLINK = next(iter(sorted((Path(__file__).parents[1] / ".flink" / "lib").glob("python3*/site-packages/pyflink"))),
               None)
pytestmark = pytest.mark.skipif(PYFLINK is None or shutil.which("javac") is None,
                                reason="PyFlink (make install) and a JDK")

PROGRAM = """
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

public class Drive {
    public static void main(String[] args) throws Exception {
        FileSystem.initialize(new Configuration(), null);
        Path base = new Path(args[0]);
        FileSystem fs = base.getFileSystem();
        try (FSDataOutputStream out = fs.create(new Path(base, "dir/a.txt"), FileSystem.WriteMode.NO_OVERWRITE)) {
            out.write("hello world".getBytes(StandardCharsets.UTF_8));
        }
        try {
            fs.create(new Path(base, "dir/a.txt"), FileSystem.WriteMode.NO_OVERWRITE);
            System.out.println("overwrote");
        } catch (IOException e) {
            System.out.println("exists");
        }
        for (FileStatus status : fs.listStatus(base)) {
            System.out.println("list " + status.getPath() + " " + status.isDir());
        }
        System.out.println("length " + fs.getFileStatus(new Path(base, "dir/a.txt")).getLen());
        System.out.println("renamed " + fs.rename(new Path(base, "dir/a.txt"), new Path(base, "dir/b.txt")));
        try (FSDataInputStream in = fs.open(new Path(base, "dir/b.txt"))) {
            in.seek(6);
            System.out.println("read " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        Path other = new Path(args[1]);
        System.out.println("s3a " + other.getFileSystem().exists(new Path(other, "dir/b.txt")));
        System.out.println("missing " + (fs.listStatus(new Path(base, "nothing")) == null) + " "
                + fs.exists(new Path(base, "nothing")));
        System.out.println("deleted " + fs.delete(new Path(base, "dir"), true) + " " + fs.exists(new Path(base, "dir")));
    }
}
"""


def test_flink_filesystem_reads_and_writes_nimbus_s3(aws, endpoint, account, tmp_path):
    s3 = aws("s3")
    bucket = new_bucket(s3, "flink-fs")
    s3.put_object(Bucket=bucket, Key="kept.csv", Body=b"1,a\n")
    source = tmp_path / "Drive.java"
    source.write_text(PROGRAM)
    classpath = f"{PYFLINK / 'lib' / '*'}:{connectors.jar()}"
    subprocess.run(["javac", "-nowarn", "-cp", classpath, "-d", str(tmp_path), str(source)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint, "NIMBUS_S3_STAGING_DIR": str(tmp_path / "staging")}
    done = subprocess.run(["java", "-cp", f"{tmp_path}:{classpath}", "Drive", f"s3://{bucket}/", f"s3a://{bucket}/"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "exists",
        f"list s3://{bucket}/kept.csv false",
        f"list s3://{bucket}/dir true",
        "length 11",
        "renamed true",
        "read world",
        "s3a true",
        "missing true false",
        "deleted true false",
    ]
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]) == ["kept.csv"]
