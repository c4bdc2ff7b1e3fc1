"""A section of the benchmark results as markdown: its tables, then its notes.

``python -m benchmarks.run_benchmarks`` prints every section this way and
writes it into ``results.md``; ``python -m scripts.build_notebooks`` writes
the sections that an episode shows into its ``benchmark-SECTION`` blocks.
"""


def section_text(section):
    """A section's tables, as markdown, and its notes, one paragraph each: a list of lines."""
    lines = []
    for table in section["tables"]:
        lines += ["| " + " | ".join(table["columns"]) + " |", "|" + " --- |" * len(table["columns"])]
        lines += ["| " + " | ".join(row) + " |" for row in table["rows"]]
        lines.append("")
    for note in section["notes"]:
        lines += [note, ""]
    return lines
