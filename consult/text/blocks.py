"""An article body (Markdown) as plain blocks: paragraphs, lists and runs of bold or italic text.

Word and Akoma Ntoso need these shapes, not markup, and a redline compares them rather than
Markdown source; this reads the Markdown once, with the same parser the site uses.
"""

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False})
_LETTER = re.compile(r"^([a-z]\))\s+")


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Paragraph:
    runs: list[Run]
    heading: bool = False  # a heading inside a body: its runs are bold

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass
class ListItem:
    marker: str  # "1.", "•": what the item starts with when printed
    blocks: list["Paragraph | ListBlock"] = field(default_factory=list)


@dataclass
class ListBlock:
    ordered: bool
    items: list[ListItem] = field(default_factory=list)


Block = Paragraph | ListBlock


def read_blocks(markdown: str) -> list[Block]:
    """Paragraphs and (nested) lists; headings inside a body become bold paragraphs."""
    tokens = _md.parse(markdown or "")
    blocks, _ = _read(tokens, 0, closing=None)
    return blocks


def _read(tokens, index: int, closing: str | None) -> tuple[list[Block], int]:
    blocks: list[Block] = []
    while index < len(tokens):
        token = tokens[index]
        if token.type == closing:
            return blocks, index + 1
        if token.type in ("paragraph_open", "heading_open"):
            inline = tokens[index + 1]
            runs = _runs(inline.children or [])
            if token.type == "heading_open":
                runs = [Run(r.text, True, r.italic) for r in runs]
            blocks.append(Paragraph(runs, heading=token.type == "heading_open"))
            index += 3
        elif token.type in ("ordered_list_open", "bullet_list_open"):
            ordered = token.type == "ordered_list_open"
            start = int(token.attrGet("start") or 1) if ordered else 1
            block = ListBlock(ordered)
            index += 1
            close = token.type.replace("_open", "_close")
            while tokens[index].type != close:
                marker = f"{start + len(block.items)}." if ordered else "•"
                item_blocks, index = _read(tokens, index + 1, closing="list_item_close")
                block.items.append(ListItem(_lettered(item_blocks) or marker, item_blocks))
            blocks.append(block)
            index += 1
        elif token.type in ("fence", "code_block"):
            blocks.append(Paragraph([Run(token.content.rstrip("\n"))]))
            index += 1
        elif token.type in ("blockquote_open", "blockquote_close", "hr"):
            index += 1
        else:
            index += 1
    return blocks, index


def _lettered(blocks: list[Block]) -> str:
    """Charters write lettered points as "- a) text"; the letter is then the item's marker."""
    first = blocks[0] if blocks else None
    if isinstance(first, Paragraph) and first.runs:
        match = _LETTER.match(first.runs[0].text)
        if match:
            first.runs[0].text = first.runs[0].text[match.end():]
            return match[1]
    return ""


def _runs(children) -> list[Run]:
    runs: list[Run] = []
    bold = italic = 0
    for child in children:
        if child.type == "strong_open":
            bold += 1
        elif child.type == "strong_close":
            bold -= 1
        elif child.type == "em_open":
            italic += 1
        elif child.type == "em_close":
            italic -= 1
        elif child.type in ("text", "code_inline"):
            if runs and (runs[-1].bold, runs[-1].italic) == (bool(bold), bool(italic)):
                runs[-1].text += child.content
            else:
                runs.append(Run(child.content, bool(bold), bool(italic)))
        elif child.type in ("softbreak", "hardbreak"):
            if runs:
                runs[-1].text += " " if child.type == "softbreak" else "\n"
    return [run for run in runs if run.text]
