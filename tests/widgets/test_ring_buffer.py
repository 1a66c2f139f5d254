import numpy as np
import pytest

from erpconsole.widgets.ring_buffer import RingBuffer


def test_empty_buffer_has_no_data():
    buf = RingBuffer(4)
    ts, values = buf.arrays()
    assert len(buf) == 0
    assert ts.size == 0 and values.size == 0
    assert buf.last() is None


def test_append_keeps_time_order_before_wrap():
    buf = RingBuffer(4)
    for i in range(3):
        buf.append(float(i), i * 10.0)
    ts, values = buf.arrays()
    assert ts.tolist() == [0.0, 1.0, 2.0]
    assert values.tolist() == [0.0, 10.0, 20.0]


def test_append_wraps_around_many_times_keeping_the_newest():
    buf = RingBuffer(4)
    for i in range(23):
        buf.append(float(i), -float(i))
        ts, values = buf.arrays()
        expected = list(range(max(0, i - 3), i + 1))
        assert ts.tolist() == [float(t) for t in expected]
        assert values.tolist() == [-float(t) for t in expected]
    assert len(buf) == 4
    assert buf.last() == (22.0, -22.0)


def test_extend_across_the_wrap_point():
    buf = RingBuffer(5)
    buf.extend([0, 1, 2, 3], [0, 1, 2, 3])
    buf.extend([4, 5, 6], [4, 5, 6])
    buf.extend(np.arange(7, 10), np.arange(7, 10))
    ts, values = buf.arrays()
    assert ts.tolist() == [5.0, 6.0, 7.0, 8.0, 9.0]
    assert values.tolist() == ts.tolist()


def test_extend_longer_than_capacity_keeps_the_tail():
    buf = RingBuffer(3)
    buf.append(-1.0, -1.0)
    buf.extend(np.arange(10.0), np.arange(10.0) * 2)
    ts, values = buf.arrays()
    assert ts.tolist() == [7.0, 8.0, 9.0]
    assert values.tolist() == [14.0, 16.0, 18.0]


def test_extend_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="differ in length"):
        RingBuffer(3).extend([1, 2], [1])


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        RingBuffer(0)


def test_arrays_are_read_only_views():
    buf = RingBuffer(3)
    buf.append(1.0, 2.0)
    ts, values = buf.arrays()
    with pytest.raises(ValueError):
        values[0] = 5.0
    assert ts.base is not None  # a view, no copy


def test_clear_empties_and_buffer_is_reusable():
    buf = RingBuffer(2)
    buf.extend([1, 2, 3], [1, 2, 3])
    buf.clear()
    assert len(buf) == 0
    buf.append(9.0, 9.0)
    assert buf.arrays()[0].tolist() == [9.0]


def test_matches_a_reference_deque_on_random_operations():
    from collections import deque

    rng = np.random.default_rng(7)
    buf, ref = RingBuffer(17), deque(maxlen=17)
    t = 0.0
    for _ in range(500):
        n = int(rng.integers(0, 25))
        if n == 0:
            t += 1
            buf.append(t, t * 2)
            ref.append(t)
        else:
            new = t + np.arange(1, n + 1)
            t = float(new[-1])
            buf.extend(new, new * 2)
            ref.extend(new.tolist())
        ts, values = buf.arrays()
        assert ts.tolist() == list(ref)
        assert (values == ts * 2).all()


def test_version_counts_every_change():
    buf = RingBuffer(4)
    seen = [buf.version]
    buf.append(1.0, 1.0)
    seen.append(buf.version)
    buf.extend([2.0, 3.0], [2.0, 3.0])
    seen.append(buf.version)
    buf.extend(range(10), range(10))  # more than fits
    seen.append(buf.version)
    buf.clear()
    seen.append(buf.version)
    buf.arrays()
    buf.last()
    assert seen == sorted(set(seen)) and buf.version == seen[-1]
