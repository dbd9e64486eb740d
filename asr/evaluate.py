"""Character error rate of a model on a manifest of recordings (file<TAB>text, paths relative to it)."""

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from asr.batch import transcribe_file
from asr.engine import AsrEngine
from asr.text import clean_transcript

_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class EvalRow:
    file: str
    reference: str
    hypothesis: str
    edits: int
    length: int


def normalise(text: str) -> str:
    """Compare characters only: no spaces, no punctuation, full-width folded; numbers as the product writes them."""
    return _DROP.sub("", unicodedata.normalize("NFKC", clean_transcript(text))).lower()


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def read_manifest(path: Path) -> list[tuple[Path, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(path.parent / row["file"], row["text"]) for row in rows]


async def evaluate(engine: AsrEngine, manifest: Path, limit: int | None = None) -> tuple[float, list[EvalRow]]:
    rows: list[EvalRow] = []
    for wav, reference in read_manifest(manifest)[:limit]:
        transcript = await transcribe_file(engine, wav, f"eval-{wav.stem}")
        hypothesis = "".join(s.text for s in transcript.segments)
        ref, hyp = normalise(reference), normalise(hypothesis)
        rows.append(EvalRow(wav.name, ref, hyp, edit_distance(ref, hyp), len(ref)))
    total = sum(r.length for r in rows)
    return (sum(r.edits for r in rows) / total if total else 0.0), rows
