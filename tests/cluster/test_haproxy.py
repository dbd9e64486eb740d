"""The balancer's configuration comes from code: the committed compose file is what the code renders, and
HAProxy itself accepts both shapes."""

import shutil
import subprocess
from pathlib import Path

import pytest

from hotline.cluster.haproxy import COMPOSE_FILE, compose_shape, render
from hotline.cluster.shape import Cluster
from hotline.settings import PROJECT_ROOT
from tests.conftest import IN_CI


def haproxy_accepts(config: str, tmp_path) -> None:
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(binary).exists():
        if IN_CI:
            pytest.fail("haproxy is required under CI=true (make install puts it in)")
        pytest.skip("haproxy not installed")
    path = tmp_path / "haproxy.cfg"
    path.write_text(config)
    checked = subprocess.run([binary, "-c", "-f", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_the_compose_balancer_config_is_the_rendered_one(tmp_path):
    committed = (PROJECT_ROOT / COMPOSE_FILE).read_text()
    assert committed == render(compose_shape()), "run `hotline cluster haproxy-config` after changing the shape"
    haproxy_accepts(committed, tmp_path)


def test_the_local_shape_routes_media_to_speech_nodes_and_checks_workers(tmp_path):
    config = render(Cluster(3, 2, 8200, {}, tmp_path).shape())
    assert "use_backend speech if { path_beg /media/ }" in config
    assert config.count("server app") == 3 and config.count("server speech") == 2
    assert "option httpchk GET /health/ready" in config and "mode tcp" in config
    haproxy_accepts(config, tmp_path)
