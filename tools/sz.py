"""Lines of code per package, the op count, and a budget that fails CI when exceeded."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 700  # a module longer than this wants splitting by family
MAX_TOTAL_LINES = 60_000


def count(path: Path) -> int:
    return sum(
        1
        for line in path.read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    )


def main() -> int:
    total, too_long = 0, []
    for pkg in sorted(ROOT.glob("*/ember-*/src")):
        files = sorted(pkg.rglob("*.py"))
        lines = [count(f) for f in files]
        total += sum(lines)
        too_long += [(f, n) for f, n in zip(files, lines) if n > MAX_MODULE_LINES]
        print(f"{pkg.parent.name:24s} {sum(lines):7d} lines in {len(files)} modules")
    try:
        sys.path.insert(0, str(ROOT / "packages" / "ember-core" / "src"))
        from ember._ops import OPS

        print(f"{'ops declared':24s} {len(OPS):7d}")
    except ImportError as e:  # numpy missing in the lint environment
        print(f"op count unavailable: {e}")
    print(f"{'total':24s} {total:7d} (budget {MAX_TOTAL_LINES})")
    for f, n in too_long:
        print(f"too long: {f.relative_to(ROOT)} has {n} lines (max {MAX_MODULE_LINES})")
    return 1 if total > MAX_TOTAL_LINES or too_long else 0


if __name__ == "__main__":
    sys.exit(main())
