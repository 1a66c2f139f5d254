from erpconsole.services.rates import RateTracker, busy_percent


def test_first_sample_gives_no_rate_then_rate_per_second():
    r = RateTracker(clock=lambda: 0.0)
    assert r.rate("rx", 1000, now=10.0) is None
    assert r.rate("rx", 3000, now=12.0) == 1000.0


def test_no_time_passed_gives_no_rate():
    r = RateTracker()
    r.rate("rx", 1, now=5.0)
    assert r.rate("rx", 2, now=5.0) is None


def test_32bit_counter_wrap_is_unwrapped():
    r = RateTracker()
    r.rate("rx", 2**32 - 100, now=0.0)
    assert r.rate("rx", 100, now=1.0) == 200.0


def test_counter_reset_gives_no_rate_then_recovers():
    r = RateTracker()
    r.rate("rx", 10_000_000_000, now=0.0)  # 64-bit value, then reboot resets to small
    assert r.rate("rx", 50, now=1.0) is None
    assert r.rate("rx", 150, now=2.0) == 100.0


def test_forget_makes_next_sample_a_first():
    r = RateTracker()
    r.rate("h1.rx", 1, now=0.0)
    r.forget("h1.")
    assert r.rate("h1.rx", 5, now=1.0) is None


def test_busy_percent():
    assert busy_percent(None, (1, 2)) is None
    assert busy_percent((10, 100), (60, 200)) == 50.0
    assert busy_percent((10, 100), (10, 100)) is None
    assert busy_percent((10, 100), (5, 200)) == 0.0  # iowait went backwards: clamp, keep the sample


def test_a_sample_inside_the_minimum_window_gives_no_rate_and_keeps_the_window_start():
    # Counters published in steps of one second: 0.5 s apart holds zero or two steps.
    r = RateTracker(min_window_s=2.0)
    assert r.rate("commits", 0, now=0.0) is None
    assert r.rate("commits", 2000, now=0.5) is None  # a step just landed: 4000/s would be wrong
    assert r.since("commits", now=1.0) == 1.0  # the start stays at 0.0
    assert r.rate("commits", 4000, now=2.0) == 2000.0  # the rate spans the whole window
    assert r.since("other", now=2.0) is None
