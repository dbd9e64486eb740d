import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from hotline.localtime import centre_zone

HERE = Path(__file__).parent
PAGES = {"/login": "login.html", "/desk": "desk.html", "/liaison": "liaison.html", "/missed": "missed.html"}


def install_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for path, filename in PAGES.items():
        app.add_api_route(path, _page(HERE / "pages" / filename), include_in_schema=False)
    # 工单打印: one page for every ticket; the script reads the number from the address.
    app.add_api_route("/tickets/{number}/print", _page(HERE / "pages" / "print.html"), include_in_schema=False)
    # 来电人页: the caller of that ticket, with all their tickets and calls.
    app.add_api_route("/caller/{number}", _page(HERE / "pages" / "caller.html"), include_in_schema=False)
    app.add_api_route("/", lambda: RedirectResponse("/login"), include_in_schema=False)
    app.add_api_route("/centre.js", centre_module, include_in_schema=False)


def centre_module() -> Response:
    """The centre's time zone (HOTLINE_TIMEZONE) for the pages' scripts: every time a page shows is the centre's
    local time, whatever the zone of the browser that shows it."""
    zone = json.dumps(centre_zone().key)
    return Response(f"export const TIMEZONE = {zone};\n", media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "no-cache"})  # fmt: skip


def _page(file: Path):
    def serve() -> FileResponse:
        return FileResponse(file, media_type="text/html; charset=utf-8")

    return serve
