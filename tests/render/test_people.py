"""People renderers: the page stays valid Block Kit at its limits; the teammate line is one line."""

from __future__ import annotations

from datetime import date

import pytest

from slackapp.domain.people import (
    Known,
    Merge,
    PersonKey,
    PersonPage,
    RecentPerson,
    TeammateTouch,
    Touch,
)
from slackapp.domain.vocabulary import Platform, Principle
from slackapp.render import ids
from slackapp.render.kit import Message
from slackapp.render.people import (
    merged_message,
    nobody_message,
    people_blocks,
    person_message,
    teammate_line,
)
from tests.support.blockkit import all_text, assert_valid_message, elements

TODAY = date(2026, 11, 29)
JANE = Known(1, PersonKey("twitter", "jane", "@jane"))


def touch(n: int, *, note: str = "answered her question") -> Touch:
    return Touch(
        connection_id=n,
        user_id=f"U{n}",
        principle=Principle.SOLVE,
        platform=Platform.TWITTER,
        who="@Jane",
        note=note,
        link=f"https://x.com/jane/status/{n}",
        local_date=date(2026, 11, 27),
    )


def page(*, touches: int = 2, candidates: int = 1, note: str = "hi") -> PersonPage:
    return PersonPage(
        person=JANE,
        aliases=(Known(2, PersonKey("linkedin", "jane-doe", "@jane-doe")),),
        touches=tuple(touch(n, note=note) for n in range(touches)),
        total=touches + 40,
        first_touch=date(2026, 10, 1),
        last_touch=date(2026, 11, 27),
        principles=((Principle.SOLVE, 30), (Principle.CARE, 12)),
        candidates=tuple(
            Known(10 + n, PersonKey("instagram", f"p{n}" * 30, "@" + f"p{n}" * 30))
            for n in range(candidates)
        ),
    )


@pytest.mark.parametrize(("touches", "candidates"), [(0, 0), (2, 1), (15, 50), (15, 100)])
def test_the_page_is_valid_block_kit(touches: int, candidates: int) -> None:
    message = person_message(
        page(touches=touches, candidates=candidates, note="<!channel> " * 99), today=TODAY
    )
    assert_valid_message(message)
    text = all_text(message.blocks)
    assert "<!channel>" not in text
    assert "https://x.com/jane" in text and "https://www.linkedin.com/in/jane-doe" in text
    assert f"{touches + 40} touches" in text
    menus = elements(message.blocks, action_id=ids.MERGE_PERSON_ACTION)
    assert len(menus) == (1 if candidates else 0)


def test_merged_message_carries_an_undo_and_the_page() -> None:
    merge = Merge(
        source=Known(2, PersonKey("linkedin", "jane-doe", "@jane-doe")), target=JANE, moved=(2, 5)
    )
    message = merged_message(merge, page(), today=TODAY)
    assert_valid_message(message)
    [undo] = elements(message.blocks, action_id=ids.UNMERGE_PERSON_ACTION)
    assert undo["value"] == "2:2,5"


def test_the_teammate_line() -> None:
    hint = TeammateTouch(
        "U2", PersonKey("twitter", "jane", "@jane"), Principle.SOLVE, date(2026, 11, 27)
    )
    assert teammate_line(hint, today=TODAY).startswith(
        ":busts_in_silhouette: <@U2> helped @jane 2 days ago"
    )
    assert "\n" not in teammate_line(hint, today=TODAY)
    odd = TeammateTouch("U2", PersonKey("", "<!here>", "<!here>"), Principle.CARE, TODAY)
    assert "<!here>" not in teammate_line(odd, today=TODAY)


def test_nobody_and_the_home_section() -> None:
    assert_valid_message(nobody_message("@jane"))
    assert "Nobody has logged @jane yet" in nobody_message("@jane").text
    assert people_blocks([], today=TODAY) == []
    blocks = people_blocks([RecentPerson(JANE, date(2026, 11, 28), 3)], today=TODAY)
    assert_valid_message(Message(text="x", blocks=blocks))
    assert "@jane on X / Twitter · yesterday · 3 touches lately" in all_text(blocks)
