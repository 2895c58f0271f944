"""Using the second core for the build's per-file work (parse a paper, render and write a page).

`map_forked` splits a list between this process and one forked child. `stream_forked` has a
child compute all of it and hand the results back in order, a chunk at a time, as they are
ready (MkDocs' Markdown conversion, ahead of MkDocs); `sharing.share_forked` builds on these.
A fork shares everything already in memory (records, templates, closures) without pickling it;
only the results travel back, pickled through a pipe. Where fork is missing, the list is short,
or other threads run (a fork copies only the calling thread, and locks the others hold stay
locked in the child, as under `digest serve`), it maps in-process.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Processes forked here run beside each other on two cores: a BLAS spinning up more threads
# only fights them (a QR measured 0.24 s alone, 3.9 s under load). Set before any fork, so the
# related papers' process, forked before numpy is imported anywhere, has it too.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

MIN_ITEMS = 200  # below this, forking costs more than it saves
DIED = "the child process died"  # ChildFailed's message when no reply came


def wide_pipe() -> tuple[int, int]:
    """os.pipe(), with room for 1 MB where the system allows (Linux): a child sending a chunk of
    rendered pages then goes on working instead of waiting for this process to read it (with
    the default 64 KB, a child sharing the rendering of paper pages rendered 800 of 2,000)."""
    read_end, write_end = os.pipe()
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl  # not on Windows; F_SETPIPE_SZ only on Linux

        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 1 << 20)
    return read_end, write_end


class ChildFailed(RuntimeError):
    """The forked half raised; its message carries the child's error."""


def failure(exc: BaseException) -> str:
    """A child's error as the parent reports it (ChildFailed's message)."""
    return f"{type(exc).__name__}: {exc}"


def reply_and_exit(write_end: int, compute: Callable[[], object]) -> None:
    """In a forked child: send compute()'s value (or its error) to the parent, then leave
    without running cleanup handlers that belong to the parent."""
    try:
        try:
            payload = pickle.dumps((True, compute()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the parent
            payload = pickle.dumps((False, failure(exc)))
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
    finally:
        os._exit(0)


def receive(read_end: int, pid: int):
    """In the parent: the child's value, once it has exited; ChildFailed with its error."""
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    os.waitpid(pid, 0)
    ok, value = pickle.loads(payload) if payload else (False, "the child process died")
    if not ok:
        raise ChildFailed(value)
    return value


def map_forked(function: Callable[[T], R], items: Sequence[T], min_items: int = MIN_ITEMS
               ) -> list[R]:
    """[function(item) for item in items], the odd-indexed half computed in a forked child.

    Results come back in the order of `items`. The function must not rely on side effects in
    this process' memory (the child's are lost); writing files is fine. With fewer than
    `min_items` items, or without fork, everything is computed here.
    """
    if len(items) < min_items or not hasattr(os, "fork") or threading.active_count() > 1:
        return [function(item) for item in items]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its half
        os.close(read_end)
        reply_and_exit(write_end, lambda: [function(item) for item in items[1::2]])
    os.close(write_end)
    try:
        mine = [function(item) for item in items[0::2]]
    finally:
        theirs = receive(read_end, pid)
    merged: list[R] = []
    for index in range(len(items)):
        merged.append(mine[index // 2] if index % 2 == 0 else theirs[index // 2])
    return merged


def stream_forked(function: Callable[[T], R], items: Sequence[T], chunk: int = 100,
                  min_items: int = MIN_ITEMS) -> Iterator[list[R]]:
    """[function(item) for item in items] in chunks of `chunk` results, in order, computed in a
    child forked at once, while the caller consumes the chunks already done.

    Raises ChildFailed if the child fails; closing the iterator early terminates the child.
    """
    if len(items) < min_items or not hasattr(os, "fork") or threading.active_count() > 1:
        return (list(map(function, items[start : start + chunk]))
                for start in range(0, len(items), chunk))
    read_end, write_end = wide_pipe()  # the child goes on while its chunks wait to be read
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            with os.fdopen(write_end, "wb") as pipe:
                for start in range(0, len(items), chunk):
                    try:
                        frame = (True, [function(item) for item in items[start : start + chunk]])
                    except BaseException as exc:  # noqa: BLE001 - every failure reaches the parent
                        frame = (False, failure(exc))
                    send_frame(pipe, frame)
                    if not frame[0]:
                        break
        finally:
            os._exit(0)
    os.close(write_end)
    return _Frames(read_end, pid, -(-len(items) // chunk))


class _Frames:
    """stream_forked's chunks as they arrive. close() ends the child even if no chunk was
    asked for (a generator that never started would not run its cleanup)."""

    def __init__(self, read_end: int, pid: int, count: int):
        self._pipe, self._pid, self._left = read_end, pid, count

    def __iter__(self) -> _Frames:
        return self

    def __next__(self) -> list:
        if not self._left:
            self.close()
            raise StopIteration
        payload = read_frame(self._pipe)
        ok, value = pickle.loads(payload) if payload else (False, DIED)
        if not ok:
            self.close()
            raise ChildFailed(value)
        self._left -= 1
        return value

    def close(self) -> None:
        if self._pid:
            pid, self._pid = self._pid, 0
            if self._left:
                terminate(pid)
            os.close(self._pipe)
            os.waitpid(pid, 0)


def read_frame(fd: int) -> bytes:
    """One frame of send_frame (b"" if the child died first), read without buffering so that
    select() on the pipe sees exactly what is still pending."""
    size = int.from_bytes(_read_exact(fd, 8) or b"\0", "big")
    payload = _read_exact(fd, size)
    return payload if size and len(payload) == size else b""


def _read_exact(fd: int, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = os.read(fd, min(left, 1 << 20))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def send_frame(pipe, value) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.write(len(payload).to_bytes(8, "big") + payload)
    pipe.flush()


def terminate(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


def _read_all(fd: int) -> bytes:
    with os.fdopen(fd, "rb") as pipe:
        return pipe.read()


class ForkedCall:
    """One function call in a forked child, while this process goes on.

    With `call`, the child runs it at once, on the memory it shares with this process (nothing
    is pickled but the result). With `warm_up` instead, the child is forked early to prepare
    (import numpy) and `submit(function, *args)` later sends the call through a pipe, pickled.
    `result()` waits for the value or raises ChildFailed. Without fork, the call runs in this
    process when its result is asked for.
    """

    def __init__(self, warm_up: Callable[[], object] | None = None,
                 call: Callable[[], object] | None = None):
        self._call: tuple | None = (call, ()) if call else None
        self._pid = 0
        self._request = -1  # write end of the request pipe, until the call is sent
        if not hasattr(os, "fork") or threading.active_count() > 1:
            return
        request_in, request_out = os.pipe()
        self._reply, reply_out = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:
            os.close(request_out)
            os.close(self._reply)

            def compute():
                if call is not None:
                    return call()
                # The request is read while warming up: a request larger than the pipe's
                # buffer would otherwise block `submit` in the parent until the warm-up ends
                # (0.2 s for 200 papers, whose reading ends before numpy is imported).
                request = []
                reader = threading.Thread(target=lambda: request.append(_read_all(request_in)))
                reader.start()
                if warm_up is not None:
                    warm_up()
                reader.join()  # one thread again, so the call may fork (map_forked)
                if not request[0]:  # cancelled
                    os._exit(0)
                function, args = pickle.loads(request[0])
                return function(*args)

            reply_and_exit(reply_out, compute)
        os.close(request_in)
        os.close(reply_out)
        if call is None:
            self._request = request_out
        else:
            os.close(request_out)

    def submit(self, function: Callable, *args) -> None:
        """Send the call to the warmed-up child (or keep it for result() without fork)."""
        self._call = (function, args)
        if self._request >= 0:
            request, self._request = self._request, -1
            with os.fdopen(request, "wb") as pipe:
                pipe.write(pickle.dumps(self._call, protocol=pickle.HIGHEST_PROTOCOL))

    def result(self):
        if not self._pid:
            function, args = self._call
            return function(*args)
        pid, self._pid = self._pid, 0
        return receive(self._reply, pid)

    def cancel(self) -> None:
        """Stop the child (terminated: even a warm-up, such as importing numpy for 0.3 s, is not
        waited for)."""
        if not self._pid:
            return
        if self._request >= 0:
            os.close(self._request)
            self._request = -1
        terminate(self._pid)
        os.close(self._reply)
        os.waitpid(self._pid, 0)
        self._pid = 0
