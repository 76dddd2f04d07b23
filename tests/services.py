"""Private servers for tests that stop and restart them: a PostgreSQL cluster, a Redis and
nginx, each in a folder of its own on a free port, from Debian's packages (scripts/test
installs them). Nothing here touches the servers the suite itself runs on.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

from tests.processes import ROOT, free_port

NGINX_SITE = ROOT / "deploy" / "nginx" / "accessportal.conf"


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


class PrivatePostgres:
    """A PostgreSQL cluster of its own: trust authentication on loopback, one database."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        assert found, "PostgreSQL's server is needed (Debian package postgresql)"
        self.bin = Path(found[-1]).parent
        # Not under pytest's tmp_path: the postgres user must be able to reach the folder.
        self.folder = Path(tempfile.mkdtemp(prefix="accessportal-pg-"))
        if os.getuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/accessportal"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / tool), *args]),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        log = str(self.folder / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self) -> None:
        import psycopg

        admin = self.url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute("CREATE DATABASE accessportal")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    """A Redis of its own that keeps nothing on disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server, "Redis is needed (Debian package redis-server)"
        self.process = subprocess.Popen(
            [
                server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                self.process.poll()
                assert self.process.returncode is None, "redis-server stopped at once"
                time.sleep(0.1)
        raise AssertionError("Redis did not answer")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key; the certificate is also what clients trust."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


class Nginx:
    """nginx with the site file from deploy/nginx/, as shipped: only the marked lines (the
    web processes, the name, the ports) and the certificate paths are changed."""

    def __init__(self, folder: Path, upstream_ports: list[int]) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.cert, key = self_signed_certificate(folder)
        site = NGINX_SITE.read_text()
        upstreams = "".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;\n" for port in upstream_ports
        )
        changes = {
            "    server 127.0.0.1:8001 max_fails=1 fail_timeout=5s;\n"
            "    server 127.0.0.1:8002 max_fails=1 fail_timeout=5s;\n": upstreams,
            "listen 80;": f"listen 127.0.0.1:{free_port()};",
            "listen 443 ssl;": f"listen 127.0.0.1:{self.port} ssl;",
            "server_name portal.example.com;": "server_name 127.0.0.1;",
            "/etc/ssl/accessportal/fullchain.pem": str(self.cert),
            "/etc/ssl/accessportal/privkey.pem": str(key),
        }
        for old, new in changes.items():
            assert old in site, f"{NGINX_SITE} no longer has {old!r}"
            site = site.replace(old, new)
        self.config = folder / "nginx.conf"
        self.config.write_text(
            textwrap.dedent(
                f"""
                worker_processes 1;
                daemon off;
                pid {folder}/nginx.pid;
                error_log {folder}/error.log info;
                events {{ worker_connections 512; }}
                http {{
                    access_log {folder}/access.log;
                """
            )
            + site
            + "}\n"
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        assert Path(nginx).exists(), "nginx is needed (Debian package nginx)"
        command = [nginx, "-p", str(self.folder), "-c", str(self.config)]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(command, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
