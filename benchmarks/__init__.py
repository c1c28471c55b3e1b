"""Speed measurements of newsmon: scripts, not tests (see docs/benchmarks.md)."""
