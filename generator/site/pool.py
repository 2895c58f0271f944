"""The build's worker processes: one `concurrent.futures.ProcessPoolExecutor` per build.

The build first reads content/, hands its records to `Pool.share`, then submits tasks. The
workers are forked (the fork start method) when the first task is submitted, so they inherit
the records, the templates and everything imported: a task names its work by index or name,
and only its result travels back, pickled. There are as many workers as cores
(`os.cpu_count()`), or as `digest build --jobs N` / DIGEST_JOBS say.

A task that raises fails the build with its error (`WorkerError`), and every way out of the
build stops the workers (`Pool.close`); a worker whose build process was killed ends by itself.
Where fork is missing, or other threads run (`digest serve`: a fork copies only the calling
thread, and a lock another thread holds would stay locked in the child forever), each task
runs in this process when it is submitted.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

_shared: dict[str, object] = {}  # what the workers inherit at their fork (Pool.share)
_in_worker = False  # set in each worker when it starts


def shared(name: str):
    """A record the build shared with its workers (`Pool.share`), in a worker or here."""
    return _shared[name]


def in_worker() -> bool:
    """Whether this is one of a build's worker processes (else the process that runs tasks
    itself: a build without workers, or `digest serve`, which renders again on every edit)."""
    return _in_worker


def default_jobs() -> int:
    """Workers for a build: one per core."""
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether workers can be forked here: fork exists and no other thread runs."""
    return hasattr(os, "fork") and threading.active_count() == 1


def give_back_memory() -> None:
    """Collect garbage and return the freed heap to the system (glibc's malloc_trim), so that a
    process which is done with a large piece of work holds no more than it still uses: the
    build's processes run side by side, and their memory adds up."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


class WorkerError(Exception):
    """A task failed in a worker process; the message names the error and where it arose."""


class Pool:
    """The build's workers: forked at the first task, stopped by close() (or `with`).

    `jobs` workers (one per core if None); with 0, or where workers cannot be forked, every
    task runs here.
    """

    def __init__(self, jobs: int | None = None):
        self.jobs = (default_jobs() if jobs is None else jobs) if can_fork() else 0
        self._executor: ProcessPoolExecutor | None = None
        self._workers: list = []

    @property
    def forked(self) -> bool:
        """Whether tasks run in worker processes (else here, when submitted)."""
        return self.jobs > 0

    def share(self, **records) -> None:
        """Make records reachable through `shared(name)` in the workers, forked later."""
        if self._executor is not None:
            raise RuntimeError("the workers are forked already: share records before any task")
        _shared.update(records)

    def submit(self, function: Callable, *args) -> Future:
        """function(*args) in a worker (a module-level function: it is sent by name)."""
        if not self.forked:
            future: Future = Future()
            try:
                future.set_result(function(*args))
            except Exception as exc:  # noqa: BLE001 - raised by result(), as from a worker
                future.set_exception(exc)
            return future
        return self._start().submit(_run, function, args)

    def map(self, function: Callable, items: Iterable) -> Iterator:
        """function(item) for each item, in order, each item a task (send chunks, not single
        pages: each task costs a round trip)."""
        futures = [self.submit(function, item) for item in items]
        return (future.result() for future in futures)

    def _start(self) -> ProcessPoolExecutor:
        if self._executor is None:
            gc.freeze()  # the workers only read these objects: spare their pages a GC pass
            before = set(multiprocessing.active_children())
            self._executor = ProcessPoolExecutor(
                self.jobs, mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker, initargs=(os.getpid(),))
            self._executor.submit(os.getpid)  # forks every worker now (all at once, with fork)
            self._workers = [p for p in multiprocessing.active_children() if p not in before]
            gc.unfreeze()
        return self._executor

    def release(self) -> None:
        """No more tasks: the workers end as soon as the submitted ones are done, so they hold
        no memory (what they gathered is copied on write, theirs alone) while the build goes
        on without them. close() still waits for them."""
        if self._executor is not None:
            self._executor.shutdown(wait=False)

    def close(self, failed: bool = False) -> None:
        """Stop the workers and wait for them: at once when `failed` (running tasks are
        terminated), else once their tasks are done."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        if failed:
            executor.shutdown(wait=False, cancel_futures=True)
            for worker in self._workers:
                worker.terminate()
        executor.shutdown(wait=True, cancel_futures=True)
        for worker in self._workers:
            worker.join()
        self._workers = []

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, kind, value, trace) -> None:
        self.close(failed=kind is not None)


def describe_failure(exc: BaseException) -> str:
    """A worker's error as the build reports it: WorkerError's message, or a worker's death."""
    if isinstance(exc, BrokenProcessPool):
        return "a worker process ended unexpectedly (killed, or out of memory)"
    return str(exc)


def _run(function: Callable, args: tuple):
    """In a worker: the task, its error turned into a WorkerError naming it and its place."""
    from generator.problems import BuildError

    try:
        return function(*args)
    except BuildError:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure must reach the build, named
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        raise WorkerError(f"{type(exc).__name__}: {exc} (at {frame.filename}:{frame.lineno}, "
                          f"in {frame.name})") from None


def _start_worker(parent: int) -> None:
    """In a new worker: leave Ctrl-C to the build process (which then stops the workers),
    keep numeric libraries to one thread (the pool is the parallelism: more threads per
    worker only fight each other for the cores), and end if the build process dies."""
    global _in_worker
    _in_worker = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")

    def watch() -> None:
        # A killed build leaves its workers waiting for tasks, holding its inherited project
        # lock: they must not outlive it.
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
