/*
 * test_spells.c -- the library's one churn definition (lib/data/spells.c): each subscriber's
 * active spells under cancel, non_use and either on hand-made histories, with every spell
 * worked out by hand below; the usage data's start, ties, returns, the reason of a silent churn,
 * data without usage events, and the option aliases.
 */
#include "data/spells.h"
#include "feat_fixture.h"

/* N = 1 month = 30 days.  Days relative to T0.  The usage data start at -300 (anchor's first
 * view).
 *  0 anchor        act -400; views -300, +300: either -> [-400, -270) non-use (its view at
 *                  -300 starts the clock, nothing until +300), then a return [300, 330)
 *  1 silent        act -100; views -90, -60 -> [-100, -30) non-use, reason unknown
 *  2 cancel_first  act -100; views -100, -90, ..., 0; CANCEL +5 price -> [-100, 5) cancel;
 *                  under non_use the cancellation does not end it: last use 0 -> [-100, 30)
 *                  non-use with the cancellation's reason (price)
 *  3 returns       act -200; views -200, -100, -95 -> [-200, -170) non-use, [-100, -65)
 *                  non-use
 *  4 silent_cancel act -100; view -100; CANCEL -10 moving -> [-100, -70) non-use, reason
 *                  moving (the later cancellation tells the silent churn's cause)
 *  5 old_customer  act -2000 (long before the usage data); view -280 -> the clock starts at
 *                  -300, not at -2000: one spell [-2000, -250) non-use (counting from the
 *                  activation would churn it at -1970 and "return" it at -280)
 *  6 no_act        activation unknown; view -280 -> active since before the data, clock from
 *                  -300: [NONE, -250) non-use
 *  7 tie_cancel    act -100; view -100; CANCEL -70 price (= last use + 30 days) -> the
 *                  cancellation wins the tie: [-100, -70) cancel, price
 *  8 tie_use       act -100; views -100, -70 (exactly 30 days later: still in use) ->
 *                  [-100, -40) non-use */
static churn_dataset *spell_dataset(void) {
  fixture *fx = fx_new();
  int s;
  s = fx_sub(fx, "anchor", at(-400));
  fx_view(fx, s, at(-300), 10, 0, 0);
  fx_view(fx, s, at(300), 10, 0, 0);
  s = fx_sub(fx, "silent", at(-100));
  fx_view(fx, s, at(-90), 10, 0, 0);
  fx_view(fx, s, at(-60), 10, 0, 0);
  s = fx_sub(fx, "cancel_first", at(-100));
  for (int d = -100; d <= 0; d += 10) fx_view(fx, s, at(d), 10, 0, 0);
  fx_simple(fx, s, at(5), CHURN_EV_CANCEL, CHURN_REASON_PRICE);
  s = fx_sub(fx, "returns", at(-200));
  fx_view(fx, s, at(-200), 10, 0, 0);
  fx_view(fx, s, at(-100), 10, 0, 0);
  fx_view(fx, s, at(-95), 10, 0, 0);
  s = fx_sub(fx, "silent_cancel", at(-100));
  fx_view(fx, s, at(-100), 10, 0, 0);
  fx_simple(fx, s, at(-10), CHURN_EV_CANCEL, CHURN_REASON_MOVING);
  s = fx_sub(fx, "old_customer", at(-2000));
  fx_view(fx, s, at(-280), 10, 0, 0);
  s = fx_sub(fx, "no_act", NONE);
  fx_view(fx, s, at(-280), 10, 0, 0);
  s = fx_sub(fx, "tie_cancel", at(-100));
  fx_view(fx, s, at(-100), 10, 0, 0);
  fx_simple(fx, s, at(-70), CHURN_EV_CANCEL, CHURN_REASON_PRICE);
  s = fx_sub(fx, "tie_use", at(-100));
  fx_view(fx, s, at(-100), 10, 0, 0);
  fx_view(fx, s, at(-70), 10, 0, 0);
  churn_dataset *ds = fx_build(fx);
  free(fx);
  return ds;
}

typedef struct want_spell {
  int sub;
  int64_t start, end;
  int reason, how;
} want_spell;

#define OPEN CHURN__OPEN_END
#define NU CHURN__END_NON_USE
#define CA CHURN__END_CANCEL
#define OP CHURN__END_OPEN

static void expect_spells(const churn__spells *sp, const want_spell *w, int nw) {
  cr_assert_eq(sp->n, nw, "spells: %lld, want %d", (long long)sp->n, nw);
  for (int k = 0; k < nw; k++) {
    cr_expect(sp->off[w[k].sub] <= k && k < sp->off[w[k].sub + 1], "spell %d owner", k);
    cr_expect_eq(sp->start[k], w[k].start, "spell %d start %lld", k, (long long)sp->start[k]);
    cr_expect_eq(sp->end[k], w[k].end, "spell %d end %lld, want %lld", k, (long long)sp->end[k],
                 (long long)w[k].end);
    cr_expect_eq(sp->reason[k], w[k].reason, "spell %d reason %d", k, sp->reason[k]);
    cr_expect_eq(sp->how[k], w[k].how, "spell %d how %d", k, sp->how[k]);
  }
}

static churn_options *with_definition(int definition) {
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_CHURN_DEFINITION, definition));
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_CHURN_INACTIVE_MONTHS, 1));
  return o;
}

Test(spells, either) {
  churn_dataset *ds = spell_dataset();
  churn_options *o = with_definition(CHURN_LABEL_EITHER);
  churn__spells sp;
  ASSERT_OK(churn__spells_build(ds, o, "test", &sp));
  const want_spell w[] = {
      {0, at(-400), at(-270), 0, NU},        {0, at(300), at(330), 0, NU},
      {1, at(-100), at(-30), 0, NU},         {2, at(-100), at(5), CHURN_REASON_PRICE, CA},
      {3, at(-200), at(-170), 0, NU},        {3, at(-100), at(-65), 0, NU},
      {4, at(-100), at(-70), CHURN_REASON_MOVING, NU},
      {5, at(-2000), at(-250), 0, NU},       {6, NONE, at(-250), 0, NU},
      {7, at(-100), at(-70), CHURN_REASON_PRICE, CA},
      {8, at(-100), at(-40), 0, NU}};
  expect_spells(&sp, w, (int)(sizeof w / sizeof w[0]));
  churn__spells_free(&sp);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(spells, non_use) {
  churn_dataset *ds = spell_dataset();
  churn_options *o = with_definition(CHURN_LABEL_NON_USE);
  churn__spells sp;
  ASSERT_OK(churn__spells_build(ds, o, "test", &sp));
  /* as under either, except cancel_first (non-use at +30, price) and tie_cancel (its
   * cancellation does not end the spell: non-use at -70, price) */
  const want_spell w[] = {
      {0, at(-400), at(-270), 0, NU},        {0, at(300), at(330), 0, NU},
      {1, at(-100), at(-30), 0, NU},         {2, at(-100), at(30), CHURN_REASON_PRICE, NU},
      {3, at(-200), at(-170), 0, NU},        {3, at(-100), at(-65), 0, NU},
      {4, at(-100), at(-70), CHURN_REASON_MOVING, NU},
      {5, at(-2000), at(-250), 0, NU},       {6, NONE, at(-250), 0, NU},
      {7, at(-100), at(-70), CHURN_REASON_PRICE, NU},
      {8, at(-100), at(-40), 0, NU}};
  expect_spells(&sp, w, (int)(sizeof w / sizeof w[0]));
  churn__spells_free(&sp);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(spells, cancel) {
  churn_dataset *ds = spell_dataset();
  churn_options *o = with_definition(CHURN_LABEL_CANCEL);
  churn__spells sp;
  ASSERT_OK(churn__spells_build(ds, o, "test", &sp));
  const want_spell w[] = {
      {0, at(-400), OPEN, 0, OP},   {1, at(-100), OPEN, 0, OP},
      {2, at(-100), at(5), CHURN_REASON_PRICE, CA},
      {3, at(-200), OPEN, 0, OP},   {4, at(-100), at(-10), CHURN_REASON_MOVING, CA},
      {5, at(-2000), OPEN, 0, OP},  {6, NONE, OPEN, 0, OP},
      {7, at(-100), at(-70), CHURN_REASON_PRICE, CA},
      {8, at(-100), OPEN, 0, OP}};
  expect_spells(&sp, w, (int)(sizeof w / sizeof w[0]));
  churn__spells_free(&sp);
  churn_options_free(o);
  churn_dataset_free(ds);
}

/* The old label keys are aliases: setting one sets the one value, read through either key. */
Test(spells, option_aliases) {
  churn_options *o = NULL;
  ASSERT_OK(churn_options_new(&o));
  int64_t v = -1;
  ASSERT_OK(churn_options_get_int(o, CHURN_OPT_CHURN_DEFINITION, &v));
  cr_expect_eq(v, CHURN_LABEL_EITHER);
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_LABEL_DEFINITION, CHURN_LABEL_CANCEL));
  ASSERT_OK(churn_options_get_int(o, CHURN_OPT_CHURN_DEFINITION, &v));
  cr_expect_eq(v, CHURN_LABEL_CANCEL);
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_CHURN_INACTIVE_MONTHS, 7));
  ASSERT_OK(churn_options_get_int(o, CHURN_OPT_LABEL_INACTIVE_MONTHS, &v));
  cr_expect_eq(v, 7);
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_CHURN_DEFINITION, 3), CHURN_E_RANGE,
               "churn.definition");
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_CHURN_INACTIVE_MONTHS, 121), CHURN_E_RANGE,
               "churn.inactive_months");
  ASSERT_FAILS(churn_options_set_int(o, CHURN_OPT_LABEL_INACTIVE_MONTHS, 0), CHURN_E_RANGE,
               "labels.inactive_months");
  churn_option key;
  ASSERT_OK(churn_option_find("churn.definition", &key));
  cr_expect_eq(key, CHURN_OPT_CHURN_DEFINITION);
  churn_options_free(o);
}

/* Billing data only (no VIEW or USAGE events): non-use cannot be judged.  non_use fails
 * naming the reason; either judges by cancellation alone (nobody churns silently). */
Test(spells, no_usage_data) {
  fixture *fx = fx_new();
  int s = fx_sub(fx, "a", at(-400));
  fx_simple(fx, s, at(-10), CHURN_EV_CANCEL, CHURN_REASON_PRICE);
  fx_sub(fx, "b", at(-400));
  churn_dataset *ds = fx_build(fx);
  free(fx);
  churn_options *o = with_definition(CHURN_LABEL_NON_USE);
  churn__spells sp;
  ASSERT_FAILS(churn__spells_build(ds, o, "fn", &sp), CHURN_E_DATA,
               "fn: churn.definition = non_use, but the dataset has no VIEW or USAGE events");
  ASSERT_OK(churn_options_set_int(o, CHURN_OPT_CHURN_DEFINITION, CHURN_LABEL_EITHER));
  ASSERT_OK(churn__spells_build(ds, o, "fn", &sp));
  const want_spell w[] = {{0, at(-400), at(-10), CHURN_REASON_PRICE, CA},
                          {1, at(-400), OPEN, 0, OP}};
  expect_spells(&sp, w, 2);
  churn__spells_free(&sp);
  churn_options_free(o);
  churn_dataset_free(ds);
}

Test(spells, allocation_failures) {
  churn_dataset *ds = spell_dataset();
  churn_options *o = with_definition(CHURN_LABEL_EITHER);
  bool done = false;
  for (uint64_t k = 1; k < 100 && !done; k++) {
    churn_testing_fail_alloc(k);
    churn__spells sp;
    churn_status st = churn__spells_build(ds, o, "test", &sp);
    churn_testing_fail_alloc(0);
    if (st == CHURN_OK) {
      churn__spells_free(&sp);
      done = true;
    } else {
      cr_assert_eq(st, CHURN_E_NOMEM);
    }
  }
  cr_assert(done);
  churn_options_free(o);
  churn_dataset_free(ds);
}
