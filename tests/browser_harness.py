"""Reads a rendered page in headless Chromium: the page and a harness page of the same origin
(whose script reads the page's DOM into ``<pre id="result">`` as JSON) are served from a
local HTTP server on 127.0.0.1; the harness's result is returned. The page itself needs no
script."""

import functools
import html
import http.server
import json
import os
import re
import shutil
import threading

from tfgan_suite import report


def harness_page(reader: str) -> str:
    """A harness page: when ``report.html`` has loaded in its iframe, the JavaScript
    ``reader`` runs with ``doc`` (the report's document) and calls ``report(value)`` with
    what the test reads (it may do so later, e.g. after media metadata loads)."""
    return ("<!DOCTYPE html><html><body>\n"
            '<iframe id="page" src="report.html" width="1200" height="800"></iframe>\n'
            '<pre id="result"></pre>\n<script>\n'
            'function report(value) {\n'
            '  document.getElementById("result").textContent = JSON.stringify(value); }\n'
            'document.getElementById("page").addEventListener("load", function () {\n'
            f"  var doc = this.contentDocument;\n{reader}\n}});\n</script></body></html>")


def require_chromium(test) -> None:
    """Skips ``test`` with the reason when Debian's Chromium is missing."""
    if report.chromium() is None:
        test.skipTest("Chromium is not installed (make test installs Debian's chromium as "
                      "root; this machine could not)")


def harness_result(test, page: str, harness: str, served: str, *arguments: str) -> dict:
    """Serves ``page`` as ``report.html`` and ``harness`` (HTML text) as ``check.html`` from
    directory ``served``, loads the harness in Chromium (extra ``arguments``) and returns
    the JSON it wrote."""
    os.makedirs(served, exist_ok=True)
    shutil.copy(page, os.path.join(served, "report.html"))
    with open(os.path.join(served, "check.html"), "w", encoding="utf-8") as handle:
        handle.write(harness)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=served)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    test.addCleanup(server.shutdown)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    dom = report.browse(f"{base}/check.html", "--virtual-time-budget=20000", *arguments,
                        "--dump-dom")
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    test.assertIsNotNone(found, f"the harness did not report: {dom[-500:]}")
    return json.loads(html.unescape(found.group(1)))
