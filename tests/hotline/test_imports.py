"""What importing the server loads: not the meeting pack's matplotlib nor scikit-learn (seconds of start-up and
memory in every worker), which load when a pack or a model is first asked for; the core imports no classifier."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _loaded(statement: str, names: list[str]) -> list[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps([n for n in {names!r} if n in sys.modules]))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_app_loads_neither_matplotlib_nor_scikit_learn() -> None:
    assert _loaded("import hotline.app", ["matplotlib", "sklearn"]) == []


def test_the_pack_still_loads_them_when_asked_for() -> None:
    assert _loaded("import analytics.pack.build", ["matplotlib"]) == ["matplotlib"]


def test_the_ticket_core_does_not_import_the_classifier() -> None:
    assert _loaded("import hotline.tickets.service, hotline.tickets.words, hotline.text", ["classifier"]) == []
