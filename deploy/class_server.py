"""One command for a class: N Streamlit replicas of the explorer on local ports and nginx in front of them.

    deploy/class-server [--replicas auto] [--port 8501] [--address 0.0.0.0] [--run-dir DIR]

Each replica is a `streamlit run streamlit_app.py` on 127.0.0.1 (default: one per CPU core, since one Streamlit
process is bound by Python's GIL to about one core); nginx listens on --address:--port, keeps each browser on
one replica by a cookie it sets (deploy/nginx.conf.template says why not by address), forwards websockets, and
passes X-Forwarded-For. The replicas share the user models folder and the database, which are whatever the
environment names (VAE_EXPLORER_MODELS, VAE_EXPLORER_DATABASE_URL, ...): on one machine the defaults already
are shared. They also share one cookie secret, so a browser that moves to another replica (its own went down)
keeps a valid XSRF cookie and, with st.login, its sign-in. Stopping the command (Ctrl-C, SIGTERM) stops every
process it started.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
ROUTE_COOKIE = "vae_replica"
HEALTH_TIMEOUT_S = 180.0


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def replica_count(value: str) -> int:
    if value == "auto":
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--replicas must be auto or a number from 1 to 64, got {value!r}") from None
    if not 1 <= n <= 64:
        raise argparse.ArgumentTypeError(f"--replicas must be auto or a number from 1 to 64, got {n}")
    return n


def nginx_config(replicas: list[str], listen: str, run_dir: Path | str, max_body_mb: int) -> str:
    """nginx.conf for these replicas ("host:port" each): the template filled in (its comments say what each
    part is for). A host name that resolves to several addresses (a compose service's replicas) is one line."""
    servers = "\n".join(f"        server {r} max_fails=1 fail_timeout=5s;" for r in replicas)
    return TEMPLATE.read_text().format(run_dir=run_dir, servers=servers, listen=listen, cookie=ROUTE_COOKIE,
                                       max_body_mb=max_body_mb)


def container_nginx_config() -> str:
    """deploy/nginx/docker.conf, the same configuration for deploy/docker-compose.yml: the `app` service's
    replicas (nginx resolves the name to all of them when it starts), listening on 8080 inside its container."""
    return nginx_config(["app:8501"], "8080", "/tmp", streamlit_max_upload_mb() + 1)


def streamlit_max_upload_mb() -> int:
    """The app's own upload limit (.streamlit/config.toml server.maxUploadSize), which nginx must not undercut."""
    import tomllib

    config = REPO / ".streamlit" / "config.toml"
    try:
        return int(tomllib.loads(config.read_text()).get("server", {}).get("maxUploadSize", 200))
    except (OSError, ValueError, tomllib.TOMLDecodeError):
        return 200


@dataclass
class ClassServer:
    replicas: int
    port: int
    address: str = "0.0.0.0"
    run_dir: Path | None = None
    nginx: str = "nginx"
    replica_ports: list[int] = field(default_factory=list)
    processes: list[subprocess.Popen] = field(default_factory=list)
    nginx_process: subprocess.Popen | None = None
    env: dict = field(default_factory=dict)

    def start(self) -> None:
        self.run_dir = Path(self.run_dir or tempfile.mkdtemp(prefix="vae-class-server-"))
        self.run_dir.mkdir(parents=True, exist_ok=True)
        # nginx is the one proxy in front: the client address is the last X-Forwarded-For entry.
        self.env = {**os.environ, "VAE_EXPLORER_TRUSTED_PROXIES": os.environ.get("VAE_EXPLORER_TRUSTED_PROXIES", "1")}
        self.env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
        self.replica_ports = [free_port() for _ in range(self.replicas)]
        self.processes = [self._spawn(i) for i in range(self.replicas)]
        for port, proc in zip(self.replica_ports, self.processes):
            wait_healthy(f"http://127.0.0.1:{port}", proc)
        conf = self.run_dir / "nginx.conf"
        conf.write_text(nginx_config([f"127.0.0.1:{p}" for p in self.replica_ports], f"{self.address}:{self.port}",
                                     self.run_dir,
                                     streamlit_max_upload_mb() + 1))
        check = subprocess.run([self.nginx, "-t", "-c", str(conf)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused the generated configuration:\n{check.stderr}")
        self.nginx_process = subprocess.Popen([self.nginx, "-c", str(conf), "-g", "daemon off;"],
                                              start_new_session=True)
        wait_healthy(f"http://{'127.0.0.1' if self.address == '0.0.0.0' else self.address}:{self.port}",
                     self.nginx_process)

    def _spawn(self, index: int) -> subprocess.Popen:
        port = self.replica_ports[index]
        cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        with open(self.run_dir / f"replica-{index + 1}.log", "a") as log:  # the child keeps its own copy
            # A name that stays the same when this replica is started again, so that with a shared database it
            # takes back its own interrupted runs and leaves the other replicas' alone.
            env = {**self.env, "VAE_EXPLORER_REPLICA_ID": f"{socket.gethostname()}-replica-{index + 1}"}
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        # For the teacher (and the tests) to stop or inspect one replica: its process group is this pid.
        (self.run_dir / f"replica-{index + 1}.pid").write_text(f"{proc.pid}\n")
        return proc

    def restart_dead_replicas(self) -> list[int]:
        """Start again, on its own port, every replica that has ended (nginx skips it meanwhile)."""
        dead = [i for i, p in enumerate(self.processes) if p.poll() is not None]
        for i in dead:
            self.processes[i] = self._spawn(i)
        return dead

    def stop_replica(self, index: int) -> None:
        """Stop one replica (what a crash or a redeploy of one machine looks like to its students)."""
        _stop(self.processes[index])

    def stop(self) -> None:
        for proc in [self.nginx_process, *self.processes]:
            if proc is not None:
                _stop(proc)

    def __enter__(self) -> ClassServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = HEALTH_TIMEOUT_S) -> None:
    """Until GET /_stcore/health answers ok (the check a load balancer uses), or the process has died."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the process ended (exit code {proc.returncode}) before it was healthy")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}: not healthy after {timeout:.0f} s")
        time.sleep(0.3)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the process and whatever it started (training processes)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="deploy/class-server", description=__doc__.splitlines()[0])
    ap.add_argument("--replicas", type=replica_count, default="auto", help="replicas to start (default: one per core)")
    ap.add_argument("--port", type=int, default=8501, help="the port students open (default 8501)")
    ap.add_argument("--address", default="0.0.0.0", help="the address nginx listens on (default all)")
    ap.add_argument("--run-dir", type=Path, help="for nginx's configuration, logs and the replicas' logs")
    ap.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx", help="the nginx binary")
    args = ap.parse_args(argv)
    if not 1 <= args.port <= 65535:
        ap.error(f"--port must be 1-65535, got {args.port}")
    server = ClassServer(args.replicas, args.port, args.address, args.run_dir, args.nginx)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        with server:
            print(f"serving on http://{args.address}:{args.port} with {args.replicas} replica(s) "
                  f"(ports {', '.join(map(str, server.replica_ports))}); logs in {server.run_dir}", flush=True)
            while not stopping:
                time.sleep(1)
                if server.nginx_process.poll() is not None:
                    print("error: nginx ended; stopping the replicas (see error.log)", file=sys.stderr)
                    return 1
                for i in server.restart_dead_replicas():
                    print(f"replica {i + 1} ended; started again (its log: replica-{i + 1}.log)", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
