"""Serve the mock: `python -m mock_personalverktyg [--host H] [--port P] [--seed PATH] [--check-delay-ms N]
[--session-timeout-s N] [--faults JSON] [--clock-zone ZONE] [--clock-offset-s N] [--clock-no-year]
[--skin classic|spa] [--portal] [--production]`."""

from __future__ import annotations

import argparse
import json
import sys

from werkzeug.serving import make_server

from mock_personalverktyg import SKINS, create_app
from mock_personalverktyg.faults import validate
from mock_personalverktyg.seed import SeedError

QA_WARNING = (
    "VARNING: QA-API:t (/__qa__/) är på. Den som når porten kan utan inloggning läsa alla skickade ärenden med "
    "personnummer, ändra invånare och slå på fel. Använd bara för tester; starta med --production annars."
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m mock_personalverktyg", description="Personalverktyget (mock)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5077, help="0 väljer en ledig port")
    parser.add_argument("--seed", default=None, help="en annan seed-fil (TOML)")
    parser.add_argument("--check-delay-ms", type=int, default=300, help="fördröjning för mottagarkontrollen")
    parser.add_argument("--session-timeout-s", type=float, default=1800, help="inaktivitet innan sessionen går ut")
    parser.add_argument("--faults", default=None, help="JSON, t.ex. '{\"error_rate\": 0.05}'")
    parser.add_argument("--clock-zone", default=None, help="tidszonen Skickat visas i, t.ex. UTC (annars svensk tid)")
    parser.add_argument(
        "--clock-offset-s", type=float, default=None, help="sekunder klockan går före (negativt: efter)"
    )
    parser.add_argument("--clock-no-year", action="store_true", help="visa Skickat utan årtal")
    parser.add_argument(
        "--skin",
        choices=SKINS,
        default="classic",
        help="classic: serverrenderade sidor; spa: en klientrenderad sida med annan DOM; modern: ett "
        "komponentbibliotek med andra interaktioner (under /ui/)",
    )
    parser.add_argument(
        "--portal", action="store_true", help="visa också /portal/: verktyget i en iframe på en portalsida"
    )
    parser.add_argument("--production", action="store_true", help="stäng av QA-API:t (/__qa__/)")
    return parser.parse_args(argv)


def _clock(args: argparse.Namespace) -> dict:
    """The clock options as faults settings (set only those given)."""
    given = {"clock_zone": args.clock_zone, "clock_offset_s": args.clock_offset_s, "clock_no_year": args.clock_no_year}
    return {key: value for key, value in given.items() if value not in (None, False)}


def main(argv: list[str] | None = None) -> int:
    """Build the app from the options and serve it until interrupted."""
    args = parse_args(argv)
    try:
        faults = validate({**(json.loads(args.faults) if args.faults else {}), **_clock(args)}) or None
    except (ValueError, json.JSONDecodeError) as err:
        print(f"Ogiltigt värde för --faults: {err}", file=sys.stderr)
        return 2
    try:
        app = create_app(
            {
                "QA_ENABLED": not args.production,
                "CHECK_DELAY_MS": args.check_delay_ms,
                "SESSION_TIMEOUT_S": args.session_timeout_s,
                "SEED_PATH": args.seed,
                "FAULTS": faults,
                "SKIN": args.skin,
                "PORTAL": args.portal,
            }
        )
    except SeedError as err:
        print(f"Fel i seed-filen: {err}", file=sys.stderr)
        return 2
    server = make_server(args.host, args.port, app, threaded=True)
    if not args.production:  # before the address, so whoever reads the address has seen the warning
        print(QA_WARNING, file=sys.stderr, flush=True)
    print(f"Personalverktyget (mock) körs på http://{args.host}:{server.server_port}", flush=True)
    users = ", ".join(sorted(app.extensions["personalverktyg"].seed.users))
    print(f"Inloggning: HSA-id {users}, lösenord utskick-demo", flush=True)
    if args.skin == "spa":
        print("Utseende: spa (en klientrenderad sida under /app/, inloggningen är ett serverformulär)", flush=True)
    elif args.skin == "modern":
        print("Utseende: modern (komponentbibliotek under /ui/, inloggningen är ett serverformulär)", flush=True)
    if args.portal:
        print(f"Portal: http://{args.host}:{server.server_port}/portal/ (verktyget i en iframe)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
