"""Benchmarks and their harness (never timed tests). See bench/submissions.py."""
