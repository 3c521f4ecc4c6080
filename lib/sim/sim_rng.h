/*
 * sim_rng.h -- the simulator's random streams: splitmix64 derives a 256-bit xoshiro256** state
 * from (seed, stream number), so every subscriber draws from its own independent stream and the
 * simulated data do not depend on how subscribers are spread over threads.  Header-only, no
 * state outside the caller's churn__rng.
 */
#ifndef CHURN_SIM_RNG_H
#define CHURN_SIM_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct churn__rng {
  uint64_t s[4];
} churn__rng;

static inline uint64_t churn__splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* The state of stream `stream` of `seed`: splitmix64 over a mix of both words. */
static inline void churn__rng_seed(churn__rng *r, uint64_t seed, uint64_t stream) {
  uint64_t x = seed;
  uint64_t mixed = churn__splitmix64(&x) ^ (stream * 0xD1B54A32D192ED03ull);
  x = mixed;
  for (int i = 0; i < 4; i++) r->s[i] = churn__splitmix64(&x);
  if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0) r->s[0] = 1;  /* never all zero */
}

static inline uint64_t churn__rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** (Blackman and Vigna). */
static inline uint64_t churn__rng_next(churn__rng *r) {
  uint64_t *s = r->s;
  uint64_t result = churn__rng_rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = churn__rng_rotl(s[3], 45);
  return result;
}

/* Uniform on [0, 1) with 53 random bits. */
static inline double churn__rng_unif(churn__rng *r) {
  return (double)(churn__rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform on [a, b). */
static inline double churn__rng_range(churn__rng *r, double a, double b) {
  return a + (b - a) * churn__rng_unif(r);
}

/* Uniform integer in [0, n) (n >= 1; the tiny modulo bias of 64-bit draws is irrelevant here). */
static inline int64_t churn__rng_int(churn__rng *r, int64_t n) {
  return (int64_t)(churn__rng_next(r) % (uint64_t)n);
}

static inline int churn__rng_bern(churn__rng *r, double p) { return churn__rng_unif(r) < p; }

/* Standard normal by Box-Muller (one of the pair; simplicity over speed). */
static inline double churn__rng_normal(churn__rng *r) {
  double u1 = 1.0 - churn__rng_unif(r); /* (0, 1] */
  double u2 = churn__rng_unif(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static inline double churn__rng_lognormal(churn__rng *r, double mu, double sigma) {
  return exp(mu + sigma * churn__rng_normal(r));
}

/* Poisson by Knuth's product of uniforms; means here are small (< 30), larger ones use a
 * rounded normal approximation. */
static inline int churn__rng_poisson(churn__rng *r, double mean) {
  if (!(mean > 0)) return 0;
  if (mean > 30) {
    double x = mean + sqrt(mean) * churn__rng_normal(r) + 0.5;
    return x < 0 ? 0 : (int)x;
  }
  double limit = exp(-mean), p = 1.0;
  int k = -1;
  do {
    k++;
    p *= churn__rng_unif(r);
  } while (p > limit);
  return k;
}

/* Index drawn from n non-negative weights (their sum > 0). */
static inline int churn__rng_pick(churn__rng *r, const double *w, int n) {
  double sum = 0;
  for (int i = 0; i < n; i++) sum += w[i];
  double u = churn__rng_unif(r) * sum;
  for (int i = 0; i < n - 1; i++) {
    if (u < w[i]) return i;
    u -= w[i];
  }
  return n - 1;
}

#endif
