"""Differential test of our DRF3 parser against the reference parser (pacsys 0.3.0).

Mutates the ASCII inputs of the golden corpus (seeded, so every run is the same), asks the
reference parser and helpers for the expected outcome of each mutant, and writes the cases in
the corpus schema (../shared/vectors/drf/README.md). `cargo xtask interop` then runs our
`drf_conformance` example over the file, so every disagreement is printed as a mismatch.

    python drf_differential.py CORPUS_JSON OUT_JSON [SEED] [COUNT]
"""

import json
import random
import sys

from pacsys.drf3 import parse_request
from pacsys.drf3.range import ARRAY_RANGE
from pacsys.drf_utils import ensure_immediate_event, prepare_for_write

# Pieces mutations splice in: delimiters, digits, letters that matter to the grammar, and
# whole tokens.
ALPHABET = list(".[]{}@<-:,=!*<>_|&$~^#?0123456789 \n\tAaEePpQqSsIiNnUuHhKkMmTtFfXx") + [
    "RAW", "READING", "SETTING", "STATUS", "FTP", "LOGGER:1", "p,1000", "e,0F,h,5",
    "S,A,1,2,=", "[0:3]", "{1:2}", ".ON", ".MIN", "@", "<-",
]

# Edge cases around length and the single final line feed (spec section 2).
FIXED = ["", "ab", "abc", "a\n", "abc\n", "M:A\n\n", "M:A@\n", "M:OUTTMP{}\n", "M:OUTTMP{abc}\n"]


def category(error):
    """Maps a reference error message to the corpus's error category (spec section 11)."""
    m = str(error)
    if m.startswith("Invalid drf"):
        return "extra_repeated"
    if m.startswith("Invalid extra"):
        return "extra"
    if m.startswith("Invalid ACNET DRF"):
        return "acnet_syntax"
    if "is not a valid DRF2 device" in m:
        return "syntax"
    if "is not a property" in m:
        return "property"
    if m.startswith("Bad range") or "array range" in m or "offset" in m or "length" in m:
        return "range"
    if m.startswith("Unrecognized field"):
        return "field"
    if "not allowed for" in m:
        return "field_not_allowed"
    if m.startswith("Bad time-freq"):
        return "time_freq"
    return "event"


def big(n):
    """Integers above 2^53-1 are written as decimal strings (corpus convention)."""
    return n if n <= 2**53 - 1 else str(n)


def attempt(fn, *args):
    try:
        return fn(*args)
    except ValueError:
        return None


def case(text):
    d = dict(input=text, ok=False, canonical=None, device=None, property=None, range=None,
             field=None, event=None, extra=None, error=None, for_write=None, immediate=None,
             acnet=None, qualified=None, event_info=None, extra_name=None, epics_fields=None)
    try:
        r = parse_request(text)
    except ValueError as e:
        d["error"] = category(e)
        return d
    d.update(ok=True, canonical=r.to_canonical(), device=r.device, property=r.property.name,
             field=r.field.name if r.field else None, acnet=r.is_acnet)
    rg = r.range
    if rg is not None:
        if isinstance(rg, ARRAY_RANGE):
            d["range"] = dict(kind="array", mode=rg.mode, low=rg.low, high=rg.high, text=str(rg))
        else:
            d["range"] = dict(kind="byte", mode=rg.mode, offset=rg.offset, length=rg.length,
                              text=str(rg))
    ev = r.event
    d["event"] = ev.raw_string
    info = dict(mode=ev.mode)
    if ev.mode in "PQ":
        info.update(continuous=ev.cont, immediate=ev.imm, period_ms=ev.freq)
    if ev.mode == "E":
        info.update(event_number=big(ev.evt), clock_type=ev.clock_type, delay_ms=ev.delay)
    if ev.mode == "S":
        info.update(device=ev.device, value=big(ev.value), delay_ms=ev.delay,
                    expression=ev.expression)
    d["event_info"] = info
    d["extra"] = r.extra_raw if r.extra else None
    d["extra_name"] = r.extra.name if r.extra else None
    d["epics_fields"] = list(r.epics_fields) if not r.is_acnet else None
    d["for_write"] = attempt(prepare_for_write, text)
    d["immediate"] = attempt(ensure_immediate_event, text)
    d["qualified"] = attempt(r.to_qualified)
    return d


def mutate(rng, corpus):
    s = rng.choice(corpus)
    for _ in range(rng.randint(1, 3)):
        op = rng.randint(0, 3)
        i = rng.randint(0, len(s))
        t = rng.choice(ALPHABET)
        if op == 0:
            s = s[:i] + t + s[i:]
        elif op == 1 and s:
            s = s[:i] + t + s[i + 1:]
        elif op == 2 and s:
            s = s[:i] + s[i + 1:]
        else:
            other = rng.choice(corpus)
            s = s[:i] + other[rng.randint(0, len(other)):]
    return s


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    seed = int(argv[3]) if len(argv) > 3 else 1
    count = int(argv[4]) if len(argv) > 4 else 20000
    with open(argv[1], encoding="utf-8") as f:
        corpus = [c["input"] for c in json.load(f) if c["input"].isascii()]
    rng = random.Random(seed)
    cases = [case(mutate(rng, corpus)) for _ in range(count)] + [case(s) for s in FIXED]
    with open(argv[2], "w", encoding="utf-8") as f:
        json.dump(cases, f)
    accepted = sum(1 for c in cases if c["ok"])
    print(f"drf differential: {len(cases)} cases from seed {seed} ({accepted} accepted)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
