#!/usr/bin/env python3
"""DuckDB side of scripts/bench: the reference engine, the cross-check and the report table.

Subcommands (scripts/bench calls them with the test venv's python, which has duckdb==2.0.0):

  query   --input FILE --now RFC3339 --days N [--crash any|fatal] --out FILE
          Computes with DuckDB the figures `vitals crash-free --tz UTC` reports (daily, 7d/30d
          windows per platform, and per platform x app version) and writes them as JSON.
  compare FILE...
          Checks that every result file (vitals' JSON documents or `query` outputs) holds the
          same figures as the first one; prints each difference and exits 1 if any.
  measure --out FILE -- CMD...
          Runs CMD, writes "wall_seconds peak_rss_kib" to FILE (the fallback when
          /usr/bin/time is missing). Exits with CMD's status.
  report  --timings FILE --rows N
          Prints one table: per case, the medians of vitals, DuckDB and the inflate floor, the
          ratios against the targets, and peak RSS.

Only the standard library is needed except for `query`, so duckdb is imported there.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time

# The columns the report needs, declared so DuckDB neither samples the file to guess a schema
# nor materialises the ~20 other fields. INT64 values are JSON strings in the BigQuery export,
# hence int_value VARCHAR for NDJSON (Parquet has real INT64s).
NDJSON_COLUMNS = {
    "event_date": "VARCHAR",
    "event_name": "VARCHAR",
    "user_pseudo_id": "VARCHAR",
    "platform": "VARCHAR",
    "app_info": "STRUCT(version VARCHAR)",
    "event_params": "STRUCT(key VARCHAR, value STRUCT(int_value VARCHAR))[]",
}

# Mirrors queries/crash_free.sql (the BigQuery engine's query) on one file. `crashed` has the
# contract's `fatal` lookup with the crash kind as a run-time value, as vitals has it (--crash):
# DuckDB folds a plain parameter at plan time and then skips event_params altogether, while
# vitals reads event_params' key and int_value for every row; reading the kind from a
# materialised one-row CTE keeps the two engines reading the same columns. The lookup itself
# only runs when crash = 'fatal'.
# The events CTE is MATERIALIZED so the file is scanned once for the five aggregations.
QUERY = """
WITH settings AS MATERIALIZED (SELECT $crash AS crash),
events AS MATERIALIZED (
  SELECT
    event_date AS day,
    platform,
    IFNULL(app_info.version, '(not set)') AS version,
    user_pseudo_id AS user_id,
    event_name = 'app_exception'
      AND ((SELECT crash FROM settings) = 'any' OR len(list_filter(event_params,
            lambda p: p.key = 'fatal' AND TRY_CAST(p.value.int_value AS BIGINT) = 1)) > 0) AS crashed
  FROM {source}
  WHERE event_date BETWEEN $first_day AND $last_day
    AND user_pseudo_id IS NOT NULL
    AND platform IN ('ANDROID', 'IOS')  -- WEB is skipped by the contract
)
SELECT 'day' AS scope, platform, NULL AS version, day,
       count(DISTINCT user_id) AS users,
       count(DISTINCT CASE WHEN crashed THEN user_id END) AS crashed_users
FROM events GROUP BY platform, day
UNION ALL
SELECT '7d', platform, NULL, NULL, count(DISTINCT user_id), count(DISTINCT CASE WHEN crashed THEN user_id END)
FROM events WHERE day >= $first_day_7d GROUP BY platform
UNION ALL
SELECT '30d', platform, NULL, NULL, count(DISTINCT user_id), count(DISTINCT CASE WHEN crashed THEN user_id END)
FROM events WHERE day >= $first_day_30d GROUP BY platform
UNION ALL
SELECT '7d', platform, version, NULL, count(DISTINCT user_id), count(DISTINCT CASE WHEN crashed THEN user_id END)
FROM events WHERE day >= $first_day_7d GROUP BY platform, version
UNION ALL
SELECT '30d', platform, version, NULL, count(DISTINCT user_id), count(DISTINCT CASE WHEN crashed THEN user_id END)
FROM events WHERE day >= $first_day_30d GROUP BY platform, version
"""


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def source_for(path):
    if path.endswith(".parquet"):
        return f"read_parquet({sql_string(path)})"
    columns = ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in NDJSON_COLUMNS.items())
    compression = ", compression = 'gzip'" if path.endswith(".gz") else ""
    return f"read_json({sql_string(path)}, format = 'newline_delimited', columns = {{{columns}}}{compression})"


def report_range(now, days):
    """vitals' calendar with --tz UTC: the last complete day before `now`, and `days` days to it."""
    moment = dt.datetime.fromisoformat(now.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
    last = moment.date() - dt.timedelta(days=1)
    first = last - dt.timedelta(days=days - 1)
    # Windows end on the last day and never reach before the range (DayRange::window_start).
    start = lambda n: max(first, last - dt.timedelta(days=n - 1))
    return first, last, start(7), start(30)


def ymd(date):
    return date.strftime("%Y%m%d")


def cmd_query(args):
    import duckdb  # only this subcommand needs it

    first, last, first_7d, first_30d = report_range(args.now, args.days)
    started = time.perf_counter()
    con = duckdb.connect()  # in-memory; default threads (all cores), like vitals
    rows = con.execute(
        QUERY.format(source=source_for(args.input)),
        {
            "first_day": ymd(first),
            "last_day": ymd(last),
            "first_day_7d": ymd(first_7d),
            "first_day_30d": ymd(first_30d),
            "crash": args.crash,
        },
    ).fetchall()  # fetch everything so the whole query really runs
    seconds = time.perf_counter() - started
    result = {
        "kind": "duckdb_crash_free",
        "duckdb_version": duckdb.__version__,
        "query_seconds": seconds,
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "daily": [],
        "windows": [],
        "versions": [],
    }
    for scope, platform, version, day, users, crashed in rows:
        if scope == "day":
            date = dt.datetime.strptime(day, "%Y%m%d").date().isoformat()
            result["daily"].append([platform, date, users, crashed])
        elif version is None:
            result["windows"].append([platform, scope, users, crashed])
        else:
            result["versions"].append([platform, version, scope, users, crashed])
    for key in ("daily", "windows", "versions"):
        result[key].sort()
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


def canonical(doc):
    """Both engines' figures as {(scope, platform, day-or-window, version): (users, crashed)},
    keeping only non-zero entries: vitals lists empty days and versions with no 7d users as
    zeros, DuckDB leaves them out."""
    figures = {}

    def put(key, users, crashed):
        if users or crashed:
            figures[key] = (users, crashed)

    if doc.get("kind") == "crash_free":  # vitals' JSON document
        for p in doc["platforms"]:
            name = p["platform"]
            for d in p["daily"]:
                put(("daily", name, d["date"], ""), d["users"], d["crashed_users"])
            for w in ("7d", "30d"):
                s = p["windows"][w]
                put(("window", name, w, ""), s["users"], s["crashed_users"])
            for v in p["versions"]:
                for w in ("7d", "30d"):
                    put(("version", name, w, v["version"]), v[w]["users"], v[w]["crashed_users"])
    elif doc.get("kind") == "duckdb_crash_free":
        for name, date, users, crashed in doc["daily"]:
            put(("daily", name, date, ""), users, crashed)
        for name, w, users, crashed in doc["windows"]:
            put(("window", name, w, ""), users, crashed)
        for name, version, w, users, crashed in doc["versions"]:
            put(("version", name, w, version), users, crashed)
    else:
        raise SystemExit(f"bench_duckdb: unrecognised result document (kind={doc.get('kind')!r})")
    return (doc["first_day"], doc["last_day"]), figures


def cmd_compare(args):
    loaded = []
    for path in args.files:
        with open(path) as f:
            loaded.append((path, canonical(json.load(f))))
    ref_path, (ref_range, ref) = loaded[0]
    if not ref:
        print(f"bench: MISMATCH: {ref_path} has no figures at all", file=sys.stderr)
        return 1
    bad = 0
    for path, (rng, figures) in loaded[1:]:
        problems = []
        if rng != ref_range:
            problems.append(f"  range {rng[0]}..{rng[1]} vs {ref_range[0]}..{ref_range[1]}")
        for key in sorted(set(ref) | set(figures)):
            a, b = ref.get(key, (0, 0)), figures.get(key, (0, 0))
            if a != b:
                scope, platform, where, version = key
                label = f"{scope} {platform} {where}" + (f" version {version}" if version else "")
                problems.append(f"  {label}: users/crashed {b[0]}/{b[1]} vs {a[0]}/{a[1]}")
        if problems:
            bad += 1
            print(f"bench: MISMATCH: {path} vs {ref_path} ({len(problems)} differences):", file=sys.stderr)
            for line in problems[:40]:
                print(line, file=sys.stderr)
            if len(problems) > 40:
                print(f"  … and {len(problems) - 40} more", file=sys.stderr)
    counts = {s: sum(1 for k in ref if k[0] == s) for s in ("daily", "window", "version")}
    if bad:
        return 1
    print(
        f"bench: all {len(loaded)} results agree ({counts['daily']} platform-days, "
        f"{counts['window']} platform windows, {counts['version']} version windows)",
        file=sys.stderr,
    )
    return 0


def cmd_measure(args):
    # os.wait4 gives this one child's own rusage, so its ru_maxrss is exactly its peak RSS.
    started = time.perf_counter()
    child = subprocess.Popen(args.cmd)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    with open(args.out, "w") as f:
        f.write(f"{seconds:.4f} {usage.ru_maxrss}\n")  # ru_maxrss is KiB on Linux
    return os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8


# Targets per case (issue #17): vitals' median over DuckDB's, and over the inflate floor's.
TARGETS = {
    "gz-1-member": (None, 1.25),
    "gz-62-shards": (0.6, 1.3),
    "parquet-1-file": (0.9, None),
    "parquet-62-files": (0.9, None),
}


def cmd_report(args):
    # timings: case engine round seconds rss_kib, tab-separated, one line per run.
    runs = {}
    cases = []
    with open(args.timings) as f:
        for line in f:
            case, engine, _round, seconds, rss = line.rstrip("\n").split("\t")
            if case not in cases:
                cases.append(case)
            runs.setdefault((case, engine), []).append((float(seconds), int(rss)))
    med = {k: statistics.median(s for s, _ in v) for k, v in runs.items()}
    rss = {k: max(r for _, r in v) / 1024 for k, v in runs.items()}

    def ratio(case, other, target):
        if (case, "vitals") not in med or (case, other) not in med:
            return "-"
        r = med[(case, "vitals")] / med[(case, other)]
        if target is None:
            return f"{r:.2f}x"
        return f"{r:.2f}x {'ok' if r <= target else 'MISS'} (<={target}x)"

    def seconds(case, engine):
        return f"{med[(case, engine)]:.3f}" if (case, engine) in med else "-"

    def mib(case, engine):
        return f"{rss[(case, engine)]:.0f}" if (case, engine) in rss else "-"

    header = (
        f"{'case':<17} {'vitals s':>8} {'DuckDB s':>8} {'floor s':>8}  {'vitals/DuckDB':<21} "
        f"{'vitals/floor':<21} {'RSS MiB vitals':>14} {'DuckDB':>7}"
    )
    print(header)
    print("-" * len(header))
    for case in cases:
        to_duckdb, to_floor = TARGETS.get(case, (None, None))
        print(
            f"{case:<17} {seconds(case, 'vitals'):>8} {seconds(case, 'duckdb'):>8} {seconds(case, 'floor'):>8}  "
            f"{ratio(case, 'duckdb', to_duckdb):<21} {ratio(case, 'floor', to_floor):<21} "
            f"{mib(case, 'vitals'):>14} {mib(case, 'duckdb'):>7}"
        )
    rounds = len(next(iter(runs.values())))
    print(
        f"{args.rows} rows in every case, {rounds} rounds, medians. floor: inflate alone (flate2 + zlib-rs"
        " into a sink); for the shards, the sum of per-shard inflate times / cores."
    )
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("query")
    q.add_argument("--input", required=True)
    q.add_argument("--now", required=True)
    q.add_argument("--days", type=int, required=True)
    q.add_argument("--crash", choices=["any", "fatal"], default="any")
    q.add_argument("--out", required=True)
    c = sub.add_parser("compare")
    c.add_argument("files", nargs="+")
    m = sub.add_parser("measure")
    m.add_argument("--out", required=True)
    m.add_argument("cmd", nargs="+")
    r = sub.add_parser("report")
    r.add_argument("--timings", required=True)
    r.add_argument("--rows", type=int, required=True)
    args = parser.parse_args()
    handler = {"query": cmd_query, "compare": cmd_compare, "measure": cmd_measure, "report": cmd_report}
    sys.exit(handler[args.command](args) or 0)


if __name__ == "__main__":
    main()
