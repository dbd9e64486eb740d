"""Voice self-service: the caller's words (from the recogniser) or keypad digits in, the sentence to speak out.

Spoken numbers are read with the speech package's clean-up (asr/text.py: 幺 = 1, 两 = 2, 洞 = 0 after keywords
such as 工单号, and any run of seven or more spoken digits).
"""

import re

from asr.text import clean_transcript, extract_numbers
from selfservice.progress import PublicProgress

_SAY_DIGIT = dict(zip("0123456789", "零幺二三四五六七八九", strict=True))


def number_from(text: str | None, digits: str | None) -> tuple[str | None, str | None]:
    """(ticket number, phone) heard in the text or typed on the keypad; None where nothing fits."""
    if digits:
        typed = re.sub(r"\D", "", digits)
        return (typed or None), None
    ticket = phone = None
    for found in extract_numbers(clean_transcript(text or "")):
        if found.kind == "phone" and len(found.digits) == 11 and phone is None:
            phone = found.digits
        elif found.kind in ("ticket", "number") and len(found.digits) == 10 and ticket is None:
            ticket = found.digits
    return ticket, phone


def say_number(number: str) -> str:
    """Digit by digit, with 幺 for 1 as operators read numbers on the phone."""
    return "".join(_SAY_DIGIT.get(d, d) for d in number)


def answer_text(number: str | None, progress: PublicProgress | None) -> str:
    if not number:
        return "没有听清您的工单编号。请再说一遍十位工单编号，或在电话按键上输入工单编号后按井号键。"
    if progress is None:
        return (
            f"没有查到与您来电号码匹配的工单{say_number(number)}。请核对工单编号，或用登记时的手机号码来电查询，"
            "也可以按零转人工服务。"
        )
    text = f"您的工单{say_number(progress.number)}，{progress.state_text}。"
    if progress.department and progress.state not in ("received", "closed"):
        text += f"承办单位是{progress.department}。"
    if progress.steps:
        text += f"最新进展：{progress.steps[-1].text}。"
    return text
