from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__).parent
PAGES = {"/login": "login.html", "/desk": "desk.html", "/liaison": "liaison.html"}


def install_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for path, filename in PAGES.items():
        app.add_api_route(path, _page(HERE / "pages" / filename), include_in_schema=False)
    app.add_api_route("/", lambda: RedirectResponse("/login"), include_in_schema=False)


def _page(file: Path):
    def serve() -> FileResponse:
        return FileResponse(file, media_type="text/html; charset=utf-8")

    return serve
