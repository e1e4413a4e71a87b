"""A bounded work queue with a fixed number of worker threads and per-key coalescing.

Webhooks arrive in bursts: one push can send several deliveries, and the Hub and GitHub
redeliver on timeouts. Each job carries a key (one pull request). While a job waits in
the queue, more jobs with its key merge into it. While it runs, they collapse into one
follow-up run after it. So at any time a pull request has at most one job waiting and
one running, and the follow-up reads any commit pushed while the previous run worked.
"""

import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable
from typing import Generic, Literal, TypeVar

logger = logging.getLogger(__name__)

J = TypeVar("J")

SubmitResult = Literal["queued", "merged", "follow-up", "full", "stopped"]


def keep_first(pending: J, new: J) -> J:
    return pending


class WorkQueue(Generic[J]):
    """Run `handler(job)` on `workers` threads, with at most `maxsize` keys waiting."""

    def __init__(
        self,
        handler: Callable[[J], None],
        *,
        workers: int,
        maxsize: int,
        merge: Callable[[J, J], J] = keep_first,
        name: str = "evalbot-worker",
    ) -> None:
        if workers < 1 or maxsize < 1:
            raise ValueError(f"workers ({workers}) and maxsize ({maxsize}) must be at least 1")
        self._handler = handler
        self._merge = merge
        self._maxsize = maxsize
        self._cond = threading.Condition()
        self._order: deque[Hashable] = deque()
        self._pending: dict[Hashable, J] = {}
        self._running: set[Hashable] = set()
        self._follow_ups: dict[Hashable, J] = {}
        self._stopping = False
        self.handled = 0
        self.failed = 0
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{index}", daemon=True)
            for index in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, key: Hashable, job: J) -> SubmitResult:
        """Queue `job` under `key`, or merge it into the job already waiting or running."""
        with self._cond:
            if self._stopping:
                return "stopped"
            if key in self._pending:
                self._pending[key] = self._merge(self._pending[key], job)
                return "merged"
            if key in self._running:
                previous = self._follow_ups.get(key)
                self._follow_ups[key] = job if previous is None else self._merge(previous, job)
                return "follow-up"
            if len(self._pending) >= self._maxsize:
                return "full"
            self._pending[key] = job
            self._order.append(key)
            self._cond.notify()
            return "queued"

    def depth(self) -> int:
        """Return the number of keys waiting for a worker."""
        with self._cond:
            return len(self._pending)

    def join(self, timeout: float | None = None) -> bool:
        """Wait until nothing waits or runs; return False on timeout."""
        with self._cond:
            return self._cond.wait_for(self._idle, timeout)

    def stop(self, timeout: float | None = None) -> None:
        """Finish the running jobs, drop the waiting ones, and end the workers."""
        with self._cond:
            self._stopping = True
            dropped = len(self._pending)
            self._pending.clear()
            self._order.clear()
            self._follow_ups.clear()
            self._cond.notify_all()
        if dropped:
            logger.warning("queue stopped with %d waiting jobs dropped", dropped)
        for thread in self._threads:
            thread.join(timeout)

    def _idle(self) -> bool:
        return not self._pending and not self._running

    def _work(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._order or self._stopping)
                if self._stopping:
                    return
                key = self._order.popleft()
                job = self._pending.pop(key)
                self._running.add(key)

            try:
                self._handler(job)
            except Exception:
                # A bug or an outage in one job must not kill the worker thread.
                logger.exception("job failed with an unexpected error: key=%s", key, extra={"key": str(key)})
                failed = True
            else:
                failed = False

            with self._cond:
                self._running.discard(key)
                self.handled += 1
                self.failed += failed
                follow_up = self._follow_ups.pop(key, None)
                if follow_up is not None and not self._stopping:
                    self._pending[key] = follow_up
                    self._order.append(key)
                self._cond.notify_all()
