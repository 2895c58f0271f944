"""A static site generator for curated digests of research papers (the LLM Reasoning Digest is
the first digest made with it).

The package is laid out by stage (read -> check -> render -> write):
sources --ingest (readers, importer)--> content/papers/*.md
content/ --content (read, rules, policy)--> Paper/Theme records --render--> {path: text}
--site.output--> docs/ --MkDocs (site.build)--> site/ (swapped into place by site.output)
model.py declares the records, problems.py the `path:line: field: message` problems.
"""

__version__ = "0.1.0"  # the package's version (pyproject.toml reads it from here)
# The distribution's name (pyproject.toml): what `pip install` and `--version` name.
DISTRIBUTION = "paper-digest-generator"
