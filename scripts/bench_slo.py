#!/usr/bin/env python3
"""SLO benchmark helpers: generate a year of one-minute metrics for 20 SLOs (with their
OpenSLO specs), and compute the same window sums with DuckDB, timing only the query.

  bench_slo.py generate DIR          write DIR/metrics.csv and DIR/specs/*.yaml
  bench_slo.py duckdb DIR NOW        print the window sums as JSON and the seconds taken
"""

import json
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone

SLOS = 20
ROWS = 525_600  # one year of minutes
WINDOWS = {"window": 28 * 24 * 60, "1h": 60, "6h": 360, "1d": 1440, "3d": 4320, "5m": 5, "30m": 30, "2h": 120}


def generate(out):
    os.makedirs(os.path.join(out, "specs"), exist_ok=True)
    rnd = random.Random(7)
    start = datetime(2025, 11, 22, tzinfo=timezone.utc)
    with open(os.path.join(out, "metrics.csv"), "w") as f:
        f.write("timestamp," + ",".join(f"good_{i},total_{i}" for i in range(SLOS)) + "\n")
        for m in range(ROWS):
            t = (start + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ")
            cells = []
            for i in range(SLOS):
                total = 500 + (m * (i + 3)) % 400
                bad = rnd.randrange(3)
                cells.append(f"{total - bad},{total}")
            f.write(t + "," + ",".join(cells) + "\n")
    for i in range(SLOS):
        with open(os.path.join(out, "specs", f"slo_{i:02d}.yaml"), "w") as f:
            f.write(f"""apiVersion: openslo/v1
kind: SLO
metadata: {{name: slo-{i:02d}}}
spec:
  indicator:
    spec:
      ratioMetric:
        good: {{metricSource: {{type: CSV, spec: {{path: ../metrics.csv, column: good_{i}}}}}}}
        total: {{metricSource: {{type: CSV, spec: {{path: ../metrics.csv, column: total_{i}}}}}}}
  timeWindow: [{{duration: 28d, isRolling: true}}]
  budgetingMethod: Occurrences
  objectives: [{{target: 0.999}}]
""")


def duckdb_sums(out, now_text):
    import duckdb
    now = datetime.fromisoformat(now_text.replace("Z", "+00:00"))
    con = duckdb.connect()
    sums = []
    for name, minutes in WINDOWS.items():
        since = (now - timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")
        cols = ", ".join(f"SUM(good_{i}), SUM(total_{i})" for i in range(SLOS))
        sums.append(f"SELECT '{name}' AS w, {cols} FROM m WHERE timestamp >= TIMESTAMPTZ '{since}+00' AND timestamp < TIMESTAMPTZ '{now_text}'")
    started = time.perf_counter()
    path = os.path.join(out, "metrics.csv")
    con.execute(f"CREATE TEMP VIEW m AS SELECT * FROM read_csv('{path}', header = true)")
    rows = con.execute(" UNION ALL ".join(sums)).fetchall()
    seconds = time.perf_counter() - started
    result = {r[0]: [[r[1 + 2 * i], r[2 + 2 * i]] for i in range(SLOS)] for r in rows}
    print(json.dumps({"seconds": seconds, "sums": result}))


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2])
    else:
        duckdb_sums(sys.argv[2], sys.argv[3])
