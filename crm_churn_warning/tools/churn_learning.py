"""A regularised logistic regression of churn, calibrated, kept as plain numbers.

``fit`` standardises the features, fits scikit-learn's L2-regularised logistic regression and
calibrates its probabilities with a sigmoid (Platt) fitted on cross-validated predictions; it
returns a JSON-able dict, so that a company's model is stored in the database as figures and
scored with numpy alone (``predict``). ``contributions`` tells how many points of probability
each feature adds to a customer's risk against an average customer, which ranks the reasons of
a warning. ``evaluate`` gives the figures a model is judged on: AUC, Brier score, top-decile
lift and a calibration table by decile.
"""

from collections.abc import Mapping

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

# inverse strength of the L2 penalty on the standardised features
REGULARISATION_C = 0.1
CALIBRATION_FOLDS = 3


def fit(features, labels, names):
    """The model of ``labels`` (1: churned) given ``features`` (rows of the named columns)."""
    features = np.asarray(features, dtype=float)
    labels = np.asarray(labels, dtype=int)
    scaler = StandardScaler().fit(features)
    calibrated = CalibratedClassifierCV(
        LogisticRegression(C=REGULARISATION_C, max_iter=1000),
        method="sigmoid",
        cv=CALIBRATION_FOLDS,
        ensemble=False,
    ).fit(scaler.transform(features), labels)
    classifier = calibrated.calibrated_classifiers_[0]
    regression, sigmoid = classifier.estimator, classifier.calibrators[0]
    return {
        "names": list(names),
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "coef": regression.coef_[0].tolist(),
        "intercept": float(regression.intercept_[0]),
        # P = 1 / (1 + exp(a * f + b)) for the regression's decision value f
        "a": float(sigmoid.a_),
        "b": float(sigmoid.b_),
    }


def _decision(model, features):
    features = np.asarray(features, dtype=float)
    scaled = (features - np.array(model["mean"])) / np.array(model["scale"])
    return scaled, scaled @ np.array(model["coef"]) + model["intercept"]


def _probability(model, decision):
    return 1.0 / (1.0 + np.exp(np.clip(model["a"] * decision + model["b"], -500, 500)))


def predict(model, features):
    """The calibrated churn probabilities (0-1) of the rows of ``features``."""
    return _probability(model, _decision(model, features)[1])


def contributions(model, features, groups):
    """{group: per row, the probability (0-1) minus the probability the row would have with
    the group's features (``groups``: {group: feature names}) at the training average}, i.e.
    what the group adds to the risk."""
    scaled, decision = _decision(model, features)
    probability = _probability(model, decision)
    weighted = scaled * np.array(model["coef"])
    names = model["names"]
    result = {}
    for group, members in groups.items():
        columns = [names.index(name) for name in members if name in names]
        without = _probability(model, decision - weighted[:, columns].sum(axis=1))
        result[group] = probability - without
    return result


def auc(labels, scores):
    """Area under the ROC curve (ties count half); None without both outcomes."""
    labels = np.asarray(labels, dtype=bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = np.asarray(scores, dtype=float)[order]
    # average ranks of tied scores
    _unique, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def evaluate(labels, probabilities, bins=10):
    """AUC, Brier score, top-decile lift and the calibration table (per decile of predicted
    probability, lowest first: customers, mean predicted, share churned)."""
    labels = np.asarray(labels, dtype=float)
    probabilities = np.asarray(probabilities, dtype=float)
    count = len(labels)
    rate = labels.mean() if count else 0.0
    order = np.argsort(-probabilities, kind="mergesort")
    top = order[: max(1, count // 10)] if count else order
    table = []
    for part in np.array_split(np.argsort(probabilities, kind="mergesort"), bins):
        if len(part):
            table.append(
                {
                    "count": len(part),
                    "predicted": float(probabilities[part].mean()),
                    "actual": float(labels[part].mean()),
                }
            )
    return {
        "count": count,
        "churn_rate": float(rate),
        "auc": auc(labels, probabilities),
        "brier": float(np.mean((probabilities - labels) ** 2)) if count else None,
        "lift": float(labels[top].mean() / rate) if count and rate else None,
        "calibration": table,
    }


class Scores(Mapping):
    """{partner id: (probability 0-1, {group: points})} of a scoring, each pair made when it
    is read: ``probabilities`` (an array) and ``points`` ({group: an array of whole points})
    in the order of ``partner_ids``. A hundred thousand tuples and dictionaries made up front
    cost a quarter of a second the nightly scoring does not have."""

    def __init__(self, partner_ids, probabilities, points):
        self.probabilities = np.asarray(probabilities, dtype=float)
        self._row = {pid: index for index, pid in enumerate(np.asarray(partner_ids).tolist())}
        self._values = self.probabilities.tolist()
        self._groups = list(points)
        self._points = (
            np.column_stack([points[group] for group in self._groups]).tolist()
            if self._groups
            else [()] * len(self._values)
        )

    def __getitem__(self, partner_id):
        index = self._row[partner_id]
        return self._values[index], dict(zip(self._groups, self._points[index], strict=True))

    def __iter__(self):
        return iter(self._row)

    def __len__(self):
        return len(self._row)
