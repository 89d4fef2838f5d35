"""Pure text functions: no Flask, no database. Markdown to safe HTML, diffs, merges."""
