#!/usr/bin/env python3
"""Smoke test: run queries/crash_free.sql on the BigQuery emulator and check the counts.

Starts bqemulator through scripts/bqemulator.py on free loopback ports in a temporary HOME,
seeds GA4-shaped date shards (analytics_1.events_20261101..03) with tabledata.insertAll, runs
the query through jobs.query and through jobs.insert + getQueryResults (what
gcp-bigquery-client's query_all does), prints the rows and compares them with hand-computed
expectations. Exits non-zero on any mismatch. Standard library only.

Usage: scripts/bq_smoke.py [--python VENV_PYTHON] [--verbose]
  --python  interpreter that has bqemulator installed (default: $VITALS_VENV/bin/python, else
            <repo>/.venv-test/bin/python; scripts/install-test-deps creates it)
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = "test-project"
DATASET = "analytics_1"

# --------------------------------------------------------------------------- emulator


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    def __init__(self, python: str, verbose: bool):
        self.python = python
        self.verbose = verbose
        self.home = tempfile.mkdtemp(prefix="vitals-bqemu-")
        self.rest_port = free_port()
        self.grpc_port = free_port()
        self.base = f"http://127.0.0.1:{self.rest_port}"
        self.proc = None
        self.log_path = os.path.join(self.home, "emulator.log")

    def start(self, timeout: float = 60.0) -> float:
        env = dict(os.environ, HOME=self.home)
        log = open(self.log_path, "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [self.python, os.path.join(REPO, "scripts", "bqemulator.py"), "start",
             "--rest-host", "127.0.0.1", "--rest-port", str(self.rest_port),
             "--grpc-port", str(self.grpc_port), "--project", PROJECT],
            env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"emulator exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return time.monotonic() - t0
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"emulator not healthy after {timeout}s:\n{self.log_tail()}")

    def log_tail(self, n: int = 40) -> str:
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.home, ignore_errors=True)

    def call(self, method: str, path: str, body=None, query: str = ""):
        """One REST call under /bigquery/v2; returns (status, parsed JSON)."""
        url = f"{self.base}/bigquery/v2{path}" + (f"?{query}" if query else "")
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method, headers={
            "Content-Type": "application/json", "Authorization": "Bearer test-token"})
        if self.verbose:
            print(f">>> {method} {url}\n{json.dumps(body, indent=1) if body else ''}", file=sys.stderr)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        out = json.loads(raw) if raw else {}
        if self.verbose:
            print(f"<<< {status}\n{json.dumps(out, indent=1)[:4000]}", file=sys.stderr)
        return status, out

    def ok(self, method: str, path: str, body=None, query: str = ""):
        """A call that must succeed: HTTP 2xx and no `errors`/`errorResult` in the body
        (the emulator reports query errors as HTTP 200 with `errors` set)."""
        status, out = self.call(method, path, body, query)
        if status >= 300 or out.get("errors") or out.get("insertErrors") \
                or (out.get("status") or {}).get("errorResult"):
            raise RuntimeError(f"{method} {path} -> {status}: {json.dumps(out)[:2000]}")
        return out


# --------------------------------------------------------------------------- GA4 seed data

EVENT_SCHEMA = {"fields": [
    {"name": "event_date", "type": "STRING", "mode": "NULLABLE"},
    {"name": "event_timestamp", "type": "INTEGER", "mode": "NULLABLE"},
    {"name": "event_name", "type": "STRING", "mode": "NULLABLE"},
    {"name": "event_params", "type": "RECORD", "mode": "REPEATED", "fields": [
        {"name": "key", "type": "STRING", "mode": "NULLABLE"},
        {"name": "value", "type": "RECORD", "mode": "NULLABLE", "fields": [
            {"name": "string_value", "type": "STRING", "mode": "NULLABLE"},
            {"name": "int_value", "type": "INTEGER", "mode": "NULLABLE"},
            {"name": "float_value", "type": "FLOAT", "mode": "NULLABLE"},
            {"name": "double_value", "type": "FLOAT", "mode": "NULLABLE"},
        ]},
    ]},
    {"name": "user_pseudo_id", "type": "STRING", "mode": "NULLABLE"},
    {"name": "app_info", "type": "RECORD", "mode": "NULLABLE", "fields": [
        {"name": "id", "type": "STRING", "mode": "NULLABLE"},
        {"name": "version", "type": "STRING", "mode": "NULLABLE"},
    ]},
    {"name": "platform", "type": "STRING", "mode": "NULLABLE"},
]}


def event(day, n, name, user, platform, version=None, fatal=None, extra_params=()):
    params = [{"key": "firebase_screen", "value": {"string_value": "Home"}},
              {"key": "engagement_time_msec", "value": {"int_value": "1200"}}]
    if fatal is not None:
        # INT64 values go over the wire as JSON strings, like BigQuery's own clients send them.
        params.append({"key": "fatal", "value": {"int_value": str(fatal)}})
    params.extend(extra_params)
    row = {
        "event_date": day,
        "event_timestamp": str(int(time.mktime(time.strptime(day, "%Y%m%d"))) * 1_000_000 + n),
        "event_name": name,
        "event_params": params,
        "user_pseudo_id": user,
        "platform": platform,
    }
    if platform in ("ANDROID", "IOS", "FOO"):
        row["app_info"] = {"id": "com.example.app", "version": version}
    return row


SHARDS = {
    "20261101": [
        event("20261101", 1, "session_start", "u1", "ANDROID", "1.0"),
        event("20261101", 2, "app_exception", "u1", "ANDROID", "1.0", fatal=1),
        event("20261101", 3, "session_start", "u2", "IOS", "2.0"),
        event("20261101", 4, "app_exception", "u2", "IOS", "2.0", fatal=0),
        event("20261101", 5, "page_view", "u3", "WEB"),
        # No user id: excluded everywhere, even though it is a fatal crash.
        event("20261101", 6, "app_exception", None, "ANDROID", "1.0", fatal=1),
    ],
    "20261102": [
        event("20261102", 1, "session_start", "u1", "IOS", "2.0"),  # u1 on both platforms
        event("20261102", 2, "session_start", "u4", "ANDROID", None),  # version -> '(not set)'
        event("20261102", 3, "session_start", "u5", "FOO", "1.0"),  # unknown platform
    ],
    "20261103": [
        event("20261103", 1, "session_start", "u2", "IOS", "2.1"),
        # Exception without a `fatal` param: crashed for 'any', not for 'fatal'.
        event("20261103", 2, "app_exception", "u4", "ANDROID", None),
        event("20261103", 3, "session_start", "u6", None),  # NULL platform
    ],
}


def seed(emu: Emulator) -> None:
    emu.ok("POST", f"/projects/{PROJECT}/datasets", {
        "datasetReference": {"projectId": PROJECT, "datasetId": DATASET}, "location": "US"})
    for day, rows in SHARDS.items():
        table = f"events_{day}"
        emu.ok("POST", f"/projects/{PROJECT}/datasets/{DATASET}/tables", {
            "tableReference": {"projectId": PROJECT, "datasetId": DATASET, "tableId": table},
            "schema": EVENT_SCHEMA})
        emu.ok("POST", f"/projects/{PROJECT}/datasets/{DATASET}/tables/{table}/insertAll", {
            "kind": "bigquery#tableDataInsertAllRequest",
            "rows": [{"insertId": f"{day}-{i}", "json": r} for i, r in enumerate(rows)]})


# --------------------------------------------------------------------------- queries


def params(crash: str, first_day_7d: str = "20261101"):
    values = {"first_day": "20261101", "last_day": "20261103", "first_day_7d": first_day_7d,
              "first_day_30d": "20261101", "crash": crash}
    return [{"name": k, "parameterType": {"type": "STRING"}, "parameterValue": {"value": v}}
            for k, v in values.items()]


def decode(schema, rows):
    """BigQuery's row encoding: {"f": [{"v": value}, ...]} in schema order; every scalar is a
    JSON string (INT64 included) or null."""
    names = [f["name"] for f in schema["fields"]]
    return [dict(zip(names, (c["v"] for c in r["f"]))) for r in rows or []]


def run_jobs_query(emu, sql, qparams):
    out = emu.ok("POST", f"/projects/{PROJECT}/queries", {
        "query": sql, "useLegacySql": False, "parameterMode": "NAMED",
        "queryParameters": qparams, "timeoutMs": 30000})
    if not out.get("jobComplete"):
        raise RuntimeError(f"jobs.query not complete: {out}")
    rows = decode(out["schema"], out.get("rows"))
    if out.get("pageToken"):
        rows += page_through(emu, out["jobReference"]["jobId"], out["pageToken"], None)
    return rows


def page_through(emu, job_id, page_token, page_size):
    rows, schema = [], None
    while True:
        q = []
        if page_size:
            q.append(f"maxResults={page_size}")
        if page_token:
            q.append(f"pageToken={urllib.request.quote(page_token)}")
        out = emu.ok("GET", f"/projects/{PROJECT}/queries/{job_id}", query="&".join(q))
        if not out.get("jobComplete"):
            time.sleep(0.2)
            continue
        schema = out.get("schema") or schema
        rows += decode(schema, out.get("rows"))
        page_token = out.get("pageToken")
        if not page_token:
            return rows


def run_query_all(emu, sql, qparams, page_size=4):
    """jobs.insert (no jobReference: the server names the job) + getQueryResults paging."""
    job = emu.ok("POST", f"/projects/{PROJECT}/jobs", {
        "configuration": {"dryRun": False, "query": {
            "query": sql, "useLegacySql": False, "parameterMode": "NAMED",
            "queryParameters": qparams}}})
    return page_through(emu, job["jobReference"]["jobId"], None, page_size)


# --------------------------------------------------------------------------- expectations

def expected(crash: str, first_day_7d: str = "20261101"):
    any_ = crash == "any"
    rows = [
        ("day", "ANDROID", None, "20261101", 1, 1),
        ("day", "IOS", None, "20261101", 1, 1 if any_ else 0),
        ("day", "ANDROID", None, "20261102", 1, 0),
        ("day", "IOS", None, "20261102", 1, 0),
        ("day", "ANDROID", None, "20261103", 1, 1 if any_ else 0),
        ("day", "IOS", None, "20261103", 1, 0),
        ("30d", "ANDROID", None, None, 2, 2 if any_ else 1),
        ("30d", "IOS", None, None, 2, 1 if any_ else 0),
        ("30d", "ANDROID", "1.0", None, 1, 1),
        ("30d", "ANDROID", "(not set)", None, 1, 1 if any_ else 0),
        ("30d", "IOS", "2.0", None, 2, 1 if any_ else 0),
        ("30d", "IOS", "2.1", None, 1, 0),
        ("unknown_platform", "FOO", None, "20261102", 1, 0),
        ("unknown_platform", "(null)", None, "20261103", 1, 0),
    ]
    if first_day_7d == "20261101":
        rows += [("7d",) + r[1:] for r in rows if r[0] == "30d"]
    elif first_day_7d == "20261102":  # u1's ANDROID crash and u2's IOS 2.0 day fall outside
        rows += [
            ("7d", "ANDROID", None, None, 1, 1 if any_ else 0),   # u4
            ("7d", "IOS", None, None, 2, 0),                      # u1, u2
            ("7d", "ANDROID", "(not set)", None, 1, 1 if any_ else 0),
            ("7d", "IOS", "2.0", None, 1, 0),                     # u1 only
            ("7d", "IOS", "2.1", None, 1, 0),
        ]
    return sorted(rows, key=sort_key)


def sort_key(r):
    return tuple("" if v is None else str(v) for v in r)


def normalize(rows):
    cols = ("scope", "platform", "version", "day", "users", "crashed_users")
    out = []
    for r in rows:
        if set(r) != set(cols):
            raise RuntimeError(f"unexpected columns {sorted(r)}")
        out.append(tuple(int(r[c]) if c in ("users", "crashed_users") else r[c] for c in cols))
    return sorted(out, key=sort_key)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    venv = os.environ.get("VITALS_VENV", os.path.join(REPO, ".venv-test"))
    ap.add_argument("--python", default=os.path.join(venv, "bin", "python"))
    ap.add_argument("--verbose", action="store_true", help="print every request and response")
    args = ap.parse_args()
    if not os.access(args.python, os.X_OK):
        print(f"error: {args.python} not found; run scripts/install-test-deps first", file=sys.stderr)
        return 2

    with open(os.path.join(REPO, "queries", "crash_free.sql")) as f:
        sql = f.read().replace("{events_table}", f"{PROJECT}.{DATASET}.events_*")

    emu = Emulator(args.python, args.verbose)
    cases = [("any", "20261101"), ("fatal", "20261101"), ("any", "20261102")]
    runners = (("jobs.query", run_jobs_query), ("query_all", run_query_all))
    total, passed = len(cases) * len(runners), 0
    try:
        secs = emu.start()
        print(f"emulator healthy on :{emu.rest_port} after {secs:.1f}s")
        t = time.monotonic()
        seed(emu)
        print(f"seeded {sum(map(len, SHARDS.values()))} rows in {len(SHARDS)} shards "
              f"in {time.monotonic() - t:.1f}s")
        for crash, d7 in cases:
            want = expected(crash, d7)
            for how, runner in runners:
                t = time.monotonic()
                got = normalize(runner(emu, sql, params(crash, d7)))
                status = "ok" if got == want else "MISMATCH"
                print(f"\n== crash={crash} first_day_7d={d7} via {how}: {len(got)} rows, "
                      f"{time.monotonic() - t:.2f}s, {status}")
                for r in got:
                    print("  ", r)
                if got == want:
                    passed += 1
                else:
                    print("  missing:", [r for r in want if r not in got])
                    print("  unexpected:", [r for r in got if r not in want])
    except Exception as e:  # noqa: BLE001 - report and fail
        print(f"error: {e}\n--- emulator log tail ---\n{emu.log_tail()}", file=sys.stderr)
    finally:
        emu.stop()
    print(f"\n{passed} passed, {total - passed} failed")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
