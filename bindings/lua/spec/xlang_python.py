"""xlang_python.py -- the Python side of the Lua binding's cross-language check: fits a
LogisticRegression (L2) with the Python binding on a fixed random sample whose columns are a
pandas DataFrame (so the names travel), saves the model, and writes a text file the Lua spec reads:
line 1 the feature names, then per row the feature values and Python's probability (repr, which
round-trips doubles exactly).
Usage: /usr/bin/python3 xlang_python.py MODEL_PATH DATA_PATH   (PYTHONPATH=bindings/python,
CHURN_LIBRARY=<build>/lib/libchurn.so).  A Python binding that cannot be loaded is an error
(a traceback and exit status 1), which fails the spec: a broken install must not pass as
"pending".  The spec skips this check only for a sanitizer build (CHURN_LUA_SANITIZED).
"""
import sys

import numpy as np
import pandas as pd
import churn

rng = np.random.RandomState(7)
n = 150
X = pd.DataFrame({
    "tenure_months": rng.randint(0, 120, n).astype(float),
    "arrears": rng.randint(0, 400, n) / 4.0,
    "complaints": rng.randint(0, 3, n).astype(float),
})
eta = -0.4 - 0.02 * X["tenure_months"] + 0.01 * X["arrears"] + 0.5 * X["complaints"]
y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
model = churn.LogisticRegression(penalty="l2", C=0.5).fit(X, y)
model.save(sys.argv[1])
p = model.predict_proba(X)[:, 1]
with open(sys.argv[2], "w") as f:
    f.write(" ".join(X.columns) + "\n")
    for row, pi in zip(X.itertuples(index=False), p):
        f.write(" ".join(repr(float(v)) for v in row) + " " + repr(float(pi)) + "\n")
