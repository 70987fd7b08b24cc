"""Click's usage errors in Swedish: a command group whose errors a case handler can read (exit 2).

Click builds its messages in English; this group catches every `UsageError` (unknown option or command, a
missing argument, a bad value) and prints a Swedish one instead, with the closest option or command when one is.
"""

from __future__ import annotations

import difflib
import re
import sys

import click

from bot.errors import EXIT_INPUT, EXIT_INTERRUPTED

# Click's inner messages for bad values (types and ranges), as patterns → Swedish.
_VALUE_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"'?(?P<v>.*?)'? is not a valid integer( range)?\."), "{v!r} är inte ett heltal."),
    (re.compile(r"'?(?P<v>.*?)'? is not a valid float( range)?\."), "{v!r} är inte ett tal."),
    (re.compile(r"'?(?P<v>.*?)'? is not a valid boolean\."), "{v!r} är inte ja eller nej."),
    (re.compile(r"(?P<v>.*?) is not in the range (?P<r>.*)\."), "{v} ligger utanför det tillåtna ({r})."),
    (re.compile(r"'?(?P<v>.*?)'? is not one of (?P<r>.*)\."), "{v!r} är inte ett av {r}."),
    (re.compile(r"'?(?P<v>.*?)'? is not (?P<r>'.*')\."), "{v!r} är inte {r}."),
    (re.compile(r"(File|Directory|Path) '?(?P<v>.*?)'? does not exist\."), "{v!r} finns inte."),
)


def swedish_value_message(message: str) -> str:
    """Click's message for a bad value, in Swedish (unknown wordings become a general one)."""
    for pattern, template in _VALUE_MESSAGES:
        if match := pattern.fullmatch(message.strip()):
            return template.format(**match.groupdict())
    return "värdet kan inte användas."


def swedish_usage_message(error: click.UsageError) -> str:
    """A Swedish sentence for any of Click's usage errors."""
    if isinstance(error, click.NoSuchOption):
        close = f" Menade du {', '.join(error.possibilities)}?" if error.possibilities else ""
        return f"Okänd flagga {error.option_name}.{close}"
    if isinstance(error, click.MissingParameter):
        hint = error.param.get_error_hint(error.ctx) if error.param and error.ctx else "ett värde"
        kind = "Argumentet" if isinstance(error.param, click.Argument) else "Flaggan"
        return f"{kind} {hint} saknas."
    if isinstance(error, click.BadParameter):
        hint = error.param.get_error_hint(error.ctx) if error.param and error.ctx else error.param_hint
        where = f"Ogiltigt värde för {hint}" if hint else "Ogiltigt värde"
        return f"{where}: {swedish_value_message(error.message)}"
    if isinstance(error, click.BadOptionUsage):
        if "does not take a value" in error.message:
            return f"Flaggan {error.option_name} tar inget värde."
        return f"Flaggan {error.option_name} behöver ett värde."
    message = error.message
    if match := re.match(r"Got unexpected extra arguments? \((?P<args>.*)\)", message):
        return f"Oväntat argument: {match['args']}."
    if match := re.match(r"No such command '(?P<name>.*)'\.", message):
        return f"Okänt kommando '{match['name']}'."
    return "Kommandot kunde inte tolkas. Se --help."


class SwedishGroup(click.Group):
    """A click group that prints usage errors in Swedish and exits 2, and suggests a close command name."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """Like Click's, but an unknown command is named in Swedish with the closest known one."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            hint = f" Menade du '{close[0]}'?" if close else ""
            raise click.UsageError(f"Okänt kommando '{name}'.{hint}", ctx)
        return super().resolve_command(ctx, args)

    def main(self, *args, **kwargs):
        """Run the group; Click's usage errors become Swedish ones on stderr with exit 2."""
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as error:
            error.show()
            sys.exit(EXIT_INPUT)
        except click.UsageError as error:
            text = error.message if error.message.startswith("Okänt kommando") else swedish_usage_message(error)
            command = error.ctx.command_path if error.ctx else "utskick"
            click.echo(f"Fel: {text}\nSe '{command} --help' för hjälp.", err=True)
            sys.exit(EXIT_INPUT)
        except click.ClickException as error:  # pragma: no cover - only usage errors come from Click here
            click.echo(f"Fel: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:  # Ctrl-C outside the prompt and the sending (which handle their own)
            click.echo("\nAvbrutet.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else 0)
