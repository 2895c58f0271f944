"""Work shared from both ends: a forked child computes from the front of a list while this
process, between its own uses of the results (writing files), computes from the back whenever
nothing from the child is ready. Used where one process must do something else with every
result (creating files in one folder does not parallelise) yet should not sit idle.
"""

from __future__ import annotations

import os
import pickle
import select
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from generator.site.parallel import (DIED, MIN_ITEMS, ChildFailed, failure, read_frame, send_frame,
                       terminate, wide_pipe)

T = TypeVar("T")
R = TypeVar("R")


def share_forked(function: Callable[[T], R], items: Sequence[T], chunk: int = 50
                 ) -> Iterator[tuple[int, list[R]]]:
    """(start, [function(item) for item in a run of items from start]) until every item is
    done once, in no set order: a forked child works from the front, and whenever the caller
    asks for more while nothing from the child is ready, this process computes a chunk from the
    back itself (and tells the child where to stop). The caller's own work (writing files) thus
    shares this process with computing, and neither waits for the other.

    Raises ChildFailed if the child fails; closing the iterator early terminates the child.
    """
    if len(items) < MIN_ITEMS or not hasattr(os, "fork") or threading.active_count() > 1:
        for start in range(0, len(items), chunk):
            yield start, [function(item) for item in items[start : start + chunk]]
        return
    results_in, results_out = wide_pipe()
    stop_in, stop_out = os.pipe()  # this process' lowest claimed index, 8 bytes at a time
    pid = os.fork()
    if pid == 0:
        os.close(results_in)
        os.close(stop_out)
        _compute_from_front(function, items, chunk, results_out, stop_in)
    os.close(results_out)
    os.close(stop_in)
    front, back, finished = 0, len(items), False  # the child's results so far; this process'
    try:
        while True:
            if back - front > 2 * chunk and not select.select([results_in], [], [], 0)[0]:
                start = back - chunk  # well clear of the chunk the child is working on
                os.write(stop_out, start.to_bytes(8, "big"))
                yield start, [function(item) for item in items[start:back]]
                back = start
                continue
            payload = read_frame(results_in)
            ok, start, value = pickle.loads(payload) if payload else (False, 0, DIED)
            if not ok:
                raise ChildFailed(value)
            if start is None:  # the child stopped where this process had started
                break
            value = value[: max(0, back - start)]  # the child may not have seen the last claim
            front = start + len(value)
            if value:
                yield start, value
        finished = True
    finally:
        os.close(results_in)
        os.close(stop_out)
        if not finished:
            terminate(pid)
        os.waitpid(pid, 0)


def _compute_from_front(function, items, chunk: int, results_out: int, stop_in: int) -> None:
    """In share_forked's child: chunks from the front until reaching the parent's claim."""
    try:
        os.set_blocking(stop_in, False)
        back, start = len(items), 0
        with os.fdopen(results_out, "wb") as pipe:
            while True:
                try:
                    claims = os.read(stop_in, 8 * 1024)
                    if claims:
                        back = int.from_bytes(claims[-8:], "big")  # 8-byte writes are atomic
                except BlockingIOError:
                    pass
                if start >= back:
                    send_frame(pipe, (True, None, None))
                    break
                end = min(start + chunk, back)
                try:
                    frame = (True, start, [function(item) for item in items[start:end]])
                except BaseException as exc:  # noqa: BLE001 - every failure reaches the parent
                    frame = (False, start, failure(exc))
                send_frame(pipe, frame)
                if not frame[0]:
                    break
                start = end
    finally:
        os._exit(0)
