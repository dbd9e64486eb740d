"""A small real cluster for the suite: HAProxy in front of two app workers and one speech node, on a fresh
PostgreSQL database and the local Redis, every part its own process on the loopback."""

import os
import random
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from hotline.auth.models import Role, User
from hotline.auth.service import create_user
from hotline.cluster.shape import Cluster
from hotline.db import engine_for
from hotline.directory.models import Department
from hotline.migrate import upgrade
from tests.conftest import PASSWORD, REDIS_URL, fresh_pg_database, require_redis

SECRET = "cluster-test-secret-key-long-enough-for-hs256"
PBX_TOKEN = "cluster-test-pbx-token"


def free_base(span: int = 30) -> int:
    """A base port with the `span` ports after it free (the shape numbers its ports from one base)."""
    for _ in range(200):
        base = random.randrange(20_000, 60_000 - span)
        try:
            for port in range(base, base + span):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free port range")


@dataclass
class Running:
    cluster: Cluster
    db_url: str
    agent: User
    env: dict[str, str]
    token: str
    department_id: int

    @property
    def ws_url(self) -> str:
        return self.cluster.url.replace("http", "ws") + "/api/console/ws"


@pytest.fixture(scope="session")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    require_redis()
    with fresh_pg_database("hotline_cluster_test") as db_url:
        upgrade("heads", db_url)
        var_dir = tmp_path_factory.mktemp("cluster")
        env = os.environ | {
            "HOTLINE_DATABASE_URL": db_url,
            "HOTLINE_REDIS_URL": REDIS_URL,
            "HOTLINE_SECRET_KEY": SECRET,
            "HOTLINE_PBX_TOKENS": PBX_TOKEN,  # the speech node refuses media without the PBX's token
            "HOTLINE_VAR_DIR": str(var_dir),
            "HOTLINE_SWEEP_INTERVAL_SECONDS": "0.5",
            "HOTLINE_JOB_LEASE_SECONDS": "2",
            "HOTLINE_ARGON2_TIME_COST": "1",
            "HOTLINE_ARGON2_MEMORY_KIB": "1024",
        }
        with Session(engine_for(db_url), expire_on_commit=False) as session:
            department = Department(code="CITY-ZJ", name="A市住房和城乡建设局", level="city")
            session.add(department)
            session.commit()
            agent = create_user(session, "cluster_agent", "集群座席", PASSWORD, Role.agent)
        cluster = Cluster(2, 1, free_base(), env, Path(var_dir) / "cluster")  # where `hotline cluster status` looks
        try:
            cluster.up(timeout=150)
            login = {"username": agent.username, "password": PASSWORD}
            answer = httpx.post(f"{cluster.url}/api/auth/login", json=login, timeout=15)  # through the balancer
            assert answer.status_code == 200, answer.text
            token = answer.json()["access_token"]
            yield Running(cluster, db_url, agent, env, token, department.id)
        finally:
            cluster.down()
