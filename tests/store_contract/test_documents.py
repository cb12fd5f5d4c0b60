"""Documents: get, put, delete, scan, delete_namespace, namespaces and wipe, on every backend."""
from __future__ import annotations

import random

import pytest

from nimbus.store.base import EncodedJson

NS = ("svc", "000000000000", "us-east-1", "things")
# Code point order is UTF-8 byte order: case, punctuation, accents, the BMP's end and astral planes.
KEYS = ["b", "a", "B", "ab", "a~", "a%", "a_", "é", "\uffff", "😀", "a\x7f", "10", "9", "", "a b", "x\x00y"]


def test_get_put_delete_round_trip(store):
    value = {"name": "ünïcödé ✓", "n": 3, "f": 1.5, "ok": True, "none": None, "list": [1, {"a": []}]}
    assert store.get(NS, "k") is None
    store.put(NS, "k", value)
    assert store.get(NS, "k") == value
    store.put(NS, "k", [1, 2])
    assert store.get(NS, "k") == [1, 2]
    assert store.delete(NS, "k") is True
    assert store.delete(NS, "k") is False
    assert store.get(NS, "k") is None


def test_scalars_and_a_copy_is_returned(store):
    for key, value in {"int": 7, "str": "s", "false": False, "empty": {}}.items():
        store.put(NS, key, value)
        assert store.get(NS, key) == value
    document = {"tags": ["a"]}
    store.put(NS, "doc", document)
    store.get(NS, "doc")["tags"].append("b")
    document["tags"].append("c")
    assert store.get(NS, "doc") == {"tags": ["a"]}


def test_a_document_given_as_json_text_is_stored_as_that_document(store):
    text = EncodedJson('{"name":"ünï","n":3,"list":[1,{"a":null}]}')
    store.put(NS, "one", text)
    store.put_many([(NS, "many", text), (NS, "plain", str(text))])
    assert store.get(NS, "one") == store.get(NS, "many") == {"name": "ünï", "n": 3, "list": [1, {"a": None}]}
    assert store.get(NS, "plain") == str(text)  # a plain string stays a string


def test_put_many_writes_and_overwrites_across_namespaces(store):
    other = NS[:-1] + ("others",)
    store.put(NS, "old", "before")
    store.put_many([(NS, "old", {"v": 1}), (NS, "new", [2]), (other, "x", "3"), (NS, "new", {"v": 4})])
    assert store.scan(NS) == [("new", {"v": 4}), ("old", {"v": 1})]
    assert store.get(other, "x") == "3"
    store.put_many([])


def test_put_many_inside_a_failed_transaction_is_rolled_back(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.put_many([(NS, "a", 1), (NS, "b", 2)])
        raise RuntimeError("abandon")
    assert store.scan(NS) == []


def test_every_key_is_its_own_document(store):
    for index, key in enumerate(KEYS):
        store.put(NS, key, index)
    assert [store.get(NS, key) for key in KEYS] == list(range(len(KEYS)))


def test_scan_lists_in_code_point_order(store):
    shuffled = KEYS[:]
    random.Random(7).shuffle(shuffled)
    for key in shuffled:
        store.put(NS, key, {"key": key})
    assert store.scan(NS) == [(key, {"key": key}) for key in sorted(KEYS)]


@pytest.mark.parametrize("prefix, expected", [
    ("a", ["a", "a b", "a%", "a_", "ab", "a~", "a\x7f"]),
    ("a%", ["a%"]),          # LIKE wildcards are plain characters
    ("a_", ["a_"]),
    ("A", []),                # case-sensitive
    ("x\x00", ["x\x00y"]),
    ("\uffff", ["\uffff"]),
    ("😀", ["😀"]),
    ("zzz", []),
])
def test_scan_prefix(store, prefix, expected):
    for key in KEYS:
        store.put(NS, key, 0)
    assert [key for key, _ in store.scan(NS, prefix=prefix)] == expected


def test_scan_start_after_and_limit_page_through_everything(store):
    keys = [f"key{index:03d}" for index in range(25)]
    for key in reversed(keys):
        store.put(NS, key, key)
    assert [key for key, _ in store.scan(NS, start_after="key009", limit=3)] == ["key010", "key011", "key012"]
    assert store.scan(NS, start_after="key024") == []
    assert [key for key, _ in store.scan(NS, start_after="key0")] == keys  # need not be a stored key
    assert store.scan(NS, limit=0) == []
    pages, last = [], None
    while True:
        page = store.scan(NS, prefix="key", start_after=last, limit=4)
        if not page:
            break
        pages.append([key for key, _ in page])
        last = page[-1][0]
    assert [key for page in pages for key in page] == keys
    assert all(len(page) == 4 for page in pages[:-1])


def test_namespaces_are_separate(store):
    store.put(("a",), "k", 1)
    store.put(("a", "b"), "k", 2)
    store.put(("ab",), "k", 3)
    assert [store.get(ns, "k") for ns in (("a",), ("a", "b"), ("ab",))] == [1, 2, 3]
    assert store.scan(("a",)) == [("k", 1)]
    assert store.scan(("a", "c")) == []


def test_delete_namespace_removes_only_that_namespace(store):
    for key in ("x", "y", "z"):
        store.put(("a",), key, key)
    store.put(("a", "b"), "x", 1)
    store.put(("ab",), "x", 1)
    assert store.delete_namespace(("a",)) == 3
    assert store.delete_namespace(("a",)) == 0
    assert store.scan(("a",)) == []
    assert store.namespaces(()) == [("a", "b"), ("ab",)]


# Service names that begin with another's: a prefix matches whole segments only.
COLLIDING = [("kinesis", "kinesisvideo"), ("s3", "s3control"), ("cloudhsm", "cloudhsmv2"), ("ds", "ds-data"),
             ("emr", "emr-containers"), ("cloudtrail", "cloudtrail-data")]


@pytest.mark.parametrize("service, longer", COLLIDING)
def test_namespaces_match_whole_segments(store, service, longer):
    for ns in [(service, "111111111111", "us-east-1", "x"), (service, "222222222222", "eu-west-1", "y"),
               (longer, "111111111111", "us-east-1", "x"), (service,)]:
        store.put(ns, "k", 1)
    assert store.namespaces((service,)) == [
        (service,), (service, "111111111111", "us-east-1", "x"), (service, "222222222222", "eu-west-1", "y")]
    assert store.namespaces((service, "111111111111")) == [(service, "111111111111", "us-east-1", "x")]
    assert store.namespaces((service, "11111111111")) == []
    assert store.namespaces((longer,)) == [(longer, "111111111111", "us-east-1", "x")]


def test_namespaces_lists_each_once_in_order_and_forgets_empty_ones(store):
    for ns in [("b", "2"), ("a",), ("b", "1"), ("b", "10")]:
        store.put(ns, "k1", 1)
        store.put(ns, "k2", 2)
    assert store.namespaces(()) == [("a",), ("b", "1"), ("b", "10"), ("b", "2")]
    assert store.namespaces(("b",)) == [("b", "1"), ("b", "10"), ("b", "2")]
    store.delete(("b", "1"), "k1")
    store.delete(("b", "1"), "k2")
    assert store.namespaces(("b",)) == [("b", "10"), ("b", "2")]


def test_wipe_forgets_everything(store):
    store.put(("a",), "k", 1)
    store.put(("b", "c"), "k", 1)
    store.wipe()
    assert store.namespaces(()) == []
    assert store.get(("a",), "k") is None
    store.put(("a",), "k", 2)
    assert store.get(("a",), "k") == 2
