"""What a text means to the search, in plain Python (no Flask, no database): its words, accents
folded, stop words left out, each stemmed in the text's own language — the way PostgreSQL's
consult_english / consult_french / consult_spanish configurations (unaccent, then the Snowball
stemmer of the language) read it, so that both backends find the same things.

The same analysis marks the words of an excerpt that a query found (highlight()), whatever the
backend, so excerpts read the same on SQLite and PostgreSQL."""

import functools
import re
import unicodedata

import snowballstemmer
from markupsafe import Markup, escape

from consult.search import stopwords

LANGUAGES = {"en": "english", "fr": "french", "es": "spanish"}
STOP = {"en": stopwords.ENGLISH, "fr": stopwords.FRENCH, "es": stopwords.SPANISH}

# A word: letters and digits, nothing else. Everything between words (hyphens, apostrophes, quotes,
# operators of any query syntax) is a separator, on both backends: the text is handed to PostgreSQL
# as these words joined by spaces, so its parser sees only plain words too.
WORD = re.compile(r"[^\W_]+")
MAX_WORD = 100  # longer runs are not words a person searches for

# What canonical decomposition (NFD) leaves whole but unaccent folds. NFD, not NFKD: unaccent keeps "º", "²"…
_FOLD = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l",
                       "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i"})


@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Accents off and lower case: "Démocrática" → "democratica"."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFD", word.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@functools.cache
def _stemmer(locale: str):
    return snowballstemmer.stemmer(LANGUAGES[locale])


@functools.lru_cache(maxsize=262144)
def lexeme(word: str, locale: str) -> str | None:
    """The form a word is indexed and searched under in `locale`, or None for a stop word."""
    folded = fold(word)
    if any(ch.isdigit() for ch in folded):
        return folded  # numbers and codes ("2011", "covid19") as they are, as PostgreSQL's "simple"
    if folded in STOP[locale]:
        return None
    return _stemmer(locale).stemWord(folded)


def words(text: str) -> list[str]:
    return [w for w in WORD.findall(text) if len(w) <= MAX_WORD]


def plain(text: str) -> str:
    """The text as its words joined by spaces: what PostgreSQL's configuration is given."""
    return " ".join(words(text))


def lexemes(text: str, locale: str) -> list[str]:
    """The indexed form of a text written in `locale` (what SQLite's full-text table holds)."""
    return [lx for w in words(text) if (lx := lexeme(w, locale))]


def query_lexemes(query: str, locale: str) -> list[str]:
    """A query as it is matched against texts in `locale`: all its words (stop words aside) must be
    there. Distinct, in order."""
    return list(dict.fromkeys(lexemes(query, locale)))


# --- excerpts ----------------------------------------------------------------------------------

EXCERPT_WORDS = 40


def _best_window(spans: list, hits: list[int], locale: str, size: int) -> int:
    """Where the excerpt is centred: the hit after which the most of the query's different words are found
    within the excerpt's length (the first such); 0 without hits."""
    if not hits:
        return 0
    hits = hits[:200]
    found = [lexeme(spans[i][2], locale) for i in hits]
    best, best_count = hits[0], 0
    for n, anchor in enumerate(hits):
        count = len({found[m] for m in range(n, len(hits)) if hits[m] < anchor + size * 3 // 4})
        if count > best_count:
            best, best_count = anchor, count
    return best


def highlight(text: str, locale: str, query: str, *, size: int = EXCERPT_WORDS) -> Markup:
    """An excerpt of `text` (plain text) around the first words the query found, those words in
    <mark>. Escaped: safe to show."""
    text = " ".join(text.split())
    wanted = set(query_lexemes(query, locale))
    spans = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
    hits = [i for i, (_s, _e, w) in enumerate(spans) if wanted and lexeme(w, locale) in wanted]
    if not spans:
        return Markup("")
    first = max(0, _best_window(spans, hits, locale, size) - size // 4)
    last = min(len(spans), first + size)
    first = max(0, min(first, last - size))
    # The whole text's start and end when the excerpt reaches them: its punctuation with it.
    start = 0 if first == 0 else spans[first][0]
    end = len(text) if last == len(spans) else spans[last - 1][1]
    marked = set(hits)
    out, position = [], start
    for i in range(first, last):
        s, e, w = spans[i]
        out.append(escape(text[position:s]))
        out.append(Markup("<mark>%s</mark>") % w if i in marked else escape(w))
        position = e
    out.append(escape(text[position:end]))
    excerpt = Markup("").join(out)
    before = "… " if start > 0 else ""
    after = " …" if end < len(text) else ""
    return Markup(before) + excerpt + Markup(after)
