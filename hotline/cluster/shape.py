"""The city-scale shape on one machine: HAProxy in front of N app workers and M speech nodes, all real
processes on the loopback, sharing the configured PostgreSQL and Redis (`hotline cluster up`, the cluster tests,
`hotline bench cluster`)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from hotline.cluster.haproxy import HEALTH_PATH, Node, Shape, render


class ClusterError(Exception):
    """The shape cannot be stood up; the message says why, in Chinese, for the person at the terminal."""


@dataclass
class Ports:
    """Every port from one base: balancer, stats, AudioSocket, then workers and speech nodes."""

    base: int

    @property
    def http(self) -> int:
        return self.base

    @property
    def stats(self) -> int:
        return self.base + 1

    @property
    def audiosocket(self) -> int:
        return self.base + 2

    def worker(self, index: int) -> int:
        return self.base + 10 + index

    def speech(self, index: int) -> int:
        return self.base + 20 + index

    def speech_audiosocket(self, index: int) -> int:
        return self.base + 25 + index


@dataclass
class Cluster:
    workers: int
    speech_nodes: int
    base_port: int
    env: dict[str, str]  # the processes' environment: database, Redis, secret key …
    run_dir: Path
    host: str = "127.0.0.1"
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.workers < 1 or self.workers > 9 or self.speech_nodes < 0 or self.speech_nodes > 4:
            raise ClusterError("本机演示集群：应用进程 1–9 个，语音节点 0–4 个")
        self.ports = Ports(self.base_port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.ports.http}"

    def worker_url(self, index: int) -> str:
        return f"http://{self.host}:{self.ports.worker(index)}"

    def speech_url(self, index: int) -> str:
        return f"http://{self.host}:{self.ports.speech(index)}"

    def shape(self) -> Shape:
        nodes = [Node(f"app{i + 1}", self.host, self.ports.worker(i)) for i in range(self.workers)]
        speech = [Node(f"speech{i + 1}", self.host, self.ports.speech(i)) for i in range(self.speech_nodes)]
        audio = [Node(f"audio{i + 1}", self.host, self.ports.speech_audiosocket(i)) for i in range(self.speech_nodes)]
        audiosocket = self.ports.audiosocket if self.speech_nodes else None
        return Shape(self.host, self.ports.http, self.ports.stats, audiosocket, nodes, speech, audio, max_connections())

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = open(self.run_dir / f"{name}.log", "ab")  # noqa: SIM115  (the child keeps it open)
        self.processes[name] = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def start_worker(self, index: int) -> None:
        env = {**self.env, "HOTLINE_ASR_ENABLED": "false"}  # PBX media goes to the speech nodes
        command = [sys.executable, "-m", "uvicorn", "hotline.app:create_app", "--factory", "--host", self.host,
                   "--port", str(self.ports.worker(index)), "--log-level", "warning", "--ws-per-message-deflate",
                   "false"]  # fmt: skip
        self._spawn(f"app{index + 1}", command, env)

    def start_speech(self, index: int) -> None:
        command = [sys.executable, "-c", "from hotline.cli import app; app()", "asr", "serve", "--host", self.host,
                   "--port", str(self.ports.speech(index)),
                   "--audiosocket-port", str(self.ports.speech_audiosocket(index))]  # fmt: skip
        self._spawn(f"speech{index + 1}", command, self.env)

    def start_balancer(self) -> None:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not Path(haproxy).exists():
            raise ClusterError("找不到 haproxy：请先安装（Debian：apt-get install haproxy，或 make install）")
        config = self.run_dir / "haproxy.cfg"
        config.write_text(render(self.shape()))
        checked = subprocess.run([haproxy, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
        if checked.returncode != 0:
            raise ClusterError(f"haproxy 配置无效：{checked.stderr.strip()[-500:]}")
        self._spawn("haproxy", [haproxy, "-db", "-f", str(config)], self.env)

    def up(self, timeout: float = 90) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for index in range(self.speech_nodes):
            self.start_speech(index)
        for index in range(self.workers):
            self.start_worker(index)
        self.start_balancer()
        deadline = time.monotonic() + timeout
        for index in range(self.workers):
            self.wait_worker(index, deadline)
        self.wait_balancer(deadline)
        self.save_state()

    def _check_alive(self, name: str) -> None:
        process = self.processes[name]
        if process.poll() is not None:
            tail = (self.run_dir / f"{name}.log").read_text(errors="replace")[-1500:]
            raise ClusterError(f"{name} 启动失败（退出码 {process.returncode}）：\n{tail}")

    def wait_worker(self, index: int, deadline: float) -> None:
        url = self.worker_url(index) + HEALTH_PATH
        while not _answers(url):
            self._check_alive(f"app{index + 1}")
            if time.monotonic() > deadline:
                raise ClusterError(f"应用进程 app{index + 1} 未在时限内就绪：{url}")
            time.sleep(0.2)

    def wait_balancer(self, deadline: float) -> None:
        """Until HAProxy sees every worker (and speech node) up: its checks run every second."""
        while True:
            self._check_alive("haproxy")
            servers = self.balancer_servers()
            if servers and all(row["status"] == "UP" for row in servers):
                return
            if time.monotonic() > deadline:
                down = [f"{r['backend']}/{r['server']}={r['status']}" for r in servers if r["status"] != "UP"]
                raise ClusterError(f"负载均衡器未见到全部节点就绪：{', '.join(down) or '无统计'}")
            time.sleep(0.3)

    def balancer_servers(self) -> list[dict]:
        return balancer_servers(f"http://{self.host}:{self.ports.stats}")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes[name]
        process.send_signal(sig)
        process.wait(timeout=30)

    def down(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        (self.run_dir / "state.json").unlink(missing_ok=True)

    def save_state(self) -> None:
        state = {"balancer": self.url, "stats": f"http://{self.host}:{self.ports.stats}",
                 "processes": {name: process.pid for name, process in self.processes.items()},
                 "workers": [self.worker_url(i) for i in range(self.workers)],
                 "speech": [self.speech_url(i) for i in range(self.speech_nodes)]}  # fmt: skip
        (self.run_dir / "state.json").write_text(json.dumps(state, ensure_ascii=False, indent=2))


def max_connections() -> int:
    """As many connections as this machine's file descriptor limit lets HAProxy hold (two descriptors each)."""
    import resource

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return 20_000 if hard == resource.RLIM_INFINITY else max(min(20_000, (hard - 200) // 2), 100)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def balancer_servers(stats_url: str) -> list[dict]:
    """Each backend server as HAProxy sees it (name, status UP/DOWN, current sessions), from its stats CSV."""
    try:
        text = httpx.get(f"{stats_url}/stats;csv", timeout=2).text
    except httpx.HTTPError:
        return []
    lines = text.lstrip("# ").splitlines()
    if not lines:
        return []
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
    return [{"backend": r["pxname"], "server": r["svname"], "status": r["status"].split(" ")[0],
             "sessions": int(r["scur"] or 0)}
            for r in rows if r["svname"] not in ("FRONTEND", "BACKEND") and r["pxname"] != "stats"]  # fmt: skip


def speech_capacity(url: str) -> dict | None:
    """A speech node's live legs and cap, from its `GET /api/asr/capacity` asked with the nodes' PBX key (None: the
    node does not say, or no key is configured here)."""
    from asr.settings import get_asr_settings

    keys = get_asr_settings().pbx_tokens
    if not keys:
        return None
    try:
        answer = httpx.get(f"{url}/api/asr/capacity", headers={"Authorization": f"Bearer {keys[0]}"}, timeout=5)
    except httpx.HTTPError:
        return None
    return answer.json() if answer.status_code == 200 else None


def cluster_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every process of the shape shares; PostgreSQL and Redis are required."""
    env = dict(base or os.environ)
    url = env.get("HOTLINE_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        raise ClusterError("多进程集群需要 PostgreSQL：请设置 HOTLINE_DATABASE_URL=postgresql://…")
    if not env.get("HOTLINE_REDIS_URL"):
        raise ClusterError("多进程集群需要 Redis 在进程间传递事件：请设置 HOTLINE_REDIS_URL=redis://…")
    if not env.get("HOTLINE_SECRET_KEY"):
        raise ClusterError("各进程须共用同一签名密钥：请设置 HOTLINE_SECRET_KEY")
    return env
