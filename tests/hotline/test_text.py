from hotline.text import normalise, tokenize


def test_user_dictionary_keeps_streets_and_hotline_terms_whole() -> None:
    tokens = tokenize("A2区桂花坪街道小区燃气泄漏，不动产证办不下来")
    assert "桂花坪街道" in tokens
    assert "燃气泄漏" in tokens
    assert "不动产证" in tokens


def test_place_codes_stay_one_token_even_when_not_in_dictionary() -> None:
    tokens = tokenize("K8县和Z12区还有A市")
    assert "K8县" in tokens
    assert "Z12区" in tokens


def test_stop_words_and_symbols_are_dropped_but_negation_kept() -> None:
    tokens = tokenize("我的工资，不发了！😀😀")
    assert "的" not in tokens and "我" not in tokens
    assert "工资" in tokens and "不" in tokens
    assert not any("😀" in t or "，" in t for t in tokens)


def test_empty_whitespace_and_emoji_give_no_tokens() -> None:
    assert tokenize("") == []
    assert tokenize(" \n\t ") == []
    assert tokenize("😀🔥👍") == []


def test_normalise_turns_full_width_into_half_width() -> None:
    assert normalise("Ａ２区　１２３４５") == "A2区 12345"
