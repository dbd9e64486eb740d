"""Safety triage: spoken phrasing, negation, past and hypothetical, referrals, and the judged set's figures."""

import pytest

from routing.triage_eval import CASES, evaluate, load_cases
from routing.urgency import detect_urgency
from tests.conftest import real_data


@pytest.mark.parametrize(
    ("text", "referral"),
    [
        ("持刀打架，有人受伤流血，情况紧急，请马上派人", ["110", "120"]),
        ("楼下有个男的拿着刀在追人", ["110"]),
        ("隔壁在打人，一直在喊救命", ["110"]),
        ("我真的不想活了", ["110"]),
        ("我爸突然倒下了，叫不醒", ["120"]),
        ("车撞到护栏上，司机卡在车里出不来", ["119"]),
        ("对面楼着火了，火很大", ["119"]),
        ("厨房燃气泄漏了，味道很大", ["119"]),
        ("我 爸爸 晕倒 了 叫 不醒", ["120"]),  # Vosk's spaced words
    ],
)
def test_spoken_emergencies_are_urgent_with_their_referral(text: str, referral: list[str]) -> None:
    found = detect_urgency(text)
    assert found.level == "urgent", found
    assert found.referral == referral
    assert f"转 {referral[0]}" in found.advice


@pytest.mark.parametrize(
    "text",
    [
        "去年着火以后，楼道里的消防栓一直没修好",  # past
        "没有着火，就是楼下烧烤的烟太大了",  # negated
        "人没有受伤，就是车被刮了一下",
        "我们小区消防通道被车堵了，万一着火了消防车都进不来",  # hypothetical
        "电动车在楼道里充电，很容易起火",
        "我现在真是不想活的心都有了，这个房产证拖了五年",  # a figure of speech
        "家里的燃气灶打不着火了，想找人修一下",
        "我要投诉那个打人的城管，上周的事",
    ],
)
def test_words_of_danger_that_are_not_an_emergency(text: str) -> None:
    found = detect_urgency(text)
    assert found.level == "normal", found
    assert found.referral == [] and found.advice is None


def test_high_is_a_present_outage_or_hazard_not_a_chronic_one() -> None:
    assert detect_urgency("马路上有个井盖不见了，黑乎乎一个洞").level == "high"
    assert detect_urgency("我们这边经常停电，一个月停好几次").level == "normal"
    found = detect_urgency("去年着火以后一直没人管")
    assert any("过去" in d for d in found.dismissed) and "过去" in found.reason


def test_a_letter_recounting_violence_is_not_an_emergency_but_one_saying_now_is() -> None:
    letter = "实名举报村霸恶意伤人。尊敬的领导：2011年本人与他合伙做生意，后来他叫人一起围殴本人，"
    letter += "请求依法处理。" * 12
    assert detect_urgency(letter).level == "normal"
    assert detect_urgency(letter + "他们正在我家门口打人了").level == "urgent"


def test_the_judged_set_is_big_enough_and_split() -> None:
    cases = load_cases(CASES, data_dir=real_data())
    assert len(cases) >= 300
    assert {c.split for c in cases} == {"dev", "test"}
    assert sum(c.level == "urgent" for c in cases) >= 90
    assert all(c.referral for c in cases if c.level == "urgent")


def test_held_out_half_meets_the_targets() -> None:
    real_data("messages")
    figures = evaluate("test")
    assert figures["urgent_recall"] >= 0.95, figures["misses"]
    assert figures["normal_kept_normal"] >= 0.90, figures["misses"]
    assert figures["referral_right"] >= 0.90, figures["misses"]
