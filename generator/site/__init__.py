"""Site: the build pipeline around MkDocs, and the only code that writes files.

`build` runs read -> check -> render -> write and MkDocs, `output` is the one writer (content
files, docs/, the site swap), `config` reads and checks mkdocs.yml, `cache` and `freshness` make
a no-change rebuild cheap, `serve` is the live preview, `verify` checks a built site/, and
`theme/` holds the Material overrides MkDocs loads as custom_dir.
"""

from generator.site.stack import select_mkdocs

select_mkdocs()  # before any module here imports mkdocs
