"""opskpi benchmarks: ``python -m benchmarks.run --size tiny|100k|1m`` (see README.md)."""
