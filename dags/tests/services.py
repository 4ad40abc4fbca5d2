"""Real local servers for the end-to-end DAG runs: the embedded MongoDB
(FerretDB, built by scripts/ensure-tools.sh) and the Polygon-compatible fake
server (the compiled pipeline/dist/fake-polygon/main.js). Each is a child
process started on a free loopback port and stopped by the test that started it.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FERRETDB = REPO / ".tools" / "bin" / "ferretdb-embedded"
FAKE_POLYGON = REPO / "pipeline" / "dist" / "fake-polygon" / "main.js"


@contextmanager
def _child(argv: list[str], what: str, **popen):
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
    try:
        line = proc.stdout.readline()  # both print one JSON line once listening
        if not line:
            raise RuntimeError(f"{what} did not start: {proc.stderr.read()[-2000:]}")
        yield json.loads(line)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


@contextmanager
def ferretdb(data_dir: Path):
    """Yields the mongodb:// URI of a FerretDB server keeping its SQLite files in `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    # The DAG's tests need a MongoDB, not the embedded default's PostgreSQL cluster: SQLite starts in no time.
    argv = [
        str(FERRETDB),
        "-listen",
        "127.0.0.1:0",
        "-handler",
        "sqlite",
        "-data",
        str(data_dir),
        "-log-level",
        "error",
        "-state-file",
        str(data_dir / "server.json"),
    ]
    with _child(argv, "FerretDB") as info:
        yield info["uri"]


@contextmanager
def fake_polygon(api_key: str):
    """Yields the base URL of a fake Polygon server that accepts `api_key`."""
    with _child(["node", str(FAKE_POLYGON), "--port", "0", "--host", "127.0.0.1", "--api-key", api_key], "the fake Polygon server") as info:
        yield info["url"]


def control(base_url: str, path: str, body: object | None = None) -> object:
    """Calls the fake server's control API (/__fake/...): GET without a body, POST with one."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base_url}/__fake/{path}", data=data, method="GET" if data is None else "POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())
