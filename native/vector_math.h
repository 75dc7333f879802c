// Branch-free float exp and tanh that the compiler vectorises inside `omp simd`
// loops. glibc's expf/tanhf are scalar calls unless -ffast-math is on (which we
// avoid: it would also let the compiler reorder our reductions), and on
// 500 × 3,706 softmax rows or 500 × 600 tanh layers those calls were the
// largest kernel cost of an epoch. Both follow Cephes (Moshier) single
// precision: error within 2 ulp of the correctly rounded result over the
// ranges documented below, which test/engine/agreement.test.ts checks against
// the reference backend's Math.exp / Math.tanh.
#pragma once

#include <cmath>
#include <cstdint>

namespace recoder {

// e^x. Inputs are clamped to [−87, 88] so that 2^n stays a normal float: e^−87 ≈ 1.6e−38 stands in
// for anything smaller (true underflow would give 0 or a subnormal) and e^88 ≈ 1.7e38 for anything
// larger (instead of ∞); NaN propagates. Softmax shifts by the row maximum, so its arguments are ≤ 0
// and the lower clamp only replaces terms that are already negligible beside the maximum's 1.
inline float exp_approx(float x) {
  // Written so that GCC vectorises it without -ffast-math: ternaries (not std::min/max, which it
  // will not if-convert), and n rounded by adding and subtracting 1.5·2²³ (not std::floor or a
  // float-to-int conversion, which count as trapping and keep the loop scalar). The addon must
  // not be built with -ffast-math or -fassociative-math, which would fold that pair away.
  const float clamped = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  // x = n·ln 2 + r with |r| ≤ ln2/2, n the nearest integer to x/ln 2.
  constexpr float kRoundingShift = 12582912.0f;  // 1.5·2²³: float addition of it rounds to an integer
  const float shifted = clamped * 1.44269504088896341f + kRoundingShift;
  const float n = shifted - kRoundingShift;
  const int32_t n_int = __builtin_bit_cast(int32_t, shifted) - __builtin_bit_cast(int32_t, kRoundingShift);
  // ln 2 split into a part exact in float and a correction, so that n·ln 2 is subtracted without rounding.
  float r = clamped - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e_r = p * r * r + r + 1.0f;
  const float two_to_n = __builtin_bit_cast(float, (n_int + 127) << 23);
  // x != x only for NaN: keep it NaN rather than the clamp's finite value.
  return x != x ? x : e_r * two_to_n;
}

// tanh x: an odd polynomial for |x| < 0.625 (where 1 − 2/(e^{2|x|} + 1) would cancel), the exp form
// beyond; |x| ≥ 9 gives ±1 exactly as in float.
inline float tanh_approx(float x) {
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float near_zero = x + x * z * p;
  const float magnitude = std::fabs(x);
  const float e = exp_approx(2.0f * (magnitude < 9.0f ? magnitude : 9.0f));
  const float far = std::copysign(1.0f - 2.0f / (e + 1.0f), x);
  // Compared this way round so that NaN (for which every comparison is false) takes the NaN polynomial.
  return magnitude >= 0.625f ? far : near_zero;
}

// 1 / (1 + e^−x); saturates to 1 above x ≈ 17 and to ~6e−39 below x = −88.
inline float sigmoid_approx(float x) { return 1.0f / (1.0f + exp_approx(-x)); }

}  // namespace recoder
