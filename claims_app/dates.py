"""Partial dates: "2018", "2018-12" or "2018-12-06", stored as a date plus its precision."""

from __future__ import annotations

import datetime
import re

YEAR, MONTH, DAY = "year", "month", "day"
PRECISIONS = [(YEAR, "year"), (MONTH, "month"), (DAY, "day")]

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def partial_date_parse(value: str) -> tuple[datetime.date, str]:
    """Parse "YYYY", "YYYY-MM" or "YYYY-MM-DD" into (first day it stands for, precision).

    Raises ValueError with a readable reason for anything else.
    """
    match = _PATTERN.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"“{value}” is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    try:
        date = datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError as error:
        raise ValueError(f"“{value}” is not a real date ({error})") from None
    precision = DAY if day else MONTH if month else YEAR
    return date, precision


def partial_date_format(date: datetime.date | None, precision: str) -> str:
    """The ISO form of a partial date at its precision: "2018", "2018-12", "2018-12-06"."""
    if date is None:
        return ""
    if precision == YEAR:
        return f"{date.year:04d}"
    if precision == MONTH:
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat()


def partial_date_display(date: datetime.date | None, precision: str) -> str:
    """A reader's form: "2018", "December 2018", "6 December 2018"."""
    if date is None:
        return ""
    if precision == YEAR:
        return str(date.year)
    if precision == MONTH:
        return f"{date:%B} {date.year}"
    return f"{date.day} {date:%B} {date.year}"
