"""`repair rules`: list the rules in use, or show one (its why, examples and file), like `ruff rule`."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from repair.cli import options as opt
from repair.cli.common import app, boundary, err, load_config, load_settings, show_settings
from repair.errors import ConfigError
from repair.provenance import rules_hash
from repair.rules import Rule, builtin_rules_dir, selects

RuleId = Annotated[Optional[str], typer.Argument(help="A rule id (shows that rule) or an id prefix (lists those rules).",
                                                 show_default=False)]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON (one object; a list of rules when listing).")]

#: keys of a rule shown as its definition (the rest is in the file)
_SHOWN = ("kind", "pattern", "replace", "phrase", "canonical", "confidence", "weight", "order")


@app.command("rules")
def rules_command(rule_id: RuleId = None, as_json: AsJson = False, rules: opt.RulesDirs = None,
                  extend_rules: opt.ExtendRules = None, only: opt.Only = None, skip: opt.Skip = None, config: opt.ConfigFile = None,
                  isolated: opt.Isolated = False, show: opt.ShowSettings = False) -> None:
    """List the rules in use (id, stage, family, file), or show one rule's why, examples and file.

    [bold]repair rules[/bold] lists every rule the settings select (repair.toml, --rules, --extend-rules, --only, --skip); [bold]repair rules boilerplate.ad-marker[/bold] shows one; a prefix such as [bold]boilerplate[/bold] lists those rules.
    """
    with boundary():
        s = load_settings(config, isolated, rules=rules, extend_rules=extend_rules, only=only, skip=skip)
        if show:
            show_settings(s, as_json=as_json)
        ruleset = load_config(s, stages=()).rules
        if rule_id is not None:
            exact = [r for r in ruleset.rules if r.id == rule_id]
            if exact:
                _show_one(exact[0], as_json)
                return
            chosen = [r for r in ruleset.rules if selects(rule_id, r.id)]
            if not chosen:
                close = difflib.get_close_matches(rule_id, [r.id for r in ruleset.rules], n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else "; `repair rules` lists the ids"
                raise ConfigError(f"no rule {rule_id!r} in the rules in use{hint}")
        else:
            chosen = list(ruleset.rules)
        if as_json:
            sys.stdout.write(json.dumps({"rules_hash": rules_hash(ruleset), "count": len(chosen),
                                         "rules": [_summary(r) for r in chosen]}, indent=1, ensure_ascii=False) + "\n")
            return
        for r in chosen:
            typer.echo(f"{r.id}\t{r.stage}\t{_family(r) or '-'}\t{display_file(r.file)}")
        err.print(f"{len(chosen)} rule(s); [bold]repair rules ID[/bold] shows one.", soft_wrap=True)


def display_file(path: str) -> str:
    """A rule file as people know it: relative to the cwd, else ``rules/...`` for a built-in one."""
    p = Path(path)
    for base, prefix in ((Path.cwd(), ""), (builtin_rules_dir(), "rules/")):
        try:
            return prefix + p.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return str(p)


def _family(r: Rule) -> str | None:
    fam = r.get("family")
    return str(fam) if fam else None


def _summary(r: Rule) -> dict[str, Any]:
    return {"id": r.id, "stage": r.stage, "family": _family(r), "file": display_file(r.file), "why": r.get("why")}


def _show_one(r: Rule, as_json: bool) -> None:
    examples = [{"in": e.input, "out": e.output, **({"context": {"spun": e.spun}} if e.spun is not None else {})}
                for e in r.examples]
    definition = {k: r.get(k) for k in _SHOWN if r.get(k) is not None}
    if as_json:
        sys.stdout.write(json.dumps({**_summary(r), "definition": definition, "examples": examples},
                                    indent=1, ensure_ascii=False, default=str) + "\n")
        return
    out = [f"# {r.id}", "", f"stage: {r.stage}", f"family: {_family(r) or '-'}", f"file: {display_file(r.file)}", ""]
    if r.get("why"):
        out += ["## why", "", str(r.get("why")), ""]
    if definition:
        out += ["## definition", ""] + [f"{k} = {json.dumps(v, ensure_ascii=False, default=str)}"
                                        for k, v in definition.items()] + [""]
    if examples:
        out += ["## examples", ""]
        for e in examples:
            kind = "changes" if e["in"] != e["out"] else "unchanged"
            out += [f"- {kind}: {json.dumps(e['in'], ensure_ascii=False)}"
                    + (f" -> {json.dumps(e['out'], ensure_ascii=False)}" if kind == "changes" else "")]
    typer.echo("\n".join(out).rstrip() + "\n")


__all__ = ["display_file", "rules_command"]
