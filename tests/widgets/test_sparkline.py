import numpy as np

from erpconsole.widgets.sparkline import Sparkline, peak_downsample


def test_set_values_copies_and_builds_a_path(qtbot):
    spark = Sparkline()
    qtbot.addWidget(spark)
    spark.resize(200, 40)
    src = np.array([1.0, 5.0, 3.0])
    spark.set_values(src)
    src[0] = 99.0
    assert spark.values().tolist() == [1.0, 5.0, 3.0]
    path = spark._build_path()
    assert path is not None and path.elementCount() == 3
    rect = path.boundingRect()
    assert rect.left() >= 0 and rect.right() <= 200 and rect.top() >= 0 and rect.bottom() <= 40


def test_too_few_values_draw_nothing(qtbot):
    spark = Sparkline()
    qtbot.addWidget(spark)
    spark.resize(100, 30)
    spark.set_values([5.0])
    assert spark._build_path() is None
    spark.set_values([np.nan, np.nan])
    assert spark._build_path() is None


def test_nan_leaves_a_gap(qtbot):
    spark = Sparkline()
    qtbot.addWidget(spark)
    spark.resize(100, 30)
    spark.set_values([1.0, 2.0, np.nan, 3.0, 4.0])
    path = spark._build_path()
    move_to = [path.elementAt(i).isMoveTo() for i in range(path.elementCount())]
    assert move_to.count(True) == 2  # two separate runs


def test_fixed_range_scales_percentages_to_height(qtbot):
    spark = Sparkline()
    qtbot.addWidget(spark)
    spark.resize(100, 44)
    spark.set_y_range((0.0, 100.0))
    spark.set_values([0.0, 100.0])
    path = spark._build_path()
    ys = [path.elementAt(i).y for i in range(path.elementCount())]
    assert ys == [42.0, 2.0]  # 2 px margin, y grows downwards


def test_peak_downsample_keeps_spikes():
    values = np.zeros(1000)
    values[517] = 50.0
    values[3] = -7.0
    out = peak_downsample(values, 100)
    assert out.size == 200
    assert out.max() == 50.0 and out.min() == -7.0


def test_peak_downsample_small_input_unchanged():
    values = np.arange(10.0)
    assert peak_downsample(values, 100) is values


def test_paint_event_runs(qtbot):
    painted = []

    class Counting(Sparkline):
        def paintEvent(self, event):  # noqa: N802
            painted.append(1)
            super().paintEvent(event)

    spark = Counting()
    qtbot.addWidget(spark)
    spark.resize(120, 32)
    spark.set_values(np.sin(np.linspace(0, 6, 300)))
    spark.show()
    qtbot.waitUntil(lambda: len(painted) >= 1, timeout=2000)
    before = len(painted)
    spark.repaint()  # synchronous
    assert len(painted) == before + 1
