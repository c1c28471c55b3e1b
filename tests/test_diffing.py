"""Version comparison: material changes, typography-only edits, word and sentence diffs."""

from __future__ import annotations

import pytest

from crawler.text import diffing
from tests.syndication import generate

TITLE = "Blinken in Kyiv to back Ukraine as Putin stares down West"
TEXT = (
    "US Secretary of State Antony Blinken landed in Kyiv on Wednesday for crisis talks with "
    "Ukraine’s leaders, as diplomatic efforts to dissuade Russia from attacking falter.\n"
    "After talks last week failed to ease fears, the White House warned that Russia was ready "
    "to attack Ukraine at “any point”. U.S. officials said a call was planned.\n"
    "Blinken heads on Thursday to Berlin for four-way talks with Britain, France and Germany.\n"
    "Moscow has repeatedly denied that an invasion is planned — and says NATO is to blame."
)
NEW_PARAGRAPH = (
    "Lavrov said on Tuesday that there would be no further negotiations until the West "
    "responded to Moscow’s demands for sweeping security guarantees."
)


@pytest.fixture(scope="module")
def story() -> tuple[str, str]:
    """A generated wire story (headline, text) of a few hundred words."""
    doc = generate(0)[0]
    return doc.title, doc.text


def _words(text: str) -> int:
    return len(text.split())


# --- compare -----------------------------------------------------------------------------------
def test_a_one_word_fix_is_a_change_but_not_material(story: tuple[str, str]) -> None:
    title, text = story
    assert " Wednesday" in text
    change = diffing.compare(title, text, title, text.replace(" Wednesday", " Thursday", 1))
    assert (change.words_added, change.words_removed) == (1, 1)
    assert change.changed and not change.material and not change.headline_changed


def test_a_headline_change_is_material(story: tuple[str, str]) -> None:
    title, text = story
    change = diffing.compare(title, text, "Talks collapse as Moscow rejects demands", text)
    assert change.headline_changed and change.material
    assert change.words_added == change.words_removed == 0
    # A headline missing on one side is an extraction gap, not an edit.
    assert not diffing.compare(None, text, title, text).headline_changed
    assert not diffing.compare(title, text, "", text).changed


def test_an_added_paragraph_is_material(story: tuple[str, str]) -> None:
    title, text = story
    paragraphs = text.split("\n")
    edited = "\n".join([*paragraphs[:3], NEW_PARAGRAPH, *paragraphs[3:]])
    change = diffing.compare(title, text, title, edited)
    assert change.words_added == _words(NEW_PARAGRAPH) and change.words_removed == 0
    assert change.material and not change.headline_changed


def test_the_material_threshold_counts_added_plus_removed_words() -> None:
    old = " ".join(f"w{i}" for i in range(100))
    nine = old.replace("w10 w11 w12 w13", "x1 x2 x3 x4 x5")  # 4 removed + 5 added
    ten = old.replace("w10 w11 w12 w13 w14", "x1 x2 x3 x4 x5")  # 5 + 5
    assert diffing.MATERIAL_WORDS == 10
    assert not diffing.compare("T", old, "T", nine).material
    assert diffing.compare("T", old, "T", ten).material


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Ukraine’s “red lines”, he said.", "Ukraine's \"red lines\", he said."),
        ("Talks – and threats — go on in 2021‒2022.", "Talks - and threats - go on in 2021-2022."),
        ("Blinken  landed\tin Kyiv.\n\nThen   he left.", "Blinken landed in Kyiv.\nThen he left."),
        ("Blinken landed in Kyiv.", "Blin\u200bken\u00a0landed in Ky\u00adiv\ufeff.\u2060"),
        ("Fears grow… over 10 km", "Fears grow... over 10\u202fkm"),
    ],
    ids=["quotes", "dashes", "whitespace", "zero-width", "nfkc"],
)
def test_typography_only_changes_count_no_words(old: str, new: str) -> None:
    change = diffing.compare("Blinken’s “last chance”", old, "Blinken's \"last\u200b chance\"", new)
    assert change.words_added == change.words_removed == 0
    assert not change.headline_changed and not change.material and not change.changed
    assert [tag for tag, _ in diffing.word_diff(old, new)] == ["equal"]
    assert diffing.sentence_changes(old, new) == ([], [])


# --- Word diffs --------------------------------------------------------------------------------
OLD_LINE = "The talks ended on Tuesday without a deal, officials said."
NEW_LINE = "The talks ended on Wednesday without any deal, officials said."


def test_word_diff_gives_replacements_as_delete_then_insert() -> None:
    assert diffing.word_diff(OLD_LINE, NEW_LINE) == [
        ("equal", "The talks ended on"),
        ("delete", "Tuesday"),
        ("insert", "Wednesday"),
        ("equal", "without"),
        ("delete", "a"),
        ("insert", "any"),
        ("equal", "deal, officials said."),
    ]
    assert diffing.word_diff("", "Breaking news") == [("insert", "Breaking news")]
    assert diffing.word_diff("Old text", "") == [("delete", "Old text")]


def test_render_diff_without_colour() -> None:
    rendered = diffing.render_diff(diffing.word_diff(OLD_LINE, NEW_LINE), color=False)
    assert rendered == (
        "The talks ended on [-Tuesday-] {+Wednesday+} without [-a-] {+any+} deal, officials said."
    )
    assert "\x1b" not in rendered


def test_render_diff_with_colour() -> None:
    rendered = diffing.render_diff(diffing.word_diff(OLD_LINE, NEW_LINE), color=True)
    assert rendered == (
        "The talks ended on \x1b[31mTuesday\x1b[0m \x1b[32mWednesday\x1b[0m without "
        "\x1b[31ma\x1b[0m \x1b[32many\x1b[0m deal, officials said."
    )
    assert "[-" not in rendered and "{+" not in rendered


def test_render_diff_of_an_added_paragraph(story: tuple[str, str]) -> None:
    _, text = story
    ops = diffing.word_diff(text, f"{text}\n{NEW_PARAGRAPH}")
    added = NEW_PARAGRAPH.replace("’", "'")
    assert [tag for tag, _ in ops] == ["equal", "insert"] and ops[1] == ("insert", added)
    rendered = diffing.render_diff(ops, color=False)
    assert rendered == ops[0][1] + " {+" + added + "+}"
    assert len(ops[0][1].split()) == len(text.split())


# --- Sentence changes --------------------------------------------------------------------------
def test_sentence_changes_finds_added_and_removed_sentences() -> None:
    paragraphs = TEXT.split("\n")
    # Drop the third paragraph, edit one sentence of the second, add a paragraph.
    edited = paragraphs[1].replace("a call was planned", "a call was held on Tuesday")
    new = "\n".join([paragraphs[0], edited, paragraphs[3], NEW_PARAGRAPH])
    added, removed = diffing.sentence_changes(TEXT, new)
    assert added == [
        "U.S. officials said a call was held on Tuesday.",
        NEW_PARAGRAPH.replace("’", "'"),
    ]
    assert removed == [
        "U.S. officials said a call was planned.",
        "Blinken heads on Thursday to Berlin for four-way talks with Britain, France and Germany.",
    ]


def test_sentence_changes_count_repeats_and_ignore_typography() -> None:
    old = "Talks resumed. Nothing changed. Talks resumed."
    assert diffing.sentence_changes(old, "Talks resumed. Nothing changed.") == (
        [],
        ["Talks resumed."],
    )
    curly = "He said “no”. Then he left."
    assert diffing.sentence_changes(curly, 'He said "no". Then he left.') == ([], [])


# --- Suspect losses ----------------------------------------------------------------------------
def test_is_suspect_loss_on_a_text_that_lost_most_of_itself(story: tuple[str, str]) -> None:
    _, text = story
    stub = "Subscribe to continue reading. Already a subscriber? Log in."
    assert diffing.is_suspect_loss(text, stub)
    first_paragraphs = "\n".join(text.split("\n")[:2])
    assert _words(first_paragraphs) < 0.4 * _words(text)
    assert diffing.is_suspect_loss(text, first_paragraphs)


def test_is_suspect_loss_not_on_a_normal_edit(story: tuple[str, str]) -> None:
    _, text = story
    paragraphs = text.split("\n")
    cut = "\n".join(paragraphs[:-1])  # the last paragraph cut
    assert not diffing.is_suspect_loss(text, cut)
    assert not diffing.is_suspect_loss(text, f"{text}\n{NEW_PARAGRAPH}")
    assert not diffing.is_suspect_loss("", "anything")


def test_is_suspect_loss_boundary_is_sixty_percent() -> None:
    old = " ".join(["word"] * 100)
    assert not diffing.is_suspect_loss(old, " ".join(["word"] * 40))
    assert diffing.is_suspect_loss(old, " ".join(["word"] * 39))


# --- Cosmetic changes: page furniture and markup are not edits (issue 14, item 1) ----------------
BODY = TEXT.split("\n")
KOREAN = (
    "정부는 화요일 제네바에서 열린 회담에서 포로 교환과 곡물 회랑 재개 문제를 다시 논의했다.\n"
    "중재자들은 회담 분위기가 건설적이었다고 밝혔지만 이달 말 이전 합의는 어렵다고 말했다."
)
COSMETIC = {
    "table rules and stray braces": "\n".join(
        [BODY[0], "|---|---|", "}", "-", BODY[1], "[-|---|-]", *BODY[2:]]
    ),
    "last updated stamp": "\n".join([*BODY, "Last updated: 12 March 2026, 10:32 am GMT"]),
    "last updated stamp with a full stop": "\n".join(["Updated 12.03.2026 10:32.", *BODY]),
    "menu": "\n".join(["Home World Politics Business Technology Science Health Sport", *BODY]),
    "script text": "\n".join(
        [*BODY, "window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(1);}"]
    ),
    "share block": "\n".join(
        [*BODY, "Share this article", "Facebook Twitter WhatsApp Email", "Copy link Print"]
    ),
}


@pytest.mark.parametrize("new", COSMETIC.values(), ids=COSMETIC.keys())
def test_furniture_and_markup_entering_the_text_are_no_change(new: str) -> None:
    for old, edited in ((TEXT, new), (new, TEXT)):  # entering, and leaving
        change = diffing.compare(TITLE, old, TITLE, edited)
        assert not change.changed, change


def test_korean_menu_and_stamp_entering_are_no_change_but_an_edit_is() -> None:
    menu = "전체기사 정치 경제 사회 국제 문화 스포츠 연예"
    stamp = "입력 2026.03.12 10:32 수정 2026.03.12 11:05"
    furnished = f"{menu}\n{KOREAN}\n{stamp}"
    assert not diffing.compare("회담", KOREAN, "회담", furnished).changed
    edited = furnished.replace("화요일", "수요일")
    assert diffing.compare("회담", KOREAN, "회담", edited).words_added == 1


def test_a_furniture_line_that_changes_is_no_change() -> None:
    old = "\n".join([*BODY, "Last updated: 12 March 2026, 10:32", "Share: Facebook Twitter Email"])
    new = "\n".join([*BODY, "Last updated: 13 March 2026, 09:05", "Share: Facebook"])
    assert not diffing.compare(TITLE, old, TITLE, new).changed


@pytest.mark.parametrize("furniture", COSMETIC.values(), ids=COSMETIC.keys())
def test_edits_are_caught_whatever_furniture_comes_with_them(furniture: str) -> None:
    one_word = furniture.replace("landed in Kyiv", "arrived in Kyiv")
    change = diffing.compare(TITLE, TEXT, TITLE, one_word)
    assert (change.words_added, change.words_removed) == (1, 1)
    added = furniture.replace(BODY[2], f"{BODY[2]}\n{NEW_PARAGRAPH}")
    change = diffing.compare(TITLE, TEXT, TITLE, added)
    assert change.words_added == _words(NEW_PARAGRAPH) and change.material
    assert diffing.compare(TITLE, TEXT, "Blinken flies to Berlin", furniture).material


def test_a_table_row_with_figures_is_text() -> None:
    old = f"{TEXT}\nTeam | Points\nReds | 12\nBlues | 9"
    change = diffing.compare(TITLE, old, TITLE, old.replace("Reds | 12", "Reds | 15"))
    assert (change.words_added, change.words_removed) == (1, 1)


def test_a_long_live_blog_is_diffed_paragraph_by_paragraph() -> None:
    """50 successive versions of a 20,000-word live blog: exact counts (the time it takes is
    benchmarks/live_blog.py's, docs/benchmarks.md)."""
    entries = [f"Update {i}: {' '.join(BODY)}" for i in range(200)]  # 200 x ~100 words
    blog = entries[:]
    for n in range(50):
        new = [f"Entry {n} at the top: {NEW_PARAGRAPH}", *blog]
        new[100] = new[100].replace("Wednesday", "Tuesday", 1)
        change = diffing.compare(TITLE, "\n".join(blog), TITLE, "\n".join(new))
        assert change.words_added == _words(NEW_PARAGRAPH) + 5 + 1  # "Entry n at the top:"
        assert change.words_removed == 1
        blog = new


THAI = (
    "นายกรัฐมนตรีเดินทางเยือนกรุงเคียฟเพื่อหารือเรื่องความช่วยเหลือด้านมนุษยธรรม "
    "และการฟื้นฟูประเทศหลังสงคราม"
)


def test_an_edit_in_a_script_without_case_or_full_stops_is_caught() -> None:
    # Thai has no capitals and ends sentences with a space, not a full stop: its prose must
    # not read as furniture
    edited = THAI.replace("กรุงเคียฟ", "กรุงวอร์ซอ")
    change = diffing.compare("ข่าว", f"{TEXT}\n{THAI}", "ข่าว", f"{TEXT}\n{edited}")
    assert change.changed and change.words_added == change.words_removed == 1
    assert diffing.compare("ข่าว", TEXT, "ข่าว", f"{TEXT}\n{THAI}").words_added == 2
