"""The stylesheets parse: every block is closed (a lost brace swallows every rule after it)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHEETS = sorted((ROOT / "static" / "css").rglob("*.css"))


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda p: p.name)
def test_every_block_is_closed(sheet):
    depth, line_of = 0, []
    text = sheet.read_text(encoding="utf-8")
    in_comment = False
    for number, line in enumerate(text.splitlines(), start=1):
        i = 0
        while i < len(line):
            pair = line[i : i + 2]
            if in_comment:
                if pair == "*/":
                    in_comment, i = False, i + 2
                    continue
            elif pair == "/*":
                in_comment, i = True, i + 2
                continue
            elif line[i] == "{":
                depth += 1
                line_of.append(number)
            elif line[i] == "}":
                assert depth > 0, f"{sheet.name}:{number}: '}}' closes nothing"
                depth -= 1
                line_of.pop()
            i += 1
    assert depth == 0, f"{sheet.name}: blocks opened at lines {line_of} are never closed"
