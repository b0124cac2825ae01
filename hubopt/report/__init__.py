"""The self-contained HTML report: text, figures, page."""
