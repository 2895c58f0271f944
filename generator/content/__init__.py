"""Content: reading content/ into records and checking them.

`frontmatter` parses a Markdown file's YAML front matter with file line numbers, `read` loads
papers, themes and the digest's files into a `read.Content`, `rules` holds the checks beyond
the types model.py declares, `policy` the digest's own rules over its whole content
(content/checks.yml), `rejections` reads and checks content/rejected.yml.
A new check goes in `rules` (one record) or `read` (across records); a rule a digest may
choose to apply is a field of `model.Checks`, applied in `policy`.
"""
