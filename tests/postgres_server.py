"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl in a temp dir (Debian package `postgresql`).

`make postgres-deps` (run by `make test`) installs the package.  The server runs as the `postgres` user
when the tests run as root (PostgreSQL refuses to), listens on 127.0.0.1 on a free port, trusts local
connections and is stopped (and its directory removed) at the end of the session.  The tests skip only
when there is no PostgreSQL installed at all.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def postgres_bin() -> Path | None:
    """The directory of initdb/pg_ctl: Debian keeps them under /usr/lib/postgresql/<version>/bin."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start a fresh cluster; yields its URL (postgresql://assistant@127.0.0.1:<port>/postgres)."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("没有安装 PostgreSQL（make postgres-deps 安装 Debian 包 postgresql）")
    root = Path(tempfile.mkdtemp(prefix="feedback-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL does not run as root: run it as the package's own user
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()
    run = {"check": True, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "cwd": root}
    try:
        subprocess.run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "assistant", "-A", "trust",
                        "-E", "UTF8", "--locale=C.UTF-8"], **run)
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on"
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                        str(root / "server.log"), "-w", "-t", "60", "start"], **run)
        url = f"postgresql://assistant@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 30
        while subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                             capture_output=True).returncode != 0:
            assert time.monotonic() < deadline, (root / "server.log").read_text()
            time.sleep(0.2)
        yield url
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def reset(url: str) -> None:
    """Drop the feedback table, so that each test starts from an empty store."""
    import psycopg

    with psycopg.connect(url) as connection:
        connection.execute("DROP TABLE IF EXISTS feedback")
