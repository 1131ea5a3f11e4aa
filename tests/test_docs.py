"""The documents cannot drift: README.md and docs/*.md are checked against the code.

Python blocks run; `python -m vae_core` lines (and torchrun's) parse with the real parser; `python -m bench.*`
names a script; dotted vae_core names import; links and anchors resolve. A block that cannot run is marked on
the line before its fence with <!-- docs-test: skip (reason) -->. The conventions are in docs/architecture.md
("Documents"); the last tests feed each check something wrong, so that each can fail.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import re
import runpy
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
SKIP = re.compile(r"^\s*<!--\s*docs-test:\s*skip\s*\((?P<reason>.+)\)\s*-->\s*$")
MARKER = re.compile(r"<!--\s*docs-test")
INLINE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
DOTTED = re.compile(r"\bvae_core(?:\.[A-Za-z_]\w*)+")
BENCH = re.compile(r"python3? -m (bench(?:\.\w+)+)")
LINK = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)\)")


@dataclass
class Block:
    source: str  # path relative to the repository root
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    skip: str | None  # the reason, when marked

    @property
    def id(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass
class Parsed:
    source: str
    blocks: list[Block]
    prose: list[tuple[int, str]]  # (line, text) outside fences
    errors: list[str]  # misplaced markers, unclosed fences


def parse_markdown(text: str, source: str) -> Parsed:
    parsed, lines = Parsed(source, [], [], []), text.splitlines()
    fence = None  # (closing pattern, Block) while inside a fenced block
    for n, line in enumerate(lines, 1):
        if fence:
            if re.match(fence[0], line):
                fence = None
            else:
                fence[1].code += line + "\n"
        elif m := FENCE.match(line):
            marker = SKIP.match(lines[n - 2]) if n > 1 else None
            info = m.group("info").split()
            block = Block(source, n, info[0].lower() if info else "", "", marker and marker.group("reason").strip())
            parsed.blocks.append(block)
            fence = (rf"^ {{0,3}}{m.group('fence')[0]}{{{len(m.group('fence'))},}}\s*$", block)
        else:
            parsed.prose.append((n, line))
            if MARKER.search(line) and not SKIP.match(line):
                parsed.errors.append(f"{source}:{n}: malformed marker (write <!-- docs-test: skip (reason) -->)")
            elif MARKER.search(line) and not FENCE.match(lines[n] if n < len(lines) else ""):
                parsed.errors.append(f"{source}:{n}: a docs-test marker must be right before a code fence")
    if fence:
        parsed.errors.append(f"{source}:{fence[1].line}: the code fence is never closed")
    return parsed


def inline_code(parsed: Parsed) -> list[tuple[int, str]]:
    return [(n, m.group(2).strip()) for n, line in parsed.prose for m in INLINE.finditer(line)]


def read(path: Path) -> Parsed:
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    return parse_markdown(path.read_text(encoding="utf-8"), str(name))


# --- python blocks ------------------------------------------------------------------------------------------


def run_block(block: Block, folder: Path) -> None:
    """Run the block as a script of its own, in a fresh namespace; tracebacks give the document's line numbers."""
    script = folder / (block.source.replace("/", "_") + ".py")
    script.write_text("\n" * block.line + block.code, encoding="utf-8")
    runpy.run_path(str(script), run_name="__main__")


def python_blocks() -> list[Block]:
    return [b for path in DOCS for b in read(path).blocks if b.lang in ("python", "py")]


@pytest.mark.parametrize("block", python_blocks(), ids=lambda b: b.id)
def test_python_block_runs(block, monkeypatch, tmp_path):
    if block.skip:
        pytest.skip(block.skip)
    monkeypatch.chdir(ROOT)
    run_block(block, tmp_path)


# --- command lines ------------------------------------------------------------------------------------------


def logical_lines(code: str) -> list[str]:
    """Lines of a shell block with `\\` continuations joined, and indented `[...` synopsis lines joined to the
    line before them."""
    out: list[str] = []
    joining = False  # the line before ended in a backslash
    for raw in code.splitlines():
        line = raw.rstrip()
        if out and (joining or (raw[:1].isspace() and line.lstrip().startswith("["))):
            out[-1] = out[-1] + " " + line.strip()
        else:
            out.append(line)
        joining = out[-1].endswith("\\")
        if joining:
            out[-1] = out[-1][:-1].rstrip()
    return out


def commands_in(parsed: Parsed) -> list[tuple[str, str]]:
    """(location, command line) for every line that runs `-m vae_core`: in fenced blocks other than python
    (which run as code) and in inline code."""
    runs = re.compile(r"-m vae_core(\s|$)")
    found = [(b.id, line.strip()) for b in parsed.blocks if b.lang not in ("python", "py")
             for line in logical_lines(b.code) if runs.search(line)]
    return found + [(f"{parsed.source}:{n}", span) for n, span in inline_code(parsed) if runs.search(span)]


def all_commands() -> list[tuple[str, str]]:
    return [found for path in DOCS for found in commands_in(read(path))]


def vae_parser() -> argparse.ArgumentParser:
    from vae_core.cli.main import build_parser

    return build_parser()


def subcommands() -> dict[str, argparse.ArgumentParser]:
    return next(a.choices for a in vae_parser()._actions if isinstance(a, argparse._SubParsersAction))


def _parse(parser: argparse.ArgumentParser, argv: list[str]):
    """(namespace, None), or (None, the parser's message) when it exits with an error; --help is fine."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            return parser.parse_args(argv), None
    except SystemExit as exc:
        return None, None if exc.code == 0 else (err.getvalue().strip() or "the parser exited")


def is_synopsis(argv: list[str]) -> bool:
    return any(t.startswith("[") or t.endswith(("]", "...")) or "|" in t for t in argv)


def check_synopsis(argv: list[str]) -> list[str]:
    """A usage line: the subcommand exists, each --flag it names exists on it, each a|b value is a choice."""
    name, *tokens = [t.strip("[]") for t in argv]
    if name not in (subs := subcommands()):
        return [f"no subcommand {name!r}"]
    actions, problems = subs[name]._option_string_actions, []
    for token, value in zip(tokens, tokens[1:] + [""]):
        if not token.startswith("-") or re.fullmatch(r"-[\d.]+", token):
            continue
        if (flag := token.split("=")[0]) not in actions:
            problems.append(f"{name} has no flag {flag}")
        elif "|" in value and (choices := actions[flag].choices) is not None:
            wrong = [v for v in value.split("|") if v not in {str(c) for c in choices}]
            problems += [f"{name} {flag} has no choice {v} (choices: {list(choices)})" for v in wrong]
    return problems


def check_command(line: str) -> list[str]:
    """Problems with one documented command line (empty when it is right)."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError as exc:
        return [f"cannot split into words: {exc}"]
    try:
        at = next(i for i in range(len(tokens) - 1) if tokens[i] == "-m" and tokens[i + 1] == "vae_core")
    except StopIteration:
        return ["no `-m vae_core` in it"]
    argv = tokens[at + 2:]
    if "torchrun" in tokens[:at]:
        from torch.distributed.run import get_args_parser

        args, error = _parse(get_args_parser(), tokens[tokens.index("torchrun") + 1:])
        if error or not (args.module and args.training_script == "vae_core"):
            return [f"torchrun: {error or 'it does not run the module vae_core'}"]
        argv = list(args.training_script_args)
    if not argv:
        return []  # the program named in a sentence
    if is_synopsis(argv):
        return check_synopsis(argv)
    if len(argv) == 1 and not argv[0].startswith("-"):
        return [] if argv[0] in subcommands() else [f"no subcommand {argv[0]!r}"]
    _, error = _parse(vae_parser(), argv)
    return [error] if error else []


@pytest.mark.parametrize("where,line", all_commands(), ids=[f"{w} {line[:60]}" for w, line in all_commands()])
def test_command_line_parses(where, line):
    problems = check_command(line)
    assert not problems, f"{where}: {line}\n" + "\n".join(problems)


def check_bench(text: str) -> list[str]:
    return [f"{m.group(1)}: no such script" for m in BENCH.finditer(text)
            if not ROOT.joinpath(*m.group(1).split(".")).with_suffix(".py").is_file()]


# --- dotted names, links, structure -----------------------------------------------------------------------


def resolve(name: str):
    """The object a dotted name refers to: the longest importable module prefix, then attributes."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)  # AttributeError: the name is wrong
        return obj
    raise ModuleNotFoundError(name)


def check_names(text: str) -> list[str]:
    problems = []
    for name in sorted(set(DOTTED.findall(text))):
        try:
            resolve(name)
        except (ImportError, AttributeError) as exc:
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
    return problems


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def check_links(path: Path) -> list[str]:
    parsed = read(path)
    problems = []
    for n, line in parsed.prose:
        for m in LINK.finditer(line):
            target = m.group("target")
            if re.match(r"^[a-z]+:", target):
                continue  # http:, mailto:
            file_part, _, anchor = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path
            if not dest.exists():
                problems.append(f"{path.name}:{n}: {target}: no such file")
            elif anchor and dest.suffix == ".md":
                headings = {slug(h.lstrip("#")) for _, h in read(dest).prose if h.startswith("#")}
                if anchor not in headings:
                    problems.append(f"{path.name}:{n}: {target}: no heading with that anchor")
    return problems


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_document(path):
    text = path.read_text(encoding="utf-8")
    parsed = read(path)
    problems = parsed.errors + check_names(text) + check_bench(text) + check_links(path)
    assert not problems, "\n".join(problems)


def test_readme_links_every_document_and_each_says_whom_it_is_for():
    readme, docs = (ROOT / "README.md").read_text(encoding="utf-8"), DOCS[1:]
    assert len(docs) >= 8 and not [p.name for p in docs if f"(docs/{p.name})" not in readme]
    for path in docs:
        first = next(line for _, line in read(path).prose if line.strip() and not line.startswith("#"))
        assert first.startswith("For "), f"{path.name} should start by saying whom it is for, not {first[:60]!r}"
    # If extraction silently found nothing, every check above would pass.
    assert len(python_blocks()) >= 8 and any(b.skip for b in python_blocks()) and len(all_commands()) >= 15


# --- each check can fail ----------------------------------------------------------------------------------

FAKE = """# A document

<!-- docs-test: skip (needs a network) -->
```python
raise RuntimeError("skipped, never run")
```

```python
import vae_core
vae_core.no_such_function()
```

Use `python -m vae_core train --out x --no-such-flag` or `vae_core.objectives.elbo_terms`.
<!-- docs-test: skip (not followed by a fence) -->
Some prose.
```bash
python -m vae_core evaluate --model mnist-2d --data digits \\
    --k not-a-number
```
"""


def test_a_broken_block_a_misplaced_marker_and_a_bad_command_are_reported(tmp_path):
    parsed = parse_markdown(FAKE, "fake.md")
    skipped, broken = [b for b in parsed.blocks if b.lang == "python"]
    assert skipped.skip == "needs a network" and broken.skip is None and broken.id == "fake.md:8"
    with pytest.raises(AttributeError, match="no_such_function"):
        run_block(broken, tmp_path)
    assert parsed.errors == ["fake.md:14: a docs-test marker must be right before a code fence"]
    commands = [line for _, line in commands_in(parsed)]
    assert commands == ["python -m vae_core evaluate --model mnist-2d --data digits --k not-a-number",
                        "python -m vae_core train --out x --no-such-flag"]
    assert all(check_command(line) for line in commands)
    assert check_names(FAKE) == [
        "vae_core.no_such_function: AttributeError: module 'vae_core' has no attribute 'no_such_function'",
        "vae_core.objectives.elbo_terms: AttributeError: module 'vae_core' has no attribute 'objectives'"]


BAD = ["train --out runs/x --no-such-flag", "no-such-subcommand --json", "nosuch", "nosuch [--json]",
       "decode --model mnist-2d -o out.png",  # --z is required
       "train --out DIR [--no-such-flag N]", "train --out DIR [--likelihood bernoulli|poisson]", "'unclosed"]
GOOD = ["train --out runs/x --epochs 2  # a comment", "train", "", "train --help",
        "fit1d TRAIN.csv [--init kmeans++|random] [--latent-dim 1|2] ..."]
TORCHRUN = "torchrun --standalone --nproc_per_node 2 -m vae_core train --out runs/x"


@pytest.mark.parametrize("line", [f"python -m vae_core {a}" for a in BAD] + [
    TORCHRUN.replace("--nproc_per_node", "--no-such-torchrun-flag"), TORCHRUN + " --no-such-flag"])
def test_a_bad_command_is_reported(line):
    assert check_command(line)


@pytest.mark.parametrize("line", [f"python -m vae_core {a}" for a in GOOD] + [TORCHRUN + " --device cpu"])
def test_a_good_command_passes(line):
    assert check_command(line) == []


def test_a_bad_name_a_missing_bench_and_a_broken_link_are_reported(tmp_path):
    assert check_names("`vae_core.vae.objectives.elbo_terms` and `vae_core.latent.exact`") == []
    assert check_names("see vae_core.preprocess") == [
        "vae_core.preprocess: AttributeError: module 'vae_core' has no attribute 'preprocess'"]
    assert check_bench("python -m bench.bench_speed and python -m bench.bench_nope") == [
        "bench.bench_nope: no such script"]
    doc = tmp_path / "doc.md"
    doc.write_text("# Title\n\n## A section\n\nSee [here](#a-section), [there](#nowhere) and [gone](gone.md).\n")
    assert check_links(doc) == ["doc.md:5: #nowhere: no heading with that anchor", "doc.md:5: gone.md: no such file"]


def test_logical_lines_join_continuations_and_synopsis_lines():
    code = "a \\\n    b \\\n c\nsynopsis [x]\n    [y]\n  [z]\nnext\n  indented\n"
    assert logical_lines(code) == ["a b c", "synopsis [x] [y] [z]", "next", "  indented"]
