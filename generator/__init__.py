"""LLM Reasoning Digest: a static site generator for a curated digest of research papers.

Pipeline (read -> model -> render -> write):
listings --sources.hf_listing--> records --importer--> content/papers/*.md
content/ --content--> Paper/Theme records --pages, feeds--> {path: text}
--output--> docs/ --MkDocs--> site/ (swapped into place by output)
"""
