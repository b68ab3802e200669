"""Benchmarks of osscb-notebook, each measured against a baseline taken in the same run.

Run ``python -m benchmarks`` (all), ``python -m benchmarks receiver roundtrip`` (a subset) or add
``--quick`` for a short smoke run. Figures are never asserted in tests; see ``benchmarks/README.md``.
"""
