"""Where chunks run: this process, local worker processes, or a Dask cluster.

Every backend has one method, ``run(works, task, landed, recover=None, prepare=None)``: it
runs ``task(work)`` for every unit of work and calls ``landed(work, value)`` here, in the
client, as each one finishes (in any order). ``prepare()`` is work for the client while the
first tasks run elsewhere. Backends whose processes share this machine's disk
(``shares_disk``) are handed a task that computes *and keeps* a chunk (writes it into the
result or the store); a Dask cluster's workers need not share a disk, so they only compute
and the client keeps what comes back (:func:`sim.execution.execute`).
"""

from __future__ import annotations

import ctypes
import ipaddress
import os
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from urllib.parse import urlsplit

from ..errors import InputError


class Serial:
    """Every chunk in this process, in order."""

    shares_disk = True

    def run(self, works, task, landed, recover=None, prepare=None) -> None:
        for work in works:
            landed(work, task(work))


def die_with_parent(parent: int) -> None:
    """In a worker: ask Linux to kill this process when its parent dies (``PR_SET_PDEATHSIG``),
    so a killed run leaves no worker computing on, or racing a new run. Elsewhere, nothing."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the request: go now
            os._exit(1)


class LocalProcesses:
    """Chunks on ``workers`` local (forked) processes, which die with the run that started them.

    A worker that dies takes its pool down: the pool is rebuilt and the chunks that had not
    come back are run again, except those that ``recover(work)`` finds already kept.
    """

    shares_disk = True

    def __init__(self, workers: int):
        self.workers = workers

    def run(self, works, task, landed, recover=None, prepare=None) -> None:
        pending = {w.index: w for w in works}
        attempts = 0
        while pending:
            attempts += 1
            if attempts > 3 * len(works) + 3:
                raise RuntimeError("worker processes keep dying; giving up")
            pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("fork"),
                                       initializer=die_with_parent, initargs=(os.getpid(),))
            try:
                futures = {pool.submit(task, w): w for w in pending.values()}
                if prepare is not None:
                    prepare()
                    prepare = None
                try:
                    while futures:
                        finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                        for future in finished:
                            work = futures.pop(future)
                            value = future.result()
                            pending.pop(work.index, None)
                            landed(work, value)
                except BrokenProcessPool:
                    # a worker died: what was kept is on disk; the rest runs again in a new pool
                    for work in list(pending.values()):
                        value = None if recover is None else recover(work)
                        if value is not None:
                            pending.pop(work.index)
                            landed(work, value)
            except BaseException:
                stop(pool)  # an interrupt (or a failed chunk): stop now, not after every queued chunk
                raise
            pool.shutdown(wait=True)


def stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once: its queued chunks cancelled, its workers killed (what they had
    kept stays for --resume; a chunk is kept by an atomic rename, so none is half-kept)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())   # the executor's own table
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        process.kill()
    for process in workers:
        process.join(timeout=5)


class DaskCluster:
    """Chunks as tasks on a running Dask scheduler; results stream back as they finish. A
    task whose worker dies is re-run by the scheduler on another worker."""

    shares_disk = False

    def __init__(self, address: str, timeout: float = 5.0):
        self.client = connect(address, timeout)

    def run(self, works, task, landed, recover=None, prepare=None) -> None:
        from distributed import as_completed  # deferred: Dask is an optional extra

        futures = {self.client.submit(task, w, key=f"sim-chunk-{w.index}-{w.start}-{w.stop}-{id(w)}",
                                      pure=False): w for w in works}
        if prepare is not None and works:
            prepare()
        for future in as_completed(futures, loop=self.client.loop):
            landed(futures[future], future.result())
            future.release()

    def close(self) -> None:
        self.client.close()


def exposure(address: str) -> str | None:
    """What a reader should know about sending work to ``address``: ``None`` for a scheduler on
    this machine (loopback) or reached over TLS; otherwise a line saying that the scenario, the
    draws and the results travel unencrypted to another machine, and that whoever can reach
    that scheduler can run code in this client's name (Dask sends pickled functions)."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme == "tls":
        return None
    host = (parts.hostname or "").lower()
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host in ("localhost", "localhost.localdomain") or host.startswith("inproc")
    if loopback or parts.scheme == "inproc":
        return None
    return (f"--scheduler {address} is another machine, reached without TLS: the scenario, the draws and the "
            "results travel unencrypted, and whoever can reach that scheduler can run code on its workers; "
            "use a tls:// address (Dask's security settings) outside a trusted network")


def connect(address: str, timeout: float = 5.0):
    """A Dask client for a running scheduler, or a one-line error within ``timeout`` seconds.
    A scheduler that is neither on this machine nor reached over TLS is named on stderr
    (:func:`exposure`)."""
    note = exposure(address)
    if note:
        print(f"sim: note: {note}", file=sys.stderr, flush=True)
    try:
        from distributed import Client  # deferred: Dask is an optional extra
    except ImportError:
        raise InputError("--scheduler", None, "needs Dask distributed: "
                         "pip install -e \".[distributed]\"") from None
    try:
        return Client(address, timeout=f"{timeout}s", set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - whatever answered (or did not), it was not a usable scheduler
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        _quiet_failed_clients()
        raise InputError("--scheduler", address, f"no Dask scheduler answered within "
                         f"{timeout:g} s ({reason})") from None


def _quiet_failed_clients() -> None:
    """A Client that failed to connect still closes itself when collected, and reports that
    close failing as an 'Exception ignored' traceback: silence those, and only those."""
    previous = sys.unraisablehook

    def hook(unraisable):
        if "Client.__del__" not in repr(unraisable.object):
            previous(unraisable)

    sys.unraisablehook = hook


def backend(workers: int = 1, scheduler: str | None = None):
    """The backend for ``--workers`` and ``--scheduler`` (checked by :func:`sim.execution.check`)."""
    if scheduler:
        return DaskCluster(scheduler)
    return LocalProcesses(workers) if workers > 1 else Serial()
