"""The edge cache on disk: a restarted server still has its cached objects (a Hit, the origin not asked),
least recently used objects leave memory for disk and disk for nothing, files are sealed, and an
ephemeral server writes none."""
from __future__ import annotations

from pathlib import Path

from tests.support import (
    distribution_config,
    edge_request,
    legacy_behaviour,
    make_client,
    public_origin_bucket,
    s3_origin,
    start_server,
)


def serving(running, body: bytes = b"version 1") -> tuple[dict, object, str]:
    s3 = make_client(running.endpoint, "s3")
    bucket = public_origin_bucket(s3)
    s3.put_object(Bucket=bucket, Key="page.txt", Body=body)
    distribution = make_client(running.endpoint, "cloudfront").create_distribution(
        DistributionConfig=distribution_config([s3_origin("s3", bucket)], legacy_behaviour("s3")))["Distribution"]
    return distribution, s3, bucket


def test_cache_survives_a_restart(tmp_path):
    with start_server(tmp_path) as first:
        distribution, s3, bucket = serving(first)
        assert edge_request(first.endpoint, distribution, "GET", "/page.txt").headers["X-Cache"] == \
            "Miss from cloudfront"
        s3.put_object(Bucket=bucket, Key="page.txt", Body=b"version 2")
    files = list((tmp_path / "data" / "cloudfront-cache").rglob("*.object"))
    assert len(files) == 1 and b"version 1" not in files[0].read_bytes()  # sealed on disk
    with start_server(tmp_path) as second:
        again = edge_request(second.endpoint, distribution, "GET", "/page.txt")
        assert (again.headers["X-Cache"], again.text) == ("Hit from cloudfront", "version 1")


def test_memory_and_disk_bounds(tmp_path):
    size = 3000
    with start_server(tmp_path, cloudfront_cache_bytes=size * 2, cloudfront_cache_disk_bytes=size * 4 * 2) as own:
        distribution, s3, bucket = serving(own)
        for name in "abcdef":
            s3.put_object(Bucket=bucket, Key=name, Body=name.encode() * size)
            assert edge_request(own.endpoint, distribution, "GET", f"/{name}").headers["X-Cache"] == \
                "Miss from cloudfront"
        # Memory holds the last one or two; disk (base64-sealed, ~4/3 of each) the last few; the oldest is gone.
        outcomes = {name: edge_request(own.endpoint, distribution, "GET", f"/{name}").headers["X-Cache"].split()[0]
                    for name in "fedcba"}
        assert outcomes["f"] == outcomes["e"] == outcomes["d"] == "Hit"
        assert outcomes["a"] == "Miss"
        cache = Path(own.config.data_dir) / "cloudfront-cache"
        assert sum(f.stat().st_size for f in cache.rglob("*.object")) <= size * 8


def test_ephemeral_keeps_it_in_memory(tmp_path):
    with start_server(tmp_path, ephemeral=True) as own:
        distribution, _, _ = serving(own)
        for outcome in ("Miss", "Hit"):
            assert edge_request(own.endpoint, distribution, "GET", "/page.txt").headers["X-Cache"] == \
                f"{outcome} from cloudfront"
    assert not (tmp_path / "data" / "cloudfront-cache").exists()
