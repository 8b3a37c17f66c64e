"""The follow-up DM: valid Block Kit at its largest, each state shown, buttons that name it."""

from __future__ import annotations

from datetime import date

from slackapp.domain.followups import PER_MESSAGE, FollowUpItem, FollowUpState
from slackapp.domain.vocabulary import Principle
from slackapp.render import ids
from slackapp.render.followups import answer_value, followup_message, read_answer_value
from tests.support.blockkit import all_text, assert_valid_message, elements

DUE = date(2026, 3, 8)


def item(n: int, state: FollowUpState = FollowUpState.OPEN, due: date = DUE) -> FollowUpItem:
    return FollowUpItem(
        id=n,
        user_id="U1",
        due_date=due,
        state=state,
        asked_for=DUE,
        principle=Principle.CARE,
        who="<@U2>" if n == 0 else f"@p{n}",
        platform="linkedin" if n % 2 else None,
        note="x" * 1000 + " <!here> & more",
        link="https://example.com/a?b=1&c=<2>",
        logged_on=date(2026, 3, 5),
    )


def test_a_full_dm_is_valid_and_within_slacks_limits() -> None:
    message = followup_message([item(n) for n in range(PER_MESSAGE)])
    assert_valid_message(message)
    assert len(message.blocks) <= 50
    assert len(elements(message.blocks, action_id=ids.FOLLOWUP_WAITING_ACTION)) == PER_MESSAGE
    assert "<!here>" not in all_text({"blocks": message.blocks})


def test_each_state_reads_as_it_stands() -> None:
    message = followup_message(
        [
            item(1, FollowUpState.REPLIED),
            item(2, FollowUpState.NO_REPLY),
            item(3, due=date(2026, 3, 11)),
            item(4),
        ]
    )
    text = all_text({"blocks": message.blocks})
    assert "@p1 replied" in text
    assert "No reply from @p2" in text
    assert "I'll ask again on Wed 11 Mar" in text
    assert "Did @p4 reply to your note?" in text
    # Only the open one still has buttons.
    assert len(elements(message.blocks, action_id=ids.FOLLOWUP_REPLIED_ACTION)) == 1


def test_button_values_round_trip_and_junk_is_refused() -> None:
    assert read_answer_value(answer_value(item(7))) == (7, DUE)
    for junk in (None, "", "x:2026-03-08", "7:not-a-date"):
        assert read_answer_value(junk) is None
