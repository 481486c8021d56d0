"""Inspection templates and audit scoring.

Decisions, each with its reason:
- An item is `pass_fail` (pass 100 %, fail 0 %) or `score` 1–5, mapped linearly to 0–100 %
  (1 = 0 %, 2 = 25 %, 3 = 50 %, 4 = 75 %, 5 = 100 %): the lowest mark means "not done".
- An inspection's score is the weighted mean of its items' percentages; every item must be
  answered, so a score never silently leaves a bad item out.
- An item fails on `fail` or a score of 2 or less: that is work to do, a corrective work
  order for the template's crew. A failed item a template marks `photo_on_fail` needs a photo.
- Weeks start on Monday (ISO weeks), in the building's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final, Literal, get_args
from zoneinfo import ZoneInfo

ItemKind = Literal["pass_fail", "score"]
ITEM_KINDS: Final[tuple[str, ...]] = get_args(ItemKind)
FAIL_AT_OR_BELOW: Final = 2
MAX_NOTE: Final = 500
LANGS: Final = ("id", "en")


class TemplateError(ValueError):
    """The templates file is not valid."""


class AnswerError(ValueError):
    """Answers that cannot be scored (`code` says why, `item` which item)."""

    def __init__(self, code: str, item: str) -> None:
        super().__init__(f"{code}: {item}")
        self.code = code
        self.item = item


@dataclass(frozen=True)
class Item:
    """One thing an inspector checks."""

    code: str
    kind: str
    text: Mapping[str, str]
    weight: float = 1.0
    photo_on_fail: bool = False

    def words(self, lang: str) -> str:
        """The item's text in `lang` (Indonesian when there is none)."""
        return self.text.get(lang) or self.text["id"]


@dataclass(frozen=True)
class Template:
    """A checklist for one kind of area, and the crew that fixes what fails."""

    code: str
    crew: str
    title: Mapping[str, str]
    items: tuple[Item, ...]
    room_kinds: tuple[str, ...] = ()

    def words(self, lang: str) -> str:
        """The template's title in `lang`."""
        return self.title.get(lang) or self.title["id"]

    def item(self, code: str) -> Item:
        """The item `code` (KeyError when the template has none)."""
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)


def _texts(value: Any, where: str) -> dict[str, str]:
    if (
        not isinstance(value, Mapping)
        or set(value) != set(LANGS)
        or not all(isinstance(value[lang], str) and value[lang].strip() for lang in LANGS)
    ):
        raise TemplateError(f"{where}: needs texts in id and en, and nothing else")
    return {lang: str(value[lang]) for lang in LANGS}


def parse_templates(data: Mapping[str, Any]) -> dict[str, Template]:
    """Templates from the YAML's mapping; TemplateError on anything malformed."""
    found: dict[str, Template] = {}
    for code, body in data.items():
        if not isinstance(body, Mapping) or not isinstance(body.get("crew"), str):
            raise TemplateError(f"{code}: needs a crew")
        items: list[Item] = []
        for raw in body.get("items") or []:
            item_code = str(raw.get("code", ""))
            if not item_code or item_code in {i.code for i in items}:
                raise TemplateError(f"{code}: item codes must be given and unique")
            kind = raw.get("kind")
            if kind not in ITEM_KINDS:
                raise TemplateError(f"{code}.{item_code}: kind must be one of {ITEM_KINDS}")
            weight = float(raw.get("weight", 1))
            if not weight > 0:
                raise TemplateError(f"{code}.{item_code}: weight must be positive")
            items.append(Item(item_code, kind, _texts(raw.get("text"), f"{code}.{item_code}"),
                              weight, bool(raw.get("photo_on_fail", False))))  # fmt: skip
        if not items:
            raise TemplateError(f"{code}: needs items")
        kinds = tuple(str(k) for k in body.get("room_kinds") or ())
        found[str(code)] = Template(str(code), body["crew"], _texts(body.get("title"), code),
                                    tuple(items), kinds)  # fmt: skip
    return found


@dataclass(frozen=True)
class Answer:
    """What the inspector said about one item: `passed` for pass/fail, `score` for 1–5."""

    item: str
    passed: bool | None = None
    score: int | None = None
    note: str = ""
    has_photo: bool = False


def percent(item: Item, answer: Answer) -> float:
    """The item's mark as a percentage (AnswerError when it does not fit the item's kind)."""
    if item.kind == "pass_fail":
        if answer.passed is None:
            raise AnswerError("answer_missing", item.code)
        return 100.0 if answer.passed else 0.0
    if answer.score is None:
        raise AnswerError("answer_missing", item.code)
    if not 1 <= answer.score <= 5:
        raise AnswerError("score_out_of_range", item.code)
    return (answer.score - 1) * 25.0


def failed(item: Item, answer: Answer) -> bool:
    """True when the item needs work: a fail, or a score of 2 or less."""
    if item.kind == "pass_fail":
        return answer.passed is False
    return answer.score is not None and answer.score <= FAIL_AT_OR_BELOW


@dataclass(frozen=True)
class Marked:
    """One answered item, scored."""

    item: Item
    answer: Answer
    percent: float
    failed: bool


@dataclass(frozen=True)
class Scored:
    """An inspection's result: its weighted score and each item's mark."""

    score: float
    items: tuple[Marked, ...]

    @property
    def failures(self) -> tuple[Marked, ...]:
        """The items that need work."""
        return tuple(m for m in self.items if m.failed)


def score(template: Template, answers: Iterable[Answer]) -> Scored:
    """Score a whole inspection; AnswerError for an unknown, missing or photo-less item."""
    given: dict[str, Answer] = {}
    for given_answer in answers:
        try:
            template.item(given_answer.item)
        except KeyError:
            raise AnswerError("unknown_item", given_answer.item) from None
        given[given_answer.item] = given_answer
    marked: list[Marked] = []
    for item in template.items:
        answer = given.get(item.code)
        if answer is None:
            raise AnswerError("answer_missing", item.code)
        mark = percent(item, answer)
        bad = failed(item, answer)
        if bad and item.photo_on_fail and not answer.has_photo:
            raise AnswerError("photo_required", item.code)
        marked.append(Marked(item, answer, mark, bad))
    total = sum(m.item.weight for m in marked)
    value = sum(m.item.weight * m.percent for m in marked) / total
    return Scored(round(value, 1), tuple(marked))


def week_of(at: datetime, tz: str) -> date:
    """The Monday of the ISO week `at` falls in, in the building's time zone."""
    local = at.astimezone(ZoneInfo(tz)).date()
    return local - timedelta(days=local.weekday())


@dataclass(frozen=True)
class Result:
    """One past inspection, as the score tables read it."""

    at: datetime
    crew: str
    room: str
    template: str
    score: float


@dataclass(frozen=True)
class Average:
    """The mean score of a group of inspections."""

    key: tuple[str, ...]
    count: int
    mean: float


def averages(
    results: Sequence[Result], tz: str, by: Sequence[Literal["week", "crew", "room", "template"]]
) -> list[Average]:
    """Mean scores grouped by week (Monday, ISO date), crew, room and/or template, in order."""
    groups: dict[tuple[str, ...], list[float]] = {}
    for r in results:
        parts = {"week": week_of(r.at, tz).isoformat(), "crew": r.crew, "room": r.room,
                 "template": r.template}  # fmt: skip
        groups.setdefault(tuple(parts[b] for b in by), []).append(r.score)
    return [
        Average(key, len(scores), round(sum(scores) / len(scores), 1))
        for key, scores in sorted(groups.items())
    ]
