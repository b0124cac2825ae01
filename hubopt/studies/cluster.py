"""The Dask side of the parallel studies (sweep, rank): one cluster session, HiGHS threads.

Both studies run their solves as Dask tasks. :func:`dask_session` starts (or borrows) the
cluster, sets HiGHS's thread count once per worker, cancels the outstanding tasks if the
study is interrupted, and closes what it started.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from hubopt.errors import HubDataError, Issue

__all__ = ["HighsThreads", "dask_session", "error_text", "init_highs_threads"]


def init_highs_threads(threads: int) -> int:
    """Start HiGHS's thread pool in this process with ``threads`` threads.

    HiGHS creates one pool per process, at its first solve, and keeps it: later solves
    asking for another count would not get it. A tiny LP solved here fixes the count
    before any scenario runs. Returns ``threads``.
    """
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    h.addVar(0.0, 1.0)
    h.run()
    return int(threads)


class HighsThreads(WorkerPlugin):
    """Dask worker plugin: set HiGHS's threads once, when the worker starts.

    Parameters
    ----------
    threads : int
        HiGHS threads of every scenario solved by the worker.
    """

    name = "hubopt-highs-threads"
    idempotent = True

    def __init__(self, threads: int):
        self.threads = int(threads)

    def setup(self, worker) -> None:
        """Start HiGHS's thread pool in the worker process."""
        init_highs_threads(self.threads)


def error_text(exc: BaseException) -> str:
    """Return a one-line, never empty, description of a failed task."""
    if isinstance(exc, HubDataError):
        lines = [
            f"{i.file}{f':{i.row}' if i.row else ''}{f' [{i.column}]' if i.column else ''}: "
            f"{i.message}"
            for i in exc.issues[:5]
        ]
        more = f" (+{len(exc.issues) - 5} more)" if len(exc.issues) > 5 else ""
        return "invalid data: " + "; ".join(lines) + more
    return f"{type(exc).__name__}: {exc}" if str(exc) else repr(exc)


def _connect(client_class: Any, scheduler: str) -> Any:
    """Connect to a running scheduler; a bad or unreachable address is an input error."""
    try:
        return client_class(scheduler, timeout="20s")
    except (OSError, ValueError, TypeError) as exc:
        why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        msg = (
            f"cannot connect to the Dask scheduler '{scheduler}' ({why}); give the address "
            "of a running scheduler such as tcp://host:8786, or leave --scheduler out to "
            "start a local cluster"
        )
        raise HubDataError([Issue("check_scheduler", msg, column="--scheduler")]) from None


def _cluster(client: Any, scheduler: str | None, workers: int | None, n_tasks: int):
    """Return ``(client, cluster to close or None, whether to close the client)``."""
    from distributed import Client, LocalCluster

    if client is not None:
        return client, None, False
    if scheduler:
        return _connect(Client, scheduler), None, True
    import logging

    n = workers or min(n_tasks, os.cpu_count() or 1)
    cluster = LocalCluster(
        n_workers=max(1, n),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster, True


@contextlib.contextmanager
def dask_session(
    client: Any, scheduler: str | None, workers: int | None, n_tasks: int, threads: int
) -> Iterator[tuple[Any, dict]]:
    """Run a study's tasks on Dask: yield ``(client, futures)``.

    Parameters
    ----------
    client : distributed.Client or None
        Use this client (its cluster is left running).
    scheduler : str or None
        Address of a running scheduler; ``None`` starts a local cluster on 127.0.0.1 (no
        dashboard) that is closed at the end.
    workers : int or None
        Worker processes of the local cluster (default: cores, at most ``n_tasks``).
    n_tasks : int
        Number of tasks the study will submit.
    threads : int
        HiGHS threads per worker process.

    Yields
    ------
    tuple
        The client, and a dict the study fills with its futures: they are cancelled if
        the study is interrupted or fails.
    """
    client, own_cluster, close = _cluster(client, scheduler, workers, n_tasks)
    futures: dict = {}
    try:
        client.register_plugin(HighsThreads(threads))
        yield client, futures
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(list(futures))
        raise
    finally:
        if close:
            client.close()
        if own_cluster is not None:
            own_cluster.close()
