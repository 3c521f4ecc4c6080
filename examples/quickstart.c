/*
 * quickstart.c -- the smallest useful libchurn program: check the library version and configure
 * a fit through the options object, reporting errors the way every libchurn call does.
 */
#include <churn.h>
#include <stdio.h>

static int check(churn_status st) {
  if (st != CHURN_OK) {
    fprintf(stderr, "libchurn: %s: %s\n", churn_status_name(st), churn_last_error());
    return 1;
  }
  return 0;
}

int main(void) {
  printf("libchurn %s\n", churn_version_string());
  if (churn_version_number() < CHURN_VERSION_NUMBER) {
    fprintf(stderr, "library older than this program was built for\n");
    return 1;
  }
  churn_options *opts = NULL;
  if (check(churn_options_new(&opts))) return 1;
  int rc = check(churn_options_set_int(opts, CHURN_OPT_FIT_PENALTY, CHURN_PENALTY_L2)) ||
           check(churn_options_set_real(opts, CHURN_OPT_FIT_C, 0.5));
  double c = 0;
  rc = rc || check(churn_options_get_real(opts, CHURN_OPT_FIT_C, &c));
  if (!rc) printf("fit.C = %g\n", c);
  /* An invalid value is refused with a message that names the option. */
  if (churn_options_set_real(opts, CHURN_OPT_FIT_C, -1.0) != CHURN_OK) {
    printf("rejected as expected: %s\n", churn_last_error());
  }
  churn_options_free(opts);
  return rc;
}
