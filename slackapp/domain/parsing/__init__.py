"""Reading the free text after `/connect`: the parser, and the words, handles and links it knows."""

from slackapp.domain.parsing.parser import ParsedConnect, parse_connect_text

__all__ = ["ParsedConnect", "parse_connect_text"]
