"""智能填单: name, callback number (digits, Chinese numerals, Vosk's spaced words), address with district and street,
one-line summary; and the figures on transcripts built from the real messages."""

from agent_console.prefill import prefill
from agent_console.prefill_eval import evaluate
from tests.conftest import real_data


def test_fields_from_a_spoken_call() -> None:
    found = prefill(
        "喂你好，我叫王建国，住在天心区桂花坪街道新天村3栋，我们小区从早上停水到现在，"
        "我的电话是幺三九 幺二三四 五六七八"
    )
    assert found.caller_name == "王建国"
    assert found.callback_phone == "13912345678"
    assert (found.district, found.district_name, found.street) == ("A2区", "天心区", "桂花坪街道")
    assert found.address == "天心区桂花坪街道新天村3栋"
    assert found.summary == "我们小区从早上停水到现在"


def test_vosk_words_surname_only_and_a_place_said_without_a_pause() -> None:
    found = prefill("我 姓 李 我 家 在 A2区 城南路街道 那个 楼道 灯 坏 了 电话 一 三 八 零 零 零 零 一 一 一 一")
    assert found.caller_name == "李先生/女士"  # the agent says which
    assert found.callback_phone == "13800001111"
    assert found.address == "A2区城南路街道" and found.street == "城南路街道"


def test_nothing_invented_when_nothing_was_said() -> None:
    found = prefill("我想问一下社保卡丢了怎么补办")
    assert found.caller_name is None and found.callback_phone is None and found.district is None
    assert found.summary == "社保卡丢了怎么补办"


def test_on_transcripts_built_from_the_real_messages() -> None:
    figures = evaluate(300, data_dir=real_data())
    assert figures["transcripts"] == 300
    assert figures["phone_right"] >= 0.95 and figures["phone_invented"] == 0
    assert figures["name_right"] >= 0.9 and figures["district_right"] >= 0.95 and figures["street_right"] >= 0.95
    assert figures["summary_filled"] >= 0.95
