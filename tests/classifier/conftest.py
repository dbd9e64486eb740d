"""A small real model shared by the classifier and routing tests: a few hundred rows of the real data."""

import csv
from pathlib import Path

import pytest

from tests.conftest import real_data

SAMPLE_ROWS = 400


def messages_dir() -> Path:
    real_data("messages", "labelled.csv")
    return real_data("messages")


def write_head(source: Path, target: Path, rows: int) -> Path:
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        lines = [row for _, row in zip(range(rows + 1), reader, strict=False)]
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(lines)
    return target


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """First rows of labelled.csv, annotations_dev.csv and replied.csv (a temporary copy, not in the repo)."""
    source = messages_dir()
    target = tmp_path_factory.mktemp("sample")
    write_head(source / "labelled.csv", target / "labelled.csv", SAMPLE_ROWS)
    write_head(source / "annotations_dev.csv", target / "annotations_dev.csv", 400)
    write_head(source / "replied.csv", target / "replied.csv", 150)
    return target


@pytest.fixture(scope="session")
def small_model(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from classifier.train import train_all

    out = tmp_path_factory.mktemp("model")
    train_all(sample_dir / "labelled.csv", out, sample_dir, with_metrics=False)
    return out
