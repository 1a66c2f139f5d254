"""erpconsole: the operations console for the people who keep an ERP system running."""

__version__ = "0.1.0"
