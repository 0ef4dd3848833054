"""The entry points: the ``codeflix`` command and everything it composes.

This layer sits on top: it may import the services (``apis/``), the encoder (``actors/``),
the pipeline and the kernel, and nothing imports it. Each module is one command group.
"""
