"""Run as a child by test_crash.py: writes batches through StoreWriter forever, and after each
flush prints how many samples are committed so far. The parent kills it mid-write."""

from __future__ import annotations

import sys

from erpconsole.services.models import Sample
from erpconsole.services.store import Store, StoreWriter


def main(url: str) -> None:
    store = Store(url)
    writer = StoreWriter(store, flush_interval_s=0.01, batch_size=2000)
    committed = 0
    batch = 0
    while True:
        base = 1_700_000_000.0 + batch * 1000
        for host in range(5):
            writer.put(Sample(f"h{host}", "cpu", float(i), base + i) for i in range(1000))
        batch += 1
        if batch % 3 == 0:
            writer.flush(10.0)
            committed = batch * 5000
            print(committed, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
