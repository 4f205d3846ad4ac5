#!/usr/bin/env python3
"""Run the bqemulator CLI (PyPI bqemulator==1.4.0) with two patches so it works for vitals' tests.

Usage: python scripts/bqemulator.py start --rest-host 127.0.0.1 --rest-port P --grpc-port Q \
           --project test-project

Why the patches exist:
* DuckDBEngine._load_spatial runs `INSTALL spatial`, which downloads DuckDB's spatial extension
  at start-up and aborts the emulator when offline (CI has no network). vitals uses no
  GEOGRAPHY, so loading it is replaced with a no-op.
* sql.inner_query.build_catalog_schema feeds table schemas to SQLGlot's type annotator; with a
  wildcard table (`events_*`) that has RECORD/REPEATED columns, the annotated rewrite of
  COUNTIF/AVG produces DuckDB SQL that fails with a Binder Error. Returning {} makes the
  translator run without type annotation (its documented fallback), which translates correctly.
"""

import os
import sys

# This file shares the package's name: drop its own folder from the path so that
# `import bqemulator` finds the installed package, not this script.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]

import bqemulator.cli  # noqa: E402
import bqemulator.sql.inner_query  # noqa: E402
import bqemulator.storage.engine  # noqa: E402


def _no_spatial(self) -> None:
    return None


def _no_catalog_schema(*_args, **_kwargs) -> dict:
    return {}


bqemulator.storage.engine.DuckDBEngine._load_spatial = _no_spatial
bqemulator.sql.inner_query.build_catalog_schema = _no_catalog_schema

if __name__ == "__main__":
    sys.exit(bqemulator.cli.main(args=sys.argv[1:], prog_name="bqemulator"))
