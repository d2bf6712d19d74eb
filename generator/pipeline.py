"""The build, top to bottom: load, validate, resolve, (check templates), render, write.

Everything is read and checked before anything is written: a project with
errors leaves the previous output directory exactly as it was.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from generator import load, render, resolve, validate, write
from generator.config import BuildOptions, read_config
from generator.diagnostics import BuildFailed, Diagnostic, Diagnostics


@dataclass
class BuildReport:
    pages: int = 0
    files: int = 0
    seconds: float = 0.0
    warnings: list[Diagnostic] = field(default_factory=list)


def check(options: BuildOptions) -> BuildReport:
    """Validate the whole project and compile the templates; write nothing."""
    started = time.perf_counter()
    site, env, diags = _load_site(options)
    diags.raise_if_errors()
    return BuildReport(seconds=time.perf_counter() - started, warnings=diags.warnings)


def build(options: BuildOptions) -> BuildReport:
    """Check the whole project, then write the site. Nothing is written if any check fails."""
    started = time.perf_counter()
    site, env, diags = _load_site(options)
    diags.raise_if_errors()
    try:
        write.check_output_dir(options.out_dir, options.root)
    except write.OutputError as exc:
        raise BuildFailed([Diagnostic(str(exc))]) from None
    try:
        files = render.render_site(site, env, options.root)
    except render.TemplateFailed as exc:
        raise BuildFailed(exc.diagnostics) from None
    report = write.write_site(files, options.out_dir)
    pages = sum(f.dest_path.endswith(".html") for f in files)
    return BuildReport(pages, report.files, time.perf_counter() - started, diags.warnings)


def _load_site(options: BuildOptions) -> tuple[resolve.Site, object, Diagnostics]:
    diags = Diagnostics()
    raw = load.load_project(options.root, diags)
    config = read_config(raw.site, diags, options.base_url)
    project = validate.validate_project(raw, diags)
    site = resolve.resolve_site(project, config, diags)
    env = render.make_environment(options.root)
    render.check_templates(options.root, env, diags)
    if not config.absolute and not diags.errors:
        diags.warning(None, "base_url has no scheme and host, so feed.xml and sitemap.xml use "
                      "root-relative URLs", "set base_url in site.yaml or pass --base-url")
    return site, env, diags
