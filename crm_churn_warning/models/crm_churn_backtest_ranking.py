"""The rankings a backtest compares on the same customers.

Beside the score the replay ran with, a backtest measures the other ways of ranking the same
customers: the learned churn risk, the weighted rules and the two simple baselines, days since
the last order and the purchase model's probability of being still active. Each one flags as
many customers as the replayed score did at the warning level (its highest, equal values
ordered by customer), so that precision, recall and F1 compare at the same warning share; AUC
and top-decile lift need no threshold; the Brier score is kept for the learned probability, the
one ranking that is a churn probability.
"""

import numpy as np

from odoo import api, fields, models

from ..tools import churn_learning
from .churn_data import RANKING_SEQUENCE, RANKINGS
from .crm_churn_backtest import TOP_FRACTION

# the figures of _figures a ranking line keeps
LINE_FIGURES = (
    "customer_count",
    "flagged_count",
    "true_positive",
    "precision",
    "recall",
    "f1_score",
    "auc",
    "top_decile_rate",
    "lift_top_decile",
)


class CrmChurnBacktestRanking(models.Model):
    _name = "crm.churn.backtest.ranking"
    _description = "Churn Backtest Ranking"
    _order = "backtest_id desc, sequence, id"

    backtest_id = fields.Many2one(
        "crm.churn.backtest", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="backtest_id.company_id", store=True)
    as_of = fields.Date(related="backtest_id.as_of", store=True)
    horizon_days = fields.Integer(related="backtest_id.horizon_days", store=True)
    run_date = fields.Datetime(related="backtest_id.run_date", store=True)
    sequence = fields.Integer()
    ranking = fields.Selection(RANKINGS, required=True)
    replayed = fields.Boolean(
        string="Score of the Run",
        help="The ranking the replay scored the customers with (the company's churn score).",
    )
    customer_count = fields.Integer(string="Customers")
    flagged_count = fields.Integer(
        string="Flagged",
        help="The customers this ranking flags: as many as the replayed score flagged at the "
        "warning level, from the highest.",
    )
    true_positive = fields.Integer(string="Flagged and Churned")
    precision = fields.Float(
        digits=(5, 4), aggregator="avg", help="Share of the flagged customers who churned."
    )
    recall = fields.Float(
        digits=(5, 4), aggregator="avg", help="Share of the churned customers who were flagged."
    )
    f1_score = fields.Float(
        digits=(5, 4), aggregator="avg", help="Harmonic mean of precision and recall."
    )
    auc = fields.Float(
        string="Ranking Quality (AUC)",
        digits=(5, 4),
        aggregator="avg",
        help="Probability that a customer who churned ranked above one who did not (equal "
        "values count half): 0.5 is chance, 1 a perfect ranking.",
    )
    top_decile_rate = fields.Float(
        string="Top-Decile Churn Rate",
        digits=(5, 4),
        aggregator="avg",
        help="Share of the tenth of the customers ranked highest who churned.",
    )
    lift_top_decile = fields.Float(
        string="Top-Decile Lift",
        digits=(8, 2),
        aggregator="avg",
        help="Churn rate of the tenth ranked highest divided by the churn rate of all.",
    )
    brier_score = fields.Float(
        digits=(5, 4),
        aggregator="avg",
        help="For the learned churn risk, a probability: the mean squared gap between each "
        "customer's predicted probability and what happened (lower is better).",
    )
    has_brier = fields.Boolean(string="Probability")

    @api.model
    def _measure(self, rankings, replayed, flagged_ids, churned_ids):
        """One ranking line's values per ranking of ``rankings`` ({ranking: (partner ids,
        values: the higher, the higher the risk; probabilities 0-1 or None)}) against the set
        ``churned_ids``. The ``replayed`` ranking flags ``flagged_ids`` (its warning level),
        the others as many customers from their highest value."""
        lines = []
        for key, (partner_ids, values, probabilities) in rankings.items():
            figures = self._figures(
                partner_ids,
                values,
                churned_ids,
                flagged_ids=flagged_ids if key == replayed else None,
                flag_count=len(flagged_ids),
            )
            churned = np.isin(np.asarray(partner_ids), list(churned_ids))
            lines.append(
                {
                    "ranking": key,
                    "sequence": RANKING_SEQUENCE[key],
                    "replayed": key == replayed,
                    **{name: figures[name] for name in LINE_FIGURES},
                    "has_brier": probabilities is not None,
                    "brier_score": (
                        float(np.mean((np.asarray(probabilities) - churned) ** 2))
                        if probabilities is not None and len(churned)
                        else 0.0
                    ),
                }
            )
        return sorted(lines, key=lambda line: line["sequence"])

    @api.model
    def _figures(self, partner_ids, values, churned_ids, flagged_ids=None, flag_count=0):
        """The figures of ranking the customers ``partner_ids`` by ``values`` (the higher, the
        higher the risk; equal values by customer) against the set ``churned_ids``: flagged
        are ``flagged_ids`` when given (a replayed score's warning level), else the
        ``flag_count`` highest. The backtest's own figures and each ranking line's come from
        here. Ratios are 0 when undefined (nobody flagged, nobody churned, one outcome only)."""
        partner_ids = np.asarray(partner_ids, dtype=np.int64)
        values = np.asarray(values, dtype=float)
        churned = np.isin(partner_ids, np.fromiter(churned_ids, dtype=np.int64))
        total = len(partner_ids)
        order = np.lexsort((partner_ids, -values))
        if flagged_ids is not None:
            flagged = np.isin(partner_ids, np.fromiter(flagged_ids, dtype=np.int64))
        else:
            flagged = np.zeros(total, dtype=bool)
            flagged[order[:flag_count]] = True
        flagged_count, churned_count = int(flagged.sum()), int(churned.sum())
        tp = int((flagged & churned).sum())
        precision = tp / flagged_count if flagged_count else 0.0
        recall = tp / churned_count if churned_count else 0.0
        base_rate = churned_count / total if total else 0.0
        top = order[: -(-total // TOP_FRACTION)]
        top_churned = int(churned[top].sum())
        top_rate = top_churned / len(top) if len(top) else 0.0
        return {
            "customer_count": total,
            "churned_count": churned_count,
            "flagged_count": flagged_count,
            "true_positive": tp,
            "precision": precision,
            "recall": recall,
            "f1_score": (
                2 * precision * recall / (precision + recall) if precision + recall else 0.0
            ),
            "auc": churn_learning.auc(churned, values) or 0.0,
            "base_rate": base_rate,
            "top_decile_count": len(top),
            "top_decile_churned": top_churned,
            "top_decile_rate": top_rate,
            "lift_top_decile": top_rate / base_rate if base_rate else 0.0,
        }
