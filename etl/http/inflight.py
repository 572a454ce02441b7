"""Requests in flight: a source's per-object detail requests run several at once, their
results come back in the order asked.

A connector hands :func:`in_flight` the objects whose details it needs and a function that
fetches them over HTTP (never touching the warehouse); the results come back in the objects'
order, on the connector's own thread, which lands them there: one thread (the run's DuckDB
connection, inside the run's transaction) lands, a pool of threads waits on the network. The
rows landed are the same as one request after the other would land.

How many at once is ``[sources.<name>] concurrency``; how fast is the source's throttle,
shared through its retry policy (``etl.http.throttle``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

AHEAD = 4  # results fetched ahead of the one awaited, per worker: keeps the workers busy


def in_flight(
    fetch: Callable[[T], R], items: Iterable[T], *, workers: int, name: str = "requests"
) -> Generator[R, None, None]:
    """``fetch(item)`` for every item, up to ``workers`` at once, yielded in the items' order.

    At most ``AHEAD * workers`` results wait to be taken (memory stays bounded however many
    items there are). The first failure, in the items' order, is raised where its result
    would have been yielded: no request starts after it, those in flight are let finish.
    With ``workers`` 1 this is ``map(fetch, items)``, on the calling thread.
    """
    if workers <= 1:
        yield from map(fetch, items)
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix=f"opskpi-{name}")
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(fetch, item))
            if len(pending) >= AHEAD * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
