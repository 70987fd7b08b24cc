"""Fault injection (`PUT /__qa__/faults`): random 500s, latency, latency spikes (`spike_rate` of the requests wait
`spike_ms` more), a shorter session timeout, lost Skicka answers, and the clock Mottagningens ärenden shows
(`clock_zone`, `clock_offset_s`, `clock_no_year`: see `mock_personalverktyg.clock`)."""

from __future__ import annotations

import random
import threading

from mock_personalverktyg.clock import CLOCK_KEYS, ShownClock, validate_clock

KEYS = (
    "error_rate",
    "latency_ms",
    "spike_rate",
    "spike_ms",
    "session_timeout_s",
    "drop_after_send_rate",
    "seed",
    *CLOCK_KEYS,
)


def _rate(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{name} måste vara ett tal mellan 0 och 1")
    return float(value)


def validate(raw: dict) -> dict:
    """Check a faults body and return it normalised; raises ValueError with the reason."""
    if not isinstance(raw, dict):
        raise ValueError("kroppen måste vara ett JSON-objekt")
    unknown = set(raw) - set(KEYS)
    if unknown:
        raise ValueError(f"okända fält: {sorted(unknown)}")
    clean: dict = {}
    for name in ("error_rate", "drop_after_send_rate", "spike_rate"):
        if raw.get(name) is not None:
            clean[name] = _rate(raw[name], name)
    if raw.get("latency_ms") is not None:
        span = raw["latency_ms"]
        if (
            not isinstance(span, list | tuple)
            or len(span) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in span)
            or span[0] > span[1]
        ):
            raise ValueError("latency_ms måste vara [min, max] i millisekunder")
        clean["latency_ms"] = [span[0], span[1]]
    if raw.get("spike_ms") is not None:
        spike = raw["spike_ms"]
        if isinstance(spike, bool) or not isinstance(spike, int | float) or spike < 0:
            raise ValueError("spike_ms måste vara ett tal ≥ 0 (millisekunder)")
        clean["spike_ms"] = spike
    if ("spike_rate" in clean) != ("spike_ms" in clean):
        raise ValueError("spike_rate och spike_ms anges tillsammans")
    if raw.get("session_timeout_s") is not None:
        timeout = raw["session_timeout_s"]
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ValueError("session_timeout_s måste vara ett positivt tal")
        clean["session_timeout_s"] = timeout
    if raw.get("seed") is not None:
        if isinstance(raw["seed"], bool) or not isinstance(raw["seed"], int):
            raise ValueError("seed måste vara ett heltal")
        clean["seed"] = raw["seed"]
    clean.update(validate_clock(raw))
    return clean


class Faults:
    """The active faults and their own seedable random source."""

    def __init__(self, raw: dict) -> None:
        self.settings = validate(raw)
        self._random = random.Random(self.settings.get("seed"))
        self._lock = threading.Lock()
        self.clock = ShownClock.from_settings(self.settings)

    def as_json(self) -> dict:
        """The faults as `GET /__qa__/faults` shows them."""
        return dict(self.settings)

    def roll(self, name: str) -> bool:
        """True with the probability the rate `name` gives (never when unset)."""
        rate = self.settings.get(name, 0.0)
        if rate <= 0:
            return False
        with self._lock:
            return self._random.random() < rate

    def latency_s(self) -> float:
        """Seconds to sleep before answering (latency plus a spike now and then), 0 when none is set."""
        span = self.settings.get("latency_ms")
        delay = 0.0
        if span:
            with self._lock:
                delay = self._random.uniform(span[0], span[1]) / 1000
        if self.roll("spike_rate"):
            delay += self.settings["spike_ms"] / 1000
        return delay

    def session_timeout_s(self, default: float) -> float:
        """The inactivity timeout, overridden when the fault is set."""
        return self.settings.get("session_timeout_s", default)
