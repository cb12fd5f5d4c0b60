"""The edge's answer on the event loop: a fresh object in memory for a distribution looked up lately is
answered without a worker thread; anything else (a miss, a stale object, a change to the distribution)
goes the usual way, so both ways answer alike."""
from __future__ import annotations

from nimbus.protocol.http import HttpRequest
from tests.support import (
    advance_clock,
    distribution_config,
    edge_request,
    legacy_behaviour,
    make_client,
    public_origin_bucket,
    s3_origin,
    start_server,
)


def test_fresh_hits_answered_without_blocking(tmp_path):
    with start_server(tmp_path) as own:
        s3, cloudfront = make_client(own.endpoint, "s3"), make_client(own.endpoint, "cloudfront")
        bucket = public_origin_bucket(s3, "fast")
        s3.put_object(Bucket=bucket, Key="page", Body=b"page")
        created = cloudfront.create_distribution(DistributionConfig=distribution_config(
            [s3_origin("s3", bucket)], legacy_behaviour("s3", default_ttl=60)))
        distribution = created["Distribution"]
        edge = own.runtime.services.get("cloudfront").provider

        def fast(path: str = "/page", method: str = "GET"):
            return edge.fresh_hit(HttpRequest(method, f"/_cloudfront/{distribution['Id']}{path}",
                                              headers={"host": "127.0.0.1"}))

        assert fast() is None  # never looked up: the store is read the usual way first
        assert edge_request(own.endpoint, distribution, "GET", "/page").headers["X-Cache"] == "Miss from cloudfront"
        hit = fast()
        assert (hit.status, hit.body, hit.headers["x-cache"]) == (200, b"page", "Hit from cloudfront")
        assert fast(method="HEAD").body == b"" and fast("/other") is None and fast(method="POST") is None
        advance_clock(own.endpoint, 61)
        assert fast() is None  # stale: revalidated with the origin, on a worker thread
        assert edge_request(own.endpoint, distribution, "GET", "/page").headers["X-Cache"] == \
            "RefreshHit from cloudfront"
        config = {**distribution["DistributionConfig"], "Enabled": False}
        cloudfront.update_distribution(Id=distribution["Id"], DistributionConfig=config, IfMatch=created["ETag"])
        assert fast() is None  # a change forgets what was looked up
        assert edge_request(own.endpoint, distribution, "GET", "/page").status_code == 403
