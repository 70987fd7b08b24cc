"""How a command prints its JSON document and ends a refusal: masked JSON on stdout, the Swedish "Fel:" line."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from bot.app.documents import error_document
from bot.pnr import scrub


def emit(document: dict) -> None:
    """Print the document on stdout as one JSON text, with anything shaped like a personnummer masked."""
    click.echo(scrub(json.dumps(document, ensure_ascii=False, sort_keys=True)))


def refuse(command: str, error: Exception, exit_code: int, *, as_json: bool, **where: Any) -> None:
    """End a command that was refused: the JSON document (with --json), the Swedish "Fel:" line, the exit code."""
    if as_json:
        emit(error_document(command, error, exit_code, **where))
    click.echo(f"Fel: {error}", err=True)
    sys.exit(exit_code)
