"""``-o html``: a page people can look at, one self-contained HTML document on stdout.

``evaluate -o html`` writes the holders' timelines (one section per ``--holder``),
``redeem -o html`` the checkout preview; the pages themselves are built by
``policyengine.pages`` (docs/pages.md). Redirect stdout to a file to keep one:
``policyengine evaluate POLICY --holder H -o html > timeline.html``.
"""

from __future__ import annotations

from policyengine.cli.reporting import EvaluationsResult, RedemptionResult, Reporter


class HtmlReporter(Reporter):
    """One HTML document on stdout."""

    name = "html"

    def report_evaluations(self, result: EvaluationsResult) -> None:
        from policyengine.pages import timelines_page  # start-up: only this format

        self.out.write(timelines_page(result.evaluations))

    def report_redemption(self, result: RedemptionResult) -> None:
        from policyengine.pages import checkout_page  # start-up: only this format

        self.out.write(checkout_page(result.policy, result.account, result.decision))
