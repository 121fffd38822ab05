"""Benchmarks and their harness (never timed tests). See bench/submissions.py.

Benchmarks run the production settings, which need a key and a data folder: each run gets a
throwaway key and, unless a benchmark sets its own, a temporary data folder."""

import os
import secrets
import tempfile

os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("FREEASSOC_DATA_DIR", tempfile.mkdtemp(prefix="freeassoc-bench-"))
