"""Cross-check of the recipe's bag-of-words baseline with sklearn, on the exact split a run used.

    /usr/bin/python3 recipes/text-lstm/sklearn_baseline.py runs/text-lstm-<time>

reads RUN/split/{train,val,test}.csv (written by the run at its start) and prints TfidfVectorizer() +
LogisticRegression(C=1) accuracy and macro-F1 on validation and test, which the run logs as baseline_val_* and
baseline_test_* (BowBaseline.cs fits the same model).
"""

import csv
import os
import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score


def read(run, name):
    with open(os.path.join(run, "split", name + ".csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def main():
    run = sys.argv[1]
    (xtr, ytr), (xva, yva), (xte, yte) = (read(run, s) for s in ("train", "val", "test"))
    vectorizer = TfidfVectorizer()
    model = LogisticRegression(C=1.0, max_iter=5000).fit(vectorizer.fit_transform(xtr), ytr)
    for name, x, y in (("val", xva, yva), ("test", xte, yte)):
        p = model.predict(vectorizer.transform(x))
        print(f"sklearn baseline {name}: acc {accuracy_score(y, p):.4f}, macro-F1 {f1_score(y, p, average='macro'):.4f} ({len(y)} texts)")


if __name__ == "__main__":
    main()
