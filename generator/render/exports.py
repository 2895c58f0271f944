"""Exports for reuse: papers.json with its JSON Schema, and BibTeX for every paper and theme.

The JSON Schema is derived from the Paper declaration in model.py, like the front-matter checks,
so the export and its description cannot drift apart.
"""

from __future__ import annotations

import json
import re
import types
import typing

from generator import model
from generator.model import Paper, SiteSettings, Theme, sort_newest

# Braces become commands, not \{ and \}: BibTeX counts every brace, escaped or not, so one
# lone `}` in a title would end the field and let the rest be read as fields of its own.
BIBTEX_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}",
                   "}": r"\textbraceright{}", "&": r"\&", "%": r"\%",
                   "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                   "^": r"\textasciicircum{}"}


def _json_type(tp) -> dict:
    if tp is type(None):
        return {"type": "null"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is str:
        return {"type": "string"}
    if tp is model.dt.date:
        return {"type": "string", "format": "date"}
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_json_type(a) for a in typing.get_args(tp)]}
    if origin is list:
        return {"type": "array", "items": _json_type(typing.get_args(tp)[0])}
    raise TypeError(tp)


def render_paper_schema(settings: SiteSettings) -> str:
    """JSON Schema (2020-12) of papers.json, from the Paper declaration."""
    hints = model.field_types(Paper)
    properties = {
        "name": {"type": "string", "description": "The paper's permanent file name."},
        "url": {"type": "string", "format": "uri", "description": "The paper's page."},
    }
    for f in model.record_fields(Paper):
        properties[f.name] = {**_json_type(hints[f.name]), "description": f.metadata["doc"]}
    properties["abstract"]["description"] = "The abstract as the listing gave it."
    required = ["name", "url", "abstract"] + [
        f.name for f in model.front_matter_fields() if f.metadata.get("required")]
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{settings.site_url}papers.schema.json",
        "title": f"{settings.title}: papers",
        "type": "array",
        "items": {"type": "object", "properties": properties, "required": required,
                  "additionalProperties": False},
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def render_papers_json(papers: list[Paper], settings: SiteSettings) -> str:
    """Every paper with all of its fields, newest additions first."""
    rows = []
    for paper in sort_newest(papers):
        row = {"name": paper.name, "url": f"{settings.site_url}papers/{paper.name}/"}
        for f in model.record_fields(Paper):
            row[f.name] = getattr(paper, f.name)
        rows.append(row)
    return json.dumps(rows, indent=2, ensure_ascii=False, default=str) + "\n"


def bibtex_escape(text: str) -> str:
    """Text as a literal BibTeX field value (specials escaped, braces balanced)."""
    return re.sub(r"[\\{}&%$#_~^]", lambda m: BIBTEX_SPECIALS[m.group()], " ".join(text.split()))


def _bibtex_name(name: str) -> str:
    # BibTeX splits the author field at every " and ": a name holding one is kept whole.
    escaped = bibtex_escape(name)
    return "{" + escaped + "}" if re.search(r"\sand\s", escaped, re.IGNORECASE) else escaped


def bibtex_key(paper: Paper) -> str:
    """A citation key that never changes: the permanent file name."""
    return paper.name


def render_bibtex(paper: Paper, settings: SiteSettings) -> str:
    """One @misc entry; authors only when their names are known."""
    date = paper.published or paper.listed or paper.added
    fields = [("title", "{" + bibtex_escape(paper.title) + "}")]
    if isinstance(paper.authors, list) and paper.authors:
        fields.append(("author", " and ".join(_bibtex_name(a) for a in paper.authors)))
    fields += [("year", str(date.year)), ("month", date.strftime("%b").lower())]
    code = next((u for u in paper.links if "github.com" in u or "gitlab.com" in u), None)
    if paper.arxiv:
        fields += [("eprint", paper.arxiv), ("archivePrefix", "arXiv")]
        fields.append(("url", f"https://arxiv.org/abs/{paper.arxiv}"))
    else:
        fields.append(("url", f"{settings.site_url}papers/{paper.name}/"))
    note = "Hugging Face Daily Papers" + (f"; code: \\url{{{code}}}" if code else "")
    fields.append(("note", note))
    body = ",\n".join(f"  {key} = {{{value}}}" for key, value in fields)
    return f"@misc{{{bibtex_key(paper)},\n{body}\n}}\n"


def render_exports(papers: list[Paper], themes: list[Theme], settings: SiteSettings
                   ) -> dict[str, str]:
    """papers.json, papers.schema.json, papers.bib and themes/<id>/papers.bib."""
    newest = sort_newest(papers)
    files = {
        "papers.json": render_papers_json(papers, settings),
        "papers.schema.json": render_paper_schema(settings),
        "papers.bib": "\n".join(render_bibtex(p, settings) for p in newest),
    }
    for theme in themes:
        members = [p for p in newest if theme.id in p.themes]
        files[f"themes/{theme.id}/papers.bib"] = "\n".join(
            render_bibtex(p, settings) for p in members)
    return files
