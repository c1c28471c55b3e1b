"""CJKSite: publishers in Chinese, Japanese, Korean and Thai on one loopback host.

THE MAP. One ThreadingHTTPServer on `host` (default 127.0.0.1) and an ephemeral port; every
publisher lives under its own prefix, with an RSS 2.0 feed of all its articles and one page per
article (UTF-8, `<html lang>`, a navigation bar, a headline, paragraphs, a footer):

  /xinhua/feed.xml, /xinhua/a/N.html      a Chinese wire: CPI figures (the wire copy), a
                                          foreign-trade report, Putin on Ukraine
  /portal/feed.xml, /portal/n/N.html      a Chinese portal: the CPI story republished without
                                          the dateline, with breadcrumbs, an editor line and
                                          a related-links line; a story on the Taiwan Strait
  /nikkei/feed.xml, /nikkei/a/N.html      Japanese: the Tokyo stock market; Russia's attacks
                                          in eastern Ukraine (ウクライナ)
  /hankook/feed.xml, /hankook/a/N.html    Korean: the Democratic Party (더불어민주당은 ...);
                                          aid to Ukraine (우크라이나를, with a particle)
  /thairath/feed.xml, /thairath/a/N.html  Thai: Russia's attacks on Ukraine (ยูเครน); rain in
                                          Bangkok (กรุงเทพมหานคร)
  anything else                           404 (robots.txt too: everything is allowed)

Truth: ARTICLES (publisher, path, title, paragraphs, story key: the CPI story's two copies
share one) and TOPICS with the articles each must match.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass

from demo.site.config import newsmon_toml
from demo.site.model import HTML, Resource
from demo.site.server import OneHostSite

RSS = "application/rss+xml; charset=utf-8"
LANG = {"xinhua": "zh-CN", "portal": "zh-CN", "nikkei": "ja", "hankook": "ko", "thairath": "th"}
NAV = {
    "xinhua": "首页 | 时政 | 国际 | 财经 | 图片",
    "portal": "首页 > 财经 > 正文",
    "nikkei": "トップ | 経済 | 国際 | マーケット",
    "hankook": "홈 | 정치 | 경제 | 국제",
    "thairath": "หน้าแรก | ข่าว | การเมือง | ต่างประเทศ",
}

CPI = [
    "国家统计局7日发布数据显示,11月份全国居民消费价格指数同比上涨0.2%,环比下降0.1%。其中,"
    "城市上涨0.3%,农村持平;食品价格下降1.1%,非食品价格上涨0.5%。",
    "国家统计局城市司首席统计师表示,11月份,受季节性因素和部分商品供应充足等影响,全国居民消费"
    "价格指数环比小幅下降,同比涨幅与上月相比有所回落。",
    "从环比看,食品价格由上月上涨转为下降,其中鲜菜价格下降4.8%,鲜果价格下降1.9%,猪肉价格下降"
    "0.7%。非食品价格中,能源价格下降0.9%,其中汽油价格下降2.0%。",
    "从同比看,扣除食品和能源价格的核心居民消费价格指数上涨0.3%,涨幅与上月相同。",
]


@dataclass(frozen=True)
class CJKArticle:
    publisher: str
    path: str
    title: str
    paragraphs: tuple[str, ...]
    story: str  # the same key for copies of one story


ARTICLES = (
    CJKArticle("xinhua", "/xinhua/a/1.html", "11月份全国居民消费价格指数同比上涨0.2%",
               ("新华社北京12月7日电 " + CPI[0], *CPI[1:]), "cpi"),
    CJKArticle("xinhua", "/xinhua/a/2.html", "前11个月我国外贸进出口增长4.9%", (
        "海关总署7日发布数据显示,今年前11个月,我国货物贸易进出口总值39.79万亿元,同比增长4.9%。"
        "其中,出口23.04万亿元,增长6.7%;进口16.75万亿元,增长2.4%。",
        "海关总署统计分析司负责人表示,前11个月,我国外贸进出口保持稳定增长,贸易结构持续优化,"
        "民营企业进出口增长较快,占比进一步提升。",
        "11月份,我国货物贸易进出口3.68万亿元,同比下降1.1%,其中出口2.19万亿元,增长1.5%。",
    ), "trade"),
    CJKArticle("xinhua", "/xinhua/a/3.html", "普京称愿就乌克兰问题进行谈判", (
        "俄罗斯总统普京6日在莫斯科表示,俄方愿意在考虑各方安全关切的基础上就乌克兰问题进行谈判。",
        "普京在克里姆林宫会见来访的外国领导人时说,俄方从未拒绝对话,但任何协议都必须反映当前的"
        "实际情况。他同时表示,西方国家持续向基辅提供武器只会延长冲突。",
        "分析人士指出,各方立场依然存在较大分歧,短期内恢复全面谈判的前景并不明朗。",
    ), "putin"),
    CJKArticle("portal", "/portal/n/9.html", "国家统计局:11月CPI同比上涨0.2%",
               (*CPI, "责任编辑:王芳 本文来源:新华网", "相关阅读:冬季用电需求持续攀升"), "cpi"),
    CJKArticle("portal", "/portal/n/10.html", "台湾海峡局势引发国际社会关注", (
        "近日,台湾海峡局势再度引发国际社会广泛关注。多国政府发表声明,呼吁有关各方保持克制,"
        "避免采取可能加剧紧张局势的行动。",
        "专家认为,维护地区和平稳定符合各方共同利益,通过对话协商管控分歧仍是唯一现实的选择。",
        "据报道,相关国家的外交官员本周将在新加坡举行会谈,讨论地区安全形势。",
    ), "strait"),
    CJKArticle("nikkei", "/nikkei/a/1.html", "東京株式市場、日経平均が続伸", (
        "7日の東京株式市場で日経平均株価は続伸し、前日比312円高の3万9千円台で取引を終えた。"
        "米国の長期金利の低下を受けて、ハイテク株を中心に買いが広がった。",
        "市場関係者は、来週に予定されている日銀の金融政策決定会合の結果を見極めたいとの声も多く、"
        "上値は限られたと話している。",
        "東証プライム市場の売買代金は概算で4兆2千億円だった。",
    ), "tokyo"),
    CJKArticle("nikkei", "/nikkei/a/2.html", "ロシア軍、ウクライナ東部で攻撃続ける", (
        "ロシア軍は6日もウクライナ東部ドネツク州で攻撃を続けた。ウクライナ軍参謀本部によると、"
        "前線の複数の地点で激しい戦闘が起きている。",
        "ゼレンスキー大統領はビデオ演説で、欧米諸国に対して防空システムの追加供与を改めて求めた。",
        "一方、ロシア国防省は同州の集落を新たに制圧したと発表したが、ウクライナ側は否定している。",
    ), "donetsk"),
    CJKArticle("hankook", "/hankook/a/1.html", "더불어민주당, 새 원내대표 선출", (
        "더불어민주당은 7일 국회에서 의원총회를 열고 새 원내대표를 선출했다. 새 원내대표는 "
        "당선 인사에서 민생 법안 처리에 속도를 내겠다고 밝혔다.",
        "당 지도부는 내년 예산안 심사와 관련해 정부와 여당에 적극적인 협의를 요구했다.",
        "정치권에서는 이번 선출이 향후 여야 관계에 적지 않은 영향을 미칠 것으로 보고 있다.",
    ), "minjoo"),
    CJKArticle("hankook", "/hankook/a/2.html", "미국, 우크라이나 추가 지원 발표", (
        "미국 정부는 6일 우크라이나를 위한 추가 군사 지원 계획을 발표했다. 지원에는 방공 "
        "미사일과 포탄 등이 포함된 것으로 알려졌다.",
        "국무부 대변인은 브리핑에서 동맹국들과 긴밀히 협력해 우크라이나에 대한 지원을 계속할 "
        "것이라고 말했다.",
        "러시아 정부는 이번 발표에 대해 분쟁을 장기화할 뿐이라고 비판했다.",
    ), "aid"),
    CJKArticle("thairath", "/thairath/a/1.html", "รัสเซียโจมตียูเครนต่อเนื่อง", (
        "กองทัพรัสเซียยังคงโจมตียูเครนทางตะวันออกอย่างต่อเนื่อง ตามรายงานของกองทัพยูเครน"
        "การสู้รบเกิดขึ้นในหลายพื้นที่ตามแนวหน้า",
        "ประธานาธิบดียูเครนเรียกร้องให้ชาติตะวันตกส่งระบบป้องกันภัยทางอากาศเพิ่มเติม",
        "ขณะที่กระทรวงกลาโหมรัสเซียอ้างว่าสามารถยึดหมู่บ้านแห่งใหม่ได้",
    ), "thai-war"),
    CJKArticle("thairath", "/thairath/a/2.html", "ฝนตกหนักในกรุงเทพมหานคร", (
        "ฝนตกหนักในกรุงเทพมหานครเมื่อคืนที่ผ่านมา ทำให้เกิดน้ำท่วมขังในหลายพื้นที่ "
        "การจราจรติดขัดอย่างหนักในช่วงเช้า",
        "กรมอุตุนิยมวิทยาคาดการณ์ว่าจะมีฝนตกต่อเนื่องอีกสองถึงสามวัน",
        "เจ้าหน้าที่ได้เร่งระบายน้ำออกจากถนนสายหลักแล้ว",
    ), "rain"),
)  # fmt: skip

# Each topic and the paths of the articles it must match (no more, no fewer).
TOPICS = {
    "ukraine-asia": (
        "乌克兰 OR ウクライナ OR 우크라이나 OR ยูเครน",
        {"/xinhua/a/3.html", "/nikkei/a/2.html", "/hankook/a/2.html", "/thairath/a/1.html"},
    ),
    "minjoo": ("민주당", {"/hankook/a/1.html"}),
    "cpi": ("居民消费价格指数", {"/xinhua/a/1.html", "/portal/n/9.html"}),
    "tokyo-market": ("title:東京 AND 株式", {"/nikkei/a/1.html"}),
    "bangkok": ("กรุงเทพ", {"/thairath/a/2.html"}),
}


def page_html(article: CJKArticle) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
    title = html.escape(article.title)
    return (
        f"<!doctype html><html lang='{LANG[article.publisher]}'><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body><nav>{html.escape(NAV[article.publisher])}</nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>© 2026 {article.publisher}</footer>"
        "</body></html>"
    )


def rss(base_url: str, publisher: str) -> str:
    items = "".join(
        f"<item><title>{html.escape(a.title)}</title><link>{base_url}{a.path}</link>"
        f"<guid>{base_url}{a.path}</guid><pubDate>Mon, 07 Dec 2026 0{i}:00:00 +0800</pubDate>"
        "</item>"
        for i, a in enumerate(a for a in ARTICLES if a.publisher == publisher)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{publisher}</title><link>{base_url}/{publisher}/</link>{items}</channel></rss>"
    )


class CJKSite(OneHostSite):
    """The CJK publishers on one loopback host (see the module's map)."""

    def config_toml(self, database_url: str) -> str:
        """A newsmon config: one source per publisher (its feed), the TOPICS, no alerts."""
        sources = [
            {"name": name, "feeds": [f"{self.base_url}/{name}/feed.xml"], "every": "15m"}
            for name in LANG
        ]
        topics = [{"name": n, "query": q, "alert_mode": "none"} for n, (q, _) in TOPICS.items()]
        return newsmon_toml(database_url, 25, {"sources": sources, "topics": topics}, "")

    # --- what demo.site.server.Server calls ---

    def _lookup(self, host: str, target: str) -> Resource:
        path = target.split("?")[0]
        for name in LANG:
            if path == f"/{name}/feed.xml":
                return _resource(rss(self.base_url, name), RSS)
        for article in ARTICLES:
            if path == article.path:
                return _resource(page_html(article), HTML)
        return Resource(404)

    def _count(self, netloc: str, target: str, status: int) -> None:
        """Requests are not counted here."""


def _resource(text: str, content_type: str) -> Resource:
    body = text.encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    return Resource(200, content_type=content_type, body=body, etag=etag)
