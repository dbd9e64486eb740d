"""A local pipeline folder: `config.yaml` plus the checkpoints it names by relative path. Checked without torch.

Every model reference is turned into an absolute local path here, so pyannote never looks for a name on the
Hugging Face hub (there is none on the premises); a name that is not a file in the folder is an error.
"""

from pathlib import Path
from typing import Any

from asr.errors import ModelError

CONFIG_NAME = "config.yaml"
MODEL_FILE = "pytorch_model.bin"  # what pyannote looks for in a model folder
PLDA_FILES = ("xvec_transform.npz", "plda.npz")
# pyannote 4's SpeakerDiarization falls back to the hub for each of these when the config leaves one out
REQUIRED = {"segmentation": "model", "embedding": "model", "plda": "plda"}


class DiarizationError(ModelError):
    """A pipeline folder that is missing, incomplete or does not load, or the extra is not installed."""

    code = "diarization_error"


def resolve_config(folder: Path | str) -> dict[str, Any]:
    """The folder's config with segmentation / embedding / plda as `{"checkpoint": <absolute path>}`."""
    import yaml  # comes with uvicorn[standard]; only needed when a pipeline is configured

    folder = Path(folder).expanduser().resolve()
    if not folder.is_dir():
        raise DiarizationError(f"说话人分离模型目录不存在：{folder}", code="diarization_pipeline_missing")
    config_path = folder / CONFIG_NAME
    if not config_path.is_file():
        raise DiarizationError(f"说话人分离模型目录中缺少 {CONFIG_NAME}：{folder}", code="diarization_config_missing")
    try:
        config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DiarizationError(f"{config_path} 不是合法的 YAML：{exc}", code="diarization_config_invalid") from exc
    pipeline = config.get("pipeline") if isinstance(config, dict) else None
    if not isinstance(pipeline, dict) or not isinstance(pipeline.get("name"), str):
        raise DiarizationError(f"{config_path} 缺少 pipeline.name", code="diarization_config_invalid")
    params = pipeline.setdefault("params", {})
    if not isinstance(params, dict):
        raise DiarizationError(f"{config_path} 的 pipeline.params 应为映射", code="diarization_config_invalid")
    for key, kind in REQUIRED.items():
        if key not in params:
            raise DiarizationError(
                f"{config_path} 未指定 {key}：pyannote 会去 Hugging Face 下载，本机不能联网。"
                f"请把 {key} 复制进目录并写相对路径（如 {key}: $model/{key}）",
                code="diarization_config_incomplete",
            )
        params[key] = {"checkpoint": str(_local_path(folder, key, params[key], kind))}
    return config


def _local_path(folder: Path, key: str, ref: object, kind: str) -> Path:
    if isinstance(ref, dict) and isinstance(ref.get("checkpoint"), str):  # {"checkpoint": ..., "subfolder": ...}
        ref = "/".join(p for p in (ref["checkpoint"], ref.get("subfolder")) if p)
    if not isinstance(ref, str) or not ref:
        raise DiarizationError(f"{key} 应为目录内的相对路径，收到 {ref!r}", code="diarization_config_invalid")
    relative = ref.removeprefix("$model/").split("@")[0]  # `$model/x` is pyannote's own "x in this folder"
    path = (folder / relative).resolve()
    if not path.exists():
        raise DiarizationError(
            f"{key} 指向 {ref}，但目录 {folder} 中没有它。本机不能访问模型库：请在联网的机器上下载后复制进目录，"
            "在 config.yaml 中用相对路径引用",
            code="diarization_checkpoint_missing",
        )
    if kind == "model" and path.is_dir() and not (path / MODEL_FILE).is_file():
        raise DiarizationError(f"{key} 目录 {path} 中缺少 {MODEL_FILE}", code="diarization_checkpoint_missing")
    if kind == "plda" and not all((path / name).is_file() for name in PLDA_FILES):
        raise DiarizationError(
            f"plda 目录 {path} 应包含 {' 和 '.join(PLDA_FILES)}", code="diarization_checkpoint_missing"
        )
    return path
