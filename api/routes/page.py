"""``/``: the live page (plain HTML + one script, no build), and its static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(include_in_schema=False)


@router.get("/")
async def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/page.js")
async def script() -> FileResponse:
    return FileResponse(STATIC / "page.js", media_type="text/javascript")
