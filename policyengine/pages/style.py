"""The one style sheet every page inlines: layout, tables, and the colours of period
statuses, record dispositions and package draws (the SVG uses the same classes)."""

from __future__ import annotations

CSS = """\
:root { --complete: #2e7d32; --in-progress: #1565c0; --grace: #ef8f00; --expired: #c62828;
  --future: #9e9e9e; --counted: #2e7d32; --uncounted: #757575; --ink: #1d1d1f; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #555; margin: 0 0 8px; }
.status { display: inline-block; padding: 3px 10px; border-radius: 12px; font-weight: 600;
  background: #eee; }
.status.complete, .status.certified { background: #e3f1e4; color: var(--complete); }
.status.in-progress { background: #e3edf9; color: var(--in-progress); }
.status.grace { background: #fff1db; color: #a55f00; }
.status.expired, .status.refused { background: #fbe4e4; color: var(--expired); }
.status.allowed { background: #e3f1e4; color: var(--complete); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e4e4e4;
  vertical-align: top; }
th { background: #f6f6f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:target { background: #fff8c4; }
code, .code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 12.5px; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
svg .label { font-weight: 600; }
.bar.complete { fill: var(--complete); } .bar.in-progress { fill: var(--in-progress); }
.bar.grace { fill: var(--grace); } .bar.expired { fill: var(--expired); }
.bar.future, .bar.not-started { fill: var(--future); }
.grace-band { fill: url(#hatch); stroke: var(--grace); stroke-width: 1; }
.window-band { fill: #cfd8dc; opacity: 0.75; }
.closed-band { fill: #ffffff; opacity: 0.55; }
.as-of { stroke: #d81b60; stroke-width: 1.5; stroke-dasharray: 4 3; }
.as-of-label { fill: #d81b60; }
.restart { stroke: #6a1b9a; stroke-width: 1.5; stroke-dasharray: 2 2; }
.restart-label { fill: #6a1b9a; }
.tick { stroke: #ccc; } .axis { stroke: #888; }
.done { fill: #fff; stroke: #1b5e20; stroke-width: 1.5; }
.mark.counted { fill: var(--counted); stroke: #fff; stroke-width: 1; }
.mark.uncounted { fill: #fff; stroke: var(--uncounted); stroke-width: 1.5; }
.moved-from { fill: #fff; stroke: #6d4c41; stroke-width: 1.2; stroke-dasharray: 2 1.5; }
.move { stroke: #6d4c41; stroke-width: 1.2; fill: none; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 6px 0 12px; color: #444; }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 12px;
  margin-right: 5px; vertical-align: -2px; border-radius: 2px; background: var(--c); }
.legend .hollow::before { background: #fff; border: 1.5px solid var(--uncounted);
  border-radius: 50%; }
.legend span:not([style]):not(.hollow)::before { display: none; }
td.date { white-space: nowrap; }
table.records td:first-child { min-width: 200px; }
.meter { width: 260px; }
.meter .track { fill: #eceff1; } .meter .fill.met { fill: var(--complete); }
.meter .fill.unmet { fill: var(--in-progress); } .meter .fill.capped { fill: var(--grace); }
.disposition { white-space: nowrap; }
.disposition.counted { color: var(--counted); font-weight: 600; }
.moved { color: #6d4c41; white-space: nowrap; }
ul.missing { margin: 4px 0 8px; padding-left: 20px; }
.playground form { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.playground label { font-weight: 600; display: block; margin-bottom: 4px; }
.playground textarea { width: 100%; height: 420px; font: 12.5px/1.4 ui-monospace, Menlo,
  Consolas, monospace; tab-size: 2; white-space: pre; }
.playground .controls { grid-column: 1 / 3; display: flex; gap: 12px; align-items: center; }
.playground button { font-size: 14px; padding: 6px 18px; }
.diagnostics { list-style: none; padding: 0; }
.diagnostics li { margin: 4px 0; padding: 4px 8px; border-left: 4px solid var(--expired);
  background: #fdf3f3; }
.diagnostics li.warning { border-color: var(--grace); background: #fff8ec; }
.diagnostics .hint { color: #555; }
.listing { margin: 0 0 12px; padding: 0; list-style: none; border: 1px solid #e4e4e4; }
.listing li { display: grid; grid-template-columns: 44px 1fr; }
.listing .n { color: #999; text-align: right; padding-right: 8px; user-select: none; }
.listing pre { margin: 0; white-space: pre-wrap; }
.listing li.problem { background: #fdecec; }
.listing li.problem.warning { background: #fff3dc; }
.listing .message { grid-column: 2; color: var(--expired); font-size: 12.5px; }
.listing .warning .message { color: #a55f00; }
.ok { color: var(--complete); font-weight: 600; }
.package-bar .used { fill: #b0bec5; } .package-bar .drawn { fill: var(--grace); }
.package-bar .left { fill: var(--complete); } .package-bar .lost { fill: #e57373; }
.eligible { color: var(--complete); font-weight: 600; }
.not-eligible { color: var(--expired); font-weight: 600; }
ul.reasons li { color: var(--expired); }
"""
