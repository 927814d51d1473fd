"""The packaged life-cycle catalogue is faithful to BS 11000, and broken catalogues are refused clearly."""

from importlib import resources
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml

from stages.catalogue import Catalogue, CatalogueError, default_catalogue, load_catalogue

# The checklist ids of bs11000-stages.md, stage by stage (7, 7, 5, 5, 12, 5, 7, 7 items).
EXPECTED_IDS = {
    1: ["S1.1", "S1.2", "S1.3", "S1.4", "S1.5", "S1.6", "S1.7"],
    2: ["S2.1", "S2.2", "S2.3", "S2.4", "S2.5", "S2.6", "S2.7"],
    3: ["S3.1", "S3.2", "S3.3", "S3.4", "S3.5"],
    4: ["S4.1", "S4.2", "S4.3", "S4.4", "S4.5"],
    5: ["S5.1", "S5.2", "S5.3", "S5.4", "S5.5", "S5.6", "S5.7", "S5.8", "S5.9", "S5.10", "S5.11", "S5.12"],
    6: ["S6.1", "S6.2", "S6.3", "S6.4", "S6.5"],
    7: ["S7.1", "S7.2", "S7.3", "S7.4", "S7.5", "S7.6", "S7.7"],
    8: ["S8.1", "S8.2", "S8.3", "S8.4", "S8.5", "S8.6", "S8.7"],
}

# The 21 do's and don'ts of the BS 11000 model text, in its order, curly quotes straightened.
EXPECTED_LINES = {
    "strategy": [
        "DO ensure you have strong support from the top",
        "DO sell the benefits of collaboration across the organisation, setting out the long-term advantages",
        "DO create a relationship management plan",
        "DO consider what effect a breakdown in the relationship might cause",
        "DO identify and remove internal constraints",
        "DON'T pursue a collaborative model if it is not likely to add real value",
        "DON'T expect all staff to have the necessary skills for collaborative working",
    ],
    "engagement": [
        "DO identify potential partners for collaboration",
        "DO build a dialogue around common objectives and outcomes",
        "DO establish what knowledge can be shared and how",
        "DO set up a joint value-creation process to encourage new ideas",
        "DO define what value means for those involved",
        "DON'T let negotiations deteriorate into 'arm-wrestling' or 'poker-playing'",
        "DON'T hang on to value-creation ideas if they are not delivering",
    ],
    "management": [
        "DO monitor the relationship over time",
        "DO ensure that the exit strategy is jointly developed and reviewed regularly",
        "DO define the boundaries of the relationship clearly",
        "DO consider future potential for collaboration",
        "DON'T delegate joint team management of the collaboration upwards",
        "DON'T put up with inappropriate behaviours such as hidden agendas",
        "DON'T let disputes linger so long that they damage the relationship",
    ],
}

# Items for which the stage model quotes a do or don't (S2.4 cites an Engagement line from stage 2 on).
CITING_ITEMS = {
    "S1.1", "S1.4", "S1.5", "S1.6", "S1.7", "S2.4", "S3.2", "S3.4",
    "S4.1", "S4.3", "S4.4", "S6.1", "S6.2", "S6.4",
    "S7.1", "S7.2", "S7.3", "S7.5", "S7.6", "S8.1", "S8.6",
}  # fmt: skip


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return default_catalogue()


@pytest.fixture
def raw() -> dict[str, Any]:
    """The packaged catalogue as plain data, to break one thing at a time."""
    text = resources.files("stages").joinpath("catalogue.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def raw_item(data: dict[str, Any], item_id: str) -> dict[str, Any]:
    stage = int(item_id[1 : item_id.index(".")])
    for item in data["stages"][stage - 1]["items"]:
        if item["id"] == item_id:
            found: dict[str, Any] = item  # the live mapping, so the caller's edit lands in `data`
            return found
    raise AssertionError(f"{item_id} not in the raw catalogue")


# The packaged catalogue


def test_default_catalogue_is_loaded_once_and_matches_a_fresh_load() -> None:
    assert default_catalogue() is default_catalogue()
    assert load_catalogue() == default_catalogue()


def test_three_phases_in_order(catalogue: Catalogue) -> None:
    assert [(p.number, p.key, p.name) for p in catalogue.phases] == [
        (1, "strategy", "Strategy"),
        (2, "engagement", "Engagement"),
        (3, "management", "Management"),
    ]


def test_eight_stages_in_their_phases_and_clauses(catalogue: Catalogue) -> None:
    assert [(s.number, s.name, s.phase, s.clause) for s in catalogue.stages] == [
        (1, "Operational awareness", "strategy", 3),
        (2, "Knowledge", "strategy", 4),
        (3, "Internal assessment", "strategy", 5),
        (4, "Partner selection", "engagement", 6),
        (5, "Working together", "engagement", 7),
        (6, "Value creation", "engagement", 8),
        (7, "Staying together", "management", 9),
        (8, "Exit strategy", "management", 10),
    ]
    assert catalogue.stage(1).purpose == "Turn the wish to collaborate into a decision."


def test_only_the_strategy_phase_is_internal_to_one_organisation(catalogue: Catalogue) -> None:
    assert [s.number for s in catalogue.stages if s.is_internal] == [1, 2, 3]


@pytest.mark.parametrize("number", sorted(EXPECTED_IDS))
def test_stage_has_exactly_the_documented_item_ids(catalogue: Catalogue, number: int) -> None:
    stage = catalogue.stage(number)
    assert [item.id for item in stage.items] == EXPECTED_IDS[number]
    assert [(item.stage, item.position) for item in stage.items] == [
        (number, position) for position in range(1, len(EXPECTED_IDS[number]) + 1)
    ]


def test_all_55_items_in_order(catalogue: Catalogue) -> None:
    expected = [item_id for number in sorted(EXPECTED_IDS) for item_id in EXPECTED_IDS[number]]
    assert len(expected) == 55
    assert [item.id for item in catalogue.items] == expected


@pytest.mark.parametrize("key", sorted(EXPECTED_LINES))
def test_phase_holds_the_source_dos_and_donts_verbatim(catalogue: Catalogue, key: str) -> None:
    phase = catalogue.phase(key)
    assert list(phase.dos) + list(phase.donts) == EXPECTED_LINES[key]
    assert all(line.startswith("DO ") for line in phase.dos)
    assert all(line.startswith("DON'T ") for line in phase.donts)


def test_item_sources_are_lines_of_the_model(catalogue: Catalogue) -> None:
    every_line = {line for lines in EXPECTED_LINES.values() for line in lines}
    cited = {}
    for stage in catalogue.stages:
        for item in stage.items:
            if item.source is not None:
                assert item.source in every_line, item.id
                cited[item.id] = item.source
    assert set(cited) == CITING_ITEMS
    assert cited["S4.4"] == "DON'T let negotiations deteriorate into 'arm-wrestling' or 'poker-playing'"


def test_item_fields_look_like_the_documented_model(catalogue: Catalogue) -> None:
    s5_10 = catalogue.item("S5.10")
    assert (s5_10.stage, s5_10.position, s5_10.rmp_section) == (5, 10, 10)
    assert "escalation" in s5_10.text
    assert catalogue.item("S2.4").rmp_section == 5
    assert catalogue.item("S8.1").rmp_section == 12
    assert {item.rmp_section for item in catalogue.items} <= {s.number for s in catalogue.rmp_sections}


def test_records_an_auditor_expects_need_evidence(catalogue: Catalogue) -> None:
    must = ["S1.1", "S1.2", "S1.3", "S1.7", "S2.2", "S2.5", "S3.1", "S4.5"]
    must += ["S5.3", "S5.4", "S5.7", "S5.9", "S5.10", "S5.11", "S8.1"]
    assert all(catalogue.item(item_id).evidence_required for item_id in must)
    needing = sum(item.evidence_required for item in catalogue.items)
    assert 55 / 3 <= needing <= 55 / 2
    assert not catalogue.item("S4.4").evidence_required


def test_stage_dos_and_donts_come_from_its_items_in_item_order(catalogue: Catalogue) -> None:
    stage = catalogue.stage(7)
    assert stage.dos == (
        "DO monitor the relationship over time",
        "DO define the boundaries of the relationship clearly",
    )
    assert stage.donts == (
        "DON'T put up with inappropriate behaviours such as hidden agendas",
        "DON'T delegate joint team management of the collaboration upwards",
        "DON'T let disputes linger so long that they damage the relationship",
    )
    assert catalogue.stage(5).dos == ()
    assert catalogue.stage(5).donts == ()


def test_stage_label(catalogue: Catalogue) -> None:
    assert catalogue.stage(4).label == "Stage 4 · Partner selection"


def test_navigation_through_the_stages(catalogue: Catalogue) -> None:
    assert catalogue.first_stage.number == 1
    assert catalogue.last_stage.number == 8
    next_stage = catalogue.next_stage(4)
    assert next_stage is not None
    assert next_stage.number == 5
    assert catalogue.next_stage(8) is None
    assert catalogue.phase_of(4).key == "engagement"
    assert catalogue.phase_of(8).key == "management"
    assert [s.number for s in catalogue.stages_in("strategy")] == [1, 2, 3]


@pytest.mark.parametrize("typed", ["s4.2", "S4.2", " s4.2 "])
def test_item_lookup_ignores_case_and_spaces(catalogue: Catalogue, typed: str) -> None:
    assert catalogue.item(typed).id == "S4.2"


@pytest.mark.parametrize("number", [0, 9, -1])
def test_unknown_stage_is_a_lookup_error(catalogue: Catalogue, number: int) -> None:
    for lookup in (catalogue.stage, catalogue.phase_of, catalogue.next_stage):
        with pytest.raises(LookupError, match=f"No stage {number}") as raised:
            lookup(number)
        assert not isinstance(raised.value, KeyError | IndexError)


def test_unknown_item_is_a_lookup_error(catalogue: Catalogue) -> None:
    with pytest.raises(LookupError, match=r"^No checklist item S9\.9$") as raised:
        catalogue.item("s9.9")
    assert not isinstance(raised.value, KeyError)


def test_rmp_sections_roles_and_cadences(catalogue: Catalogue) -> None:
    assert [s.number for s in catalogue.rmp_sections] == list(range(1, 14))
    assert catalogue.rmp_section(1).title == "Identity and scope"
    assert catalogue.rmp_section(12).key == "exit_strategy"
    assert set(catalogue.roles) == {
        "executive_sponsor",
        "relationship_owner",
        "joint_management_team",
        "item_owner",
    }
    assert catalogue.roles["executive_sponsor"].name == "Executive sponsor"
    cadences = catalogue.cadences
    assert (cadences.review_days, cadences.exit_review_days, cadences.exit_review_at_signoff_from_stage) == (
        90,
        180,
        5,
    )
    assert [t.name for t in cadences.dispute_tiers] == [
        "Working level",
        "Joint management team",
        "Executive sponsors",
    ]
    assert [cadences.tier_days(tier) for tier in (1, 2, 3)] == [7, 7, None]


def test_catalogue_is_immutable(catalogue: Catalogue) -> None:
    with pytest.raises(pydantic.ValidationError):
        catalogue.stage(1).name = "Something else"  # type: ignore[misc]


# Broken catalogues


def test_unchanged_copy_loads_so_each_break_below_is_the_only_fault(tmp_path: Path, raw: dict[str, Any]) -> None:
    assert load_catalogue(write(tmp_path, raw)) == default_catalogue()


def test_missing_guidance_names_the_item(tmp_path: Path, raw: dict[str, Any]) -> None:
    del raw_item(raw, "S4.2")["guidance"]
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(write(tmp_path, raw))
    assert str(raised.value) == "broken.yaml: stage 4, item S4.2: guidance: Field required"


def test_duplicated_id_is_refused(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw_item(raw, "S4.3")["id"] = "S4.2"
    with pytest.raises(CatalogueError, match=r"^broken\.yaml: stage 4, item S4\.2: duplicate id"):
        load_catalogue(write(tmp_path, raw))


def test_id_out_of_sequence_is_refused(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw_item(raw, "S4.2")["id"] = "S4.3"
    with pytest.raises(CatalogueError, match=r"^broken\.yaml: stage 4, item S4\.3: id out of sequence: expected S4\.2"):
        load_catalogue(write(tmp_path, raw))


def test_id_from_another_stage_is_out_of_sequence(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw_item(raw, "S4.1")["id"] = "S3.1"
    with pytest.raises(CatalogueError, match=r"stage 4, item S3\.1: id out of sequence: expected S4\.1"):
        load_catalogue(write(tmp_path, raw))


def test_source_not_in_the_model_is_refused(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw_item(raw, "S4.2")["source"] = "DO trust everyone"
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(write(tmp_path, raw))
    assert str(raised.value) == (
        "broken.yaml: stage 4, item S4.2: source 'DO trust everyone' is not one of the model's do's and don'ts"
    )


def test_source_paraphrasing_a_line_is_refused(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw_item(raw, "S4.1")["source"] = "DO identify potential partners"
    with pytest.raises(CatalogueError, match=r"item S4\.1: source 'DO identify potential partners' is not one"):
        load_catalogue(write(tmp_path, raw))


def test_rmp_section_out_of_range_is_refused(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw_item(raw, "S4.2")["rmp_section"] = 14
    with pytest.raises(CatalogueError, match=r"^broken\.yaml: stage 4, item S4\.2: rmp_section: .*13"):
        load_catalogue(write(tmp_path, raw))


def test_overlong_text_is_refused(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw_item(raw, "S1.1")["text"] = "x" * 150
    with pytest.raises(CatalogueError, match=r"item S1\.1: text: .*under 150 characters"):
        load_catalogue(write(tmp_path, raw))


def test_non_boolean_evidence_flag_is_refused(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw_item(raw, "S6.3")["evidence_required"] = "sometimes"
    with pytest.raises(CatalogueError, match=r"item S6\.3: evidence_required: "):
        load_catalogue(write(tmp_path, raw))


def test_stage_with_unknown_phase_is_named_by_number(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["stages"][3]["phase"] = "engagment"
    with pytest.raises(CatalogueError, match=r"^broken\.yaml: stage 4: phase 'engagment' is not one of"):
        load_catalogue(write(tmp_path, raw))


def test_stages_out_of_order_are_refused(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["stages"][3], raw["stages"][4] = raw["stages"][4], raw["stages"][3]
    with pytest.raises(CatalogueError, match=r"^broken\.yaml: stage 5: stages must be numbered 1 to 8"):
        load_catalogue(write(tmp_path, raw))


def test_missing_stage_is_refused(tmp_path: Path, raw: dict[str, Any]) -> None:
    del raw["stages"][7]
    with pytest.raises(CatalogueError, match=r"^broken\.yaml: stages: expected 8 stages"):
        load_catalogue(write(tmp_path, raw))


def test_phase_missing_a_field_is_named_by_key(tmp_path: Path, raw: dict[str, Any]) -> None:
    del raw["phases"][1]["summary"]
    with pytest.raises(CatalogueError, match=r"^broken\.yaml: phase 2 \(engagement\): summary: Field required"):
        load_catalogue(write(tmp_path, raw))


def test_bad_yaml_syntax_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("phases:\n  - key: strategy\n    name: [Strategy\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"^broken\.yaml: invalid YAML at line \d+"):
        load_catalogue(path)


@pytest.mark.parametrize("text", ["- phases\n- stages\n", "", "just words\n"])
def test_document_that_is_not_a_mapping_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"^broken\.yaml: expected a mapping"):
        load_catalogue(path)


def test_missing_file_is_a_catalogue_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match=r"^absent\.yaml: cannot be read"):
        load_catalogue(tmp_path / "absent.yaml")
