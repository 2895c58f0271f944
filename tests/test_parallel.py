"""map_forked, share_forked, ForkedCall: in-process results, with the child's errors surfaced."""

from __future__ import annotations

import os
import sys
import time

import pytest

from generator.site.parallel import (
    MIN_ITEMS,
    ChildFailed,
    ForkedCall,
    map_forked,
    stream_forked,
    wide_pipe,
)
from generator.site.sharing import share_forked


def test_results_in_order_and_half_computed_in_a_child():
    items = list(range(MIN_ITEMS * 2 + 1))
    results = map_forked(lambda n: (n * n, os.getpid()), items)
    assert [square for square, _ in results] == [n * n for n in items]
    pids = {pid for _, pid in results}
    assert len(pids) == 2 and os.getpid() in pids


def test_short_lists_stay_in_process():
    assert {pid for pid in map_forked(lambda _: os.getpid(), range(3))} == {os.getpid()}


def test_files_written_by_the_child_are_there(tmp_path):
    names = [f"f{n}.txt" for n in range(MIN_ITEMS)]
    map_forked(lambda name: (tmp_path / name).write_text(name), names)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


def test_an_error_in_the_child_reaches_the_caller():
    def fail_on_odd(n: int) -> int:
        if n == MIN_ITEMS + 1:
            raise ValueError(f"bad item {n}")
        return n

    with pytest.raises(ChildFailed, match=f"ValueError: bad item {MIN_ITEMS + 1}"):
        map_forked(fail_on_odd, list(range(MIN_ITEMS * 2)))


def _square(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def test_forked_call_warmed_up_then_submitted():
    call = ForkedCall(warm_up=lambda: None)
    call.submit(_square, 7)
    value, pid = call.result()
    assert value == 49 and pid != os.getpid()


def test_forked_call_runs_a_closure_on_shared_memory(tmp_path):
    big = list(range(100_000))  # not pickled: the child sees it through the fork
    call = ForkedCall(call=lambda: (sum(big), os.getpid()))
    total, pid = call.result()
    assert total == sum(big) and pid != os.getpid()


def test_forked_call_errors_and_cancellation():
    failing = ForkedCall(call=lambda: 1 / 0)
    with pytest.raises(ChildFailed, match="ZeroDivisionError"):
        failing.result()
    idle = ForkedCall(warm_up=lambda: None)
    idle.cancel()  # never submitted: the child leaves
    warming = ForkedCall(warm_up=lambda: time.sleep(30))
    started = time.monotonic()
    warming.cancel()  # still warming up (importing numpy, say): terminated, not waited for
    assert time.monotonic() - started < 10
    running = ForkedCall(call=lambda: time.sleep(30))
    started = time.monotonic()
    running.cancel()  # terminated, not waited for
    assert time.monotonic() - started < 10
    running.cancel()  # a second cancel is harmless


def _slow_square(n: int) -> tuple[int, int]:
    time.sleep(0.001)
    return n * n, os.getpid()


def test_shared_work_covers_every_item_once_in_both_processes():
    items = list(range(MIN_ITEMS * 3 + 7))
    done: dict[int, tuple[int, int]] = {}
    for start, results in share_forked(_slow_square, items, chunk=10):
        for offset, result in enumerate(results):
            assert start + offset not in done  # never twice
            done[start + offset] = result
    assert sorted(done) == items and all(done[n][0] == n * n for n in items)
    # With nothing to do between chunks, this process computed chunks from the back itself.
    pids = {pid for _, pid in done.values()}
    assert len(pids) == 2 and os.getpid() in pids


def test_shared_work_surfaces_the_childs_error_and_stops_it_when_closed():
    def fail_first(n: int) -> int:
        if n == 0:
            raise ValueError("bad item 0")
        return n

    with pytest.raises(ChildFailed, match="ValueError: bad item 0"):
        list(share_forked(fail_first, list(range(MIN_ITEMS * 2))))
    chunks = share_forked(_slow_square, list(range(MIN_ITEMS * 50)), chunk=10)
    next(chunks)
    started = time.monotonic()
    chunks.close()  # the child is terminated, not waited for
    assert time.monotonic() - started < 5


def test_streamed_chunks_arrive_in_order_from_the_child():
    items = list(range(MIN_ITEMS + 5))
    chunks = list(stream_forked(_square, items, chunk=16))
    assert [len(c) for c in chunks] == [16] * (len(items) // 16) + [len(items) % 16]
    results = [r for chunk in chunks for r in chunk]
    assert [value for value, _ in results] == [n * n for n in items]
    assert {pid for _, pid in results} - {os.getpid()}  # computed in a child


def test_a_stream_closed_before_use_stops_its_child():
    chunks = stream_forked(_slow_square, list(range(MIN_ITEMS * 50)), chunk=10)
    started = time.monotonic()
    chunks.close()  # never iterated: the child is terminated and reaped all the same
    assert time.monotonic() - started < 5
    with pytest.raises(ChildFailed, match="ZeroDivisionError"):
        list(stream_forked(lambda n: 1 / (n - 3), list(range(MIN_ITEMS)), chunk=10))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are set on Linux")
def test_a_child_can_send_a_chunk_of_pages_without_waiting_to_be_read():
    import fcntl

    read_end, write_end = wide_pipe()
    try:
        assert fcntl.fcntl(write_end, fcntl.F_GETPIPE_SZ) >= 1 << 20
        os.set_blocking(write_end, False)
        assert os.write(write_end, b"x" * 600_000) == 600_000  # 0.5 MB with nobody reading
    finally:
        os.close(read_end)
        os.close(write_end)
