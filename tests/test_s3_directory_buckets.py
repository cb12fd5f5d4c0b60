"""Directory buckets (S3 Express One Zone) through boto3 as it talks to them: CreateSession's credentials on
bucket-named hosts (localhost) or paths (an IP endpoint), RenameObject, appends and the refusals."""
from __future__ import annotations

import base64
import json
import zlib
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from tests.support import account_key, advance_clock, aws_cli, error_of, make_client, unique

REGION = "us-west-2"
ZONE = "usw2-az1"


def directory_config(zone: str = ZONE) -> dict:
    return {"Location": {"Type": "AvailabilityZone", "Name": zone},
            "Bucket": {"Type": "Directory", "DataRedundancy": "SingleAvailabilityZone"}}


@pytest.fixture(scope="module", params=["localhost", "ip"])
def express(request, endpoint, account):
    """A client as boto3 is used for directory buckets: at localhost it names the bucket in the host
    (bucket--usw2-az1--x-s3.localhost), at 127.0.0.1 in the path; both sign with CreateSession's session."""
    url = endpoint.replace("127.0.0.1", "localhost") if request.param == "localhost" \
        else endpoint.replace("localhost", "127.0.0.1")
    client = make_client(url, "s3", region=REGION, key=account)
    client.meta.events.register("before-send.s3.*", _connect_to_loopback)
    return client


def _connect_to_loopback(request, **kwargs):
    """*.localhost names need not resolve: connect to 127.0.0.1, keeping the Host the request was signed for."""
    parts = urlsplit(request.url)
    if parts.hostname and parts.hostname.endswith(".localhost"):
        request.headers["Host"] = parts.netloc
        request.url = urlunsplit(parts._replace(netloc=f"127.0.0.1:{parts.port}"))


def new_directory_bucket(client) -> str:
    name = f"{unique('dir')}--{ZONE}--x-s3"
    client.create_bucket(Bucket=name, CreateBucketConfiguration=directory_config())
    return name


def test_create_list_head_and_objects(express):
    name = new_directory_bucket(express)
    listed = express.list_directory_buckets()["Buckets"]
    mine = next(b for b in listed if b["Name"] == name)
    assert mine["BucketRegion"] == REGION and mine["BucketArn"].startswith(f"arn:aws:s3express:{REGION}:")
    assert name not in [b["Name"] for b in express.list_buckets()["Buckets"]]
    head = express.head_bucket(Bucket=name)
    assert head["BucketLocationType"] == "AvailabilityZone" and head["BucketLocationName"] == ZONE
    put = express.put_object(Bucket=name, Key="dir/a.txt", Body=b"hello")
    assert put["ChecksumCRC32"]  # directory buckets always keep a checksum
    got = express.get_object(Bucket=name, Key="dir/a.txt", ChecksumMode="ENABLED")
    assert got["Body"].read() == b"hello" and got["StorageClass"] == "EXPRESS_ONEZONE"
    assert got["ChecksumCRC32"] == put["ChecksumCRC32"]
    page = express.list_objects_v2(Bucket=name, Prefix="dir/", Delimiter="/")
    assert [o["Key"] for o in page["Contents"]] == ["dir/a.txt"]
    express.delete_object(Bucket=name, Key="dir/a.txt")
    express.delete_bucket(Bucket=name)
    assert name not in [b["Name"] for b in express.list_directory_buckets()["Buckets"]]


def test_presigned_url_with_a_session(express):
    """boto3 presigns directory bucket requests with its session: the token in X-Amz-S3session-Token."""
    name = new_directory_bucket(express)
    express.put_object(Bucket=name, Key="shared.txt", Body=b"by link")
    url = express.generate_presigned_url("get_object", Params={"Bucket": name, "Key": "shared.txt"})
    assert "X-Amz-S3session-Token" in url
    parts = urlsplit(url)
    answer = requests.get(urlunsplit(parts._replace(netloc=f"127.0.0.1:{parts.port}")),
                          headers={"Host": parts.netloc}, timeout=10)
    assert answer.status_code == 200 and answer.content == b"by link"


def test_naming_and_zone_rules(express):
    base = unique("bad")
    assert error_of(lambda: express.create_bucket(Bucket=f"{base}--usw2-az1--x-s3",
                                                  CreateBucketConfiguration=directory_config("usw2-az3"))) \
        == ("InvalidBucketName", 400)
    assert error_of(lambda: express.create_bucket(Bucket=f"sthree-{base}--usw2-az1--x-s3",
                                                  CreateBucketConfiguration=directory_config())) \
        == ("InvalidBucketName", 400)
    assert error_of(lambda: express.create_bucket(Bucket=f"{base}--use1-az4--x-s3",
                                                  CreateBucketConfiguration=directory_config("use1-az4"))) \
        == ("InvalidLocationConstraint", 400)


def test_what_directory_buckets_refuse(express):
    name = new_directory_bucket(express)
    express.put_object(Bucket=name, Key="k", Body=b"x")
    assert error_of(lambda: express.put_bucket_versioning(
        Bucket=name, VersioningConfiguration={"Status": "Enabled"})) == ("NotImplemented", 501)
    assert error_of(lambda: express.list_objects(Bucket=name)) == ("NotImplemented", 501)
    assert error_of(lambda: express.get_object_torrent(Bucket=name, Key="k")) == ("NotImplemented", 501)
    assert error_of(lambda: express.put_object(Bucket=name, Key="k", Body=b"x", StorageClass="STANDARD")) \
        == ("InvalidStorageClass", 400)
    assert error_of(lambda: express.list_objects_v2(Bucket=name, Prefix="di", Delimiter="/")) \
        == ("InvalidRequest", 400)
    assert error_of(lambda: express.list_objects_v2(Bucket=name, Delimiter="-")) == ("InvalidArgument", 400)


def test_rename_object(express):
    name = new_directory_bucket(express)
    express.put_object(Bucket=name, Key="old", Body=b"renamed body")
    express.put_object(Bucket=name, Key="taken", Body=b"other")
    assert error_of(lambda: express.rename_object(Bucket=name, Key="taken", RenameSource=f"{name}/old",
                                                  DestinationIfNoneMatch="*")) == ("PreconditionFailed", 412)
    express.rename_object(Bucket=name, Key="new", RenameSource=f"{name}/old")
    assert express.get_object(Bucket=name, Key="new")["Body"].read() == b"renamed body"
    assert error_of(lambda: express.head_object(Bucket=name, Key="old"))[1] == 404
    assert error_of(lambda: express.rename_object(Bucket=name, Key="x", RenameSource=f"{name}/missing")) \
        == ("NoSuchKey", 404)


def test_rename_is_for_directory_buckets_only(s3, bucket):
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    assert error_of(lambda: s3.rename_object(Bucket=bucket, Key="other", RenameSource=f"{bucket}/plain")) \
        == ("InvalidRequest", 400)


def test_append_with_write_offset(express):
    name = new_directory_bucket(express)
    express.put_object(Bucket=name, Key="log", Body=b"first,", WriteOffsetBytes=0)
    express.put_object(Bucket=name, Key="log", Body=b"second", WriteOffsetBytes=6)
    got = express.get_object(Bucket=name, Key="log", ChecksumMode="ENABLED")
    assert got["Body"].read() == b"first,second" and got["ContentLength"] == 12
    assert got["ChecksumCRC32"] == base64.b64encode(zlib.crc32(b"first,second").to_bytes(4, "big")).decode()
    assert error_of(lambda: express.put_object(Bucket=name, Key="log", Body=b"x", WriteOffsetBytes=3)) \
        == ("InvalidWriteOffset", 400)


def test_append_is_for_directory_buckets_only(s3, bucket):
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="a", Body=b"x", WriteOffsetBytes=0)) \
        == ("NotImplemented", 501)


def test_bucket_policy_in_s3express_terms(express, endpoint, account):
    """Another account gets in by the bucket policy's s3express:CreateSession grant, for the session mode
    its s3express:SessionMode condition allows."""
    name = new_directory_bucket(express)
    express.put_object(Bucket=name, Key="shared", Body=b"for them")
    other = account_key()
    arn = f"arn:aws:s3express:{REGION}:{account}:bucket/{name}"
    assert error_of(lambda: express.put_bucket_policy(Bucket=name, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": other},
                                                "Action": "s3:GetObject", "Resource": arn}]}))) \
        == ("MalformedPolicy", 400)
    express.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": other}, "Action": "s3express:CreateSession", "Resource": arn,
        "Condition": {"StringEquals": {"s3express:SessionMode": "ReadOnly"}}}]}))
    theirs = make_client(endpoint.replace("localhost", "127.0.0.1"), "s3", region=REGION, key=other)
    assert error_of(lambda: theirs.create_session(Bucket=name))[0] == "AccessDenied"  # ReadWrite: not granted
    session = theirs.create_session(Bucket=name, SessionMode="ReadOnly")["Credentials"]
    reader = make_client(endpoint.replace("localhost", "127.0.0.1"), "s3", region=REGION,
                         key=session["AccessKeyId"], secret=session["SecretAccessKey"],
                         token=session["SessionToken"], s3={"disable_s3_express_session_auth": True})
    assert reader.get_object(Bucket=name, Key="shared")["Body"].read() == b"for them"


def test_sessions_are_bound_to_bucket_mode_and_time(express, endpoint, account):
    """Last in the module: it moves the virtual clock past the sessions' five minutes."""
    name = new_directory_bucket(express)
    other = new_directory_bucket(express)
    express.put_object(Bucket=name, Key="k", Body=b"v")
    read_only = express.create_session(Bucket=name, SessionMode="ReadOnly")["Credentials"]
    # Signed as s3express with the session's key, the token sent as boto3 sends a session's.
    session = make_client(endpoint.replace("localhost", "127.0.0.1"), "s3", region=REGION,
                          key=read_only["AccessKeyId"], secret=read_only["SecretAccessKey"],
                          token=read_only["SessionToken"], s3={"disable_s3_express_session_auth": True})
    assert session.get_object(Bucket=name, Key="k")["Body"].read() == b"v"
    assert error_of(lambda: session.put_object(Bucket=name, Key="k", Body=b"w"))[0] == "AccessDenied"
    assert error_of(lambda: session.get_object(Bucket=other, Key="k"))[0] == "AccessDenied"
    advance_clock(endpoint, 301)
    assert error_of(lambda: session.get_object(Bucket=name, Key="k"))[0] == "ExpiredToken"


def test_aws_cli_creates_and_lists_directory_buckets(endpoint):
    name = f"{unique('cli')}--{ZONE}--x-s3"
    ip = endpoint.replace("localhost", "127.0.0.1")
    aws_cli(ip, "s3api", "create-bucket", "--bucket", name, "--region", REGION, "--create-bucket-configuration",
            f"Location={{Type=AvailabilityZone,Name={ZONE}}},Bucket={{Type=Directory,"
            "DataRedundancy=SingleAvailabilityZone}")
    listed = aws_cli(ip, "s3api", "list-directory-buckets", "--region", REGION)["Buckets"]
    assert name in [b["Name"] for b in listed]
    aws_cli(ip, "s3api", "put-object", "--bucket", name, "--key", "k", "--region", REGION)
    assert [o["Key"] for o in aws_cli(ip, "s3api", "list-objects-v2", "--bucket", name,
                                      "--region", REGION)["Contents"]] == ["k"]
