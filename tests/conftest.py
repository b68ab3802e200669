"""Shared test settings. Notebooks under tests/ belong to browser tests, not to nbval."""

collect_ignore_glob = ["browser/**/*.ipynb", "**/.ipynb_checkpoints/*"]
