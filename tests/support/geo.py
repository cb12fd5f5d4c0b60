"""A MaxMind database file written from ``(CIDR, country)`` pairs, as the MaxMind DB format (v2.0) lays it
out: a binary search tree of 24-bit records over IPv4, a data section of GeoIP2-style records
(``{"country": {"iso_code": ...}}``) and the metadata after its marker. Enough for a reader to place viewers."""
from __future__ import annotations

import ipaddress

_SEPARATOR = bytes(16)
_METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"


def _string(text: str) -> bytes:
    raw = text.encode()
    return bytes([(2 << 5) | len(raw)]) + raw  # UTF-8 string, short form (under 29 bytes)


def _uint(kind: int, value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
    if kind <= 7:
        return bytes([(kind << 5) | len(raw)]) + raw
    return bytes([len(raw), kind - 7]) + raw  # an extended type: its number less 7 in the next byte


def _map(entries: dict) -> bytes:
    out = bytes([(7 << 5) | len(entries)])
    for key, value in entries.items():
        out += _string(key) + value
    return out


def maxmind_database(ranges: list[tuple[str, str]]) -> bytes:
    root: list = [None, None]  # a record: None (no data), a node (a list of two records), or a country
    for cidr, country in sorted(ranges, key=lambda r: ipaddress.ip_network(r[0]).prefixlen):
        network = ipaddress.ip_network(cidr)
        address, length = int(network.network_address), network.prefixlen
        node = root
        for depth in range(length):
            bit = (address >> (31 - depth)) & 1
            if depth == length - 1:
                node[bit] = country
            else:
                if not isinstance(node[bit], list):
                    node[bit] = [node[bit], node[bit]]  # split what a shorter prefix said for both halves
                node = node[bit]
    nodes, queue = [], [root]
    while queue:
        node = queue.pop(0)
        nodes.append(node)
        queue += [record for record in node if isinstance(record, list)]
    index = {id(node): number for number, node in enumerate(nodes)}
    data, offsets = b"", {}
    for country in sorted({c for _, c in ranges}):
        offsets[country] = len(data)
        data += _map({"country": _map({"iso_code": _string(country)})})

    def value(record) -> int:
        if isinstance(record, list):
            return index[id(record)]
        return len(nodes) if record is None else len(nodes) + 16 + offsets[record]

    tree = b"".join(value(node[0]).to_bytes(3, "big") + value(node[1]).to_bytes(3, "big") for node in nodes)
    metadata = _map({
        "node_count": _uint(6, len(nodes)), "record_size": _uint(5, 24), "ip_version": _uint(5, 4),
        "database_type": _string("GeoLite2-Country"), "languages": bytes([1, 4]) + _string("en"),
        "binary_format_major_version": _uint(5, 2), "binary_format_minor_version": _uint(5, 0),
        "build_epoch": _uint(9, 1_700_000_000), "description": _map({"en": _string("nimbus tests")})})
    return tree + _SEPARATOR + data + _METADATA_MARKER + metadata
