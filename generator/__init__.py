"""explainer: a static-site generator for news explainers.

The build is a pipeline of small stages, each in its own module:

    load      files -> Raw* (front matter + body, every YAML node with its position)
    validate  Raw* -> model objects (types, required and unknown keys, ids, dates)
    resolve   model objects -> Site (cross references, @id links, the project index)
    plan      Site -> OutputJob list (each file's path, fingerprint, how to make it)
    render    OutputJob -> RenderedFile (Jinja pages, feed, sitemap, JSON)
    write     RenderedFile list -> staging directory -> swapped in for site/ (`publish`)

`pipeline` calls them in that order for every command; two packages support it:
`incremental` (what is kept between builds, so a rebuild redoes only what changed) and
`workers` (compiling and rendering on several processes). `cli` is a thin wrapper.
See docs/architecture.md.
"""

__version__ = "0.1.0"
