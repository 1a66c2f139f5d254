from PySide6.QtWidgets import QListWidget, QTreeWidget, QTreeWidgetItem

from erpconsole.widgets.roomy_rows import EXTRA_PX, roomy


def test_tree_and_list_rows_are_as_tall_as_the_tables(qtbot):
    tree = roomy(QTreeWidget())
    qtbot.addWidget(tree)
    tree.setHeaderLabels(["Procedure", "Schedule"])
    item = QTreeWidgetItem(["Daily inspection", "daily 08:30"])
    tree.addTopLevelItem(item)
    listing = roomy(QListWidget())
    qtbot.addWidget(listing)
    listing.addItem("Daily inspection · started 2026-11-24 01:08 · 9/22")
    tree.show()
    listing.show()
    wanted = tree.fontMetrics().height() + EXTRA_PX
    assert tree.visualItemRect(item).height() >= wanted
    assert listing.visualItemRect(listing.item(0)).height() >= wanted
    plain = QTreeWidget()
    qtbot.addWidget(plain)
    plain.addTopLevelItem(QTreeWidgetItem(["Daily inspection"]))
    plain.show()
    assert plain.visualItemRect(plain.topLevelItem(0)).height() < wanted  # what it fixes
