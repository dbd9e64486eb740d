"""Chinese clean-up and spoken numbers, on the phrasings callers use."""

import pytest

from asr.text import clean_transcript, extract_numbers, join_words


def test_joins_chinese_words_and_keeps_spaces_between_other_words():
    assert join_words("我 想 反映 一下 小区 噪音 问题") == "我想反映一下小区噪音问题"
    assert join_words("선수들이 단련 할") == "선수들이 단련 할"
    assert join_words("打 WiFi 电话") == "打WiFi电话"
    assert join_words("G O D") == "G O D"


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("我 的 电话 是 幺 三 八 一 二 三 四 五 六 七 八 九", "我的电话是138123456789"),
        ("工单号 二 六 一 一 二 二 零 零 三 五", "工单号2611220035"),
        ("我 的 手机号 是 幺 五 零 两 两 三 三 四 四 五 五", "我的手机号是15022334455"),
        ("申办号 是 幺 幺 零 两 三 四", "申办号是110234"),
        ("身份证 号 是 幺 幺 零 一 零 一 一 九 九 零 零 一 零 一 幺 二 三 叉", "身份证号是11010119900101123X"),
        ("打 了 幺 三 九 零 零 零 零 幺 幺 幺 幺 没 人 接", "打了13900001111没人接"),
        ("住 在 幸福 路 一百二十三 号 三 栋 两 单元", "住在幸福路123号3栋2单元"),
        ("二零二四 年 交 了 两千 元", "2024年交了2000元"),
    ],
)
def test_spoken_numbers_become_digits_where_a_number_is_expected(spoken, written):
    assert clean_transcript(spoken) == written


@pytest.mark.parametrize("text", ["我 一会儿 再 打 一下", "一 一 说 明", "两 个 人 吵架", "三心二意", "五一 放假"])
def test_numbers_in_ordinary_words_are_left_alone(text):
    assert clean_transcript(text) == join_words(text)


def test_extracts_numbers_with_their_kind():
    text = clean_transcript("工单号 二 六 一 一 二 二 零 零 三 五 联系电话 幺 三 八 零 零 零 零 幺 二 三 四")
    found = [(n.kind, n.digits) for n in extract_numbers(text)]
    assert found == [("ticket", "2611220035"), ("phone", "13800001234")]
    assert text[extract_numbers(text)[1].start :].startswith("13800001234")
