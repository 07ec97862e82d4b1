// The complementary error function twice: a float64 one close to the true value (the reference
// every kernel is held to) and the float32 approximation the WGSL helper computes (its
// coefficients live here so codegen prints the numbers this file's twin evaluates).

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erfc(x) in float64 to about 1e-15 relative: for |x| < 2 from the series
 * erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) (positive terms, no cancellation;
 * 1 − erf then loses at most two digits, erfc(2) being 0.0047), and from x ≥ 2 from the continued
 * fraction erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))) by the modified Lentz
 * method, which converges quickly there. Negative x uses erfc(−x) = 2 − erfc(x).
 */
export function erfc64(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc64(-x);
  if (x < 2) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
  }
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/**
 * Coefficients of the float32 erfc: for z ≥ 0, t = 1/(1 + z/2) and
 * erfc(z) ≈ t·exp(−z² + c₀ + t(c₁ + t(c₂ + … + t·c₉))), a Chebyshev fit with a relative error
 * below 1.2e-7 for every z ≥ 0 (Press et al., Numerical Recipes, §6.2 "erfcc"): relative, so the
 * tail of GELU at large negative x keeps its digits, which an absolute bound such as
 * Abramowitz–Stegun 7.1.26's 1.5e-7 would not (erfc(3) is 2.2e-5).
 */
export const ERFC_COEFFS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
  0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277,
] as const;

/** The float32 approximation as the WGSL helper computes it, here in float64 (its twin, for tests). */
export function erfcApprox(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  let poly = ERFC_COEFFS[ERFC_COEFFS.length - 1]!;
  for (let k = ERFC_COEFFS.length - 2; k >= 1; k--) poly = ERFC_COEFFS[k]! + t * poly;
  const r = t * Math.exp(-z * z + ERFC_COEFFS[0] + t * poly);
  return x < 0 ? 2 - r : r;
}
