"""Recognising article headings as they are written in real charters, in en/fr/es, and reading
their numbers by value: `Article I`, `Art. 1`, `Article premier` and `1.` are all the first."""

import re
import unicodedata

_ARTICLE = re.compile(
    r"""^(?:article|art\.?|artículo|articulo)\s+
        (?P<num>\d+(?:\.?[ºª°]|ère|er|re|ème|e)?|[^\W\d_]+)(?!\w)
        \s*[.:)\-–—]?\s*(?P<title>.*)$""",
    re.IGNORECASE | re.VERBOSE,
)
# "A. Objective", "B) Scope"; a single capital letter, so "I. Title" is read as a Roman one.
_LETTERED = re.compile(r"^(?P<num>[A-Z]|[IVXLC]+)\s*[.)\-–—]\s+(?P<title>.+)$")
# "1. Right to the city": an article only where the heading is known to be one (its level).
_BARE_NUMBER = re.compile(r"^(?P<num>\d+)\s*[.)\-–—]\s*(?P<title>.*)$")
_ROMAN = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _words(*spellings: str) -> dict[str, int]:
    """{word: value} from "one two …" lists, one list per way of counting, accents left out."""
    return {word: value for words in spellings for value, word in enumerate(words.split(), start=1)}


# Numbers written as words, as far as a charter's articles go: cardinals and ordinals, 1–12.
_NUMBER_WORDS = _words(
    "one two three four five six seven eight nine ten eleven twelve",
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth",
    "un deux trois quatre cinq six sept huit neuf dix onze douze",
    "une",
    "premier deuxieme troisieme quatrieme cinquieme sixieme septieme huitieme neuvieme dixieme onzieme douzieme",
    "premiere seconde",
    "uno dos tres cuatro cinco seis siete ocho nueve diez once doce",
    "una",
    "primero segundo tercero cuarto quinto sexto septimo octavo noveno decimo undecimo duodecimo",
    "primera segunda tercera cuarta quinta sexta septima octava novena decima undecima duodecima",
    "primer",
)


def parse_article_heading(text: str, *, article_level: bool = False) -> tuple[str, str, str]:
    """Split a heading into (number label, title, numbering). Unnumbered: ("", heading, "").

    The label is kept as the draft printed it (Roman or Arabic), except a number written as a
    word, which becomes its figure: a version has one label for all its languages. With
    `article_level` (a heading at the articles' level), "1. Title" is an article too."""
    text = " ".join(text.split())
    match = _ARTICLE.match(text)
    if match and (label := _article_label(match["num"])):
        return label, match["title"].strip(" .:-–—"), "article"
    match = _LETTERED.match(text)
    if match:
        return match["num"], match["title"].strip(), "point"
    match = _BARE_NUMBER.match(text) if article_level else None
    if match:
        return match["num"], match["title"].strip(" .:-–—"), "article"
    return "", text, ""


def _article_label(number: str) -> str:
    """"I", "12" (from "12", "12º", "1er"), "1" (from "premier"); "" for a word that is no number."""
    if number[0].isdigit():
        return re.match(r"\d+", number)[0]
    if _ROMAN.match(number.upper()):
        return number.upper()
    value = _NUMBER_WORDS.get(_plain(number))
    return str(value) if value else ""


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))


def number_value(label: str) -> int | None:
    """The value of one label, read alone: Arabic, a number word, Roman, then a letter."""
    upper = label.strip().upper()
    if upper.isdigit():
        return int(upper)
    if value := _NUMBER_WORDS.get(_plain(label.strip())):
        return value
    if upper and _ROMAN.match(upper):
        return _roman_value(upper)
    if len(upper) == 1 and "A" <= upper <= "Z":
        return ord(upper) - ord("A") + 1
    return None


def number_values(labels: list[str]) -> list[int | None]:
    """The values of the labels of one sequence. "C" or "I" may be a letter or a Roman numeral:
    when the whole sequence can be read both ways, the reading that runs without a gap wins,
    else the one that starts lower (a lone "I" is one, a lone "C" is three)."""
    upper = [label.strip().upper() for label in labels]
    readings = []
    if upper and all(len(n) == 1 and "A" <= n <= "Z" for n in upper):
        readings.append([ord(n) - ord("A") + 1 for n in upper])
    if upper and all(n and _ROMAN.match(n) for n in upper):
        readings.append([_roman_value(n) for n in upper])
    if readings:
        return min(readings, key=lambda values: (not _consecutive(values), values[0]))
    return [number_value(label) for label in labels]


def _consecutive(values: list[int | None]) -> bool:
    return all(a is not None and b == a + 1 for a, b in zip(values, values[1:]))


def _roman_value(numeral: str) -> int:
    values = [_ROMAN_VALUES[char] for char in numeral]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
