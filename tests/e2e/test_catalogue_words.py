"""Dispute tiers are named once, in the catalogue: renamed there, they read the new way everywhere Accord
shows a tier (the dispute's thread, its escalation, `/accord disputes`, the Home tab, the plan)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import stages.catalogue
from bot.records.plan_document import render_markdown
from bot.sandbox.clock import MovableClock
from bot.sandbox.harness import Sandbox
from stages import rmp
from stages.catalogue import default_catalogue
from tests.conftest import START
from tests.e2e.helpers import (
    ACME,
    ALICE,
    BOB,
    CAROL,
    PARTNERSHIPS,
    create_relationship,
    escalate,
    fresh,
    last_ephemeral,
    shown,
)

NAMES = ["Shop floor", "Steering group", "Board members"]


@pytest.fixture
def renamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The packaged catalogue with its dispute tiers renamed, as the app's catalogue."""
    packaged = Path(stages.catalogue.__file__).with_name("catalogue.yaml")
    data = yaml.safe_load(packaged.read_text(encoding="utf-8"))
    data["cadences"]["dispute_tiers"] = [{"tier": n, "name": name} for n, name in enumerate(NAMES, start=1)]
    edited = tmp_path / "catalogue.yaml"
    edited.write_text(yaml.safe_dump(data), encoding="utf-8")
    load = stages.catalogue.load_catalogue
    monkeypatch.setattr(stages.catalogue, "load_catalogue", lambda path=None: load(path or edited))
    default_catalogue.cache_clear()
    yield
    default_catalogue.cache_clear()


def test_tier_names_come_from_the_catalogue(renamed: None, database_url: str) -> None:
    with Sandbox(database_url, clock=MovableClock(START)) as sandbox:
        create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB)
        sandbox.driver.command(CAROL, PARTNERSHIPS, "dispute Acme Alliance deliveries late")
        parent = sandbox.workspace.top_level(ACME)[-1]
        assert "Tier 1 · Shop floor" in shown(parent)

        escalate(sandbox, ALICE, fresh(sandbox, parent))
        [told] = [m.text for m in sandbox.workspace.replies(ACME, parent.ts) if "escalated" in m.text]
        assert "to *tier 2 · Steering group*" in told
        assert "Tier 2 · Steering group" in shown(fresh(sandbox, parent))

        sandbox.driver.command(ALICE, PARTNERSHIPS, "disputes")
        assert "Tier 2 · Steering group" in shown(last_ephemeral(sandbox, ALICE))
        assert "Tier 2 · Steering group" in shown(sandbox.driver.open_home(ALICE))

        uow = sandbox.database.uow(sandbox.workspace.team_id)
        plan = rmp.build(uow, default_catalogue(), 1, START)
        assert "2 · Steering group" in render_markdown(plan)
        assert sandbox.workspace.violations == []
