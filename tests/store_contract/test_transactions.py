"""Transactions: all or nothing, nesting joins the outer block, and threads stay exact."""
from __future__ import annotations

import threading

import pytest

NS = ("contract", "tx")


class Boom(Exception):
    pass


def test_writes_commit_together(store):
    store.put(NS, "gone", 0)
    with store.transaction():
        store.put(NS, "a", 1)
        store.delete(NS, "gone")
        assert store.get(NS, "a") == 1  # a transaction reads its own writes
        assert store.scan(NS) == [("a", 1)]
    assert store.scan(NS) == [("a", 1)]


def test_an_exception_rolls_back_every_write(store):
    store.put(NS, "kept", "before")
    store.put(NS, "deleted", "before")
    with pytest.raises(Boom), store.transaction():
        store.put(NS, "kept", "after")
        store.put(NS, "new", 1)
        store.delete(NS, "deleted")
        raise Boom
    assert store.scan(NS) == [("deleted", "before"), ("kept", "before")]
    with store.transaction():  # the store is usable after a rollback
        store.put(NS, "new", 2)
    assert store.get(NS, "new") == 2


def test_a_read_inside_a_rolled_back_transaction_is_not_kept(store):
    store.put(NS, "doc", "before")
    with pytest.raises(Boom), store.transaction():
        store.put(NS, "doc", "after")
        assert store.get(NS, "doc") == "after"
        raise Boom
    assert store.get(NS, "doc") == "before"


def test_nested_blocks_commit_with_the_outer_one(store, backend):
    with store.transaction():
        with store.transaction():
            store.put(NS, "inner", 1)
        if backend.shared:  # another connection does not see the inner block until the outer one ends
            other = backend.open()
            assert other.get(NS, "inner") is None
            other.close()
        store.put(NS, "outer", 2)
    assert store.scan(NS) == [("inner", 1), ("outer", 2)]


def test_an_exception_in_the_outer_block_rolls_back_inner_writes(store):
    with pytest.raises(Boom), store.transaction():
        with store.transaction():
            store.put(NS, "inner", 1)
        with store.transaction(), store.transaction():
            store.put(NS, "deeper", 1)
        raise Boom
    assert store.scan(NS) == []


def test_an_inner_exception_the_outer_block_catches_keeps_the_inner_writes(store):
    """An inner block is not a savepoint (see Store.transaction): what it wrote before raising
    stays in the outer transaction and commits with it."""
    with store.transaction():
        store.put(NS, "outer", 1)
        try:
            with store.transaction():
                store.put(NS, "inner", 1)
                raise Boom
        except Boom:
            pass
        store.put(NS, "after", 1)
    assert store.scan(NS) == [("after", 1), ("inner", 1), ("outer", 1)]


def _run_threads(count: int, target) -> None:
    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            target(index)
        except BaseException as error:  # noqa: BLE001 - reported by the test thread below
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    assert errors == []


def test_threads_write_and_read_their_own_documents(store):
    def work(index: int) -> None:
        ns = NS + (f"t{index}",)
        for n in range(40):
            store.put(ns, f"k{n:02d}", {"thread": index, "n": n})
            assert store.get(ns, f"k{n:02d}") == {"thread": index, "n": n}
        assert len(store.scan(ns)) == 40
        for n in range(0, 40, 2):
            assert store.delete(ns, f"k{n:02d}")

    _run_threads(8, work)
    assert len(store.namespaces(NS)) == 8
    assert all(len(store.scan(ns)) == 20 for ns in store.namespaces(NS))


def test_counters_in_transactions_stay_exact_across_threads(store):
    def work(index: int) -> None:
        for _ in range(25):
            with store.transaction():
                current = store.get(NS, "counter") or 0
                with store.transaction():  # nested read-modify-write in the same transaction
                    store.put(NS, "counter", current + 1)

    _run_threads(8, work)
    assert store.get(NS, "counter") == 200


def test_readers_never_see_half_a_transaction(store):
    stop = threading.Event()

    def work(index: int) -> None:
        if index == 0:
            for n in range(1, 60):
                with store.transaction():
                    store.put(NS, "a", n)
                    store.put(NS, "b", n)
            stop.set()
            return
        while not stop.is_set():
            with store.transaction():
                first, second = store.get(NS, "a"), store.get(NS, "b")
            assert first == second

    _run_threads(4, work)
    assert store.get(NS, "b") == 59
