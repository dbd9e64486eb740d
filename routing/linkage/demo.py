"""Stand-in partners for a demo install (`hotline serve --demo-partners`, what `make run` uses).

A newcomer's one-key transfer must work and show the partner's progress coming back, yet a real partner must
never be stood in for: only partners without a configured URL get a stand-in (`hotline partner-sim`, a separate
process) on loopback, with a fresh shared key. Their names carry 演示 wherever the ticket shows them
(`settings.partner_name`), so nobody takes a demo 110 for the real one.
"""

import ctypes
import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass

from routing.linkage.partners import PARTNERS
from routing.linkage.settings import get_linkage_settings

DEFAULT_PORTS = {"110": 9110, "119": 9119, "120": 9121, "city": 9120}


@dataclass
class StandIn:
    partner: str
    url: str
    process: subprocess.Popen


def start_demo_partners(callback_url: str, base_port: int = 0, host: str = "127.0.0.1") -> list[StandIn]:
    """Start a stand-in for each partner without a URL and point this process's settings at them."""
    settings = get_linkage_settings()
    missing = [p for p in PARTNERS if not settings.url(p)]
    started = []
    for partner in missing:
        port = base_port + list(PARTNERS).index(partner) if base_port else DEFAULT_PORTS[partner]
        url = f"http://{host}:{port}"
        prefix = f"HOTLINE_LINKAGE_{partner.upper()}"
        os.environ[f"{prefix}_URL"] = url
        os.environ[f"{prefix}_KEY"] = settings.key(partner) or secrets.token_hex(16)
        # The key goes by the environment, not the command line, where any user could read it.
        command = [sys.executable, "-c", "from hotline.cli import app; app()", "partner-sim", partner]
        command += ["--host", host, "--port", str(port), "--callback-url", callback_url, "--step-seconds"]
        command.append(str(settings.linkage_demo_step_seconds))
        process = subprocess.Popen(command, env=dict(os.environ), preexec_fn=_die_with_parent)
        started.append(StandIn(partner, url, process))
    if missing:
        os.environ["HOTLINE_LINKAGE_DEMO"] = ",".join(missing)
    get_linkage_settings.cache_clear()
    return started


def _die_with_parent() -> None:
    """uvicorn ends on SIGTERM by re-raising it, so no `finally` of ours runs: the kernel ends the stand-ins when
    the server goes, however it goes (Linux PR_SET_PDEATHSIG; elsewhere they are only stopped on a clean exit)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def stop_demo_partners(stand_ins: list[StandIn]) -> None:
    for stand_in in stand_ins:
        if stand_in.process.poll() is None:
            stand_in.process.terminate()
    for stand_in in stand_ins:
        try:
            stand_in.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            stand_in.process.kill()
