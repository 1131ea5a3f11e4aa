"""nginx in front of a bench's `streamlit run`, caching Streamlit's frontend files, as a deployment's reverse proxy
can: the bundles under /static/ are content-hashed and served "immutable", and serving them from Python was most
of what a new visitor cost the server beyond the page's own rerun (bench_class --proxy measures it).

Loopback only, a private prefix in a temporary folder, no daemon; stopped with the context.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from testkit.browser import free_port

CONFIG = """
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    proxy_cache_path {prefix}/cache levels=1:2 keys_zone=streamlit_static:10m max_size=200m inactive=7d
                     use_temp_path=off;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 20m;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        location /static/ {{
            proxy_pass {upstream};
            proxy_cache streamlit_static;
            proxy_cache_valid 200 7d;
            proxy_cache_lock on;
        }}
        location /_stcore/stream {{
            proxy_pass {upstream};
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
        }}
        location / {{
            proxy_pass {upstream};
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
        }}
    }}
}}
"""


def available() -> bool:
    return shutil.which("nginx") is not None


@contextmanager
def static_cache_proxy(upstream: str, timeout: float = 30.0):
    """Yield the proxy's URL for the Streamlit server at `upstream` (http://127.0.0.1:PORT)."""
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as prefix:
        port = free_port()
        user = "user root;" if Path("/proc/self").stat().st_uid == 0 else ""  # workers may write the cache
        conf = Path(prefix) / "nginx.conf"
        conf.write_text(CONFIG.format(prefix=prefix, port=port, upstream=upstream, user=user))
        proc = subprocess.Popen(["nginx", "-p", prefix, "-e", f"{prefix}/error.log", "-c", str(conf)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.read().decode().strip() == "ok":
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise RuntimeError(f"nginx did not start: {proc.stderr.read()[-2000:]}")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
