"""explainer: a static-site generator for news explainers.

The build is a pipeline of small stages, each in its own module:

    load      files -> Raw* (front matter + body, every YAML node with its position)
    validate  Raw* -> model objects (types, required and unknown keys, ids, dates)
    resolve   model objects -> Site (cross references, @id links, the project index)
    render    Site -> RenderedFile list (Jinja pages, feed, sitemap, JSON)
    write     RenderedFile list -> staging directory -> swapped in for site/

`pipeline.build` calls them in that order; `cli` is a thin wrapper around it.
"""

__version__ = "0.1.0"
