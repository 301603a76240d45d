"""The service guide (办事指南) of a business, pure: its shape, how its version is computed,
and the pointer a refusal carries to the condition that failed (docs/decisions/0026).

A business writes its guide next to its rules (``<domain>/guide.py``), generated from the
rules' constants and the running Settings, never from numbers typed into the text; the
registry (``gangting.guides``) collects them. Each condition carries the stable codes of the
refusals that mean it failed, so a refusal points at its condition in the guide.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gangting.config import Settings

GUIDES_PAGE = "/guides"


@dataclass(frozen=True)
class Condition:
    """One condition of a business, said positively ("驾驶证在有效期满前90日内申请").

    ``code`` is the refusal code that means it failed (a Reason's or a named error's);
    ``codes`` are further refusal codes of the same condition. ``on_failure`` says what
    happens, and what the citizen can do, when it fails."""

    code: str
    text: str
    legal_basis: tuple[str, ...]
    on_failure: str
    codes: tuple[str, ...] = ()

    @property
    def all_codes(self) -> tuple[str, ...]:
        return (self.code, *self.codes)


@dataclass(frozen=True)
class Material:
    name: str
    note: str = ""


@dataclass(frozen=True)
class Step:
    title: str
    text: str


@dataclass(frozen=True)
class Fee:
    item: str
    text: str
    legal_basis: tuple[str, ...] = ()
    amount_fen: int | None = None


@dataclass(frozen=True)
class TimeLimit:
    item: str
    text: str
    legal_basis: tuple[str, ...] = ()


# What every booth business shares: the identity card read at the booth, the identity
# check that begins it, and the choice of the business whose guide the citizen then reads.
ID_CARD = Material("居民身份证", "在岗亭读卡并进行人脸核验")
IDENTITY_CHECK = Step("身份核验", "放置居民身份证，正对摄像头完成人证核验")


def booth_start(title: str) -> tuple[Step, Step]:
    """The identity check, then the choice of the business ``title`` (its guide shown)."""
    return IDENTITY_CHECK, Step("选择业务", f"选择“{title}”，查看本指南")


def free_of_charge(item: str) -> Fee:
    return Fee(item, "不收取费用", amount_fen=0)


@dataclass(frozen=True)
class Guide:
    """One business's guide. ``version`` and ``effective_on`` are set by ``published``."""

    business: str
    title: str
    summary: str
    applicants: tuple[str, ...]
    conditions: tuple[Condition, ...]
    materials: tuple[Material, ...]
    steps: tuple[Step, ...]
    legal_basis: tuple[str, ...]
    fees: tuple[Fee, ...]
    time_limits: tuple[TimeLimit, ...]
    channels: tuple[str, ...]
    rules_since: date
    """The day the rules this guide states took effect (the latest edition it relies on)."""
    effective_on: date | None = None
    version: str = ""
    notes: tuple[str, ...] = field(default=())

    def condition_for(self, code: str) -> Condition | None:
        return next((c for c in self.conditions if code in c.all_codes), None)

    def content(self) -> dict[str, Any]:
        """Everything the citizen reads, without the version and its date."""
        data = asdict(self)
        for key in ("effective_on", "version"):
            data.pop(key)
        data["rules_since"] = self.rules_since.isoformat()
        return data

    def to_dict(self) -> dict[str, Any]:
        data = self.content()
        data["effective_on"] = self.effective_on.isoformat() if self.effective_on else None
        data["version"] = self.version
        data["url"] = page_url(self.business)
        for condition, item in zip(self.conditions, data["conditions"], strict=True):
            item["codes"] = list(condition.all_codes)
            item["url"] = page_url(self.business, condition.code)
        return data


def fingerprint(guide: Guide) -> str:
    """SHA-256 of the guide's content as canonical JSON: any change in a rule's text, a
    constant or a setting that the guide states changes it."""
    text = json.dumps(guide.content(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def published(guide: Guide, configured_on: date | None = None) -> Guide:
    """The guide with its version and effective date: in force from the later of the day
    its rules took effect and the day the running configuration did (``configured_on``,
    GANGTING_GUIDES_EFFECTIVE_ON); the version is that date and the content's fingerprint,
    so two guides with one version say the same words."""
    effective = max(d for d in (guide.rules_since, configured_on) if d is not None)
    return replace(
        guide, effective_on=effective, version=f"{effective:%Y%m%d}-{fingerprint(guide)[:10]}"
    )


def page_url(business: str, code: str | None = None) -> str:
    """The public page of a business's guide, at a condition's anchor when given."""
    url = f"{GUIDES_PAGE}/{business}.html"
    return f"{url}#{code}" if code else url


def pointer(business: str, code: str) -> dict[str, str]:
    """What a refusal carries: the business, the failed condition's code and its page."""
    return {"business": business, "condition": code, "url": page_url(business, code)}


@dataclass(frozen=True)
class GuideSpec:
    """A business's guide as a domain registers it.

    ``entries`` are the use cases ("module:function") whose refusals the guide must cover;
    ``scan`` the packages whose functions the coverage scan follows from them."""

    business: str
    build: Callable[[Settings], Guide]
    entries: tuple[str, ...]
    scan: tuple[str, ...]
