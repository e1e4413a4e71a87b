"""The work queue: bounded, coalescing per key, and never killed by a failing job."""

import threading

import pytest

from bot.queue import WorkQueue


class Recorder:
    """A handler that records jobs and can hold them until released."""

    def __init__(self) -> None:
        self.jobs: list[object] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.lock = threading.Lock()

    def __call__(self, job: object) -> None:
        self.started.set()
        self.release.wait(5)
        with self.lock:
            self.jobs.append(job)


@pytest.fixture
def recorder():
    return Recorder()


def test_jobs_all_run(recorder):
    queue = WorkQueue(recorder, workers=2, maxsize=10)
    for key in range(5):
        assert queue.submit(key, key) == "queued"
    assert queue.join(5)
    assert sorted(recorder.jobs) == [0, 1, 2, 3, 4]
    queue.stop()


def test_waiting_job_merges(recorder):
    recorder.release.clear()
    queue = WorkQueue(recorder, workers=1, maxsize=10, merge=lambda a, b: a + b)
    queue.submit("blocker", 0)
    recorder.started.wait(5)
    assert queue.submit("pr", 1) == "queued"
    assert queue.submit("pr", 2) == "merged"
    recorder.release.set()
    assert queue.join(5)
    assert recorder.jobs == [0, 3]
    queue.stop()


def test_running_job_gets_one_follow_up(recorder):
    recorder.release.clear()
    queue = WorkQueue(recorder, workers=1, maxsize=10, merge=lambda a, b: a + b)
    queue.submit("pr", 1)
    recorder.started.wait(5)
    assert queue.submit("pr", 10) == "follow-up"
    assert queue.submit("pr", 100) == "follow-up"
    recorder.release.set()
    assert queue.join(5)
    assert recorder.jobs == [1, 110]
    queue.stop()


def test_full_queue_rejects(recorder):
    recorder.release.clear()
    queue = WorkQueue(recorder, workers=1, maxsize=2)
    queue.submit("running", 0)
    recorder.started.wait(5)
    assert queue.submit("a", 1) == "queued"
    assert queue.submit("b", 2) == "queued"
    assert queue.submit("c", 3) == "full"
    assert queue.depth() == 2
    recorder.release.set()
    queue.join(5)
    queue.stop()


def test_failing_job_keeps_worker(recorder):
    def handler(job: int) -> None:
        if job == 0:
            raise RuntimeError("boom")
        recorder(job)

    queue = WorkQueue(handler, workers=1, maxsize=10)
    queue.submit("a", 0)
    queue.submit("b", 1)
    assert queue.join(5)
    assert recorder.jobs == [1]
    assert queue.failed == 1
    queue.stop()


def test_stopped_queue_rejects(recorder):
    queue = WorkQueue(recorder, workers=1, maxsize=10)
    queue.stop(5)
    assert queue.submit("a", 1) == "stopped"


def test_burst_for_one_key_runs_at_most_twice(recorder):
    # While the first run is held, the burst can only merge or become its one follow-up.
    recorder.release.clear()
    queue = WorkQueue(recorder, workers=4, maxsize=100)
    threads = [threading.Thread(target=queue.submit, args=("pr", n)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorder.release.set()
    assert queue.join(5)
    assert 1 <= len(recorder.jobs) <= 2
    queue.stop()


@pytest.mark.parametrize(("workers", "maxsize"), [(0, 1), (1, 0)])
def test_invalid_sizes_rejected(workers, maxsize):
    with pytest.raises(ValueError, match="at least 1"):
        WorkQueue(lambda job: None, workers=workers, maxsize=maxsize)
