"""Pages people can look at: self-contained HTML documents with inline SVG.

Pure functions from the engine's results to one HTML document each (docs/pages.md):

* :func:`timeline_page` / :func:`timelines_page` — a holder's periods and records on a
  date axis, requirements as bars, each record's disposition (``evaluate -o html``);
* :func:`playground_page` with :func:`run_playground` and :func:`parse_playground_form`
  — a policy and a holder edited side by side, diagnostics at their lines, the timeline;
* :func:`checkout_page` — a cart under a credit-package policy: eligible items, the
  packages drawn from, the balance after.

Each page is deterministic (the same input gives the same bytes), escapes every text a
file supplies, loads nothing from elsewhere and runs no script but a few lines of its own.
"""

from policyengine.pages.checkout import checkout_page
from policyengine.pages.playground import (
    PlaygroundForm,
    PlaygroundResult,
    parse_playground_form,
    playground_page,
    run_playground,
)
from policyengine.pages.timeline import (
    timeline_documents,
    timeline_page,
    timeline_section,
    timelines_page,
)

__all__ = [
    "PlaygroundForm",
    "PlaygroundResult",
    "checkout_page",
    "parse_playground_form",
    "playground_page",
    "run_playground",
    "timeline_documents",
    "timeline_page",
    "timeline_section",
    "timelines_page",
]
