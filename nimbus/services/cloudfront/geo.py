"""Geo restriction (``Restrictions.GeoRestriction``): viewers from a country outside a ``whitelist`` or in a
``blacklist`` get CloudFront's 403. The viewer's country comes from the ``cloudfront_geo_ip_file`` setting, a
CSV of ``CIDR,country`` lines (IPv4 and IPv6; the most specific range wins) or a MaxMind database
(``.mmdb``, GeoIP2 or GeoLite2 Country or City). A viewer whose country is not
known is served, as CloudFront serves viewers it cannot place. A behaviour whose legacy
``ForwardedValues.Headers`` names ``CloudFront-Viewer-Country`` sends it to the origin (and keys on it)."""
from __future__ import annotations

import csv
import functools
import ipaddress

import maxminddb

from nimbus.protocol.http import HttpRequest, HttpResponse

from .answers import error_page

VIEWER_COUNTRY = "CloudFront-Viewer-Country"


class CountryMap:
    def __init__(self, ranges: list[tuple[str, str]]):
        # prefix length -> network address -> country, per IP version: a lookup per prefix length in use.
        self._by_length: dict[tuple[int, int], dict[int, str]] = {}
        for cidr, country in ranges:
            network = ipaddress.ip_network(cidr, strict=False)
            table = self._by_length.setdefault((network.version, network.prefixlen), {})
            table[int(network.network_address)] = country.strip().upper()
        self._lengths = sorted(self._by_length, key=lambda k: -k[1])

    def country(self, address: str) -> str | None:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        bits = ip.max_prefixlen
        for version, length in self._lengths:
            if version == ip.version:
                masked = int(ip) >> (bits - length) << (bits - length) if length else 0
                found = self._by_length[(version, length)].get(masked)
                if found is not None:
                    return found
        return None


class MaxMindMap:
    """A MaxMind database (GeoIP2 / GeoLite2 Country or City, ``.mmdb``): the record's country ISO code."""

    def __init__(self, path: str):
        self._reader = maxminddb.open_database(path)

    def country(self, address: str) -> str | None:
        try:
            record = self._reader.get(address)
        except ValueError:  # not an address, or IPv6 in an IPv4-only database
            return None
        if not isinstance(record, dict):
            return None
        place = record.get("country") or record.get("registered_country") or {}
        code = place.get("iso_code") if isinstance(place, dict) else None
        return code.upper() if isinstance(code, str) else None


@functools.lru_cache(maxsize=4)
def country_map(path: str) -> CountryMap | MaxMindMap:
    if path.lower().endswith(".mmdb"):
        return MaxMindMap(path)
    with open(path, newline="", encoding="utf-8") as source:
        rows = [row for row in csv.reader(source) if len(row) >= 2 and not row[0].lstrip().startswith("#")]
    return CountryMap([(cidr.strip(), country) for cidr, country, *_ in rows if _is_network(cidr.strip())])


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False  # a header line, or a blank one
    return True


def viewer_country(config, request: HttpRequest) -> str | None:
    path = config.cloudfront_geo_ip_file
    return None if not path else country_map(path).country(request.source_ip)


def geo_refusal(settings, request: HttpRequest, distribution_config: dict) -> HttpResponse | None:
    restriction = distribution_config.get("Restrictions", {}).get("GeoRestriction", {})
    kind = restriction.get("RestrictionType", "none")
    if kind == "none":
        return None
    country = viewer_country(settings, request)
    if country is None:
        return None
    listed = country in {c.upper() for c in restriction.get("Items", [])}
    if listed == (kind == "whitelist"):
        return None
    return error_page(403, "The Amazon CloudFront distribution is configured to block access from your country.")


def forwarded_viewer_headers(settings, request: HttpRequest, behaviour: dict) -> dict[str, str]:
    """The CloudFront-Viewer-* headers the behaviour forwards to its origin."""
    names = behaviour.get("ForwardedValues", {}).get("Headers", {}).get("Items", [])
    if VIEWER_COUNTRY.lower() not in {n.lower() for n in names}:
        return {}
    country = viewer_country(settings, request)
    return {} if country is None else {VIEWER_COUNTRY: country}
