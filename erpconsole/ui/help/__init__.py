"""Help: where the console keeps its files (with buttons that open them), the version, and the
keyboard shortcuts of the window, read from its real actions."""
