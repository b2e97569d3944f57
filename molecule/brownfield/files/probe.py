"""Probe HTTP services in a bounded loop: one request per target every INTERVAL seconds until STOP
exists or LIMIT seconds passed. Failures go to OUT.failures as they happen; OUT gets the summary.

usage: probe.py OUT STOP LIMIT INTERVAL MARKER URL...
"""
import json
import os
import sys
import time
import urllib.request


def main(out, stop, limit, interval, marker, urls):
    started = time.time()
    stats = {url: {"ok": 0, "failed": 0, "first_ok": None, "last_ok": None, "failures": [], "slowest": 0.0}
             for url in urls}
    with open(out + ".failures", "a") as failures:
        while not os.path.exists(stop) and time.time() - started < limit:
            tick = time.time()
            for url in urls:
                entry = stats[url]
                begin = time.time()
                try:
                    with urllib.request.urlopen(url, timeout=5) as answer:
                        body = answer.read().decode("utf-8", "replace")
                    if marker not in body:
                        raise ValueError("answer without %r: %r" % (marker, body[:80]))
                except Exception as exc:  # pylint: disable=broad-except
                    entry["failed"] += 1
                    entry["failures"].append({"at": begin, "error": repr(exc)})
                    failures.write(json.dumps({"url": url, "at": begin, "error": repr(exc)}) + "\n")
                    failures.flush()
                else:
                    entry["ok"] += 1
                    entry["first_ok"] = entry["first_ok"] or begin
                    entry["last_ok"] = begin
                entry["slowest"] = max(entry["slowest"], time.time() - begin)
            time.sleep(max(0.0, interval - (time.time() - tick)))
    summary = {"started": started, "ended": time.time(), "stopped_by_file": os.path.exists(stop),
               "interval": interval, "targets": stats}
    with open(out + ".tmp", "w") as handle:
        json.dump(summary, handle, sort_keys=True)
    os.rename(out + ".tmp", out)
    print(json.dumps(summary, sort_keys=True))


main(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6:])
