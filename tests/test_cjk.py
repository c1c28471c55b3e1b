"""Scripts without spaces (Chinese, Japanese, Thai) and Korean in topics, dedup and search, and
the optional Snowball stemming of a topic's words."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from crawler.archive.ingest import Ingestor
from crawler.archive.search import search
from crawler.config import TopicConfig, from_dict
from crawler.items import ArticlePage, FeedHints
from crawler.process.worker import body_hash, init_worker, process_page
from crawler.text import dedup
from crawler.text.topics import Document, Topic, matches, parse, snippet
from storage.db import make_engine, session_factory, transaction, upgrade
from storage.models import Article, TopicMatch
from tests.searching import seed, topic_keys

# (term, text, whether the text speaks of the term), labelled by hand: the term as a word of
# the sentence, not its characters scattered or inside an unrelated word.
LABELLED = [
    ("乌克兰", "俄罗斯总统普京表示乌克兰问题需要谈判。", True),
    ("乌克兰", "俄罗斯总统普京表示,谈判需要时间。", False),
    ("普京", "普京周二在莫斯科会见了中国外长。", True),
    ("普京", "克里姆林宫发言人拒绝评论。", False),
    ("谈判", "双方同意下周在日内瓦恢复谈判。", True),
    ("谈判", "外交部发言人表示,目前没有新的安排。", False),
    ("经济", "中国经济第三季度增长百分之四点九。", True),
    ("经济", "这家公司的营业额增长了。", False),
    ("台湾", "台湾海峡局势引发国际关注。", True),
    ("台湾", "台风在沿海地区造成严重破坏,湾区停电。", False),
    ("ウクライナ", "ロシア軍はウクライナ東部で攻撃を続けている。", True),
    ("ウクライナ", "ロシア軍は東部で攻撃を続けている。", False),
    ("東京", "東京株式市場で日経平均株価が上昇した。", True),
    ("東京", "京都の東部で大雨が降った。", False),
    ("首相", "岸田首相は記者会見で新たな経済対策を発表した。", True),
    ("首相", "首都圏の相場は落ち着いている。", False),
    ("選挙", "来月の選挙に向けて各党が準備を進めている。", True),
    ("選挙", "選手たちは挙って練習に参加した。", False),
    ("ยูเครน", "รัสเซียยังคงโจมตียูเครนทางตะวันออก", True),
    ("ยูเครน", "รัสเซียยังคงโจมตีทางตะวันออก", False),
    ("กรุงเทพ", "ฝนตกหนักในกรุงเทพมหานครเมื่อคืนนี้", True),
    ("กรุงเทพ", "ฝนตกหนักในเชียงใหม่เมื่อคืนนี้", False),
    ("เลือกตั้ง", "คณะกรรมการการเลือกตั้งประกาศผลอย่างเป็นทางการ", True),
    ("เลือกตั้ง", "ประชาชนเลือกซื้อสินค้าตั้งแต่เช้า", False),
    ("민주당", "더불어민주당은 오늘 새 대표를 선출했다.", True),
    ("민주당", "국민의힘은 오늘 새 대표를 선출했다.", False),
    ("경기도", "경기도지사는 홍수 피해 지역을 방문했다.", True),
    ("경기도", "서울시장은 홍수 피해 지역을 방문했다.", False),
    ("우크라이나", "미국은 우크라이나를 계속 지원할 것이라고 밝혔다.", True),
    ("우크라이나", "미국은 동맹국을 계속 지원할 것이라고 밝혔다.", False),
    ("대통령", "대통령실은 성명을 발표했다.", True),
    ("대통령", "대학 통계 자료가 공개되었다.", False),
]


def _precision_recall(cases: list[tuple[str, str, bool]]) -> tuple[float, float]:
    tp = fp = fn = 0
    for term, text, expected in cases:
        found = matches(parse(term), Document.from_text("", text))
        tp += found and expected
        fp += found and not expected
        fn += expected and not found
    return tp / (tp + fp), tp / (tp + fn)


def test_cjk_thai_and_korean_terms_match_as_character_sequences() -> None:
    precision, recall = _precision_recall(LABELLED)
    assert precision >= 0.98 and recall >= 0.98, (precision, recall)


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("민주당", "더불어민주당 대표는"),  # inside a longer word
        ("경기도", "경기도지사가 말했다"),
        ("우크라이나", "우크라이나를 지원한다"),  # before a particle
        ("우크라이나", "우크라이나에서 돌아왔다"),
    ],
)
def test_a_korean_term_matches_inside_words_and_before_particles(term: str, text: str) -> None:
    assert Topic("k", term).match(Document.from_text("", text)) == [term]


def test_a_cjk_term_reads_back_as_typed_and_a_lone_character_matches() -> None:
    doc = Document.from_text("", "俄罗斯总统普京表示乌克兰问题需要谈判。")
    assert Topic("t", "乌克兰 AND 普京").match(doc) == ["乌克兰", "普京"]
    assert Topic("t", "京").match(doc) == ["京"]  # in 普京
    assert Topic("t", "北京").match(doc) is None
    assert Topic("t", "G7峰会").match(Document.from_text("", "G7峰会在广岛举行")) == ["g7 峰会"]


def test_a_snippet_marks_the_cjk_term_itself() -> None:
    text = "俄罗斯总统普京表示乌克兰问题需要谈判。"
    cut, spans = snippet(text, ["乌克兰"])
    assert [cut[a:b] for a, b in spans] == ["乌克兰"]


# --- dedup --------------------------------------------------------------------------------------
STORY_ZH = (
    "新华社北京12月7日电 国家统计局7日发布数据显示,11月份全国居民消费价格指数同比上涨0.2%,"
    "环比下降0.1%。其中,城市上涨0.3%,农村持平;食品价格下降1.1%,非食品价格上涨0.5%。\n"
    "国家统计局城市司首席统计师表示,11月份,受季节性因素和部分商品供应充足等影响,"
    "全国居民消费价格指数环比小幅下降,同比涨幅与上月相比有所回落。\n"
    "从环比看,食品价格由上月上涨转为下降,其中鲜菜价格下降4.8%,鲜果价格下降1.9%,"
    "猪肉价格下降0.7%。非食品价格中,能源价格下降0.9%,其中汽油价格下降2.0%。\n"
    "从同比看,扣除食品和能源价格的核心居民消费价格指数上涨0.3%,涨幅与上月相同。"
)
STORY_ZH_OTHER = (
    "新华社北京12月7日电 海关总署7日发布数据显示,今年前11个月,我国货物贸易进出口总值"
    "39.79万亿元,同比增长4.9%。其中,出口23.04万亿元,增长6.7%;进口16.75万亿元,增长2.4%。\n"
    "海关总署统计分析司负责人表示,前11个月,我国外贸进出口保持稳定增长,"
    "贸易结构持续优化,民营企业进出口增长较快,占比进一步提升。\n"
    "11月份,我国货物贸易进出口3.68万亿元,同比下降1.1%,其中出口2.19万亿元,增长1.5%。"
)


def test_copies_of_a_chinese_story_cluster_and_another_story_does_not() -> None:
    copy = (
        "首页 > 财经 > 正文\n"
        + STORY_ZH.replace("新华社北京12月7日电 ", "")
        + "\n责任编辑:王芳 本文来源:新华网\n相关阅读:冬季用电需求攀升"
    )
    original, reprint, other = (dedup.signature(t) for t in (STORY_ZH, copy, STORY_ZH_OTHER))
    assert original is not None and reprint is not None and other is not None
    words = [len(dedup.shingle_words(t)) for t in (STORY_ZH, copy, STORY_ZH_OTHER)]
    jaccard = dedup.similarity(original, reprint)
    assert dedup.is_near_duplicate(jaccard, words[0], words[1]), jaccard
    unrelated = dedup.similarity(original, other)
    assert not dedup.is_near_duplicate(unrelated, words[0], words[2]), unrelated
    assert set(dedup.band_hashes(original)) & set(dedup.band_hashes(reprint))


# --- search -------------------------------------------------------------------------------------
ARTICLES = {
    "zh": ("https://xinwen.example.cn/1", "普京谈乌克兰", "俄罗斯总统普京表示乌克兰问题需要谈判。"),
    "zh-other": ("https://xinwen.example.cn/2", "经济数据", "中国经济第三季度增长百分之四点九。"),
    "ja": ("https://news.example.jp/1", "東京市場", "東京株式市場で日経平均株価が上昇した。"),
    "th": ("https://khao.example.th/1", "ข่าว", "รัสเซียยังคงโจมตียูเครนทางตะวันออก"),
    "ko": ("https://news.example.kr/1", "정치", "더불어민주당은 오늘 새 대표를 선출했다."),
    "ko-2": ("https://news.example.kr/2", "경기도지사 방문", "미국은 우크라이나를 계속 지원한다."),
    "en": ("https://wire.example/1", "Kyiv talks", "Envoys met in Kyiv; 普京 was not there."),
}
QUERIES = [
    "乌克兰", "普京", "普京 AND 乌克兰", "title:普京", "经济 OR 東京", "東京 NOT 株式",
    "ยูเครน", "민주당", "경기도", "우크라이나", "title:경기도", "Kyiv AND 普京", '"普京 谈"',
    "乌克兰 OR Kyiv", "NOT 普京", "京",
]  # fmt: skip


def _topic_keys(query: str) -> set[str]:
    return topic_keys(ARTICLES, query)


@pytest.fixture(scope="module")
def seeded(archive_url: str) -> str:
    return seed(archive_url, "world", ARTICLES)


def _search(url: str, query: str) -> list[dict[str, object]]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        hits = search(session, query, limit=100)
    engine.dispose()
    return hits


def test_the_cjk_battery_is_not_trivial() -> None:
    assert _topic_keys("乌克兰") == {"zh"}
    assert _topic_keys("우크라이나") == {"ko-2"}
    assert _topic_keys("title:경기도") == {"ko-2"}
    assert _topic_keys("京") == {"zh", "ja", "en"}
    assert len({frozenset(_topic_keys(q)) for q in QUERIES}) >= 10


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_cjk_terms_as_topics_match_them(seeded: str, query: str) -> None:
    by_url = {u: key for key, (u, _, _) in ARTICLES.items()}
    assert {by_url[str(hit["url"])] for hit in _search(seeded, query)} == _topic_keys(query)


def test_a_cjk_search_hit_has_its_term_in_brackets(seeded: str) -> None:
    (hit,) = _search(seeded, "乌克兰")
    assert "[乌克兰]" in str(hit["snippet"])


# --- stemming -----------------------------------------------------------------------------------
def test_stemming_is_off_by_default_and_on_per_topic() -> None:
    doc = Document.from_text("", "Переговоры об Украине продолжатся в Женеве.")
    assert Topic("ua", "Украина").match(doc) is None  # exact words: the documented default
    assert Topic("ua", "Украина", language="russian").match(doc) == ["украина"]
    assert Topic("ua", "Украина", language="ru").match(doc) == ["украина"]
    english = Document.from_text("", "Sanctioned exports rose as Russia's ports reopened.")
    assert Topic("s", "sanctions AND port", language="english").match(english) == [
        "sanctions",
        "port",
    ]
    assert Topic("s", "sanctions").match(english) is None


def test_a_topic_language_without_a_stemmer_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="no stemmer for language 'klingon'"):
        TopicConfig(name="x", query="y", language="klingon")
    assert TopicConfig(name="x", query="y", language="RU").language == "russian"


# --- through the worker and the write path --------------------------------------------------------
def _zh_page(title: str, text: str, chrome: str) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n"))
    return (
        f"<html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><nav>{chrome}</nav><article><h1>{html.escape(title)}</h1>{body}</article>"
        "<footer>版权所有 © 2026</footer></body></html>"
    ).encode()


def _ingest(db_url: str, pages: list[tuple[str, str, str, str]]) -> list[tuple[int, list[str]]]:
    """Each (source, url, title, text) through the worker and Ingestor; (story, topics) each."""
    upgrade(db_url)
    topics = {"ukraine-zh": "乌克兰 OR 普京", "economy-zh": "居民消费价格指数"}
    init_worker(list(topics.items()))
    config = from_dict(
        {
            "database": {"url": db_url},
            "topics": [{"name": name, "query": query} for name, query in topics.items()],
        }
    )
    engine = make_engine(db_url)
    sessions = session_factory(engine, write=True)
    for source, url, title, text in pages:
        body = _zh_page(title, text, "首页 | 国内 | 国际 | 财经")
        page = ArticlePage(
            source=source, url=url, urls=[url], status=200, body=body,
            content_type="text/html", etag=None, last_modified=None, article_id=None,
            body_hash=body_hash(body),
        )  # fmt: skip
        doc = process_page(body, url, "text/html", FeedHints())
        with transaction(sessions) as session:
            Ingestor(config).page(session, page, doc)
    with sessions() as session:
        found = []
        for article in session.scalars(select(Article).order_by(Article.id)):
            topics = session.scalars(
                select(TopicMatch.topic).where(TopicMatch.article_id == article.id)
            )
            found.append((int(article.story_id or 0), sorted(topics)))
    engine.dispose()
    return found


def test_a_chinese_wire_story_and_its_reprint_are_one_story_with_their_topics(
    db_url: str,
) -> None:
    reprint = STORY_ZH.replace("新华社北京12月7日电 ", "") + "\n责任编辑:王芳 本文来源:新华网"
    found = _ingest(
        db_url,
        [
            ("Xinhua", "https://xinhua.example.cn/a/1", "11月份CPI同比上涨0.2%", STORY_ZH),
            ("Portal", "https://portal.example.cn/n/9", "国家统计局:11月CPI同比上涨0.2%", reprint),
            ("Xinhua", "https://xinhua.example.cn/a/2", "前11个月外贸增长4.9%", STORY_ZH_OTHER),
        ],
    )
    (story_a, topics_a), (story_b, topics_b), (story_c, topics_c) = found
    assert story_a == story_b != story_c
    assert topics_a == topics_b == ["economy-zh"]
    assert topics_c == []
