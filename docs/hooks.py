"""MkDocs hooks (mkdocs.yml, ``hooks``): what the documentation takes from the project at build time.

* ``configuration.md``'s marker ``<!-- config-reference -->`` becomes ``fatenet.schema.reference_markdown()``,
  the reference generated from the settings' own metadata, so the page cannot go stale.
* The figures below are served from where the benchmarks write them (``benchmarks/``), not copied into docs/.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File

MARKER = "<!-- config-reference -->"
ROOT = Path(__file__).resolve().parent.parent
FIGURES = {"figures/atlas.png": ROOT / "benchmarks" / "atlas" / "atlas.png",
           "figures/scaling.png": ROOT / "benchmarks" / "scaling" / "scaling.png"}


def on_files(files, config):
    for uri, path in FIGURES.items():
        files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri != "configuration.md":
        return markdown
    if MARKER not in markdown:
        raise ValueError(f"configuration.md lost its marker {MARKER}")
    from fatenet.schema import reference_markdown

    return markdown.replace(MARKER, reference_markdown())
