"""Speed and memory benchmarks; see ``bench/README.md`` and ``docs/PERFORMANCE.md``."""
