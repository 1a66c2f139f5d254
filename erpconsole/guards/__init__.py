"""Guards against what comes from outside and goes back out: secrets in URLs, formulas in CSV
cells. A layer of its own below config, so config, services, widgets and the entry points
share one implementation of each (pyproject.toml's layers contract)."""
