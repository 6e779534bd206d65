"""Rich renderings shared by commands: the apply plan and the status tree."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from rich.tree import Tree

from sowhat.cli.common import console
from sowhat.domain.period import last_day
from sowhat.domain.units import join_span
from sowhat.domain.words import counted
from sowhat.services.apply.changeset import ChangeKind, ChangeSet
from sowhat.services.plans import KeyResultStatus, PeriodStatus
from sowhat.services.standing.rule import KRStanding, ObjectiveStanding, Standing

if TYPE_CHECKING:
    from sowhat.services.standing.period import PeriodStanding
from sowhat.services.roundtrip.diff import PeriodDiff, describe

_SIGN = {
    ChangeKind.ADD: ("+", "green"),
    ChangeKind.CHANGE: ("~", "yellow"),
    ChangeKind.ARCHIVE: ("-", "red"),
    ChangeKind.RESTORE: ("^", "cyan"),
    ChangeKind.DELETE: ("-", "red"),
}


def _short(value: Any) -> str:
    text = "null" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def render_changes(changes: ChangeSet, *, applied: bool) -> None:
    """Like `terraform plan`: one line per entity, field-level detail for changes."""
    if changes.empty:
        console.print("No changes: the database matches the files.")
        return
    for change in changes.changes:
        sign, colour = _SIGN[change.kind]
        label = f"{change.entity_type.value} {change.key}"
        if change.moved_only:
            console.print(f"[{colour}]{sign}[/{colour}] {label} (moved)")
            continue
        console.print(f"[{colour}]{sign}[/{colour}] {label}" + (
            f" ({change.kind.value})" if change.kind in (ChangeKind.ARCHIVE,
                                                        ChangeKind.RESTORE) else ""))
        if change.kind == ChangeKind.CHANGE:
            for f in change.fields:
                if f.field == "position":
                    continue
                console.print(f"    {f.field}: {_short(f.before)} -> {_short(f.after)}")
    totals = dict.fromkeys(("added", "changed", "archived", "restored", "deleted"), 0)
    for counts in changes.counts().values():
        for key in totals:
            totals[key] += getattr(counts, key)
    summary = ", ".join(f"{n} {k}" for k, n in totals.items() if n)
    verb = "Applied" if applied else "Plan"
    console.print(f"\n{verb}: {summary}.")


def _bar(progress: float | None, width: int = 20) -> Text:
    if progress is None:
        return Text("·" * width, style="dim")
    filled = round(progress * width)
    colour = "green" if progress >= 0.7 else "yellow" if progress >= 0.3 else "red"
    return Text("█" * filled, style=colour) + Text("░" * (width - filled), style="dim")



def _kr_line(kr: KeyResultStatus, period_end: date | None = None) -> Text:
    line = Text()
    line.append(f"{kr.id:<24} ")
    line.append_text(_bar(kr.progress))
    # the bar is clipped; the number is how far the KR really went, as the QBR prints it
    went = kr.signed_progress
    pct = "    —" if went is None else f"{went:5.0%}"
    line.append(f" {pct}  ")
    if went is None and kr.progress_missing == "not measured":  # the web's badge, in words
        line.append("not measured (no baseline or target)  ", style="dim")
    shown = kr.display  # the one formatter's text (sowhat.domain.units), as on every screen
    line.append(f"now {shown['current']}", style="bold")
    line.append(f"  ({join_span(shown['baseline'], shown['target'])})")
    if kr.measure is not None:
        line.append(f"  [{kr.measure_label}]", style="dim")
    if kr.confidence is not None:
        line.append(f"  confidence {kr.confidence:.0%}", style="cyan")
    if kr.last_week is not None:
        line.append(f"  last check-in {kr.last_week.isoformat()}", style="dim")
        if kr.last_note:
            note = kr.last_note if len(kr.last_note) <= 50 else kr.last_note[:47] + "..."
            line.append(f" “{note}”", style="dim italic")
    else:
        line.append("  no check-in yet", style="dim")
    if kr.baseline_disagrees:
        where = ""
        if kr.baseline_window is not None:
            where = f" ({kr.baseline_window.days})"
        line.append(f"\n⚠ baseline {shown['baseline']} is typed; the data measured "
                    f"{shown.get('measured_baseline', '?')} just before the period{where}. "
                    "Progress counts from the typed one: fix the baseline or the metric "
                    "(sowhat lint: SW114)", style="yellow")
    elif kr.baseline_unchecked and kr.baseline_window is not None:
        line.append(f"\n? baseline {shown['baseline']} not checked against the data: it is "
                    f"measured over {kr.baseline_window.days}, just before the period, and the "
                    "events begin later", style="yellow")
    if kr.readable_from is not None:
        late = (", after the period ends: steer on a leading indicator (sowhat lint: SW110)"
                if period_end is not None and kr.readable_from >= period_end else "")
        cohorts = f" of {kr.window.days}" if kr.window is not None else ""
        line.append(f"\n⏳ {kr.not_readable_yet}{late}. {shown.get('before_period', '—')} is "
                    f"the level of cohorts{cohorts}, before the period: not progress",
                    style="yellow")
    return line


_WORD_STYLE = {Standing.OFF_TRACK: "bold white on red", Standing.AT_RISK: "bold black on yellow",
               Standing.ON_TRACK: "bold white on green", Standing.NO_DATA: "dim",
               Standing.NOT_MEASURED: "dim"}
_WORD_WIDTH = max(len(w.value) for w in Standing)


def _word(standing: KRStanding | ObjectiveStanding | None) -> Text:
    """The dashboard's badge: the same word, padded so the bars below stay in a column."""
    if standing is None:
        return Text()
    label = Text(f" {standing.word.value.upper():<{_WORD_WIDTH}} ",
                 style=_WORD_STYLE[standing.word])
    label.append(" ")
    return label


def _why(standing: KRStanding) -> str | None:
    """What made the word, beyond the progress the line already prints: the forecast's
    chance and a breached guardrail — a 95% bar marked off track needs its reason beside it."""
    parts = standing.reason.split("; ")
    rest = [p for p in parts[1:] if p]
    return "; ".join(rest) if rest else None


def render_status(status: PeriodStatus, *, workspace_name: str,
                  words: PeriodStanding | None = None) -> None:  # fmt: skip
    """Objectives → key results with their status words (the dashboard's, `words`),
    progress bars, confidence and the last check-in; values in their metric's unit
    (status_rows formats them)."""
    title = Text(f"{workspace_name} · {status.period} ", style="bold")
    title.append(f"({status.start} to {last_day(status.end)}, {status.elapsed:.0%} elapsed"
                 f"{', closed' if status.closed else ''})", style="dim")
    if status.north_star:
        title.append(f"  north star: {status.north_star}", style="magenta")
    if status.data_through is not None:
        title.append(f"\ndata through {status.data_through:%Y-%m-%d %H:%M} UTC", style="dim")
    tree = Tree(title)
    for obj in status.objectives:
        found = words.standings.get(obj.id) if words else None
        label = _word(found)
        score = "—" if obj.score is None else f"{obj.score:.0%}"
        label.append(f"{obj.title} ", style="bold")
        label.append(f"[{obj.id}] ", style="dim")
        if obj.team:
            label.append(f"{obj.team} ", style="blue")
        label.append(f"score {score}")
        if obj.score_note:
            label.append(f" ({obj.score_note})", style="yellow")
        branch = tree.add(label)
        by_kr = {k.kr_id: k for k in found.key_results} if found else {}
        for kr in obj.key_results:
            kr_word = by_kr.get(kr.id)
            line = _word(kr_word)
            line.append_text(_kr_line(kr, status.end))
            why = _why(kr_word) if kr_word else None
            if why and kr_word and kr_word.word in (Standing.OFF_TRACK, Standing.AT_RISK):
                line.append(f"\n{kr_word.word.value}: {why}", style="dim")
            branch.add(line)
    console.print(tree)
    if status.team_scores:
        console.print("Team scores: " + ", ".join(
            f"{team} {score:.0%}" for team, score in status.team_scores.items()))
    if words is not None:
        _print_word_rule(status, words)


def _print_word_rule(status: PeriodStatus, words: PeriodStanding) -> None:
    """One line on how the words were decided, as the dashboard's fold-out says it."""
    counts: dict[str, int] = {}
    for o in words.standings.values():
        counts[o.word.value] = counts.get(o.word.value, 0) + 1
    order = (Standing.OFF_TRACK, Standing.AT_RISK, Standing.ON_TRACK, Standing.NO_DATA,
             Standing.NOT_MEASURED)
    shown = ", ".join(f"{counts[w.value]} {w.value}" for w in order if w.value in counts)
    by = (f" by {status.paced_through:%d %b}, where the data ends"
          if status.paced_through is not None else "")
    console.print(
        f"Objectives: {shown}. A KR's word is the worse of its pace (progress against "
        f"{status.pace_elapsed:.0%} of the period gone{by}) and its forecast's chance of "
        "reaching the target (under 30% off track, under 70% at risk); an objective takes its "
        "worst KR's.", style="dim")


_SIDE = {"file": "yellow", "web": "cyan", "both": "red", "unknown": "white"}


def render_diff(diffs: list[PeriodDiff]) -> None:
    """Per period: in sync, or each differing field with the file's and the database's value
    and the side that changed it since the last apply/export."""
    from rich.markup import escape

    for d in diffs:
        where = d.path or ""
        if d.path is None:
            console.print(f"{d.period}: only in the database — `sowhat export` writes its "
                          "file once it is published")
            continue
        if not d.in_database:
            console.print(f"{d.period}: {escape(where)} is not applied yet — `sowhat apply`")
            continue
        since = f" (last {d.last_sync})" if d.last_sync else " (no apply/export recorded yet)"
        if d.same:
            console.print(f"{d.period}: {escape(where)} and the database agree{since}")
            continue
        console.print(f"{d.period}: {escape(where)} differs from the database{since}")
        for f in d.fields:
            colour = _SIDE[str(f.side)]
            console.print(f"  [{colour}]{f.side}[/{colour}] {escape(describe(f))}")
        if d.conflicts:
            console.print(f"  {counted(len(d.conflicts), 'field')} edited on both sides: "
                          "`sowhat apply` refuses them (it would merge the rest); make the "
                          "file say what you want, or pick a winner with `sowhat apply --force` "
                          "(the file) or `sowhat export --force` (the database); the audit log "
                          "keeps what was overwritten")
        elif d.mergeable:
            console.print(f"  mergeable: `sowhat apply` takes the file's "
                          f"{counted(len(d.file_edits), 'edit')} and keeps the web's "
                          f"{len(d.web_edits)}; `sowhat export` then writes the web's into "
                          "the file")
        elif d.web_edits:
            console.print(f"  {counted(len(d.web_edits), 'web edit')}: `sowhat export` "
                          "writes them into the file; `sowhat apply` keeps them")
        elif d.file_edits:
            console.print(f"  {counted(len(d.file_edits), 'file edit')}: "
                          "`sowhat apply` brings them in")
