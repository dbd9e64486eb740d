"""A leg's wire format (rate and encoding) and its conversion to what the model wants."""

from dataclasses import dataclass

from asr.audio import ENCODINGS, Pcm, StreamResampler, decode
from asr.errors import AudioFormatError

STREAM_RATES = (8000, 16000)
LEGS = ("caller", "agent")


@dataclass(frozen=True)
class MediaFormat:
    sample_rate: int
    encoding: str

    def __post_init__(self) -> None:
        if self.encoding not in ENCODINGS:
            raise AudioFormatError(
                f"不支持的音频编码：{self.encoding}（支持 {', '.join(ENCODINGS)}）", code="unknown_encoding"
            )
        if self.sample_rate not in STREAM_RATES:
            raise AudioFormatError(f"不支持的采样率：{self.sample_rate}（支持 8000 或 16000）", code="bad_sample_rate")
        if self.encoding != "L16" and self.sample_rate != 8000:
            raise AudioFormatError("G.711（PCMU/PCMA）只用于 8000 Hz", code="bad_sample_rate")


class MediaDecoder:
    """Wire bytes of one leg → int16 samples at the model's rate, resampler state kept across frames."""

    def __init__(self, fmt: MediaFormat, model_rate: int) -> None:
        self.fmt = fmt
        self._resampler = StreamResampler(fmt.sample_rate, model_rate)

    def __call__(self, data: bytes) -> Pcm:
        return self._resampler.process(decode(data, self.fmt.encoding))
