"""Developer checks that need the package: `python -m gangting.devtools drift`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from gangting.kernel.db import make_engine
from gangting.migrate import check_drift, upgrade


def drift() -> None:
    """Fail when the models and the migrations disagree (alembic check on a fresh SQLite)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'drift.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        check_drift(url)
    print("models and migrations agree")


if __name__ == "__main__":
    if sys.argv[1:] != ["drift"]:
        sys.exit("usage: python -m gangting.devtools drift")
    drift()
