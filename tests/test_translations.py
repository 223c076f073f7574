"""Chinese first: every string the UI shows has its zh_CN translation, compiled."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "eventsys" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
METHODS = [
    ("eventsys/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_a_chinese_translation():
    with open(CATALOG / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and (m.string if isinstance(m.string, str) else m.string[0])
    }
    missing = sorted(source_messages() - translated)
    assert not missing, "untranslated (run pybabel extract/update, translate, compile):\n" + (
        "\n".join(missing[:30])
    )


def test_compiled_catalogue_matches_the_po_file():
    def entries(catalog):
        # plural messages have tuple ids and list translations
        return {
            (tuple(m.id) if isinstance(m.id, list | tuple) else m.id): (
                tuple(m.string) if isinstance(m.string, list | tuple) else m.string
            )
            for m in catalog
            if m.id and not m.fuzzy
        }

    with open(CATALOG / "messages.po", "rb") as handle:
        po = entries(read_po(handle))
    with open(CATALOG / "messages.mo", "rb") as handle:
        mo = entries(read_mo(handle))
    assert po == mo, "messages.mo is stale: run pybabel compile -d eventsys/translations"
