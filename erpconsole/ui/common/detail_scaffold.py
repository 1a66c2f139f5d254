"""What the detail pages of one target share (host detail, database detail): a picker of the
target beside its badge, the range buttons with where the data comes from, the charts in a
scrolled grid above the page's own lower part, and the splitter between them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QWidget,
)

LIVE_RANGE_S = 3600  # up to an hour the charts come from memory; longer ranges from the store


def _tr(text: str) -> str:
    return QCoreApplication.translate("detail", text)


def detail_ranges() -> list[tuple[int, str]]:
    return [(300, _tr("5 min")), (3600, _tr("1 h")), (86400, _tr("24 h")), (604800, _tr("7 d"))]


def target_picker(min_width: int, on_index: Callable[[int], None]) -> QComboBox:
    box = QComboBox()
    box.setMinimumWidth(min_width)
    # A 64-character target name must not widen the window: the list shows it whole.
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(24)
    box.currentIndexChanged.connect(on_index)
    return box


def header_row(caption: str, picker: QComboBox, badge: QWidget) -> QHBoxLayout:
    """The start of the page's top line; the page adds its own facts, then the range controls."""
    row = QHBoxLayout()
    row.addWidget(QLabel(caption))
    row.addWidget(picker)
    row.addWidget(badge)
    return row


def add_range_controls(owner: QWidget, row: QHBoxLayout, current_s: int,
                       on_range: Callable[[int], None]) -> tuple[QButtonGroup, QLabel]:
    """One checkable button a range (its id is the range in seconds), then the label that says
    whether the charts show live data or the store's."""
    group = QButtonGroup(owner)
    for seconds, text in detail_ranges():
        button = QPushButton(text)
        button.setCheckable(True)
        button.setChecked(seconds == current_s)
        button.setToolTip(_tr("Show the last {0}").format(text))
        group.addButton(button, seconds)
        row.addWidget(button)
    group.idClicked.connect(on_range)
    source = QLabel()
    source.setObjectName("rangeSource")
    row.addWidget(source)
    return group, source


def check_range(group: QButtonGroup, seconds: int) -> int:
    """Checks the button of ``seconds`` (a range set from code or restored); returns it as int."""
    seconds = int(seconds)
    button = group.button(seconds)
    if button is not None:
        button.setChecked(True)
    return seconds


def show_in_picker(picker: QComboBox, target: str, show: Callable[[str], None]) -> None:
    """Picks ``target``, whose index change shows it; picked already, it is shown again."""
    i = picker.findData(target)
    if i >= 0 and i != picker.currentIndex():
        picker.setCurrentIndex(i)
    elif i >= 0:
        show(target)


def chart_scroll(grid_host: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(grid_host)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    return scroll


def vertical_split(charts: QWidget, below: QWidget, stretch: tuple[int, int]) -> QSplitter:
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.addWidget(charts)
    splitter.addWidget(below)
    splitter.setStretchFactor(0, stretch[0])
    splitter.setStretchFactor(1, stretch[1])
    return splitter
