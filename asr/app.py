"""A stand-alone ASR app (routes + AudioSocket listener) for ASR workers, development and tests.

The product's main app mounts `asr.routes.router` itself; this one is for running ASR on its own.
The model is loaded in the lifespan, so a missing or broken model stops start-up with a clear message.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from asr.audiosocket import start_audiosocket_server
from asr.routes import router
from asr.service import start_engine
from hotline.errors import install_error_handlers


def create_app(
    model: Path | str | None = None,
    audiosocket: tuple[str, int] | None = None,
    jobs: Sequence[Callable[[], Coroutine]] = (),
) -> FastAPI:
    """`jobs`: coroutines run for the app's life. A speech node runs none: its legs reach the ACD of the app workers
    through the Redis bus. Tests that run this app alone pass the ACD's leg subscriber here."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = start_engine(model)
        server: asyncio.Server | None = None
        if audiosocket:
            server = await start_audiosocket_server(*audiosocket, engine=engine)
            app.state.audiosocket_port = server.sockets[0].getsockname()[1]
        tasks = [asyncio.create_task(job()) for job in jobs]
        try:
            yield
        finally:
            if server:
                server.close()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(title="hotline ASR", lifespan=lifespan)
    install_error_handlers(app)  # the upload's login and role errors answer as everywhere else
    app.include_router(router)
    return app
