"""Benchmark: the closest text to a mistyped quote (budget: 1 s at p95 for a 10,000-character
quote against a 1 MB text), and finding a passage again after a letter of it was changed.

A curator who pastes a quote with one wrong letter gets a form error naming the closest text
(in the admin and in bundle imports, both through `anchoring.quote_locate`). Measured on the
pure functions (no database): each case is run on quotes from several places of the text, one
letter changed in each, and their p50, p95 and maximum printed; the cases of finding 7 (a 177 KB
source, quotes of 2,500 to 8,000 characters) too. Run by `make bench`; writes
bench/results/closest.json.
"""

import random
import statistics
import string
import time

from harness import results_write

from claims_app import anchoring

BUDGET_SECONDS = 1.0
RUNS = 20


def words(size: int, seed: int) -> str:
    rng = random.Random(seed)
    vocabulary = [
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(3000)
    ]
    return " ".join(rng.choices(vocabulary, k=size // 4))[:size]


def mistyped(rng: random.Random, text: str, length: int) -> tuple[int, str]:
    start = rng.randrange(0, len(text) - length)
    quote = text[start : start + length]
    typo = rng.randrange(1, length - 1)
    return start, quote[:typo] + "#" + quote[typo + 1 :]


def measure(case, text: str, length: int, seed: int) -> dict:
    rng = random.Random(seed)
    times, right = [], 0
    for _ in range(RUNS):
        start, quote = mistyped(rng, text, length)
        started = time.perf_counter()
        found = case(text, quote, start)
        times.append(time.perf_counter() - started)
        right += found == text[start : start + length].strip()
    times.sort()
    return {
        "text_characters": len(text),
        "quote_characters": length,
        "runs": RUNS,
        "p50_seconds": round(statistics.median(times), 4),
        "p95_seconds": round(times[int(0.95 * (len(times) - 1) + 0.5)], 4),
        "max_seconds": round(times[-1], 4),
        "right": right,
    }


def closest(text: str, quote: str, start: int) -> str:
    try:
        anchoring.quote_locate(text, quote)
    except anchoring.QuoteNotFound as error:
        return error.closest
    raise AssertionError("a mistyped quote was found")


def reanchored(text: str, quote: str, start: int) -> str:
    """A passage of `text` at `start` whose words were then edited into `quote` (one letter
    changed), and a letter just before it too, so that its old context no longer holds it:
    the words now where it is found again (substitutions keep the offsets of `text`)."""
    end = start + len(quote)
    edited = text[: max(0, start - 10)] + "#" + text[max(0, start - 9) : start] + quote + text[end:]
    anchor = anchoring.passage_reanchor(
        edited,
        quote=text[start:end],
        prefix=anchoring.context_before(text, start),
        suffix=anchoring.context_after(text, end),
        start=start,
        end=end,
    )
    return text[anchor.span.start : anchor.span.end].strip()


def unlike(text: str, quote: str, start: int) -> str:
    """A quote of other words (the worst case: nothing to find): right when nothing is named."""
    closest_found = closest(text, words(len(quote), start), start)
    return text[start : start + len(quote)].strip() if closest_found == "" else closest_found


def main() -> None:
    megabyte, finding = words(1_000_000, 7), words(177_000, 8)
    cases = [("closest text", closest, megabyte, 10_000)]
    cases += [("closest text", closest, finding, n) for n in (2_500, 4_500, 8_000)]
    cases += [("passage found again", reanchored, megabyte, 10_000)]
    cases += [("nothing close", unlike, megabyte, 10_000)]
    results = []
    print(f"a quote with one wrong letter, {RUNS} quotes a case (budget p95 {BUDGET_SECONDS} s)")
    for name, case, text, length in cases:
        result = {"case": name, **measure(case, text, length, seed=length)}
        results.append(result)
        print(
            f"  {name:20} {length:6,}-character quote, {len(text) // 1000:5} KB text: "
            f"p50 {result['p50_seconds']:.3f} s  p95 {result['p95_seconds']:.3f} s  "
            f"max {result['max_seconds']:.3f} s  right {result['right']}/{RUNS}"
        )
    headline = results[0]
    print(
        f"  10,000 characters in 1 MB: p95 {headline['p95_seconds']:.3f} s "
        f"({headline['p95_seconds'] / BUDGET_SECONDS:.0%} of the budget)"
    )
    results_write("closest", {"budget_seconds": BUDGET_SECONDS, "cases": results})
    if headline["p95_seconds"] > BUDGET_SECONDS:
        raise SystemExit("over budget")


if __name__ == "__main__":
    main()
