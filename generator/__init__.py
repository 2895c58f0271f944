"""LLM Reasoning Digest: a static site generator for a curated digest of research papers.

The package is laid out by stage (read -> check -> render -> write):
sources --ingest (readers, importer)--> content/papers/*.md
content/ --content (read, rules, policy)--> Paper/Theme records --render--> {path: text}
--site.output--> docs/ --MkDocs (site.build)--> site/ (swapped into place by site.output)
model.py declares the records, problems.py the `path:line: field: message` problems.
"""
