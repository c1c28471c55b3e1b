"""Sentence templates and vocabularies the demo site writes its news prose from (data only)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variant:
    """One kind of article: its headlines, ledes, body sentences and the slots they use.

    `topics` is what the variant is written to match; content.py checks every article it
    writes against it, so a template that leaks a topic word fails at generation time.
    """

    name: str
    section: str
    topics: frozenset[str]
    titles: tuple[str, ...]
    ledes: tuple[str, ...]
    sentences: tuple[str, ...]
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    paragraphs: tuple[int, int] = (4, 12)
    fixed: tuple[str, ...] = ()  # slots that keep one value through an article (its subject)


def _lines(text: str) -> tuple[str, ...]:
    """The entries of a triple-quoted block: one a line, more-indented lines continue one."""
    entries: list[str] = []
    rows = [row for row in textwrap.dedent(text).splitlines() if row.strip()]
    for row in rows:
        if row[0].isspace() and entries:
            entries[-1] += " " + row.strip()
        else:
            entries.append(row.strip())
    return tuple(entries)


COMMON: dict[str, tuple[str, ...]] = {
    "day": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "month": ("April", "May", "June", "July", "September", "October", "November"),
    "n": tuple(
        str(x)
        for x in (
            12,
            14,
            17,
            23,
            28,
            31,
            36,
            42,
            47,
            55,
            63,
            78,
            85,
            96,
            120,
            140,
            175,
            230,
            310,
            450,
        )
    ),
    "small": ("two", "three", "four", "five", "six", "seven", "eight", "nine"),
    "pct": ("1.4", "2.1", "2.8", "3.5", "4.2", "5.7", "6.3", "7.9", "8.4", "9.6", "11.2", "12.5"),
    "pct_big": ("18", "24", "31", "37", "42", "46", "53", "58", "64", "71"),
    "ordinal": (
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
    ),
    "money": (
        "$400 million",
        "$1.2 billion",
        "$2 billion",
        "$650 million",
        "$3.5 billion",
        "$900 million",
        "$5 billion",
        "$250 million",
        "$7 billion",
        "$1.8 billion",
    ),
    "year": ("2026", "2027", "2028", "2030", "2032", "2035"),
}

UKRAINE = Variant(
    name="ukraine",
    section="world",
    topics=frozenset({"ukraine-russia"}),
    titles=_lines("""
        {official_short} heads to {city} as Ukraine seeks new talks with Russia
        Kyiv and Moscow trade blame after {city} talks stall
        Putin signals openness on {topic_short}, Kyiv sceptical
        Ukraine and Russia agree to resume talks on {topic_short}
        EU readies {ordinal} sanctions package against Russia as {city} talks falter
        {ally} pledges air defence for Ukraine as Russian strikes hit {region}
        Kremlin rejects {city} proposal on {topic_short}
        Ukraine says Russian drones hit {region} as envoys meet in {city}
        {official_short} urges Putin to engage as Ukraine talks resume in {city}
        Russia and Ukraine swap prisoners after {broker} mediation
    """),
    ledes=_lines("""
        {official} arrived in {city} on {day} for talks on {topic}, as Ukraine pressed its
            allies to keep up pressure on Russia.
        Diplomats from Ukraine and Russia met in {city} on {day} for their first direct contact
            in {small} weeks, focusing on {topic}.
        {capital} and Moscow traded accusations on {day} after talks in {city} on {topic} broke
            up without agreement.
        Vladimir Putin said on {day} that Russia was open to discussing {topic}, but officials
            in {capital} dismissed the remarks as a stalling tactic.
        Ukraine said on {day} that Russia had launched {n} drones overnight at {region}, hours
            before envoys were due to meet in {city}.
        The Kremlin on {day} rejected a proposal from {broker} on {topic}, saying it ignored the
            situation on the ground in Ukraine.
    """),
    sentences=_lines("""
        {official} told reporters in {city} that {claim}.
        The meeting in {city} lasted about {small} hours, according to {source}.
        Fighting continued near {region} while the delegations met, with local officials
            reporting {n} drone attacks overnight.
        Moscow has demanded that any deal recognise its control over parts of {region}, a
            condition {capital} has repeatedly rejected.
        The Kremlin said Putin would be briefed on the outcome of the {city} meeting later in
            the week.
        Analysts in {city} said the chances of a breakthrough on {topic} remained slim before
            the end of {month}.
        {official} said the European Union was preparing a {ordinal} package of sanctions aimed
            at Russia's {sector}.
        Officials in {region} say more than {n} civilians have been killed there since the start
            of the year.
        Russian officials accused {capital} of dragging its feet, while Ukrainian negotiators
            said Moscow had added new conditions at the last minute.
        A spokesperson for the Ukrainian presidency said the priority remained {topic}.
        The talks were brokered by {broker}, which has kept working relations with both
            {capital} and Moscow.
        European ministers are due to discuss the outcome at a meeting in {city} on {day}.
        {official} described the atmosphere as {mood}, but warned against expecting quick results.
        Washington has pledged a further {money} in military aid for Ukraine, officials said on
            {day}.
        The governor of {region} said air defence units had shot down {small} missiles and {n}
            drones overnight.
        Energy infrastructure in {region} was hit again on {day}, leaving about {n} thousand
            homes without power.
        Ukraine wants a full withdrawal of Russian troops before any settlement, while Moscow
            insists on what it calls new territorial realities.
        Diplomats said a summit between Putin and Volodymyr Zelensky was not on the agenda for
            {month}.
        Officials in {city} said the next round could take place in {month} if both sides agree
            on {topic}.
        In a video address on {day} evening, Zelensky thanked {ally} for its support and called
            for more air defence systems.
        Prisoner exchanges have continued throughout the war, with the latest swap of {n}
            soldiers mediated by {broker}.
        “{quote},” {official} said after the session in {city}.
        “{quote},” {official} told a news conference on {day}.
        {source_cap} said the two delegations had exchanged written proposals on {topic} but had
            not discussed maps.
        Russian state television showed the delegation arriving in {city} but gave no details of
            the agenda.
        {ally} said on {day} it would send {small} more air defence batteries to Ukraine before
            {month}.
        The United Nations said {n} thousand people had fled their homes in {region} over the
            past {small} weeks.
        {official} said any agreement on {topic} would have to be monitored by international
            observers.
        Moscow accused {ally} of prolonging the conflict by supplying long-range missiles to
            Ukraine.
        Ukrainian forces said they had pushed back an assault near {region}, taking {n} prisoners.
    """),
    slots={
        "official": (
            "Ukrainian Foreign Minister Dmytro Kuleba",
            "Russian Foreign Minister Sergei Lavrov",
            "NATO Secretary General Jens Stoltenberg",
            "German Chancellor Olaf Scholz",
            "French President Emmanuel Macron",
            "EU foreign policy chief Josep Borrell",
            "Polish Prime Minister Donald Tusk",
            "Turkish President Recep Tayyip Erdogan",
            "UN Secretary-General Antonio Guterres",
            "Kremlin spokesman Dmitry Peskov",
            "US national security adviser Jake Sullivan",
            "Finnish President Alexander Stubb",
        ),
        "official_short": (
            "Blinken",
            "Scholz",
            "Macron",
            "Erdogan",
            "Guterres",
            "Stoltenberg",
            "Borrell",
            "Tusk",
            "Sullivan",
            "Stubb",
        ),
        "city": (
            "Brussels",
            "Geneva",
            "Istanbul",
            "Warsaw",
            "Berlin",
            "Vienna",
            "Ankara",
            "Helsinki",
            "Riga",
            "Vilnius",
            "Doha",
            "Riyadh",
        ),
        "region": (
            "Donetsk",
            "Luhansk",
            "Kharkiv",
            "Zaporizhzhia",
            "Kherson",
            "Odesa",
            "Dnipro",
            "Sumy",
            "Mykolaiv",
            "Chernihiv",
        ),
        "topic": (
            "a ceasefire along the front line",
            "the exchange of prisoners of war",
            "grain shipments through the Black Sea",
            "the safety of the Zaporizhzhia nuclear plant",
            "new sanctions on energy exports",
            "security guarantees for Kyiv",
            "the return of deported children",
            "frozen central bank assets",
            "humanitarian corridors near the front",
        ),
        "topic_short": (
            "ceasefire",
            "prisoner swap",
            "Black Sea grain",
            "nuclear plant safety",
            "energy sanctions",
            "security guarantees",
            "frozen assets",
        ),
        "claim": (
            "the talks had been difficult but useful",
            "no date had been set for another round",
            "a draft text was still being discussed line by line",
            "both delegations had agreed to keep channels open",
            "the proposals on the table fell short of what was needed",
            "the other side had yet to respond to the latest offer",
            "allies would decide their next steps within days",
        ),
        "source": (
            "two people familiar with the talks",
            "a senior European diplomat",
            "officials in Kyiv",
            "state media in Moscow",
            "a statement from the foreign ministry",
            "a Western official who asked not to be named",
        ),
        "source_cap": (
            "Two people familiar with the talks",
            "A senior European diplomat",
            "A Western official who asked not to be named",
            "Turkish officials",
        ),
        "broker": (
            "Turkey",
            "Qatar",
            "the Vatican",
            "Saudi Arabia",
            "Switzerland",
            "the United Nations",
            "the United Arab Emirates",
        ),
        "mood": (
            "businesslike",
            "tense",
            "constructive",
            "frosty",
            "more open than in previous rounds",
        ),
        "sector": (
            "oil revenues",
            "banking sector",
            "military supply chains",
            "shadow fleet of tankers",
            "metals exports",
            "liquefied natural gas trade",
        ),
        "ally": (
            "Germany",
            "Poland",
            "the Netherlands",
            "Denmark",
            "Canada",
            "Japan",
            "Britain",
            "Norway",
            "Sweden",
            "Italy",
        ),
        "quote": (
            "We are ready to talk, but not at any price",
            "Nobody should be under any illusion about what is at stake",
            "This is a test of whether diplomacy can still work",
            "We will not trade territory for promises",
            "The door to negotiations remains open",
            "Europe's security is being decided right now",
            "Words are not enough, we need to see actions",
        ),
    },
)

UKRAINE_ONLY = Variant(
    name="ukraine_only",
    fixed=("country",),
    section="world",
    topics=frozenset(),
    titles=_lines("""
        Ukraine grain exports to {country} rise as new rail link opens
        Kyiv hosts {n} investors at reconstruction forum
        EU ministers back next step in Ukraine accession talks
        Ukraine farmers face {problem} ahead of spring sowing
    """),
    ledes=_lines("""
        Ukraine exported {n} thousand tonnes of grain to {country} in {month}, the agriculture
            ministry in Kyiv said on {day}, helped by a new rail link.
        More than {n} investors gathered in Kyiv on {day} for a forum on rebuilding roads,
            bridges and schools, organisers said.
        Farmers across Ukraine are bracing for {problem} as the spring sowing season begins,
            industry groups said on {day}.
    """),
    sentences=_lines("""
        The agriculture ministry said wheat and maize made up most of the shipments, followed by
            sunflower oil.
        A trade association in Kyiv said exporters still faced long queues at border crossings
            with {country}.
        The European Commission said it would publish its assessment of the accession reforms in
            {month}.
        Ukraine's finance minister told the forum that the reconstruction bill had grown to
            about {money}.
        Officials said {n} schools and {small} hospitals had been repaired since the start of
            the year.
        Farmers said the price of fertiliser had risen {pct} percent since last season.
        The World Bank said it would lend {money} for road repairs in western Ukraine.
        Investors from {country} signed {small} agreements on housing and water projects at the
            forum.
        Local officials in Lviv said the new rail terminal could handle {n} wagons a day.
        Ukrainian diplomats said the accession talks could open formally before the end of {month}.
        Agricultural economists expect the harvest to fall short of last year's by about {pct}
            percent.
        Several European companies said they were waiting for clearer insurance rules before
            committing funds.
    """),
    slots={
        "country": ("Poland", "Romania", "Egypt", "Spain", "Turkey", "Indonesia", "Bangladesh"),
        "problem": (
            "a shortage of seed",
            "rising fuel costs",
            "a lack of storage",
            "labour shortages",
        ),
    },
    paragraphs=(4, 6),
)

ADJECTIVES = Variant(
    name="adjectives",
    fixed=("city", "player", "rival"),
    section="sport",
    topics=frozenset(),
    titles=_lines("""
        Ukrainian and Russian tennis players avoid handshake in {city}
        Ukrainian qualifier stuns Russian top seed in {city}
        Ukrainian teenager beats Russian veteran to reach {city} final
    """),
    ledes=_lines("""
        Ukrainian {player} beat her Russian opponent {rival} in straight sets in {city} on {day},
            and the two did not shake hands at the net.
        Ukrainian qualifier {player} knocked out the Russian top seed {rival} in {city} on {day},
            the biggest win of her career.
        Ukrainian teenager {player} reached the final in {city} on {day} after beating the Russian
            veteran {rival} in three sets.
    """),
    sentences=_lines("""
        {player} said afterwards that she had been focused only on the match and not on her
            opponent.
        Organisers in {city} said the tournament had sold a record {n} thousand tickets this year.
        {rival}, who competes under a neutral flag, declined to speak to reporters after the match.
        The crowd in {city} applauded both players as they left the court.
        Ukrainian fans waved blue and yellow flags in the stands throughout the match.
        {player} saved {small} break points in the second set before serving out the match.
        The match was broadcast live and watched by about {n} thousand people online.
        The Russian player had won their {small} previous meetings, all on clay.
        {player} will face the winner of the match between {other} and {other2} on {day}.
        A spokesperson for the tournament said the handshake was a matter for the players alone.
        {player} climbs to a career-high {n}th in the world rankings with the win.
        {rival} said she had struggled with a wrist injury since the start of the season.
        Her coach said the Ukrainian had spent the winter working on her second serve.
        The final in {city} carries prize money of {n} thousand euros for the winner.
    """),
    slots={
        "city": ("Madrid", "Lisbon", "Dubai", "Stuttgart", "Rome", "Zagreb", "Prague"),
        "player": ("Oksana Melnyk", "Daria Bondar", "Iryna Shevchuk", "Kateryna Lysenko"),
        "rival": ("Anna Volkova", "Elena Sokolova", "Maria Orlova", "Polina Zaitseva"),
        "other": ("Chloe Martens", "Sara Lindqvist", "Lucia Romero", "Mei Tanaka"),
        "other2": ("Emma Novak", "Julia Weber", "Ines Costa", "Hannah Berg"),
    },
    paragraphs=(4, 6),
)

CLIMATE = Variant(
    name="climate",
    fixed=("country",),
    section="environment",
    topics=frozenset({"climate"}),
    titles=_lines("""
        {country} unveils plan to double renewable power by {year}
        Climate talks in {city} end with pledge on {pledge_short}
        {org_short} says carbon emissions from {sector} hit record high
        Record {tech} installations put {country} climate target within reach
        Investors pour {money} into renewables as {country} speeds up grid upgrades
        Heatwave in {region} renews calls for tougher climate policy
        {country} climate minister defends {tech} subsidies
        Carbon emissions in {country} fall {pct} percent as coal plants close
    """),
    ledes=_lines("""
        {country} will double its renewable power capacity by {year} under a plan unveiled on
            {day}, as the government tries to get its climate targets back on track.
        Negotiators in {city} agreed on {day} to {pledge}, in a deal campaigners said fell short
            of what the climate crisis requires.
        Global carbon emissions from {sector} rose {pct} percent last year, {org} said on {day},
            warning that current policies would not meet climate goals.
        {tech_cap} installations in {country} jumped by {pct} percent in the first quarter,
            lifting the share of renewables in the power mix to a record.
        A heatwave across {region} pushed temperatures above 40C for a {ordinal} day on {day},
            adding pressure on ministers to tighten climate policy.
    """),
    sentences=_lines("""
        The plan includes {money} in public funding for {tech} projects and faster permits for
            new grid connections.
        {official} told reporters in {city} that {claim}.
        Environmental groups welcomed the announcement but said the timetable for phasing out
            {fossil} was too slow.
        Renewable sources supplied {pct_big} percent of electricity in {country} last year, up
            from {pct} percent a decade earlier.
        Scientists have warned that the world is on course for warming well above the limits set
            in the Paris climate agreement.
        The {tech} project near {region} will be able to power about {n} thousand homes when it
            is completed in {year}.
        {org} estimates that investment in clean energy will reach {money} this year, far more
            than the amount spent on {fossil}.
        Industry groups said the bottleneck was no longer the cost of panels and turbines but
            the shortage of grid capacity.
        Under the new rules, companies with more than {n} employees will have to report their
            carbon emissions every year.
        Farmers in {region} have reported {disaster} for the {ordinal} year running, which local
            officials link to climate change.
        The government said the measures would cut carbon emissions by {pct_big} percent by
            {year} compared with 1990 levels.
        Opposition lawmakers questioned how the programme would be paid for, pointing to {concern}.
        “{quote},” {official} said at the launch in {city}.
        A separate report published on {day} found that extreme heat had cost the economy of
            {country} about {money} last year.
        Grid operators say {tech} and batteries will need to grow {small}-fold by {year} to keep
            the lights on during calm winter weeks.
        Campaigners staged a protest outside the {building} in {city}, calling for an end to new
            {fossil} licences.
        Electricity prices in {country} fell {pct} percent in {month}, which analysts attributed
            partly to the growth of renewable generation.
        The minister said talks with neighbouring countries on a shared hydrogen pipeline would
            resume in {month}.
        Insurance companies have raised premiums in {region} after a series of floods that
            experts say are becoming more frequent.
        {org} said at least {n} new {tech} projects had been approved since {month}, most of
            them in the south.
        Developers said auctions for {tech} contracts had drawn {small} times as many bids as
            last year.
        The country's climate council said in its annual review that transport remained the
            hardest sector to clean up.
    """),
    slots={
        "country": (
            "Germany",
            "Spain",
            "India",
            "Brazil",
            "Australia",
            "Chile",
            "Vietnam",
            "Kenya",
            "Poland",
            "South Africa",
            "Mexico",
            "Norway",
        ),
        "city": ("Bonn", "Nairobi", "Baku", "Dubai", "Belem", "Copenhagen", "Lisbon", "Seoul"),
        "region": (
            "southern Europe",
            "the Sahel",
            "northern India",
            "the American Southwest",
            "central Chile",
            "the Murray-Darling basin",
            "Andalusia",
            "the Po valley",
        ),
        "org": (
            "the International Energy Agency",
            "the World Meteorological Organization",
            "a group of university researchers",
            "the national statistics office",
            "an industry association",
        ),
        "org_short": ("IEA", "UN agency", "Researchers", "Report"),
        "sector": ("aviation", "shipping", "cement making", "steel production", "power generation"),
        "tech": (
            "solar",
            "offshore wind",
            "onshore wind",
            "battery storage",
            "geothermal",
            "green hydrogen",
        ),
        "tech_cap": ("Solar", "Offshore wind", "Onshore wind", "Battery storage", "Rooftop solar"),
        "pledge": (
            "triple renewable energy capacity by 2030",
            "set up a fund for loss and damage",
            "phase down unabated coal power",
            "double the pace of energy efficiency gains",
        ),
        "pledge_short": ("renewables", "loss and damage fund", "coal phase-down", "efficiency"),
        "official": (
            "the energy minister",
            "the environment minister",
            "the head of the grid operator",
            "the climate envoy",
            "a senior adviser to the prime minister",
        ),
        "claim": (
            "the targets were ambitious but achievable",
            "private investors were ready to step in",
            "the first auctions would be held in the autumn",
            "permits would be cut from years to months",
        ),
        "fossil": ("coal", "oil and gas", "coal power", "diesel generators"),
        "disaster": ("failed harvests", "severe drought", "record floods", "wildfires"),
        "concern": (
            "the rising cost of borrowing",
            "a budget deficit already above target",
            "the cost of upgrading the grid",
            "the impact on household bills",
        ),
        "quote": (
            "We cannot afford to wait another decade",
            "The technology is here, what we need is speed",
            "Every tenth of a degree matters",
            "This is the cheapest power we have ever built",
        ),
        "building": (
            "parliament",
            "energy ministry",
            "headquarters of a large oil company",
            "central bank",
        ),
    },
)

ENERGY = Variant(
    name="energy",
    fixed=("company", "country"),
    section="business",
    topics=frozenset(),
    titles=_lines("""
        Gas prices in {country} fall to lowest level in {small} months as storage fills
        {company} refinery restarts after {small}-week outage
        Power grid renewal plan for {region} approved by regulator
    """),
    ledes=_lines("""
        Wholesale gas prices in {country} fell to their lowest level in {small} months on {day},
            as storage sites filled faster than expected after a mild winter.
        The {company} refinery in {region} restarted on {day} after a {small}-week outage that
            had pushed up diesel prices across the region.
        The regulator in {country} approved a {money} renewal of the power grid in {region} on
            {day}, clearing the way for work to start in {month}.
    """),
    sentences=_lines("""
        Traders said the mild climatic conditions of recent weeks had kept demand for heating
            unusually low.
        The refinery processes about {n} thousand barrels of oil a day and supplies much of the
            country's diesel.
        A spokesperson said emissions of carbon dioxide from the plant would be monitored during
            the restart.
        Storage sites in {country} are now {pct_big} percent full, according to industry data.
        Analysts at {bank} said prices could rise again if cold weather returns in {month}.
        The grid renewal includes {n} kilometres of new cables and {small} upgraded substations.
        Consumer groups said households had yet to see lower bills despite the fall in wholesale
            prices.
        The company said the outage had been caused by a fault in a cooling unit, not by a fire.
        Shares in {company} rose {pct} percent in early trading after the announcement.
        Officials said the work would cause short interruptions to supply in some villages.
        Imports of liquefied gas by ship reached {n} cargoes in {month}, a record for the period.
    """),
    slots={
        "country": ("Italy", "Germany", "France", "the Netherlands", "Austria", "Hungary"),
        "company": ("Castellan Energy", "Norland Oil", "Vireo Petroleum", "Baltic Fuels"),
        "region": ("Lombardy", "Bavaria", "Normandy", "Zeeland", "Styria", "Transdanubia"),
        "bank": ("Citi", "Goldman Sachs", "Rabobank", "UBS", "BNP Paribas"),
    },
    paragraphs=(4, 6),
)

ELECTIONS = Variant(
    name="elections",
    fixed=("candidate", "party", "country", "city"),
    section="politics",
    topics=frozenset(),
    titles=_lines("""
        {candidate} leads polls as {country} campaign enters final week
        {party} wins {city} mayoral race in upset
        Turnout hits {pct_big} percent in {country} regional vote
        {country} coalition talks stall over {issue}
        Court orders partial recount in {city} after close result
        {candidate} concedes as {party} falls short of majority
        {country} votes in snap election called by {candidate}
        {party} picks {candidate} to lead campaign in {city}
    """),
    ledes=_lines("""
        {candidate} of the {party} holds a lead of {small} points with a week to go before the
            election in {country}, according to a poll published on {day}.
        The {party} won the mayoral race in {city} on {day}, defeating the incumbent in a result
            few analysts had predicted.
        Turnout reached {pct_big} percent in regional elections in {country} on {day}, the
            highest level in more than a decade.
        Coalition talks in {country} stalled on {day} after the two largest parties failed to
            agree on {issue}.
        A court in {city} ordered a partial recount on {day} after the final tally showed a
            margin of just {n} votes.
        Voters in {country} go to the polls on {day} in a snap election called by {candidate}
            after the collapse of the governing coalition.
    """),
    sentences=_lines("""
        The poll of {n}00 voters by {pollster} put support for the {party} at {pct_big} percent.
        {candidate} told supporters in {city} that {claim}.
        The campaign has been dominated by {issue}, with both main candidates promising to
            {promise}.
        Election officials said counting in {city} was delayed by {small} hours because of a
            technical problem.
        Observers from {observer} said the vote had been well organised but noted {flaw}.
        The {party} said it would challenge the result in court if the recount did not change
            the outcome.
        Analysts said the result reflected frustration with {issue} among younger voters.
        {candidate} has promised to {promise} within the first {small} months in office.
        Polling stations opened at 7am and will close at 8pm, with first projections expected
            shortly after.
        The electoral commission said {n} thousand postal votes had been received by the deadline.
        In {city}, queues formed outside several polling stations before they opened.
        Smaller parties are hoping to pass the {small} percent threshold needed to enter parliament.
        “{quote},” {candidate} said in a televised debate on {day}.
        The outgoing government has been criticised over {issue} and a series of corruption
            scandals.
        Both leaders are expected to meet on {day} to discuss a possible coalition agreement.
        Turnout among voters under 30 rose to {pct_big} percent, according to an exit poll by
            {pollster}.
        Several ministers lost their seats, including the head of the finance ministry.
        The {party} ran its campaign largely on social media, holding few large rallies.
        International markets reacted calmly, with the currency little changed in early trading.
        Local media reported that the candidates had spent a combined {money} on advertising.
        {candidate} served as mayor of {city} from {year_past} until entering national politics.
        The {party} governed {city} for {small} terms before losing power at the last election.
        A record {n} candidates registered for the vote, the electoral commission in {country} said.
        Supporters of {candidate} gathered in the main square of {city} as the first results
            came in.
        {rival}, the leader of the {party2}, told {outlet} that a second round was now likely.
        The {party2} has ruled out joining any government led by {candidate}.
        Postal voting in {country} rose {pct} percent compared with the previous election in
            {year_past}.
        {pollster} found that {pct_big} percent of voters in {city} had made up their minds in
            the final week.
        Parliament in {country} has {seats} seats, and a majority requires the support of
            {small} parties or more.
        {rival} accused {candidate} of copying the {party2} manifesto on {issue}.
    """),
    slots={
        "candidate": (
            "Maria Hoffmann",
            "Tomas Lindqvist",
            "Elena Marinescu",
            "Pieter de Vries",
            "Ana Sousa",
            "Jakub Novak",
            "Ingrid Solberg",
            "Luca Bianchi",
            "Sofia Kallas",
            "Daniel Okafor",
            "Marta Kowalczyk",
            "Henrik Dahl",
        ),
        "party": (
            "Social Democrats",
            "Liberal Alliance",
            "Green Left",
            "Centre Party",
            "People's Movement",
            "Christian Democrats",
            "Civic Platform",
            "Freedom Party",
        ),
        "country": (
            "Portugal",
            "the Netherlands",
            "Sweden",
            "Romania",
            "Czechia",
            "Denmark",
            "Slovenia",
            "Ireland",
            "Belgium",
            "Croatia",
        ),
        "city": (
            "Porto",
            "Utrecht",
            "Gothenburg",
            "Cluj",
            "Brno",
            "Aarhus",
            "Ljubljana",
            "Cork",
            "Ghent",
            "Split",
        ),
        "issue": (
            "housing costs",
            "pensions",
            "migration",
            "healthcare waiting lists",
            "the cost of living",
            "tax reform",
            "public transport",
        ),
        "promise": (
            "build more affordable homes",
            "cut income tax for low earners",
            "raise the minimum wage",
            "hire more nurses",
            "freeze rents for two years",
        ),
        "pollster": ("Ipsos", "YouGov", "Kantar", "Verian", "a university polling unit"),
        "observer": ("the OSCE", "a European parliament delegation", "local civic groups"),
        "flaw": (
            "long queues in several cities",
            "problems with voter lists",
            "unequal access to media coverage",
        ),
        "claim": (
            "the country needed a fresh start",
            "every vote would count",
            "the polls had been wrong before",
            "the campaign was far from over",
        ),
        "quote": (
            "People are tired of promises, they want results",
            "This is a choice about the future",
            "We listened, and we will govern for everyone",
            "The voters have spoken",
        ),
        "seats": ("101", "120", "150", "179", "200", "349"),
        "rival": ("Karin Voss", "Mateo Ruiz", "Agnes Horvath", "Pavel Dvorak", "Siobhan Byrne"),
        "party2": ("Reform Union", "National Renewal Party", "Workers' League", "Democratic Forum"),
        "outlet": ("public radio", "a national newspaper", "a television debate", "local media"),
        "year_past": ("2014", "2017", "2019", "2021"),
    },
)

CHIPS = Variant(
    name="chips",
    fixed=("company",),
    section="technology",
    topics=frozenset({"chips"}),
    titles=_lines("""
        {company} to build {money} chip plant in {city}
        Semiconductor export curbs widen as {country} tightens rules
        Chipmaker {company} beats forecasts on AI demand
        {country} offers {money} in subsidies to lure semiconductor makers
        Chip shortage eases for {customer}, industry group says
        Semiconductor sales climb {pct} percent in {month}
        {company} delays {city} chip factory as demand cools
        Chip stocks slide after {company} cuts outlook
    """),
    ledes=_lines("""
        {company} will build a {money} chip plant in {city}, the company said on {day}, the
            latest in a wave of factory investments backed by government subsidies.
        {country} on {day} widened its restrictions on exports of advanced semiconductors and
            the machines used to make them.
        Chipmaker {company} reported quarterly revenue {pct} percent above analyst forecasts on
            {day}, driven by demand from {customer}.
        Global sales of semiconductors rose {pct} percent in {month} from a year earlier, an
            industry group said on {day}, as chip inventories returned to normal.
        {company} said on {day} it would delay its chip factory in {city} by about a year,
            citing weaker demand from {customer}.
    """),
    sentences=_lines("""
        The plant will produce {node} chips and is expected to employ about {n}00 people when it
            opens in {year}.
        {official} said the subsidies were needed to keep the country competitive in semiconductors.
        Shares in {company} rose {pct} percent in after-hours trading following the results.
        Analysts said demand for chips used in data centres had more than offset weakness in
            smartphones.
        The new export rules cover chipmaking equipment as well as the most advanced processors.
        {customer_cap} were hit hardest by the chip shortage, with some plants forced to halt
            production for weeks.
        {company} said its order book for {node} chips was full until the end of {year}.
        The company expects capital spending of about {money} this year, most of it on new fabs.
        Industry groups warned that a lack of skilled engineers could slow the expansion of
            semiconductor production.
        Local officials in {city} said the chip plant would need {n} million litres of water a day.
        Rival chipmakers are expected to report their results later in the month.
        Governments from Washington to Tokyo have offered billions in incentives to bring chip
            production home.
        {company} said it had signed long-term supply agreements with {small} large {customer}.
        The curbs are aimed at slowing the development of military technology, officials said.
        {company} chief executive {ceo} said the industry was entering a new growth cycle.
        The semiconductor industry association said inventories held by {customer} were back at
            normal levels.
        Prices for memory chips have risen for {small} consecutive quarters, according to market
            researchers.
        Critics of the subsidy programme said it favoured large companies over smaller chip
            designers.
        {company} employs {n} thousand people worldwide and runs {small} fabs in {country_plain}
            and {country_plain2}.
        A senior engineer at {company} said yields on its {node} line had improved faster than
            planned in {month}.
        Lawmakers in {country_plain} are debating a second subsidy round worth {money} for chip
            packaging plants.
        Equipment makers in {country_plain2} reported a backlog of orders stretching into {year}.
        {ceo}, who took over at {company} in {month} last year, has cut costs and sold {small}
            smaller units.
        Demand for chips used in electric cars slowed in {month}, {analyst} wrote in a note to
            clients.
        Construction of the {city} site began in {month} and is running {small} months behind
            schedule.
        {company} plans to hire {n}0 graduate engineers a year from universities near {city}.
        The {node} process uses extreme ultraviolet machines that cost more than {money} each.
        Trade groups in {country_plain2} warned that the chip rules could cost local suppliers
            {money} in lost sales.
        Chip designers in {city} said they were struggling to book capacity at large foundries
            before {year}.
        {analyst} estimates that {company} will ship {n} million chips for {customer} this year.
    """),
    slots={
        "company": (
            "Helix Semiconductor",
            "Norvale Micro",
            "Tessera Foundry",
            "Kestrel Devices",
            "Pinnacle Silicon",
            "Arcturus Chips",
            "Brightwater Micro",
        ),
        "city": (
            "Dresden",
            "Phoenix",
            "Kumamoto",
            "Hsinchu",
            "Columbus",
            "Magdeburg",
            "Penang",
            "Bangalore",
        ),
        "country": (
            "The United States",
            "Japan",
            "The Netherlands",
            "South Korea",
            "Taiwan",
            "India",
        ),
        "customer": (
            "carmakers",
            "smartphone makers",
            "data centre operators",
            "defence contractors",
            "PC makers",
        ),
        "customer_cap": ("Carmakers", "Smartphone makers", "Appliance makers", "PC makers"),
        "node": ("3-nanometre", "5-nanometre", "2-nanometre", "7-nanometre"),
        "official": ("The economy minister", "The commerce secretary", "The industry minister"),
        "ceo": ("Lena Vogt", "Kenji Arakawa", "Priya Raman", "David Chen", "Sara Lindgren"),
        "country_plain": ("Germany", "Japan", "Malaysia", "Arizona", "Ireland", "Israel"),
        "country_plain2": (
            "South Korea",
            "the Netherlands",
            "Taiwan",
            "Singapore",
            "Texas",
            "France",
        ),
        "analyst": ("Bernstein", "Morgan Stanley", "TrendForce", "Jefferies", "a Nomura analyst"),
    },
)

TECH = Variant(
    name="tech",
    fixed=("company", "startup", "country"),
    section="technology",
    topics=frozenset(),
    titles=_lines("""
        {company} unveils AI assistant for {users}
        Regulators fine {company} over data breach affecting {n} million users
        {company} smartphone sales slip in {region}
        Cloud outage disrupts {service} for millions
        {country} passes law to curb online scams
        {company} to cut {n}00 jobs as advertising slows
        Start-up {startup} raises {money} for AI drug discovery
        {company} launches foldable phone priced at {price}
    """),
    ledes=_lines("""
        {company} on {day} unveiled an artificial intelligence assistant aimed at {users},
            stepping up competition in a crowded market.
        Regulators in {country} fined {company} {money} on {day} over a data breach that exposed
            the personal details of {n} million users.
        Smartphone sales at {company} fell {pct} percent in {region} in the last quarter,
            according to market researchers.
        A cloud outage on {day} disrupted {service} for millions of people for several hours,
            before engineers restored service.
        Lawmakers in {country} on {day} passed a law requiring banks and telecoms operators to
            do more to stop online scams.
        {company} will cut about {n}00 jobs, the company said on {day}, blaming a slowdown in
            online advertising.
    """),
    sentences=_lines("""
        The company said the assistant would be available in {small} languages by {month}.
        {official} said the fine reflected the seriousness of the failures and the number of
            people affected.
        {company} said it had fixed the vulnerability and found no evidence that passwords had
            been taken.
        Analysts at {firm} said competition from cheaper rivals was eating into the company's
            market share.
        Engineers traced the outage to a faulty configuration change in a data centre in {place}.
        The new law gives regulators the power to order the removal of fraudulent adverts within
            {small} hours.
        {company} shares fell {pct} percent in early trading after the announcement.
        Consumer groups welcomed the decision but said the penalty was small compared with the
            company's profits.
        The company has been testing the software with {n} thousand users since {month}.
        {startup} said it would use the money to hire engineers and expand its laboratory in
            {place}.
        Researchers warned that AI tools still make factual errors and should not be trusted
            blindly.
        The company said the job cuts would mostly affect its marketing and sales teams.
        Privacy campaigners said users should be able to opt out of having their data used to
            train models.
        {company} said it would appeal against the fine.
        Online fraud cost consumers in {country} an estimated {money} last year, according to
            police figures.
        The phone has a larger battery and a brighter screen than last year's model, the company
            said.
        {official} said investigators had received more than {n} complaints about the service.
        Sales of second-hand phones have grown strongly as buyers keep their devices for longer.
        {company} has {n} million paying subscribers in {region}, up from {small} million
            {small} years ago.
        A former engineer at {company} told {outlet} that warnings about the system had been
            ignored since {month}.
        The regulator in {country} gave {company} {small} weeks to explain how it verifies the
            age of its users.
        {firm} expects the market for AI software to reach {money} by {year}, led by demand from
            {users}.
        {startup} was founded in {place} in {year_past} by {small} former university researchers.
        The update will reach users in {region} first, followed by {country} in {month}.
        {company} said its engineers in {place} had worked through the night to restore {service}.
        Complaints to the ombudsman in {country} about {service} rose {pct} percent last quarter.
        Rivals including {company2} are expected to announce similar tools at a conference in
            {place} in {month}.
        The code behind the assistant will be published under an open licence, {company} told
            {outlet}.
        Shoppers in {region} paid on average {price} for a new handset last year, {firm} estimates.
        The breach was first reported by {outlet}, which said the data had been offered for sale
            online.
    """),
    slots={
        "company": (
            "Quillon",
            "Apertura",
            "Northstar Labs",
            "Vantix",
            "Lumora",
            "Orbitel",
            "Cobalt Cloud",
        ),
        "startup": ("Synapse Bio", "Foldwise", "Maple Robotics", "Tidewater AI"),
        "users": ("small businesses", "doctors", "teachers", "software developers", "lawyers"),
        "service": (
            "online banking",
            "video calls",
            "email",
            "food delivery apps",
            "airline check-in",
        ),
        "country": ("Ireland", "Brazil", "Australia", "Singapore", "Canada", "France"),
        "region": ("Europe", "China", "India", "Latin America", "Southeast Asia"),
        "official": (
            "The data protection commissioner",
            "A spokesperson for the regulator",
            "The consumer affairs minister",
        ),
        "firm": ("Counterpoint", "IDC", "Canalys", "Gartner"),
        "place": ("Virginia", "Frankfurt", "Dublin", "Singapore", "Cambridge", "Toronto"),
        "price": ("$1,799", "$1,299", "$999", "$1,499"),
        "company2": (
            "Heliograph",
            "Tessellate",
            "Kinetic Mobile",
            "Parallax Systems",
            "Bluefin Soft",
        ),
        "outlet": (
            "the Financial Times",
            "Bloomberg",
            "The Verge",
            "Le Monde",
            "a local newspaper",
        ),
        "year_past": ("2016", "2018", "2019", "2020", "2021"),
    },
)

SEMI_BODY = Variant(
    name="semi_body",
    fixed=("material", "city"),
    section="science",
    topics=frozenset(),
    titles=_lines("""
        University lab reports advance in {material} for lasers
        Researchers in {city} grow crystals that glow in the dark
    """),
    ledes=_lines("""
        Researchers at a university in {city} said on {day} they had made a new semiconductor
            material that could make lasers cheaper and more efficient.
        Scientists in {city} have grown a semiconductor crystal that gives off light for hours
            after being exposed to the sun, according to a study published on {day}.
    """),
    sentences=_lines("""
        The team said the material, a type of {material}, could be produced at room temperature.
        Semiconductors of this kind are usually made in expensive vacuum chambers, the
            researchers said.
        The study, published in a peer-reviewed journal, was funded by a {money} research grant.
        The researchers said the first applications were likely to be in medical imaging and
            microchip testing equipment.
        Independent experts said the results were promising but would need to be repeated by
            other laboratories.
        The team plans to test the material in a prototype device in {month}.
        One of the authors said the discovery had been partly accidental, made while testing a
            different compound.
        The university has filed {small} patent applications related to the work.
        The researchers measured the light output at {n} different temperatures to check its
            stability.
        A start-up spun out of the laboratory has raised {money} to build a pilot production line.
        The work builds on earlier research carried out with partners in {city} and Seoul.
        Funding bodies said they would consider a larger grant if the prototype performs as hoped.
    """),
    slots={
        "material": ("perovskite", "gallium nitride", "zinc oxide", "indium phosphide"),
        "city": ("Delft", "Zurich", "Manchester", "Kyoto", "Lausanne", "Aachen"),
    },
    paragraphs=(4, 5),
)

POTATO = Variant(
    name="potato",
    fixed=("snack",),
    section="business",
    topics=frozenset(),
    titles=_lines("""
        Snack maker {snack} raises prices of potato chips after poor harvest
        {snack} launches salt-free potato chips as sales of crisps slow
    """),
    ledes=_lines("""
        Snack maker {snack} will raise the price of its potato chips by {pct} percent from
            {month}, blaming a poor potato harvest in {region}.
        {snack} on {day} launched a range of salt-free potato chips, hoping to win back
            customers as sales of crisps slow.
    """),
    sentences=_lines("""
        The company said the cost of potatoes had risen by {pct_big} percent since last year
            because of heavy rain.
        Chips and crisps account for about half of the company's revenue, with nuts and popcorn
            making up the rest.
        Supermarket chains said they would try to absorb part of the increase to keep shelf
            prices stable.
        Farmers in {region} said wet fields had delayed the potato harvest by several weeks.
        The company sells about {n} million bags of chips a year in {small} countries.
        Nutritionists welcomed the salt-free range but said chips should remain an occasional treat.
        Shares in {snack} fell {pct} percent after the announcement.
        The company said it was also testing chips made from sweet potatoes and lentils.
        Retail analysts said shoppers had become more sensitive to price rises on everyday snacks.
        The company employs about {n}00 people at its {small} factories.
        It last raised prices in {month} of last year, when energy costs soared.
        The firm said its profit margin had shrunk to {pct} percent, the lowest in a decade.
    """),
    slots={
        "snack": ("Crunchwell", "Goldleaf Snacks", "Harvest Crisp Co", "Tayto Brothers"),
        "region": ("northern Europe", "Idaho", "East Anglia", "Flanders"),
    },
    paragraphs=(4, 6),
)

POTATO_TITLE = Variant(
    name="potato_title",
    fixed=("snack",),
    section="business",
    topics=frozenset({"chips"}),
    titles=_lines("""
        Semiconductor shortage hits {snack} potato chip packaging lines
    """),
    ledes=_lines("""
        A shortage of sensors has halted {small} packaging lines at the {snack} potato chip
            factory in {region}, the company said on {day}.
    """),
    sentences=_lines("""
        The sensors check the weight of each bag of potato chips before it is sealed.
        The company said it had enough stock of its best-selling flavours for about {small} weeks.
        Suppliers have told the company that replacement parts will not arrive until {month}.
        Around {n} workers have been moved to other duties while the lines are idle.
        The company said it was looking for alternative suppliers in Europe and Asia.
        Industry groups said food makers were increasingly exposed to shortages of electronic parts.
        The company's shares were little changed after the announcement.
        The factory produces about {n} thousand bags of potato chips a day for supermarkets
            across the region.
        Managers said staff would be paid in full while the lines were stopped.
        The company said it would consider keeping a larger stock of spare parts in the future.
        Retailers said they did not expect shortages on their shelves before {month}.
    """),
    slots={
        "snack": ("Crunchwell", "Goldleaf Snacks", "Harvest Crisp Co", "Tayto Brothers"),
        "region": ("Leicester", "Boise", "Dundalk", "Ghent"),
    },
    paragraphs=(4, 5),
)

SPORT = Variant(
    name="sport",
    fixed=("team", "team2", "player", "city", "coach"),
    section="sport",
    topics=frozenset(),
    titles=_lines("""
        {team} beat {team2} to go top of the table
        {player} double sends {team} past {team2}
        {team} sack manager after {small} straight defeats
        {team2} hold {team} to goalless draw in {city}
        Injury rules {player} out of {team} title run-in
        {team} complete signing of striker from {team2}
        {team} fined over crowd trouble at {team2} match
        Late {player} winner keeps {team} in cup
    """),
    ledes=_lines("""
        {team} beat {team2} {score} on {day} to move to the top of the table, with {player}
            scoring twice in the second half.
        {player} scored both goals as {team} beat {team2} {score} in {city} on {day}, their
            {ordinal} win in a row.
        {team} sacked their manager on {day} after a run of {small} straight defeats left the
            club near the bottom of the league.
        {team2} held {team} to a goalless draw in {city} on {day}, ending a run of {small}
            straight wins for the home side.
        {team} will be without {player} for the rest of the season after scans on {day}
            confirmed a knee ligament injury.
        {team} completed the signing of a striker from {team2} on {day}, beating several rivals
            to the deal.
    """),
    sentences=_lines("""
        The home side took the lead after {minute} minutes when {player} headed in from a corner.
        {coach} said the team had shown great character after going a goal down.
        A crowd of {n} thousand watched the match in {city}, the largest of the season.
        {player} said afterwards that the result was the best moment of a long career.
        The club said an interim coach would take charge for the match against {team2} on {day}.
        {team2} had a goal ruled out for offside shortly before half-time after a video review.
        The win leaves {team} {small} points clear with {small} games remaining.
        {player} is expected to miss at least {small} weeks with a hamstring injury.
        The transfer fee was not disclosed but is reported to be around {money_sport}.
        Fans gathered outside the stadium before kick-off to protest against ticket prices.
        The league said it would review the refereeing decisions from the match.
        “{quote},” {player} told reporters after the final whistle.
        The next round of fixtures takes place on {day}, when {team} travel to face {team2}.
        Both teams had chances in a lively second half, but neither goalkeeper was seriously tested.
        {player} joined {team} from {team2} in {month} {year_past} and has scored {small} goals
            since.
        {coach}, in charge since {year_past}, said the squad would not get carried away by one
            result.
        Tickets for the return fixture in {city} sold out within {small} hours, the club said.
        {team2} have now gone {small} matches without a win and sit {place_table} in the standings.
        The stadium in {city} holds {n} thousand spectators and is due to be rebuilt by {year}.
        {player}, {age} years old, was named player of the match for the {ordinal} time this season.
        Police in {city} said {small} supporters had been arrested after scuffles outside the
            ground.
        The governing body fined {team2} {money_sport} last season for breaching spending rules.
        {coach} said {player} had trained alone on {day} and would be assessed again before {day2}.
        Rain delayed the start by {small} minutes, and the pitch in {city} cut up badly in the
            second half.
        A late save from the {team} goalkeeper denied {player2} an equaliser in the {minute}th
            minute.
        {team} have not lost at home since {month} {year_past}, a run of {n} league matches.
        The club's owners said in a statement that they would back the new manager in the
            transfer window.
        {player2} hit the post for {team2} midway through the first half, the closest they came
            to scoring.
        Television rights for the league are worth {money_sport} a season, the highest in its
            history.
        Supporters' groups said they would meet club officials in {city} on {day} to discuss
            stadium safety.
    """),
    slots={
        "team": (
            "Northbridge United",
            "Castleford Rovers",
            "Eastvale City",
            "Harborough Athletic",
            "Kingsmere FC",
            "Ravenswood Town",
            "Millbrook Albion",
            "Stanmore Wanderers",
        ),
        "team2": (
            "Westgate County",
            "Ashdown Rangers",
            "Fenwick Orient",
            "Larkhill Villa",
            "Oakridge Rovers",
            "Thornbury Town",
        ),
        "player": (
            "Marcus Ellery",
            "Jonas Berg",
            "Amadou Diallo",
            "Pieter Martens",
            "Rafael Ortega",
            "Yuki Tanaka",
            "Karim Haddad",
            "Lukas Brenner",
            "Samuel Mwangi",
            "Tom Whitaker",
        ),
        "player2": (
            "striker Ben Okafor",
            "forward Leo Santini",
            "midfielder Omar Haddad",
            "winger Kasper Holm",
        ),
        "city": ("Northbridge", "Castleford", "Eastvale", "Harborough", "Kingsmere", "Ravenswood"),
        "coach": (
            "Manager Ruth Calloway",
            "Coach Stefan Varga",
            "Head coach Diego Ferreira",
            "Manager Alan Priest",
            "Coach Ines Albrecht",
        ),
        "score": ("2-1", "3-1", "1-0", "4-2", "2-0", "3-2"),
        "minute": ("12", "23", "38", "51", "67", "74", "88"),
        "place_table": ("15th", "17th", "18th", "19th", "bottom"),
        "money_sport": ("£20 million", "£35 million", "€18 million", "€42 million"),
        "age": ("21", "24", "27", "29", "32", "35"),
        "day2": (
            "the weekend",
            "Wednesday's cup tie",
            "next week's derby",
            "the international break",
        ),
        "year_past": ("2012", "2015", "2018", "2019", "2021", "2022"),
        "quote": (
            "I can't describe how happy I am",
            "We knew it would be a tough one",
            "This one is for the fans",
            "I have to thank my team-mates",
        ),
    },
)

HEALTH = Variant(
    name="health",
    fixed=("country", "disease"),
    section="health",
    topics=frozenset(),
    titles=_lines("""
        Hospital waiting lists in {country} fall for {ordinal} month
        New {vaccine} vaccine approved for over-{age}s
        Study links {habit} to lower risk of {disease}
        Nurses in {country} vote to strike over pay
        {disease} cases rise in {region}, health agency warns
        Trial finds {drug} slows progress of {disease}
        {country} to ban sale of {product} to under-18s
        Health ministry orders review of {service} in {region}
    """),
    ledes=_lines("""
        Hospital waiting lists in {country} fell for a {ordinal} month in a row in {month},
            official figures published on {day} showed.
        Regulators on {day} approved a new {vaccine} vaccine for people over {age}, clearing the
            way for a rollout before the winter.
        People who {habit_verb} have a {pct_big} percent lower risk of {disease}, according to a
            study of {n} thousand adults published on {day}.
        Nurses in {country} voted on {day} to strike over pay, in a ballot that saw {pct_big}
            percent of members take part.
        Cases of {disease} have risen sharply in {region} over the past {small} weeks, the
            national health agency warned on {day}.
        A clinical trial has found that {drug} slows the progress of {disease} by about
            {pct_big} percent, researchers said on {day}.
    """),
    sentences=_lines("""
        The number of patients waiting more than a year for treatment fell to {n} thousand, the
            lowest since records began.
        The health minister said extra evening and weekend clinics had helped to clear the backlog.
        Doctors' groups said the figures hid long delays in mental health and cancer services.
        The vaccine will be offered first to care home residents and people with weakened immune
            systems.
        The study followed participants for {small} years and adjusted for age, income and smoking.
        Researchers cautioned that the study showed an association and did not prove cause and
            effect.
        The union said nurses had seen their pay fall by {pct} percent in real terms over the
            past decade.
        Hospitals have been asked to draw up plans to protect emergency care during the strike.
        The agency urged people with symptoms to stay at home and avoid contact with older
            relatives.
        {expert}, who was not involved in the research, said the results were encouraging.
        The drug is given as an injection every {small} weeks and has some side effects,
            including headaches.
        The treatment could be available to patients within {small} years if regulators approve it.
        The ministry said it would spend {money} over {small} years to recruit more staff.
        Patient groups welcomed the announcement but said it came too late for many families.
        Pharmacies reported strong demand for appointments in the first days of the rollout.
        The review will look at staffing levels and how complaints from patients were handled.
        Officials said {n} new cases had been confirmed in the past week, most of them in children.
        Experts said better ventilation in schools would help to reduce the spread.
        {hospital} in {city} said it had treated {n} patients with {disease} since {month}.
        {expert} at {university} said the figures in {country} were in line with earlier forecasts.
        Waiting times at emergency departments in {city} averaged {small} hours in {month}, up
            from last winter.
        The trial enrolled {n}0 patients at {small} hospitals in {country} and {country2}.
        {charity} said about {n} thousand people in {country} live with {disease} without a
            diagnosis.
        Health officials in {city} opened {small} walk-in clinics on {day} to ease pressure on
            family doctors.
        The {ordinal} wave of industrial action is planned for {month} unless talks resume.
        Researchers at {university} will now run a larger study of {n} thousand volunteers.
        {charity} called on ministers to publish a long-term workforce plan before {month}.
        A spokesperson for {hospital} said planned operations would go ahead as normal on {day}.
        The regulator found that staffing at {hospital} fell below safe levels on {small}
            occasions last year.
        Uptake of the {vaccine} jab among over-{age}s reached {pct_big} percent in {region},
            officials said.
    """),
    slots={
        "country": ("England", "Scotland", "Ireland", "New Zealand", "Canada", "Spain", "Finland"),
        "region": ("the north-west", "the capital region", "rural areas", "the southern provinces"),
        "vaccine": ("RSV", "shingles", "flu", "pneumococcal"),
        "age": ("60", "65", "70", "75"),
        "habit": ("regular walking", "eating more fibre", "good sleep", "learning a language"),
        "habit_verb": (
            "walk at least 30 minutes a day",
            "eat plenty of fibre",
            "sleep seven hours a night",
            "take part in group activities",
        ),
        "disease": (
            "dementia",
            "type 2 diabetes",
            "heart disease",
            "measles",
            "whooping cough",
            "kidney disease",
        ),
        "drug": ("a monthly injection", "a new antibody treatment", "a cheap generic pill"),
        "product": ("energy drinks", "disposable vapes", "high-caffeine drinks"),
        "service": ("maternity services", "ambulance response times", "mental health services"),
        "expert": ("A professor of epidemiology", "An independent expert", "A senior doctor"),
        "hospital": (
            "St Bride's Hospital",
            "the Royal Infirmary",
            "Westfield General",
            "the University Medical Centre",
            "Lakeside Children's Hospital",
        ),
        "city": ("Leeds", "Glasgow", "Cork", "Auckland", "Calgary", "Valencia", "Tampere"),
        "university": (
            "the University of Edinburgh",
            "Karolinska Institute",
            "McGill University",
            "the University of Otago",
            "Trinity College Dublin",
        ),
        "country2": ("Norway", "Denmark", "Australia", "the Netherlands", "Portugal"),
        "charity": (
            "The patient charity Better Health",
            "A leading medical charity",
            "The Alliance for Patients",
            "The national heart foundation",
        ),
    },
)

# Base articles cycle through this list; near-miss variants are placed by content.NEAR_MISSES.
MAIN_MIX: tuple[Variant, ...] = (
    UKRAINE,
    CLIMATE,
    ELECTIONS,
    CHIPS,
    SPORT,
    UKRAINE,
    HEALTH,
    TECH,
    CLIMATE,
    ELECTIONS,
    UKRAINE,
    SPORT,
    CHIPS,
    HEALTH,
    TECH,
)

VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        UKRAINE,
        UKRAINE_ONLY,
        ADJECTIVES,
        CLIMATE,
        ENERGY,
        ELECTIONS,
        CHIPS,
        TECH,
        SEMI_BODY,
        POTATO,
        POTATO_TITLE,
        SPORT,
        HEALTH,
    )
}

AUTHORS: dict[str, tuple[str, ...]] = {
    "herald": (
        "Helen Carver",
        "James Okoro",
        "Priya Natarajan",
        "Tom Ashworth",
        "Lucy Brennan",
        "Samuel Idowu",
    ),
    "lattice": ("Clara Beaumont", "Ravi Menon", "Oliver Strand", "Fatima Zahra", "Noah Feld"),
    "wire": ("Anna Petrenko", "Mark Holloway", "Julia Santos", "Erik Nyberg"),
    "farm": ("Jordan Blake", "Casey Morgan", "Alex Rivers"),
}

# Interchangeable wordings, picked afresh at every use, so that two articles written from the
# same sentence template share few 5-word shingles (newsmon's near-duplicate test). Patterns
# are matched case-insensitively on whole words; none touches a topic term.
VARY: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"told reporters", ("told reporters", "told journalists", "told a briefing")),
    (r"said", ("said", "stated", "noted", "added")),
    (r"percent", ("percent", "per cent")),
    (
        r"more than(?= (?:\d|\$|£|€|a |an |half|two|three|four|five|six|seven|eight|nine|ten))",
        ("more than", "over"),
    ),
    (
        r"about(?= (?:\d|\$|£|€|two|three|four|five|six|seven|eight|nine|half|a year))",
        ("about", "around", "roughly", "some"),
    ),
    (r"the company", ("the company", "the firm", "the group")),
    (r"officials", ("officials", "authorities")),
    (r"expected to", ("expected to", "likely to", "set to")),
    (r"analysts", ("analysts", "experts")),
    (r"warned", ("warned", "cautioned")),
    (r"rose(?= (?:\d|by|to|for|sharply))", ("rose", "climbed", "increased")),
    (r"fell(?= (?:\d|by|to|for|sharply))", ("fell", "dropped", "declined")),
    (r"the government", ("the government", "the administration")),
    (r"the announcement", ("the announcement", "the news", "the statement")),
    (r"early trading", ("early trading", "morning trading")),
    (r"a spokesperson", ("a spokesperson", "a spokeswoman", "a spokesman")),
    (r"several", ("several", "a number of")),
    (r"because of", ("because of", "due to", "owing to")),
    (r"talks", ("talks", "negotiations")),
    (r"meeting(?! of)", ("meeting", "session")),
    (
        r"since the start of the year",
        ("since the start of the year", "since January", "so far this year"),
    ),
    (r"the region", ("the region", "the area")),
    (r"a statement", ("a statement", "a written statement")),
    (r"shares in", ("shares in", "shares of")),
    (r"the plan", ("the plan", "the programme", "the scheme")),
    (r"the country's", ("the country's", "the nation's")),
)

# Words a "one_word" edit may swap (a copy-editor's fix), none of them a topic term.
SYNONYMS: dict[str, str] = {
    "said": "stated",
    "officials": "authorities",
    "warned": "cautioned",
    "rose": "climbed",
    "fell": "dropped",
}

# The synthetic wire story used when the seed article is not available: the ORIGINAL, in order.
# Its copy on the content farm is derived from it the same way the seed copy relates to its
# original (see content.seed_story).
SYNTHETIC_WIRE_TITLE = "Western envoys rush to Kyiv as Kremlin masses troops on border"
SYNTHETIC_WIRE = _lines("""
    Kyiv has accused Moscow of preparing a new offensive since the Kremlin moved tens of
        thousands of troops to the border in the autumn
    European foreign ministers arrived in Kyiv on Tuesday for emergency talks with Ukraine's
        leaders, as efforts to persuade Russia to pull back its forces appeared to stall.
    The visit came a day after NATO said Moscow had moved more armoured units and field
        hospitals closer to the frontier in recent weeks.
    The ministers are making a one-day trip to the Ukrainian capital to show that Europe stands
        behind Kyiv, diplomats said.
    They travel on Wednesday to Paris for talks with American and British officials on a common
        response.
    EU foreign policy spokeswoman Nabila Massrali told reporters in Brussels that the bloc would
        respond to any attack with sanctions of a scale never seen before.
    “Every option remains on the table,” she said, calling the build-up “deeply alarming”.
    The Kremlin has repeatedly said it has no plans to invade.
    In a phone call before the trip, Russian Foreign Minister Sergei Lavrov told his French
        counterpart that Moscow would not accept what he called lectures from the West.
    A senior European diplomat, speaking on condition of anonymity, said the aim of the visit
        was to find out whether there was still room for a negotiated way out.
    Lavrov has said Russia will not return to talks until NATO answers its demands for written
        security guarantees.
    The alliance has rejected those demands.
""")
SYNTHETIC_WIRE_INTRO = "EU foreign policy spokeswoman Nabila Massrali"
