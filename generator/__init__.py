"""A static site generator for curated digests of research papers (the LLM Reasoning Digest is
the first digest made with it).

Pipeline (read -> model -> render -> write):
listings --ingest.hf_listing--> records --ingest.importer--> content/papers/*.md
content/ --content--> Paper/Theme records --render--> {path: text}
--site.output--> docs/ --MkDocs--> site/ (swapped into place by output)
"""

__version__ = "0.1.0"  # the package's version (pyproject.toml reads it from here)
# The distribution's name (pyproject.toml): what `pip install` and `--version` name.
DISTRIBUTION = "paper-digest-generator"
