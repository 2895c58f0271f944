"""Ingest: sources in, content files out.

Readers of Hugging Face listings (`hf_listing`), the daily-papers API (`hf_api`) and the paper
search (`hf_search`) yield `entries.SourceEntry` records; `store` keeps every imported source
under content/sources/; `scope` scores a candidate against content/scope.yml, `themes` proposes
its themes; `importer` turns entries into paper files without losing a curator's edit;
`review` writes the curator's review sheet; `scaffold` starts a paper added by hand.
A new source is a new reader module here yielding SourceEntry records.
"""
