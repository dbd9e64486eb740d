"""ASR errors: a code for programs, a Chinese message for people."""


class AsrError(Exception):
    code = "asr_error"
    status = 400

    def __init__(self, message: str, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class ModelError(AsrError):
    """A model that is missing, incomplete or does not load: reported at start-up, not mid-call."""

    code = "asr_model_error"
    status = 503


class AudioFormatError(AsrError):
    code = "bad_audio"
    status = 422
