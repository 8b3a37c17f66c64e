"""`/connect who @name [platform]` is a look-up, not a log."""

from __future__ import annotations

import pytest

from slackapp.domain.intents import IntentKind, interpret_connect
from slackapp.domain.vocabulary import Platform


@pytest.mark.parametrize(
    ("text", "who", "platform"),
    [
        ("who @jane", "@jane", None),
        ("Who @Jane twitter", "@Jane", Platform.TWITTER),
        ("who @jane x", "@jane", Platform.TWITTER),
        ("who @jane [linkedin]", "@jane", Platform.LINKEDIN),
        ("who <@U123|jane>", "<@U123|jane>", None),
        ("who <https://x.com/jane|x.com/jane>", "https://x.com/jane", None),
        ("who jane other", "jane", Platform.OTHER),
        ("who jane somewhere", "jane", None),
    ],
)
def test_who_reads_the_person_and_the_platform(
    text: str, who: str, platform: Platform | None
) -> None:
    intent = interpret_connect(text)
    assert intent.kind is IntentKind.WHO
    assert intent.parsed is not None
    assert (intent.parsed.who, intent.parsed.platform) == (who, platform)


@pytest.mark.parametrize(
    "text", ["who", "who helped @jane answer her question on twitter", "solve who @jane"]
)
def test_other_lines_with_who_are_not_look_ups(text: str) -> None:
    assert interpret_connect(text).kind is not IntentKind.WHO
