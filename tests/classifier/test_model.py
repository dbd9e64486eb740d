import json
import time
from pathlib import Path

import numpy as np
import pytest

from classifier.dataset import read_labelled
from classifier.fast import FastModel
from classifier.features import MessageFeatures, make_doc
from classifier.heads import fit_head
from classifier.model_store import METADATA_FILE, ModelIncompatible, ModelMissing, load_model
from classifier.predictor import EmptyText, Predictor, load_predictor


def test_training_on_a_small_real_sample_writes_metadata(small_model: Path) -> None:
    metadata = json.loads((small_model / METADATA_FILE).read_text(encoding="utf-8"))
    assert set(metadata["label_sets"]["topic"]) >= {"城乡建设", "劳动和社会保障", "教育文体"}
    assert set(metadata["label_sets"]["request_type"]) <= {"咨询", "求助", "投诉", "举报", "建议", "表扬"}
    assert len(metadata["training_data"]["sha256"]) == 64
    assert {"scikit-learn", "numpy", "jieba", "python"} <= set(metadata["libraries"])
    assert metadata["created_at"]


def test_prediction_has_top_three_calibrated_and_a_reason(small_model: Path) -> None:
    prediction = load_predictor(small_model).predict("孩子上学的学位问题，小学入学划片不合理，请教育局解决")
    topic = prediction.topic
    assert topic.label == "教育文体"
    assert len(topic.top) == 3
    assert topic.top[0].confidence >= topic.top[1].confidence >= topic.top[2].confidence
    assert 0 < sum(s.confidence for s in topic.top) <= 1.0001
    assert "关键词" in topic.reason


def test_fast_arithmetic_equals_scikit_learn(sample_dir: Path) -> None:
    messages = read_labelled(sample_dir / "labelled.csv")[:200]
    docs = [make_doc(m.title, m.body) for m in messages]
    features = MessageFeatures().fit(docs)
    x = features.transform(docs)
    model = fit_head(x, [m.label for m in messages])
    fast = FastModel(features, {"topic": model})
    expected = model.predict_proba(x[:20])
    for i in range(20):
        indices, values = fast.vectorize(docs[i])
        got = fast.probabilities(fast.heads["topic"], indices, values)
        np.testing.assert_allclose(got, expected[i], atol=1e-4)


@pytest.mark.parametrize("text", ["", "   \n\t ", "😀🔥👍", "！！？？。。"])
def test_nothing_to_classify_is_a_clear_error(small_model: Path, text: str) -> None:
    with pytest.raises(EmptyText, match="无法分类"):
        load_predictor(small_model).predict(text)


def test_ten_megabyte_input_is_cut_and_answered_quickly(small_model: Path) -> None:
    predictor = load_predictor(small_model)
    huge = "小区物业乱收停车费，" * (10 * 1024 * 1024 // 30)
    started = time.perf_counter()
    prediction = predictor.predict(huge)
    assert time.perf_counter() - started < 2.0
    assert prediction.topic.label


def test_missing_model_says_to_train(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match="hotline classifier train"):
        load_predictor(tmp_path)


def _copy_model(source: Path, target: Path) -> Path:
    target.mkdir()
    for item in source.iterdir():
        (target / item.name).write_bytes(item.read_bytes())
    return target


def test_model_from_another_scikit_learn_version_is_refused(small_model: Path, tmp_path: Path) -> None:
    copy = _copy_model(small_model, tmp_path / "old")
    metadata = json.loads((copy / METADATA_FILE).read_text(encoding="utf-8"))
    metadata["libraries"]["scikit-learn"] = "0.24.2"
    (copy / METADATA_FILE).write_text(json.dumps(metadata), encoding="utf-8")
    with pytest.raises(ModelIncompatible, match=r"scikit-learn 0\.24\.2"):
        load_model(copy)


def test_model_of_another_format_or_torn_copy_is_refused(small_model: Path, tmp_path: Path) -> None:
    copy = _copy_model(small_model, tmp_path / "future")
    metadata = json.loads((copy / METADATA_FILE).read_text(encoding="utf-8"))
    metadata["format_version"] = 99
    (copy / METADATA_FILE).write_text(json.dumps(metadata), encoding="utf-8")
    with pytest.raises(ModelIncompatible, match="格式版本"):
        load_model(copy)
    torn = _copy_model(small_model, tmp_path / "torn")
    payload = (torn / "model.pkl").read_bytes()
    (torn / "model.pkl").write_bytes(payload[: len(payload) // 2])
    with pytest.raises(ModelIncompatible, match="不符"):
        load_model(torn)


def test_predictor_is_loaded_once_per_process(small_model: Path) -> None:
    first = load_predictor(small_model)
    assert isinstance(first, Predictor)
    assert load_predictor(small_model) is first
