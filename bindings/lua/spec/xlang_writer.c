/*
 * xlang_writer.c -- the C side of the Lua binding's cross-language check.  Makes a small
 * deterministic churn sample, fits a model with the C API, saves it, and writes a text file the
 * Lua spec reads back:
 *   line 1: the feature names
 *   then one line per row: the d feature values, y, and the C probability, each as %.17g
 *   (which round-trips doubles exactly), and a last line "coef b0 b1 .. bd" (intercept first).
 * Usage: lua_xlang_writer MODEL_PATH DATA_PATH
 */
#include <churn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#define N 240
#define D 3

static const char *const NAMES[D] = {"tenure_months", "arrears", "faults_90d"};

/* A fixed linear congruential generator, so the sample is the same on every machine. */
static double uniform(uint64_t *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(*s >> 11) / 9007199254740992.0;
}

static int fail(const char *what, churn_status st) {
  fprintf(stderr, "%s: %s: %s\n", what, churn_status_name(st), churn_last_error());
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MODEL_PATH DATA_PATH\n", argv[0]);
    return 2;
  }
  static double x[N * D], y[N], p[N];
  uint64_t s = 20261125;
  for (int i = 0; i < N; i++) {
    double tenure = floor(uniform(&s) * 120), arrears = floor(uniform(&s) * 400) / 4;
    double faults = floor(uniform(&s) * 4);
    x[i * D + 0] = tenure;
    x[i * D + 1] = arrears;
    x[i * D + 2] = faults;
    double eta = -0.5 - 0.02 * tenure + 0.015 * arrears + 0.6 * faults;
    y[i] = uniform(&s) < 1 / (1 + exp(-eta)) ? 1.0 : 0.0;
  }
  churn_model *model = NULL;
  churn_status st = churn_model_fit(x, CHURN_F64, N, D, D, y, NULL, NAMES, NULL, &model);
  if (st != CHURN_OK) return fail("fit", st);
  double coef[D], b0;
  if ((st = churn_model_predict_proba(model, x, CHURN_F64, N, D, D, p)) != CHURN_OK ||
      (st = churn_model_coef(model, coef, &b0)) != CHURN_OK ||
      (st = churn_model_save(model, argv[1])) != CHURN_OK) {
    churn_model_free(model);
    return fail("score/save", st);
  }
  churn_model_free(model);
  FILE *f = fopen(argv[2], "w");
  if (!f) {
    perror(argv[2]);
    return 1;
  }
  fprintf(f, "%s %s %s\n", NAMES[0], NAMES[1], NAMES[2]);
  for (int i = 0; i < N; i++) {
    fprintf(f, "%.17g %.17g %.17g %.17g %.17g\n", x[i * D], x[i * D + 1], x[i * D + 2], y[i],
            p[i]);
  }
  fprintf(f, "coef %.17g %.17g %.17g %.17g\n", b0, coef[0], coef[1], coef[2]);
  return fclose(f) == 0 ? 0 : 1;
}
