"""The console holds two workspaces on one Slack: each installs and removes Accord on its own, and sees only its own."""

from pathlib import Path

from tests.e2e.test_console import console, new_acme_alliance

NEW_INITECH = ["/accord new Initech Supply", "", "Initech", "", "@ivy", "#vendor-partners", ""]


def test_globex_installs_accord_and_never_sees_acmes_relationships(tmp_path: Path) -> None:
    out = console(
        tmp_path / "state",
        "\n".join(
            [
                *new_acme_alliance(""),
                "workspace globex",
                "/accord list",
                "install",
                "channel #vendor-partners",
                *NEW_INITECH,
                "/accord list",
                "workspace acme",
                "/accord list",
            ]
        )
        + "\n",
    )
    globex, _, back_in_acme = out.partition("> workspace acme")
    assert "You are in Globex, as @hank." in globex
    assert "Accord is not installed in this workspace" in globex
    assert "Accord is in Globex" in globex
    listed_in_globex = globex.rpartition("> /accord list")[2]
    assert "Initech Supply" in listed_in_globex and "Acme Alliance" not in listed_in_globex
    listed_in_acme = back_in_acme.rpartition("> /accord list")[2]
    assert "Acme Alliance" in listed_in_acme and "Initech" not in listed_in_acme


def test_an_uninstalled_workspace_is_refused_until_it_installs_again_with_its_data(tmp_path: Path) -> None:
    state = tmp_path / "state"
    console(state, "\n".join(["workspace globex", "install", "channel #vendor-partners", *NEW_INITECH]) + "\n")
    removed = console(state, "workspace globex\nuninstall\n/accord list\n")
    assert "Accord was removed from Globex" in removed
    assert "Accord is not installed in this workspace" in removed.rpartition("> /accord list")[2]

    again = console(state, "workspace globex\ninstall\n/accord list\nworkspace acme\n/accord list\n")
    in_globex, _, in_acme = again.partition("> workspace acme")
    assert "Initech Supply" in in_globex.rpartition("> /accord list")[2]
    assert "No relationships yet" in in_acme
