"""Render: pure functions from records to text, no file access.

`pages` renders the Markdown pages of docs/ from `templates/`, `feeds` the RSS, Atom, JSON Feed
and OPML files, `exports` papers.json, its schema and BibTeX, `search` the chunked search index,
`related` the related-papers lists, `charts` the inline SVG charts, `text` untrusted text to safe
HTML or Markdown. A new feed or page type is a renderer here, written by site.output.
"""
