"""Progress lines: done/total, rate and ETA, throttled to the interval."""

from promosync_pipeline.sync.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_lines_report_rate_and_eta_at_most_once_per_interval():
    clock, lines = Clock(), []
    progress = Progress("A23 parse", 1000, lines.append, interval_s=5, clock=clock)
    clock.now += 2
    progress.advance(100)
    assert lines == []
    clock.now += 3
    progress.advance(150)
    assert lines == ["A23 parse: 250/1000 (25%), 50/s, ETA 15s"]
    clock.now += 1
    progress.advance(10)
    assert len(lines) == 1
    progress.finish()
    assert lines[-1] == "A23 parse: 260/1000 (26%), 43/s, ETA 17s"


def test_nothing_to_do_stays_quiet_and_never_divides_by_zero():
    lines = []
    progress = Progress("A1", 0, lines.append, clock=Clock())
    progress.finish()
    assert lines == []
    assert progress.line() == "A1: 0/0, 0/s"
