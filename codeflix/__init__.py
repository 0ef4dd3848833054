"""Codeflix shared kernel: settings, storage, observability, web conventions and the CLI."""

__version__ = "0.1.0"
