"""Geo restriction at the edge: the viewer's country from a CSV of IP ranges (the viewer's address as the
gateway sees it, X-Forwarded-For behind --trust-proxy), allow and deny lists, and CloudFront-Viewer-Country
forwarded to an origin whose behaviour asks for it."""
from __future__ import annotations

import pytest

from tests.support import (
    distribution_config,
    edge_request,
    legacy_behaviour,
    make_client,
    maxmind_database,
    scripted_origin,
    start_server,
)

FRANCE, AMERICA, GERMANY, NOWHERE = "203.0.113.7", "198.51.100.20", "2001:db8::5", "192.0.2.1"
RANGES = "cidr,country\n# documentation ranges\n203.0.113.0/24,FR\n198.51.100.0/24,us\n198.51.100.16/28,CA\n" \
         "2001:db8::/32,DE\n"


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    folder = tmp_path_factory.mktemp("geo")
    (folder / "countries.csv").write_text(RANGES)
    with scripted_origin() as origin, start_server(folder, trust_proxy=True,
                                                   cloudfront_geo_ip_file=str(folder / "countries.csv")) as own:
        yield own.endpoint, make_client(own.endpoint, "cloudfront"), origin


def restricted(cloudfront, origin, kind: str, countries: list[str], **behaviour) -> dict:
    config = distribution_config([origin.custom_origin("web")], legacy_behaviour("web", **behaviour), Restrictions={
        "GeoRestriction": {"RestrictionType": kind, "Quantity": len(countries), "Items": countries}})
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]


def from_address(endpoint: str, distribution: dict, address: str, path: str = "/page"):
    return edge_request(endpoint, distribution, "GET", path, headers={"X-Forwarded-For": address})


def test_deny_list(edge):
    endpoint, cloudfront, origin = edge
    distribution = restricted(cloudfront, origin, "blacklist", ["FR", "CA"])
    blocked = from_address(endpoint, distribution, FRANCE)
    assert blocked.status_code == 403 and "configured to block access from your country" in blocked.text
    # The most specific range wins: 198.51.100.20 is in the /28 of CA, within the /24 of US.
    assert from_address(endpoint, distribution, AMERICA).status_code == 403
    assert from_address(endpoint, distribution, "198.51.100.99").status_code == 200
    assert from_address(endpoint, distribution, NOWHERE).status_code == 200  # a viewer it cannot place


def test_allow_list_and_the_country_header(edge):
    endpoint, cloudfront, origin = edge
    distribution = restricted(cloudfront, origin, "whitelist", ["DE", "US"], ForwardedValues={
        "QueryString": False, "Cookies": {"Forward": "none"},
        "Headers": {"Quantity": 1, "Items": ["CloudFront-Viewer-Country"]}})
    assert from_address(endpoint, distribution, FRANCE).status_code == 403
    assert from_address(endpoint, distribution, GERMANY, "/where").status_code == 200
    assert origin.seen[-1][2]["CloudFront-Viewer-Country"] == "DE"
    american = from_address(endpoint, distribution, "198.51.100.99", "/where")
    assert american.headers["X-Cache"] == "Miss from cloudfront"  # the header is in the cache key
    assert origin.seen[-1][2]["CloudFront-Viewer-Country"] == "US"
    assert from_address(endpoint, distribution, "198.51.100.98", "/where").headers["X-Cache"] == "Hit from cloudfront"
    plain = restricted(cloudfront, origin, "none", [])
    from_address(endpoint, plain, FRANCE, "/plain")
    assert "CloudFront-Viewer-Country" not in origin.seen[-1][2]


def test_maxmind_database(tmp_path):
    database = tmp_path / "GeoLite2-Country.mmdb"
    database.write_bytes(maxmind_database([("203.0.113.0/24", "FR"), ("198.51.100.0/24", "US"),
                                           ("198.51.100.16/28", "CA")]))
    with scripted_origin() as origin, start_server(tmp_path, trust_proxy=True,
                                                   cloudfront_geo_ip_file=str(database)) as own:
        distribution = restricted(make_client(own.endpoint, "cloudfront"), origin, "blacklist", ["FR", "CA"])
        outcomes = [from_address(own.endpoint, distribution, address).status_code
                    for address in (FRANCE, AMERICA, "198.51.100.99", NOWHERE, GERMANY)]
        assert outcomes == [403, 403, 200, 200, 200]  # an IPv6 viewer is not in an IPv4 database: not placed
