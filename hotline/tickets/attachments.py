"""Reply attachments (附件): streamed to disk under a content hash, size- and type-checked before any row is written."""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fastapi import UploadFile

from hotline.errors import Invalid
from hotline.settings import get_settings

ALLOWED_TYPES = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip",
}
MAX_FILES = 5
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str


def _safe_name(name: str | None) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    return base[:200] or "附件"


async def store_uploads(files: list[UploadFile]) -> list[StoredFile]:
    if len(files) > MAX_FILES:
        raise Invalid(f"一次最多上传 {MAX_FILES} 个附件", code="too_many_files")
    for upload in files:
        content_type = (upload.content_type or "").split(";")[0].strip().lower()
        if content_type not in ALLOWED_TYPES:
            raise Invalid(
                f"不支持的附件类型：{content_type or '未知'}（{_safe_name(upload.filename)}）", code="bad_file_type"
            )
    return [await _store(upload) for upload in files]


async def _store(upload: UploadFile) -> StoredFile:
    settings = get_settings()
    limit = settings.max_attachment_bytes
    folder = settings.attachment_dir
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle, temp_name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise Invalid(
                        f"附件「{_safe_name(upload.filename)}」超过 {limit // (1024 * 1024)} MB 上限",
                        code="file_too_large",
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Invalid(f"附件「{_safe_name(upload.filename)}」是空文件", code="empty_file")
        key = f"{digest.hexdigest()[:2]}/{digest.hexdigest()}"
        target = folder / key
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp_name, target)
    finally:
        Path(temp_name).unlink(missing_ok=True)
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    return StoredFile(_safe_name(upload.filename), content_type, size, digest.hexdigest(), key)


def attachment_path(storage_key: str) -> Path:
    return get_settings().attachment_dir / storage_key
