"""Shared test settings. Notebooks under tests/ belong to browser tests, not to nbval. The
shared helpers and fixtures come from the ``tests.support`` plugin."""

pytest_plugins = ["tests.support"]

collect_ignore_glob = ["browser/**/*.ipynb", "**/.ipynb_checkpoints/*"]
