"""`utskick selectors check [FILE] [--override SITE] [--json]`: check a selectors file (and a site's override) against
schema version 2 and print the merged result, so a site's administrator sees what the bot will use."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot import selectors_schema as schema
from bot.config import DEFAULT_SELECTORS
from bot.errors import UtskickError
from bot.locators import Selectors


@click.group("selectors")
def selectors() -> None:
    """Selektorfilerna: var utskick hittar, läser och väntar på saker i Personalverktyget."""


@selectors.command("check")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--override", type=click.Path(path_type=Path), help="Er egen fil med de poster som skiljer sig.")
@click.option("--json", "as_json", is_flag=True, help="Skriv resultatet som JSON (för maskiner).")
def check(file: Path | None, override: Path | None, as_json: bool) -> None:
    """Kontrollera en selektorfil (standard: den som följer med utskick) och skriv ut den sammanslagna filen."""
    try:
        loaded = Selectors.load(file or DEFAULT_SELECTORS, override)
    except UtskickError as e:
        if as_json:
            click.echo(json.dumps({"valid": False, "error": str(e)}, ensure_ascii=False, indent=2))
        else:
            click.echo(f"Fel: {e}", err=True)
        sys.exit(e.exit_code)
    entries = [key for key, kind in schema.SCHEMA.items() if kind in (schema.ELEMENT, schema.RECORDS, schema.READINESS)]
    off = [key for key in entries if not loaded.has(key)]
    optional = [key for key in schema.SCHEMA if loaded.has(key) and loaded.is_optional(key)]
    if as_json:
        payload = {
            "valid": True,
            "source": loaded.source,
            "sha256": loaded.sha256,
            "version": loaded.value("meta.version"),
            "off": off,
            "optional": optional,
            "merged": loaded.data,
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    click.echo(f"Selektorerna är giltiga (schemaversion {loaded.value('meta.version')}): {loaded.source}")
    click.echo(f"sha256: {loaded.sha256}")
    click.echo(f"Avstängda: {', '.join(off) or 'inga'}")
    click.echo(f"Valfria (hoppas över när de saknas på sidan): {', '.join(optional) or 'inga'}")
    click.echo("\n# Sammanslaget resultat\n" + loaded.merged_toml())
