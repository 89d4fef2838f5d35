"""The block reader lives with the other pure text helpers; documents keep importing it from here."""

from consult.text.blocks import Block, ListBlock, ListItem, Paragraph, Run, read_blocks

__all__ = ["Block", "ListBlock", "ListItem", "Paragraph", "Run", "read_blocks"]
