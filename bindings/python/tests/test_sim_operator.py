"""The simulator's truth table against pandas on its own events (issue 19 item 9): which churn
was a cancellation, which was silent, which subscriber came back under its id or a new one
(the same person), and the person column of the dataset."""
import pandas as pd
import pytest

import churn


@pytest.fixture(scope="module")
def sim():
    return churn.simulate(subscribers=4000, months=18, seed=5, silent_other_share=0.3,
                          return_same_id=0.5, seasonality=0.3)


def test_churn_types_match_the_events(sim):
    ds, truth = sim
    ev = ds.events
    cancels = ev[ev.kind == "cancel"].groupby("subscriber_id").time.min()
    t = truth.join(cancels.rename("first_cancel"))
    cancel = t[t.churn_type == "cancel"]
    assert len(cancel) > 0 and (cancel.first_cancel == cancel.churn_time).all()
    silent = t[t.churn_type == "silent"]
    assert len(silent) > 0 and silent.first_cancel.isna().all()
    assert set(silent.driver_name) - {"moving"}          # silent churners of other drivers
    assert t[t.churn_type == "none"].first_cancel.isna().all()
    # the pandas count of cancelled subscribers equals the truth's
    assert cancels.index.nunique() == (truth.churn_type == "cancel").sum()


def test_returns_and_person(sim):
    ds, truth = sim
    ev = ds.events
    acts = ev[ev.kind == "activation"].groupby("subscriber_id").size()
    same = truth[truth.return_type == "same_id"]
    new = truth[truth.return_type == "new_id"]
    assert len(same) > 0 and len(new) > 0
    assert (acts.reindex(same.index) == 2).all()            # the old id activated again
    assert (acts.reindex(truth.index.difference(same.index)) == 1).all()
    returned_at = ev[ev.kind == "activation"].groupby("subscriber_id").time.max()
    assert (returned_at.reindex(same.index) == same.return_time).all()
    # a return under a new id is the same person as the subscription it returns from
    prev_person = truth.person.iloc[new.previous_index.to_numpy()].to_numpy()
    assert (new.person.to_numpy() == prev_person).all()
    subs = ds.subscribers
    assert (subs.person.astype(str).reindex(truth.index) == truth.person).all()
    assert subs.person.nunique() == len(truth) - len(new)
