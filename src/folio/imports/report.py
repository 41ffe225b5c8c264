"""What an import did (or, in a dry run, would do) with every item: the page, the JSON
status and the command show the same report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CREATED, SKIPPED, FAILED = "created", "skipped", "failed"
DRY_RUN_WORDS = {CREATED: "will be created", SKIPPED: "will be skipped", FAILED: "will fail"}


@dataclass
class ReportLine:
    kind: str  # "article" or "comment"
    key: str
    title: str
    outcome: str  # created, skipped or failed
    messages: list[str] = field(default_factory=list)
    slug: str | None = None

    def note(self, message: str) -> None:
        if message not in self.messages:
            self.messages.append(message)


@dataclass
class Report:
    format: str
    dry_run: bool
    lines: list[ReportLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, line: ReportLine) -> ReportLine:
        self.lines.append(line)
        return line

    def counts(self) -> dict[str, int]:
        counted = {CREATED: 0, SKIPPED: 0, FAILED: 0}
        for line in self.lines:
            counted[line.outcome] = counted.get(line.outcome, 0) + 1
        return counted

    @property
    def failed(self) -> bool:
        return any(line.outcome == FAILED for line in self.lines)

    def outcome_words(self, line: ReportLine) -> str:
        return DRY_RUN_WORDS[line.outcome] if self.dry_run else line.outcome

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "dry_run": self.dry_run,
            "warnings": list(self.warnings),
            "counts": self.counts(),
            "items": [asdict(line) for line in self.lines],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        lines = [
            ReportLine(
                kind=str(item.get("kind", "")),
                key=str(item.get("key", "")),
                title=str(item.get("title", "")),
                outcome=str(item.get("outcome", FAILED)),
                messages=[str(m) for m in item.get("messages", [])],
                slug=item.get("slug"),
            )
            for item in data.get("items", [])
        ]
        return cls(
            format=str(data.get("format", "")),
            dry_run=bool(data.get("dry_run", False)),
            lines=lines,
            warnings=[str(w) for w in data.get("warnings", [])],
        )

    def as_text(self) -> str:
        """The report as the command prints it: one line per item, then the totals."""
        heading = "Dry run: nothing was written." if self.dry_run else "Import finished."
        out = [heading]
        out.extend(f"warning: {warning}" for warning in self.warnings)
        for line in self.lines:
            where = f" -> /articles/{line.slug}" if line.slug and line.kind == "article" else ""
            out.append(f"{self.outcome_words(line)}: {line.kind} {line.title!r}{where}")
            out.extend(f"    {message}" for message in line.messages)
        counts = self.counts()
        out.append(
            f"{counts[CREATED]} {'to create' if self.dry_run else 'created'}, "
            f"{counts[SKIPPED]} skipped, {counts[FAILED]} failed."
        )
        return "\n".join(out)
