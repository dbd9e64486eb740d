"""The real service guide as a search index, built once per test session (jieba + 2,262 articles: a few seconds)."""

import pytest

from knowledge.guide import guide_docs
from knowledge.index import Doc, SearchIndex
from tests.conftest import real_data


@pytest.fixture(autouse=True, scope="session")
def service_guide() -> None:
    """Every knowledge suite reads the real service guide."""
    real_data("knowledge", "service_guide.csv")


@pytest.fixture(scope="session")
def guide() -> list[Doc]:
    return guide_docs()


@pytest.fixture(scope="session")
def guide_index(guide: list[Doc]) -> SearchIndex:
    return SearchIndex(guide)
