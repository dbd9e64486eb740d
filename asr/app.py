"""A stand-alone ASR app (routes + AudioSocket listener) for ASR workers, development and tests.

The product's main app mounts `asr.routes.router` itself; this one is for running ASR on its own.
The model is loaded in the lifespan, so a missing or broken model stops start-up with a clear message.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from asr.audiosocket import start_audiosocket_server
from asr.routes import router
from asr.service import start_engine
from hotline.errors import install_error_handlers


def create_app(model: Path | str | None = None, audiosocket: tuple[str, int] | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = start_engine(model)
        server: asyncio.Server | None = None
        if audiosocket:
            server = await start_audiosocket_server(*audiosocket, engine=engine)
            app.state.audiosocket_port = server.sockets[0].getsockname()[1]
        try:
            yield
        finally:
            if server:
                server.close()

    app = FastAPI(title="hotline ASR", lifespan=lifespan)
    install_error_handlers(app)  # the upload's login and role errors answer as everywhere else
    app.include_router(router)
    return app
