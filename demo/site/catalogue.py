"""What the demo site publishes, cycle by cycle: its articles, copies, edits and takedowns."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from demo.content import PARAGRAPH, Block, Draft, Writer, add_paragraph, edit_headline, one_word
from demo.copies import SeedStory, syndicate
from demo.prose import AUTHORS, MAIN_MIX, SYNONYMS
from demo.site.model import (
    CYCLE,
    EDIT_KINDS,
    EPOCH,
    GONE_AT,
    NEAR_MISSES,
    NEW_VARIANTS,
    STORY_VARIANTS,
    WINDOW_MINUTES,
    Article,
    slugify,
)
from demo.topics import words


class Catalogue:
    """The articles of every generated publisher and the plan of what changes at each cycle."""

    def __init__(self, seed: int, articles_per_publisher: int, story: SeedStory) -> None:
        self.seed = seed
        self.cycle = 0
        self._n = articles_per_publisher
        self._story = story
        self._writer = Writer(random.Random(f"{seed}-writer"))
        self._articles: dict[int, Article] = {}
        self._paths: set[str] = set()
        self._next_id = 1001
        self._generate()
        self._gone_plan = self._plan_gone()
        self._edit_pool = self._plan_edit_pool()
        # Swaps go both ways (said <-> stated), so an article with a swappable word keeps one:
        # decided once, edits(cycle) does not depend on how far the site has advanced.
        swappable = set(SYNONYMS) | set(SYNONYMS.values())
        self._swappable = {
            i
            for i in self._edit_pool
            if swappable & set(words(" ".join(self._articles[i].draft.paragraphs)))
        }

    # --- content generation ---

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _path(self, style: str, article_id: int, draft: Draft) -> str:
        slug = slugify(draft.title)
        d = draft.published_at
        path = {
            "herald": f"/{d:%Y/%m/%d}/{slug}-{article_id}.html",
            "lattice": f"/news/{draft.section}/{slug}-{article_id}",
            "wire": f"/article/{article_id}/{slug}",
            "farm": f"/{slugify(draft.title, 10)}/",
        }[style]
        if path in self._paths:  # a WordPress slug clash gets a suffix, as WordPress does
            path = f"{path.rstrip('/')}-{article_id}/"
        self._paths.add(path)
        return path

    def _add(
        self, style: str, draft: Draft, *, born: int = 0, source: int | None = None
    ) -> Article:
        article_id = self._new_id()
        if style == "lattice":  # the page shows a date only: midnight UTC is the truth
            draft.published_at = draft.published_at.replace(hour=0, minute=0, second=0)
        article = Article(
            article_id,
            style,
            draft,
            self._path(style, article_id, draft),
            draft.published_at,
            born,
            source,
        )
        self._articles[article_id] = article
        return article

    def _times(self, rng: random.Random, count: int, latest: datetime = EPOCH) -> list[datetime]:
        minutes = sorted(rng.sample(range(20, WINDOW_MINUTES), count), reverse=True)
        return [latest - timedelta(minutes=m) for m in minutes]

    def _variants(self, style: str, count: int, offset: int) -> list[str]:
        names = [MAIN_MIX[(i + offset) % len(MAIN_MIX)].name for i in range(count)]
        for i, name in enumerate(NEAR_MISSES[style]):
            names[(7 * i + 5) % count] = name
        return names

    def _generate(self) -> None:
        rng = random.Random(f"{self.seed}-site")
        for offset, style in enumerate(("herald", "lattice", "wire")):
            count = self._n - 1 if style == "wire" else self._n
            self._generate_own(rng, style, count, offset * 4)
        self._generate_stories(rng)
        own = self._n - 1 - self._story_count()
        self._generate_own(rng, "farm", own, 13)
        self._pick_related(rng)

    def _generate_own(self, rng: random.Random, style: str, count: int, offset: int) -> None:
        authors = AUTHORS[style]
        for variant, when in zip(
            self._variants(style, count, offset), self._times(rng, count), strict=True
        ):
            # Wire stories are often unsigned.
            author = None if style == "wire" and rng.random() < 0.4 else rng.choice(authors)
            self._add(style, self._writer.article(variant, author=author, published_at=when))

    def _story_count(self) -> int:
        return min(len(STORY_VARIANTS), max(1, self._n // 6))

    def _generate_stories(self, rng: random.Random) -> None:
        """The seed story on Wire and Farm, then Farm's copies of other Wire stories."""
        when = EPOCH - timedelta(days=2, hours=5, minutes=12)
        story = self._story
        original = Draft(
            "ukraine",
            "world",
            self._writer.claim_title(story.original_title),
            [Block(PARAGRAPH, p) for p in story.original],
            None,
            when,
            "seed",
        )
        wire = self._add("wire", original)
        copy = Draft(
            "ukraine",
            "world",
            self._writer.claim_title(story.copy_title),
            [Block(b.kind, b.text) for b in story.copy],
            None,
            when + timedelta(hours=4, minutes=37),
            "seed",
        )
        self._add("farm", copy, source=wire.id)
        for variant in STORY_VARIANTS[: self._story_count()]:
            original_article = self._story_original(rng, variant)
            original_article.draft.story = f"story-{original_article.id}"
            delay = timedelta(hours=rng.randint(2, 9), minutes=rng.randint(0, 59))
            copy = syndicate(
                original_article.draft,
                self._writer,
                rng,
                published_at=original_article.draft.published_at + delay,
            )
            self._add("farm", copy, source=original_article.id)

    def _story_original(self, rng: random.Random, variant: str) -> Article:
        """A Wire article of `variant` long enough to copy, not already a story."""
        candidates = [
            a
            for a in self._articles.values()
            if a.style == "wire"
            and a.draft.story is None
            and a.draft.variant == variant
            and len(a.draft.paragraphs) >= 6
            and a.draft.published_at < EPOCH - timedelta(hours=10)
        ]
        if candidates:
            return rng.choice(candidates)
        when = self._times(rng, 1, EPOCH - timedelta(hours=10))[0]
        draft = self._writer.article(variant, author=None, published_at=when)
        while len(draft.paragraphs) < 6:  # a long original so the copy keeps at least 5
            add_paragraph(draft, self._writer)
        return self._add("wire", draft)

    def _pick_related(self, rng: random.Random) -> None:
        for article in self._articles.values():
            peers = [
                a.id
                for a in self._articles.values()
                if a.style == article.style and a.id != article.id
            ]
            article.related = rng.sample(peers, 3)

    def _plan_gone(self) -> dict[int, int]:
        """Two feed-listed articles that answer 410 (Herald) and 404 (Lattice) at GONE_AT."""
        plan = {}
        for style, status in (("herald", 410), ("lattice", 404)):
            newest = sorted(self._of_style(style, 0), key=lambda a: (a.draft.published_at, a.id))
            plain = [
                a
                for a in newest[-12:]
                if a.draft.story is None and a.draft.variant not in NEAR_MISSES[style]
            ]
            plan[plain[0].id] = status
        return plan

    def _plan_edit_pool(self) -> list[int]:
        """What edits() draws from: Herald, Lattice and Wire, no stories, gone or near-misses."""
        near = {v for vs in NEAR_MISSES.values() for v in vs}
        pool = [
            a.id
            for a in self._articles.values()
            if a.style in ("herald", "lattice", "wire")
            and a.draft.story is None
            and a.id not in self._gone_plan
            and a.draft.variant not in near
        ]
        random.Random(f"{self.seed}-edits").shuffle(pool)
        return pool

    # --- the cycle plan (deterministic, whatever the current cycle) ---

    def _edit_plan(self, cycle: int) -> list[tuple[int, str]]:
        if cycle < 1:
            return []
        pool, at = self._edit_pool, 3 * (cycle - 1)
        plan = [(pool[at % len(pool)], EDIT_KINDS[0]), (pool[(at + 1) % len(pool)], EDIT_KINDS[1])]
        for k in range(at + 2, at + 2 + len(pool)):
            candidate = pool[k % len(pool)]
            if candidate in self._swappable and candidate not in {p for p, _ in plan}:
                plan.append((candidate, EDIT_KINDS[2]))
                break
        return plan

    def _apply_edit(self, article: Article, kind: str, when: datetime) -> None:
        if kind == "headline":
            edit_headline(article.draft, self._writer)
        elif kind == "paragraph_added":
            add_paragraph(article.draft, self._writer)
        else:
            one_word(article.draft, self._writer.rng)
        article.modified = when

    def _publish_new(self) -> None:
        rng = random.Random(f"{self.seed}-new-{self.cycle}")
        styles = ("herald", "lattice", "wire")
        for k, variant in enumerate(NEW_VARIANTS[: 3 if self.cycle % 2 == 0 else 2]):
            style = styles[(self.cycle + k) % 3]
            when = self._clock() - timedelta(minutes=rng.randint(5, 50))
            author = rng.choice(AUTHORS[style])
            article = self._add(
                style,
                self._writer.article(variant, author=author, published_at=when),
                born=self.cycle,
            )
            peers = [a.id for a in self._of_style(style, 0)]
            article.related = rng.sample(peers, 3)

    def _clock(self) -> datetime:
        return EPOCH + self.cycle * CYCLE

    def _is_live(self, article: Article) -> bool:
        gone = self.cycle == GONE_AT and article.id in self._gone_plan
        return article.born <= self.cycle and not gone

    def _of_style(self, style: str, cycle: int | None = None) -> list[Article]:
        """Live articles of `style`, newest first (at `cycle` only those born by then)."""
        chosen = [
            a
            for a in self._articles.values()
            if a.style == style and (a.born <= cycle if cycle is not None else self._is_live(a))
        ]
        return sorted(chosen, key=lambda a: (a.draft.published_at, a.id), reverse=True)
