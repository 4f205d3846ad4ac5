#!/usr/bin/env python3
"""A BigQuery REST stand-in for the freshness benchmark: answers `__TABLES__` metadata
queries, `MAX(...)` UNION ALL batches and tables.get for any table, after a fixed latency,
and counts the requests it served. Standard library only.

Usage: bq_standin.py PORT_FILE [--latency-ms N]
Writes the port it listens on to PORT_FILE; GET /stats returns {"requests": N}; POST /reset
zeroes the count.
"""

import argparse
import functools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Every table was last modified 90 minutes before the benchmark's pinned now
# (2026-11-22T00:00:00Z), so each check has a definite status.
NOW_MS = 1_795_305_600_000
LAST_MODIFIED_MS = NOW_MS - 90 * 60 * 1000

lock = threading.Lock()
requests = 0


def field(name, kind):
    return {"name": name, "type": kind, "mode": "NULLABLE"}


@functools.lru_cache(maxsize=None)
def tables_reply(dataset):
    """`__TABLES__` of one dataset, serialised once: like BigQuery, only that dataset's tables —
    for bench-freshness's `dsNN`, t{NN*100} … t{NN*100+99}. (An earlier version listed all
    10,000 tables for every dataset, and building that reply in Python cost more than the
    50 ms latency: the benchmark then measured this stand-in, not vitals.)"""
    number = int(re.sub(r"\D", "", dataset.rsplit(".", 1)[-1]) or 0)
    rows = [{"f": [{"v": f"t{number * 100 + i:04d}"}, {"v": str(LAST_MODIFIED_MS)}]} for i in range(100)]
    schema = {"fields": [field("table_id", "STRING"), field("last_modified_time", "INTEGER")]}
    job = {"projectId": "bench", "jobId": "job"}
    body = {"kind": "bigquery#queryResponse", "jobComplete": True, "jobReference": job, "schema": schema, "rows": rows}
    return json.dumps(body).encode()


class Handler(BaseHTTPRequestHandler):
    latency = 0.0

    def log_message(self, *args):
        pass

    def reply(self, body, status=200):
        self.reply_bytes(json.dumps(body).encode(), status)

    def reply_bytes(self, data, status=200):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def count(self):
        global requests
        with lock:
            requests += 1
        time.sleep(self.latency)

    def do_GET(self):
        if self.path == "/stats":
            return self.reply({"requests": requests})
        self.count()
        if "/tables/" in self.path:
            return self.reply({"kind": "bigquery#table", "lastModifiedTime": str(LAST_MODIFIED_MS)})
        self.reply({"error": {"code": 404, "message": "Not found", "errors": [{"reason": "notFound"}]}}, 404)

    def do_POST(self):
        global requests
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path == "/reset":
            with lock:
                requests = 0
            return self.reply({})
        self.count()
        sql = body.get("query", "")
        job = {"projectId": "bench", "jobId": "job"}
        match = re.search(r"`([^`]+)\.__TABLES__`", sql)
        if match:
            return self.reply_bytes(tables_reply(match.group(1)))
        indices = re.findall(r"SELECT (\d+) AS check_index", sql)
        micros = str(LAST_MODIFIED_MS * 1000)
        rows = [{"f": [{"v": i}, {"v": micros}]} for i in indices]
        schema = {"fields": [field("check_index", "INTEGER"), field("max_loaded_at", "TIMESTAMP")]}
        self.reply({"kind": "bigquery#queryResponse", "jobComplete": True, "jobReference": job, "schema": schema, "rows": rows})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port_file")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    Handler.latency = args.latency_ms / 1000.0
    # socketserver's default listen backlog is 5: with 8 clients connecting at once, the
    # kernel drops the extra SYNs and each retries after its 1 s initial RTO. That stall was the
    # "missing second" of the freshness benchmark; a real endpoint has a deep backlog.
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(args.port_file, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
