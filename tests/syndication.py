"""Deterministic syndication corpus: wire stories, their republished copies and look-alikes.

The map of the corpus that :func:`generate` returns (``story_key`` is the ground truth):

- ``wire-NNN``: a wire story (the agency's original) plus 1 to 5 republished copies, 2 to 6
  documents in all. A copy may carry its site's boilerplate lines inside the body ("Read Next",
  "Source link", "Leave a Reply", ...), repeat the standfirst as its last paragraph, drop one
  paragraph, get a new headline, another date (a later day, or a date-only midnight), "Kiev" for
  "Kyiv" and straight for curly quotes; about one in eight is an excerpt (the first half or so
  of the story and a link to the rest). The first 12 are Ukraine-Russia diplomacy on day 0
  featuring Blinken and Lavrov, as are the first 12 of every other kind below.
- ``solo-NNN``: standalone stories on the same topics and days, one document each, some from the
  sites that add boilerplate; a third report a wire story's event (same officials, place and
  day) in other words, borrowing two of its paragraphs.
- ``sf-NNN-a`` / ``sf-NNN-b``: two different stories that share only their standfirst.
- ``bp-NNN-a`` / ``bp-NNN-b``: two different stories of one site that share only a byline and a
  comment/newsletter block.
- ``brief-NNN``: briefs under ``shingles.MIN_WORDS`` words, some republished verbatim (quotes
  straightened at most), and ``brief-NNN-upd`` variants with one figure changed: a short text
  joins a story only on exact match, so an update is another "story".

Text is paragraphs joined by "\\n"; the headline is not part of it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

DAY0 = datetime(2022, 1, 19, tzinfo=UTC)  # the seed article's day, a Wednesday
DAYS = 3
WIRE_STORIES = 110
SOLO_STORIES = 110
PAIRS = 10
BRIEFS = 30


@dataclass
class Doc:
    """One fetched article of the corpus."""

    id: int
    story_key: str
    title: str
    text: str
    published_at: datetime
    source: str


@dataclass(frozen=True)
class Topic:
    """The vocabulary that every story on one subject draws from."""

    name: str
    people: tuple[tuple[str, str], ...]  # (title, full name)
    places: tuple[str, ...]
    orgs: tuple[str, ...]
    issues: tuple[str, ...]
    contexts: tuple[str, ...]  # clauses: "as ..." / "when ..."
    actions: tuple[str, ...]  # verb phrases: "would ...", "vowed to ..."
    events: tuple[str, ...]
    figure: str  # a number phrase with {n}


UKRAINE = Topic(
    name="ukraine",
    people=(
        ("US Secretary of State", "Antony Blinken"),
        ("Russian Foreign Minister", "Sergei Lavrov"),
        ("Ukrainian President", "Volodymyr Zelensky"),
        ("Russian President", "Vladimir Putin"),
        ("German Foreign Minister", "Annalena Baerbock"),
        ("NATO Secretary General", "Jens Stoltenberg"),
        ("Ukrainian Foreign Minister", "Dmytro Kuleba"),
        ("US President", "Joe Biden"),
        ("German Chancellor", "Olaf Scholz"),
        ("French President", "Emmanuel Macron"),
        ("Kremlin spokesman", "Dmitry Peskov"),
        ("British Foreign Secretary", "Liz Truss"),
    ),
    places=("Kyiv", "Moscow", "Geneva", "Berlin", "Brussels", "Washington", "Paris", "Kharkiv"),
    orgs=(
        "NATO",
        "the European Union",
        "the OSCE",
        "the Kremlin",
        "the State Department",
        "the UN Security Council",
        "the Pentagon",
    ),
    issues=(
        "security guarantees",
        "the troop build-up on Ukraine’s border",
        "NATO’s eastward expansion",
        "the Minsk peace agreements",
        "new sanctions on Moscow",
        "the Nord Stream 2 pipeline",
        "a diplomatic off-ramp",
        "the conflict in the Donbas",
        "arms deliveries to Kyiv",
        "the Normandy format talks",
        "Kyiv’s bid to join the alliance",
        "military exercises in Belarus",
    ),
    contexts=(
        "diplomatic efforts to dissuade Russia from attacking its pro-Western neighbour falter",
        "fears grow of a new Russian offensive along the eastern front",
        "Western capitals scramble to present a united front to Moscow",
        "Russian troops and armour continue to mass near the border",
        "the Kremlin insists it has no plans to invade",
        "Kyiv’s allies rush anti-tank weapons to the Ukrainian army",
        "talks between Moscow and Washington stall over written demands",
        "Belarus prepares to host large-scale Russian drills",
    ),
    actions=(
        "respond decisively to any further incursion",
        "keep the door to diplomacy open",
        "not compromise on the core principles of European security",
        "send more defensive weapons to Kyiv",
        "press ahead with sanctions if Russian forces cross the border",
        "seek a written response to its demands within days",
        "pull back troops only once its concerns were addressed",
        "strengthen Kyiv’s air defences before the spring",
        "coordinate closely with allies on every step",
        "reject any deal made over Ukraine’s head",
    ),
    events=("crisis talks", "a working dinner", "a closed-door meeting", "a video call"),
    figure="{n} troops",
)
ECONOMY = Topic(
    name="economy",
    people=(
        ("Federal Reserve Chair", "Jerome Powell"),
        ("Treasury Secretary", "Janet Yellen"),
        ("ECB President", "Christine Lagarde"),
        ("Bank of England Governor", "Andrew Bailey"),
        ("IMF Managing Director", "Kristalina Georgieva"),
        ("Fed Governor", "Lael Brainard"),
        ("Commerce Secretary", "Gina Raimondo"),
        ("German Finance Minister", "Christian Lindner"),
    ),
    places=("Washington", "Frankfurt", "London", "New York", "Davos", "Tokyo", "Brussels"),
    orgs=(
        "the Federal Reserve",
        "the European Central Bank",
        "the IMF",
        "the Labor Department",
        "the Bank of England",
        "the World Bank",
    ),
    issues=(
        "interest rates",
        "consumer prices",
        "the labour market",
        "supply chain disruptions",
        "emergency bond purchases",
        "energy prices",
        "wage growth",
        "the housing market",
        "the strength of the dollar",
        "the global growth outlook",
    ),
    contexts=(
        "inflation runs at its fastest pace in almost four decades",
        "investors brace for the first rate rise since 2018",
        "shortages of chips and shipping containers drag on factories",
        "stock markets slide on fears of tighter money",
        "households feel the squeeze from rising heating bills",
        "the Omicron wave keeps workers at home",
    ),
    actions=(
        "raise borrowing costs as early as March",
        "wind down its asset purchases faster than planned",
        "do whatever it takes to keep prices stable",
        "look through what it called a temporary spike",
        "cut its forecast for global growth",
        "watch wage settlements closely in the coming months",
        "shrink its balance sheet later in the year",
        "keep support in place until the recovery is secure",
    ),
    events=("a policy meeting", "a Senate hearing", "a panel discussion", "a news conference"),
    figure="{n} basis points",
)

CLIMATE = Topic(
    name="climate",
    people=(
        ("UN Secretary-General", "Antonio Guterres"),
        ("US climate envoy", "John Kerry"),
        ("COP26 President", "Alok Sharma"),
        ("EU climate chief", "Frans Timmermans"),
        ("Chinese climate envoy", "Xie Zhenhua"),
        ("Indian Environment Minister", "Bhupender Yadav"),
        ("Barbados Prime Minister", "Mia Mottley"),
    ),
    places=("Glasgow", "Brussels", "Beijing", "New Delhi", "Bonn", "Sharm el-Sheikh", "Nairobi"),
    orgs=(
        "the United Nations",
        "the European Commission",
        "the International Energy Agency",
        "the G20",
        "the Alliance of Small Island States",
    ),
    issues=(
        "the phase-down of coal power",
        "methane emissions",
        "climate finance for poor nations",
        "global carbon markets",
        "deforestation in the Amazon",
        "loss and damage payments",
        "the 1.5 degree target",
        "electric vehicle subsidies",
        "the EU carbon border tax",
    ),
    contexts=(
        "scientists warn that the window to limit warming is closing",
        "record heat and floods batter several continents",
        "rich countries miss their pledge of climate aid",
        "gas prices push some utilities back to coal",
        "negotiators prepare for the next round of UN talks",
    ),
    actions=(
        "double its funding for adaptation by 2025",
        "close its remaining coal plants within a decade",
        "publish tougher emissions targets before the next summit",
        "push for a fund to cover loss and damage",
        "tax imports from polluting industries",
        "plant a billion trees on degraded land",
        "end new oil and gas licences",
    ),
    events=("a ministerial meeting", "climate talks", "a virtual summit", "a press briefing"),
    figure="{n} million tonnes of carbon dioxide",
)

HEALTH = Topic(
    name="health",
    people=(
        ("WHO Director-General", "Tedros Adhanom Ghebreyesus"),
        ("US chief medical adviser", "Anthony Fauci"),
        ("CDC Director", "Rochelle Walensky"),
        ("British Health Secretary", "Sajid Javid"),
        ("German Health Minister", "Karl Lauterbach"),
        ("WHO chief scientist", "Soumya Swaminathan"),
        ("French Health Minister", "Olivier Veran"),
    ),
    places=("Geneva", "London", "Berlin", "Atlanta", "Paris", "Johannesburg", "Madrid"),
    orgs=(
        "the World Health Organization",
        "the European Medicines Agency",
        "the CDC",
        "the National Health Service",
        "Gavi, the Vaccine Alliance",
    ),
    issues=(
        "the Omicron variant",
        "booster shots for adults",
        "mask mandates in schools",
        "travel restrictions",
        "hospital admissions",
        "waivers on vaccine patents",
        "antiviral pills",
        "vaccines for young children",
        "testing capacity",
    ),
    contexts=(
        "infections hit new records across Europe",
        "hospitals warn of staff shortages as cases climb",
        "governments weigh an end to pandemic restrictions",
        "poorer nations still wait for vaccine deliveries",
        "scientists track a new sub-lineage of the virus",
    ),
    actions=(
        "lift most restrictions by the end of the month",
        "offer a fourth dose to the most vulnerable",
        "share more doses with the COVAX scheme",
        "shorten the isolation period to five days",
        "require proof of vaccination in restaurants",
        "ramp up production of rapid tests",
        "review the data again within two weeks",
    ),
    events=("a news briefing", "an emergency meeting", "a parliamentary hearing", "a webinar"),
    figure="{n} new infections",
)

TECH = Topic(
    name="tech",
    people=(
        ("EU competition chief", "Margrethe Vestager"),
        ("FTC Chair", "Lina Khan"),
        ("Meta chief executive", "Mark Zuckerberg"),
        ("Apple chief executive", "Tim Cook"),
        ("EU internal market commissioner", "Thierry Breton"),
        ("Google chief executive", "Sundar Pichai"),
        ("Senator", "Amy Klobuchar"),
    ),
    places=("Brussels", "Washington", "San Francisco", "Luxembourg", "Dublin", "Seoul"),
    orgs=(
        "the European Commission",
        "the Federal Trade Commission",
        "the Justice Department",
        "the European Parliament",
        "Ireland’s Data Protection Commission",
    ),
    issues=(
        "the Digital Markets Act",
        "data privacy",
        "app store fees",
        "online content moderation",
        "antitrust enforcement",
        "targeted advertising",
        "transatlantic data transfers",
        "the acquisition of smaller rivals",
        "the semiconductor shortage",
    ),
    contexts=(
        "lawmakers close in on new rules for the biggest platforms",
        "regulators step up scrutiny of big tech mergers",
        "the industry lobbies hard against the draft law",
        "a court ruling leaves data flows in legal limbo",
        "shareholders question the cost of compliance",
    ),
    actions=(
        "open its app store to rival payment systems",
        "fine the company up to ten percent of its turnover",
        "block the deal unless it is substantially changed",
        "ban advertising aimed at children",
        "appeal the ruling to the highest court",
        "split up the business if necessary",
        "hand researchers access to its data",
    ),
    events=("a hearing", "a conference", "a press conference", "closed-door talks"),
    figure="{n} million euros",
)

TOPICS = (UKRAINE, ECONOMY, CLIMATE, HEALTH, TECH)
# Ukraine-Russia diplomacy dominates, as it did in January 2022: most same-day look-alikes.
TOPIC_WEIGHTS = (5, 2, 2, 2, 2)

# --- Sentences -----------------------------------------------------------------------------------
# Slots: {A} title and name of the story's main actor, {a} surname; {B}/{b}, {C}/{c} the others;
# everything else is drawn again for each sentence from the topic's vocabulary.
LEADS = (
    "{A} arrived in {place} on {day} for {event} with {B}, as {context}.",
    "{A} held {event} with {B} in {place} on {day} to discuss {issue}, as {context}.",
    "{A} warned on {day} that {org} would {action}, after {event} with {B} in {place}.",
)
SENTENCES = (
    "“{opener} {action},” {a} told reporters in {place} after {event} with {b}.",
    "{a} said {org} would {action}, adding that {issue} remained the main sticking point.",
    "Speaking alongside {b} in {place}, {a} said both sides had agreed to keep talking about "
    "{issue}.",
    "{b} insisted on {day} that {org} would {action}, according to a readout of the call.",
    "Earlier on {day}, {C} spoke by telephone with {b} about {issue} and {issue2}.",
    "A senior official, who spoke on condition of anonymity, said {org} was ready to {action}.",
    "{Org} said in a statement that it would {action} and urged all sides to show restraint.",
    "Analysts said the outcome of the talks on {issue} could shape {issue2} for months to come.",
    "The meeting in {place} was the {ordinal} between {a} and {b} since {month}.",
    "{c} is expected to travel to {place2} later this week for talks on {issue2}.",
    "{Org} puts the latest figure at {figure}, up from {figure2} a month earlier.",
    "“{opener} {action2},” {b} said in a separate interview, calling the talks on {issue} "
    "“{adjective}”.",
    "Officials in {place2} said privately that a deal on {issue} was unlikely before {month2}.",
    "{b} has repeatedly warned that {issue} is a red line for {org}.",
    "Asked about {issue2}, {a} said it was “too early” to say whether {org} would {action}.",
    "{C} is due to address {org} on {day2} in what aides described as a major speech on {issue}.",
    "Diplomats said the discussions on {issue} had been “{adjective}” but yielded no "
    "breakthrough.",
    "{a} and {b} last met in {place2} in {month}, when they discussed {issue2} for {k} hours.",
    "Some {k} delegations are taking part in the talks in {place}, which run until {day2}.",
    "{a}’s office said the two had also discussed {issue2} and agreed to speak again soon.",
    "Critics accused {org} of moving too slowly on {issue}, a charge {b} rejected on {day}.",
    "Markets reacted nervously, with analysts pointing to uncertainty over {issue} and "
    "{issue2}.",
    "{A} is scheduled to meet {C} in {place2} on {day2} to follow up on {issue}.",
    "In {place2}, {b} told lawmakers that {org} would {action2} “as soon as possible”.",
    "{c} said {org} had offered to {action2}, but only if progress was made on {issue}.",
    "According to a draft seen by reporters, {org} is also preparing to {action2}.",
    "{b}’s spokesman said there was “no alternative” to talks on {issue}.",
    "{A} later met {c} in {place}, where the pair focused on {issue2}.",
)
STANDFIRSTS = (
    "{Context}, as {A} and {B} meet in {place} over {issue}",
    "{Org} is under pressure to {action} as {context}, with {issue} at the top of the agenda",
    "{A} is set to press {b} on {issue} in {place} as {context}",
)
HEADLINES = (
    "{a} in {place} for talks on {issue}",
    "{a} warns {org} will {action}",
    "{a} and {b} at odds over {issue}",
    "{Org} weighs next steps on {issue}",
    "{b} says {org} ready to {action}",
    "Talks in {place} end without deal on {issue}",
)
BRIEFS_TEXT = (
    "{A} says {org} will {action}. The announcement came after {k} hours of talks in {place}.",
    "BREAKING: {Org} puts the latest figure at {figure}, {a} tells reporters in {place}.",
    "{A} and {B} will meet in {place} on {day2}, officials said. {k} aides will attend.",
)
OPENERS = (
    "We are determined to",
    "We stand ready to",
    "We will",
    "Our message is simple: we will",
    "Nobody should doubt that we will",
    "We have made it clear that we will",
    "Let me be clear, we are going to",
    "We are prepared to",
    "The time has come to",
    "The only way forward is to",
)
ADJECTIVES = (
    "frank and useful",
    "difficult",
    "constructive",
    "very tense",
    "businesslike",
    "substantive",
    "disappointing",
    "long overdue",
)
MONTHS = ("September", "October", "November", "December")
LATER_MONTHS = ("February", "March", "April", "the summer")
ORDINALS = ("second", "third", "fourth", "fifth", "sixth")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Cast:
    """What stays fixed across one story's sentences."""

    topic: Topic
    people: tuple[tuple[str, str], ...]  # three distinct (title, name)
    place: str
    place2: str
    day: datetime


def _surname(person: tuple[str, str]) -> str:
    return person[1].split()[-1]


def _cap(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


def _figure(rng: random.Random, topic: Topic) -> str:
    return topic.figure.format(n=f"{rng.randrange(5, 400) * 1000:,}")


def _slots(rng: random.Random, cast: Cast) -> dict[str, str]:
    """The slot values for one sentence: the cast's, plus fresh draws of everything else."""
    topic = cast.topic
    (ta, na), (tb, nb), (tc, nc) = cast.people
    org = rng.choice(topic.orgs)
    issue, issue2 = rng.sample(topic.issues, 2)
    action, action2 = rng.sample(topic.actions, 2)
    return {
        "A": f"{ta} {na}",
        "a": _surname(cast.people[0]),
        "B": f"{tb} {nb}",
        "b": _surname(cast.people[1]),
        "C": f"{tc} {nc}",
        "c": _surname(cast.people[2]),
        "place": cast.place,
        "place2": cast.place2,
        "day": WEEKDAYS[cast.day.weekday()],
        "day2": WEEKDAYS[(cast.day.weekday() + rng.randrange(1, 4)) % 7],
        "org": org,
        "Org": _cap(org),
        "issue": issue,
        "issue2": issue2,
        "action": action,
        "action2": action2,
        "context": rng.choice(topic.contexts),
        "Context": _cap(rng.choice(topic.contexts)),
        "event": rng.choice(topic.events),
        "opener": rng.choice(OPENERS),
        "adjective": rng.choice(ADJECTIVES),
        "figure": _figure(rng, topic),
        "figure2": _figure(rng, topic),
        "month": rng.choice(MONTHS),
        "month2": rng.choice(LATER_MONTHS),
        "ordinal": rng.choice(ORDINALS),
        "k": str(rng.randrange(3, 40)),
    }


def _fill(rng: random.Random, cast: Cast, template: str) -> str:
    return _cap(template.format(**_slots(rng, cast)))


# --- Stories and copies --------------------------------------------------------------------------
WIRES = ("AFP", "Reuters", "Associated Press")
# Each republishing site's boilerplate: (lines it puts inside the body, lines it ends with).
SITES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # The seed article's site.
    "Daily World Brief": (
        ("Read Next",),
        ("Read Next", "Source link", "Leave a Reply", "Your email address will not be published."),
    ),
    "NewsNow 24": (("Subscribe to our newsletter",), ("Source link",)),
    "Global Herald Online": (
        (),
        (
            "Leave a Reply",
            "Your email address will not be published.",
            "Required fields are marked *",
        ),
    ),
    "Metro Wire Digest": (("Read Next",), ("Subscribe to our newsletter", "Source link")),
    "Yahoo News": ((), ()),
    "Capital Post": ((), ()),
}
BRIEF_SITES = ("Yahoo News", "Capital Post", "The Morning Ledger")  # sites that add no boilerplate
NEWSROOMS = ("The Morning Ledger", "Evening Courier", "Capital Post", *WIRES)
BYLINE_BLOCK = (
    "Leave a Reply",
    "Your email address will not be published. Required fields are marked *",
    "Save my name, email, and website in this browser for the next time I comment.",
    "Subscribe to our newsletter",
    "Get the day’s top headlines delivered to your inbox every morning, free of charge.",
)
_KYIV = re.compile(r"\bKyiv\b")
_STRAIGHT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


@dataclass(frozen=True)
class Story:
    """A story as its first publisher wrote it."""

    key: str
    cast: Cast
    title: str
    standfirst: str
    body: tuple[str, ...]  # the paragraphs after the standfirst
    published_at: datetime
    source: str

    @property
    def paragraphs(self) -> list[str]:
        return [self.standfirst, *self.body]


def _cast(rng: random.Random, topic: Topic, day: datetime, pool: int | None) -> Cast:
    if pool:  # the topic's first two officials and one more of its first ``pool``
        people = [*topic.people[:2], rng.choice(topic.people[2:pool])]
        rng.shuffle(people)
    else:
        people = rng.sample(topic.people, 3)
    place, place2 = rng.sample(topic.places, 2)
    return Cast(topic, tuple(people), place, place2, day)


def _body(rng: random.Random, cast: Cast) -> tuple[str, ...]:
    sentences = [_fill(rng, cast, t) for t in rng.sample(SENTENCES, rng.randint(9, 14))]
    paragraphs = [_fill(rng, cast, rng.choice(LEADS))]
    while sentences:
        take = rng.choice((1, 1, 2))
        paragraphs.append(" ".join(sentences[:take]))
        del sentences[:take]
    return tuple(paragraphs)


def make_story(
    rng: random.Random,
    key: str,
    topic: Topic,
    day: datetime,
    source: str,
    pool: int | None = None,
    cast: Cast | None = None,
) -> Story:
    """A new story on ``topic`` published on ``day``; with ``pool`` the cast is the topic's first
    two officials and one more of its first ``pool``, so that stories share names; ``cast``
    reports the same event as another story."""
    cast = cast or _cast(rng, topic, day, pool)
    when = day + timedelta(hours=rng.randint(5, 20), minutes=rng.randrange(60))
    return Story(
        key=key,
        cast=cast,
        title=_fill(rng, cast, rng.choice(HEADLINES)),
        standfirst=_fill(rng, cast, rng.choice(STANDFIRSTS)),
        body=_body(rng, cast),
        published_at=when,
        source=source,
    )


def _unshared(story: Story, other: Story) -> tuple[str, ...]:
    """``story``'s body without the paragraphs that ``other`` happens to have too (a stock
    sentence drawn twice), for pairs meant to share one part only."""
    return tuple(p for p in story.body if p not in other.paragraphs)


def _kiev(rng: random.Random, text: str) -> str:
    """Spell most, not all, occurrences "Kiev", as the seed copy does."""
    return _KYIV.sub(lambda m: "Kiev" if rng.random() < 0.7 else m.group(0), text)


def _copy_date(rng: random.Random, original: datetime) -> datetime:
    roll = rng.random()
    if roll < 0.15:  # a date-only page: midnight UTC of that day or the next
        return datetime.combine(original.date(), datetime.min.time(), UTC) + timedelta(
            days=rng.randint(0, 1)
        )
    if roll < 0.3:  # another day
        return original + timedelta(days=rng.randint(1, 2), hours=rng.randint(0, 5))
    return original + timedelta(minutes=rng.randint(10, 18 * 60))


def _dress(rng: random.Random, paragraphs: list[str], site: str) -> list[str]:
    """``paragraphs`` with ``site``'s boilerplate lines inside (mostly) and at the end."""
    inner, tail = SITES.get(site, ((), ()))
    out = list(paragraphs)
    for line in inner:
        if rng.random() < 0.8:
            out.insert(rng.randrange(2, len(out)), line)
    return out + list(tail)


def _copy_paragraphs(rng: random.Random, story: Story, site: str) -> list[str]:
    paragraphs = story.paragraphs
    if rng.random() < 0.12:  # an excerpt: the first half or so, then a link to the rest
        keep = max(4, round(len(paragraphs) * rng.uniform(0.45, 0.65)))
        return _dress(rng, [*paragraphs[:keep], f"Read the full story on {story.source}"], site)
    if len(paragraphs) > 4 and rng.random() < 0.5:
        del paragraphs[rng.randrange(2, len(paragraphs))]
    if rng.random() < 0.4:
        paragraphs.append(story.standfirst + ".")
    return _dress(rng, paragraphs, site)


def make_copy(rng: random.Random, story: Story, site: str) -> tuple[str, str, datetime]:
    """A republication of ``story`` on ``site``: its (title, text, published_at)."""
    text = "\n".join(_copy_paragraphs(rng, story, site))
    title = story.title
    if rng.random() < 0.5:
        title = _fill(rng, story.cast, rng.choice(HEADLINES))
    if rng.random() < 0.5:
        text = _kiev(rng, text)
    if rng.random() < 0.5:
        text, title = text.translate(_STRAIGHT), title.translate(_STRAIGHT)
    return title, text, _copy_date(rng, story.published_at)


# --- The corpus ----------------------------------------------------------------------------------
class _Corpus:
    """Collects documents, numbering them in the order they are made."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.docs: list[Doc] = []
        self.days = [DAY0 + timedelta(days=i) for i in range(DAYS)]
        self.wires: list[Story] = []

    def add(self, key: str, title: str, text: str, when: datetime, source: str) -> None:
        self.docs.append(Doc(len(self.docs) + 1, key, title, text, when, source))

    def story(self, key: str, source: str, *, index: int) -> Story:
        """A story; the first 12 of each kind are Ukraine-Russia diplomacy on day 0 with
        Blinken, Lavrov and one of Zelensky, Putin, Baerbock and Stoltenberg."""
        if index < 12:
            return make_story(self.rng, key, UKRAINE, self.days[0], source, pool=6)
        topic = self.rng.choices(TOPICS, TOPIC_WEIGHTS)[0]
        return make_story(self.rng, key, topic, self.rng.choice(self.days), source)

    def add_story(self, story: Story, paragraphs: list[str] | None = None) -> None:
        paragraphs = story.paragraphs if paragraphs is None else paragraphs
        text = "\n".join(_dress(self.rng, paragraphs, story.source))
        self.add(story.key, story.title, text, story.published_at, story.source)

    def wire(self, i: int) -> None:
        rng = self.rng
        story = self.story(f"wire-{i:03d}", rng.choice(WIRES), index=i)
        self.wires.append(story)
        self.add_story(story)
        for site in rng.sample(sorted(SITES), rng.randint(1, 5)):
            title, text, when = make_copy(rng, story, site)
            self.add(story.key, title, text, when, site)

    def solo(self, i: int) -> None:
        """A standalone story; one in three reports the same event as a wire story, with its
        cast, place and day, and borrows two of its paragraphs (a quote, a background line)."""
        rng = self.rng
        source = rng.choice((*NEWSROOMS, *sorted(SITES)))
        key = f"solo-{i:03d}"
        if rng.random() >= 1 / 3:
            self.add_story(self.story(key, source, index=i))
            return
        wire = rng.choice(self.wires)
        story = make_story(rng, key, wire.cast.topic, wire.cast.day, source, cast=wire.cast)
        body = list(story.body)
        for borrowed in rng.sample(wire.body[1:], 2):
            body.insert(rng.randrange(1, len(body) + 1), borrowed)
        self.add_story(replace(story, body=tuple(body)))

    def standfirst_pair(self, i: int) -> None:
        """Two stories of one topic and day whose only common paragraph is the standfirst."""
        first = self.story(f"sf-{i:03d}-a", self.rng.choice(NEWSROOMS), index=i)
        other = make_story(
            self.rng, f"sf-{i:03d}-b", first.cast.topic, first.cast.day, self.rng.choice(WIRES)
        )
        self.add_story(first)
        self.add_story(replace(other, standfirst=first.standfirst, body=_unshared(other, first)))

    def byline_pair(self, i: int) -> None:
        """Two stories of one site sharing only a byline and a comment/newsletter block."""
        source = self.rng.choice(NEWSROOMS)
        byline = f"By Olena Petrenko and Mark Davis, {source}"
        first = self.story(f"bp-{i:03d}-a", source, index=i)
        other = self.story(f"bp-{i:03d}-b", source, index=i)
        other = replace(other, body=_unshared(other, first))
        for story in (first, other):
            self.add_story(story, [byline, *story.paragraphs, *BYLINE_BLOCK])

    def brief(self, i: int) -> None:
        """A brief, its verbatim republications, and maybe an update with a figure changed."""
        rng = self.rng
        story = self.story(f"brief-{i:03d}", rng.choice(WIRES), index=i)
        text = _fill(rng, story.cast, rng.choice(BRIEFS_TEXT))
        self.add(story.key, story.title, text, story.published_at, story.source)
        for site in rng.sample(BRIEF_SITES, rng.randint(0, 3)):
            copy = text.translate(_STRAIGHT) if rng.random() < 0.5 else text
            when = story.published_at + timedelta(minutes=rng.randint(5, 600))
            self.add(story.key, story.title, copy, when, site)
        if rng.random() < 0.5:
            when = story.published_at + timedelta(hours=rng.randint(1, 6))
            update = _NUMBER.sub(lambda m: _bump(rng, m.group(0)), text, count=1)
            self.add(f"{story.key}-upd", story.title, update, when, story.source)


_NUMBER = re.compile(r"\d[\d,]*")


def _bump(rng: random.Random, number: str) -> str:
    value = int(number.replace(",", ""))
    return f"{value + rng.randint(2, 9) * (1000 if value >= 1000 else 1):,}"


def generate(seed: int = 0) -> list[Doc]:
    """The corpus for ``seed``: the same documents, ids and times for the same seed."""
    corpus = _Corpus(seed)
    for i in range(WIRE_STORIES):
        corpus.wire(i)
    for i in range(SOLO_STORIES):
        corpus.solo(i)
    for i in range(PAIRS):
        corpus.standfirst_pair(i)
        corpus.byline_pair(i)
    for i in range(BRIEFS):
        corpus.brief(i)
    return corpus.docs
