"""Command line: `explainer build | check | serve | new | schema`, each a thin wrapper.

Exit status: 0 success, 1 content errors, 2 wrong usage. Content and I/O
errors are printed as `path:line:column: error: message` lines on stderr
(`check` and `build` can print them instead as GitHub workflow annotations or
JSON lines on stdout: `--format`); only an internal bug shows a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from generator import __version__, pipeline, write
from generator import schema as schema_files
from generator.config import BuildOptions
from generator.diagnostics import BuildFailed, Diagnostic, errors_in, github_annotation, json_line

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2

FORMATS = ("text", "github", "json")
"""How `check` and `build` print errors and warnings (see `_print_diagnostics`)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="explainer",
        description="Build news explainer pages (timeline, actors, claims, sources) from annotated Markdown.",
    )
    parser.add_argument("--version", action="version", version=f"explainer {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def root_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--root", type=Path, default=Path("."), metavar="DIR",
                       help="project directory holding content/ (default: current directory)")

    def format_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--format", choices=FORMATS, default="text",
                       help="errors and warnings as text lines on stderr (default), or on stdout as "
                       "GitHub Actions annotations (github) or one JSON object per line (json)")

    build = commands.add_parser("build", help="validate everything, then write the site",
                                description="Validate the whole project, then write the site. "
                                "Nothing is written if there is any error.")
    root_option(build)
    build.add_argument("--out", type=Path, metavar="DIR", help="output directory (default: DIR/site)")
    build.add_argument("--base-url", metavar="URL", help="public URL of the site, overriding site.yaml")
    build.add_argument("--drafts", action="store_true",
                       help="include drafts and explainers whose published date is still to come")
    build.add_argument("--clean", action="store_true",
                       help="ignore the build cache (.explainer-cache/) and write every file")
    build.add_argument("--timings", action="store_true",
                       help="also say how long each stage took (compile, plan, render, swap, cache)")
    build.add_argument("--jobs", "-j", type=_positive_int, default=None, metavar="N",
                       help="processes that render pages (default: the number of CPU cores)")
    format_option(build)

    check = commands.add_parser("check", help="validate, render in memory and check every link; write nothing",
                                description="Validate the project, compile its templates, render every page "
                                "in memory and check every link, as build does; write nothing.")
    root_option(check)
    check.add_argument("--strict", action="store_true",
                       help="fail (exit status 1) on warnings too, for CI")
    format_option(check)

    serve = commands.add_parser("serve", help="build a preview, serve and rebuild it on change with live reload",
                                description="Build a preview of the site (drafts included) in "
                                ".explainer-cache/preview/, never in site/, serve it, rebuild when files "
                                "change and reload the browser.")
    root_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: 8000, or the next free one; 0 picks any free one)")
    serve.add_argument("--open", action="store_true", help="open the site in a web browser")

    new = commands.add_parser("new", help="create content/explainers/<slug>.md from a starter",
                              description="Create a new explainer (a draft) from a starter template; in "
                              "a folder without content/ (made if missing), also site.yaml and .gitignore. "
                              "Or the GitHub Actions workflow that publishes the site (or both).")
    new.add_argument("title", metavar="TITLE", nargs="?",
                     help="the explainer's title; the slug is made from it")
    root_option(new)
    new.add_argument("--github-pages", action="store_true",
                     help="write .github/workflows/explainer.yml, which builds the site and publishes it "
                          "on GitHub Pages")
    # Without TITLE, --github-pages is required: checked after parsing, with this parser's usage.
    new.set_defaults(new_usage_error=new.error)

    schema = commands.add_parser("schema", help="print or write the JSON Schemas of explainers, actors and site.yaml",
                                 description="Print the JSON Schema (draft 2020-12) an editor checks a file "
                                 "with: an explainer's front matter, a shared actor or site.yaml (docs/schema.md). "
                                 "With --out, write them into a folder instead.")
    schema.add_argument("names", metavar="NAME", nargs="*",
                        help=f"which schema: {', '.join(schema_files.FILES)} (with --out: all of them if none "
                        "is named)")
    schema.add_argument("--out", type=Path, metavar="DIR", help="write NAME.schema.json files into DIR")
    schema.set_defaults(schema_usage_error=schema.error)
    return parser


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _shown(path: Path) -> str:
    """A path as the user thinks of it: relative when under the current directory."""
    absolute = path.absolute()
    try:
        return absolute.relative_to(Path.cwd()).as_posix() or "."
    except ValueError:
        return str(absolute)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _print_diagnostics(diagnostics: Sequence[Diagnostic], form: str = "text", root: Path = Path(".")) -> None:
    """Text lines on stderr, where the contract puts them; the machine-read forms on stdout,
    where GitHub's runner reads workflow commands and a pipe (`| jq`) expects data."""
    if form == "text":
        for diagnostic in diagnostics:
            print(diagnostic, file=sys.stderr)
        return
    stream = sys.stdout
    if diagnostics and hasattr(stream, "reconfigure"):
        # A Windows console's code page cannot encode every quoted character: never a traceback.
        stream.reconfigure(errors="backslashreplace")
    for diagnostic in diagnostics:
        if form == "json":
            print(json_line(diagnostic), file=stream)
        else:
            print(github_annotation(diagnostic, _from_workspace(root, diagnostic)), file=stream)


def _from_workspace(root: Path, diagnostic: Diagnostic) -> str | None:
    """The diagnostic's file as GitHub names it: from the repository's root (GITHUB_WORKSPACE,
    which is also the working directory unless a step says otherwise), with `/`."""
    if diagnostic.span is None:
        return None
    workspace = os.path.abspath(os.environ.get("GITHUB_WORKSPACE") or os.curdir)
    path = os.path.abspath(os.path.join(root, diagnostic.span.path))
    if path != workspace and not path.startswith(workspace.rstrip(os.sep) + os.sep):
        return Path(path).as_posix()
    return Path(os.path.relpath(path, workspace)).as_posix()


def _new(root: Path, title: str | None, github_pages: bool) -> None:
    """`explainer new`: print each file written, relative to the project."""
    from generator import scaffold, workflow
    if github_pages and title is not None:
        # Both or neither: the explainer is written only once the workflow's place is known free.
        workflow.check_github_workflow(root)
    if title is not None:
        created = scaffold.new_explainer(root, title)
        if created.project_files:
            files = created.project_files
            listed = f"{', '.join(files[:-1])} and {files[-1]}" if len(files) > 1 else files[0]
            print(f"explainer: new project in {_shown(root)}: wrote {listed}",
                  file=sys.stderr)
        print(created.path.relative_to(root).as_posix())
    if github_pages:
        print(workflow.write_github_workflow(root).relative_to(root).as_posix())
        print("explainer: commit it, and choose \"GitHub Actions\" as the source in the repository's "
              "Settings > Pages", file=sys.stderr)


def _check_schema_names(names: list[str], writing: bool, usage_error: Callable[[str], None]) -> None:
    """Known names; exactly one unless they are written into a folder."""
    unknown = [name for name in names if name not in schema_files.FILES]
    if unknown:
        usage_error(f"unknown schema '{unknown[0]}': choose from {', '.join(schema_files.FILES)}")
    if not writing and len(names) != 1:
        usage_error("name one schema to print (or write them all with --out DIR)")


def _schema(names: list[str], out: Path | None) -> int:
    """`explainer schema`: one schema on stdout, or the files written into `out`, each
    replaced whole (never written through a link that stands in its place)."""
    if out is None:
        sys.stdout.write(schema_files.text(names[0]))
        return EXIT_OK
    if out.is_symlink():  # a cloned repository's docs/schema -> ~/.ssh: never written through
        print(f"explainer: error: {out} is a symbolic link; refusing to write through it; "
              "give the folder it points to, or another", file=sys.stderr)
        return EXIT_ERRORS
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in names or list(schema_files.FILES):
            path = out / schema_files.file_name(name)
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.unlink(missing_ok=True)
            temporary.write_text(schema_files.text(name), encoding="utf-8", newline="\n")
            os.replace(temporary, path)
            print(_shown(path))
    except OSError as exc:
        print(f"explainer: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "new" and args.title is None and not args.github_pages:
            args.new_usage_error("the following arguments are required: TITLE (or --github-pages)")
        if args.command == "schema":
            _check_schema_names(args.names, args.out is not None, args.schema_usage_error)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 for --help
        return int(exc.code or 0)
    if args.command == "schema":
        return _schema(args.names, args.out)
    root: Path = args.root
    # `new TITLE` starts a project, in a folder it makes if need be (as `hugo new site` does).
    starts_project = args.command == "new" and args.title is not None
    if not root.is_dir() and not (starts_project and not root.exists()):
        problem = "is not a directory" if root.exists() else "does not exist"
        print(f"explainer: error: project directory {root} {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "build":
            from generator.workers.parallel import default_jobs
            options = BuildOptions(root=root, out_dir=args.out or root / "site", base_url=args.base_url,
                                   jobs=args.jobs or default_jobs(), drafts=args.drafts,
                                   # A running count on a terminal; quiet in CI and when piped.
                                   progress=sys.stderr.isatty() and not os.environ.get("CI"))
            try:
                # An unusable --out (the project itself, content/, a folder that is not a site)
                # is wrong usage (exit 2), and is said before any content error. An output
                # directory that is a symbolic link (a `site` link in a cloned project is not
                # the command line's doing) is refused like a content error (exit 1).
                write.check_output_dir(options.out_dir, root)
            except write.OutputError as exc:
                print(f"explainer: error: {exc}", file=sys.stderr)
                return EXIT_ERRORS if isinstance(exc, write.OutputIsLink) else EXIT_USAGE
            report = pipeline.build(options, clean=args.clean)
            _print_diagnostics(report.warnings, args.format, root)
            print(f"explainer: {_count(report.files, 'file')} ({_count(report.pages, 'page')}) in "
                  f"{_shown(options.out_dir)}: {report.written} written, "
                  f"{report.files - report.written} unchanged, {report.seconds:.2f} s", file=sys.stderr)
            if args.timings:
                stages = ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in report.timings.items())
                print(f"explainer: stages: {stages or 'none (nothing changed)'}", file=sys.stderr)
        elif args.command == "check":
            from generator.workers.parallel import default_jobs
            report = pipeline.check(BuildOptions(root=root, out_dir=root / "site", jobs=default_jobs()))
            _print_diagnostics(report.warnings, args.format, root)
            if args.strict and report.warnings:
                print(f"explainer: no errors, {_count(len(report.warnings), 'warning')}; --strict fails on "
                      "warnings", file=sys.stderr)
                return EXIT_ERRORS
            print("explainer: no errors", file=sys.stderr)
        elif args.command == "new":
            _new(root, args.title, args.github_pages)
        elif args.command == "serve":
            from generator import serve
            return serve.serve(root, host=args.host, port=args.port, open_browser=args.open)
    except BuildFailed as exc:
        _print_diagnostics(exc.diagnostics, getattr(args, "format", "text"), root)
        errors = len(errors_in(exc.diagnostics))
        print(f"explainer: {errors} error{'s' if errors != 1 else ''}; nothing was written", file=sys.stderr)
        return EXIT_ERRORS
    except OSError as exc:
        print(f"explainer: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_ERRORS
    except KeyboardInterrupt:
        return 130
    return EXIT_OK
