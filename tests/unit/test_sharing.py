"""Which organisations a channel is shared with, from what Slack's conversations.info says of it."""

from typing import Any, cast

from slack_sdk import WebClient

from bot.slack.sharing import other_organisations

ACME, ACME_WEST, GLOBEX, INITECH = "T0ACME", "T0ACMEWEST", "T0GLOBEX", "T0INITECH"


class Answers:
    """A Slack that answers conversations.info with `channel`."""

    def __init__(self, channel: dict[str, Any]) -> None:
        self.channel = channel

    def conversations_info(self, channel: str) -> dict[str, Any]:
        return {"channel": self.channel}


def others(channel: dict[str, Any]) -> list[str]:
    return other_organisations(cast(WebClient, Answers(channel)), "C0JOINT", ACME)


def test_the_other_organisations_are_those_slack_names_beside_this_one() -> None:
    channel = {"is_ext_shared": True, "context_team_id": ACME, "shared_team_ids": [ACME, GLOBEX]}
    assert others(channel) == [GLOBEX]
    assert others(channel | {"connected_team_ids": [INITECH, GLOBEX]}) == [INITECH, GLOBEX]


def test_the_orgs_own_workspaces_in_an_org_shared_channel_are_not_another_organisation() -> None:
    channel = {
        "is_ext_shared": True,
        "context_team_id": ACME,
        "shared_team_ids": [ACME, ACME_WEST, GLOBEX],
        "internal_team_ids": [ACME, ACME_WEST],
    }
    assert others(channel) == [GLOBEX]


def test_a_channel_not_shared_with_another_organisation_has_none() -> None:
    assert others({"is_ext_shared": False, "is_org_shared": True, "shared_team_ids": [ACME, ACME_WEST]}) == []
