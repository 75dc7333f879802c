// The GRU's recurrence over right-aligned windows, forward and backward through
// time (Backend.gruForward / gruBackward in src/engine/backend.ts give the
// formulas and layouts; src/engine/reference-gru.ts is the TypeScript twin).
//
// Per step t: one GEMM for the recurrent products of every window still running
// (h_{t−1}·W_hhᵀ, written straight into the gate cache with a row stride, so no
// copy), then one fused pass computing r, z, n and h′ element-wise. The input
// projections of all steps were one GEMM before the call. Windows are right-
// aligned, so window w runs from step steps − filled[w] on; with the batch sorted
// longest first the running windows at step t are a prefix, and the GEMM covers
// exactly them (an unsorted batch is still correct: the prefix then includes
// some padded windows, whose results are discarded).
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels.h"
#include "parallel.h"

namespace recoder {
namespace {

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// 1 + the last window that has an event at step t (0 when none has).
int64_t running_prefix(int64_t batch, int64_t steps, const int32_t* filled, int64_t t) {
  for (int64_t w = batch - 1; w >= 0; w--) {
    if (filled[w] >= steps - t) return w + 1;
  }
  return 0;
}

}  // namespace

void gru_forward(int64_t batch, int64_t steps, int64_t hidden, const float* input_projections, const float* weight_hh,
                 const float* bias_hh, const int32_t* filled, float* states, float* gates) {
  const int64_t h3 = 3 * hidden;
  const int64_t h4 = 4 * hidden;
  std::fill(states, states + batch * steps * hidden, 0.0f);
  std::fill(gates, gates + batch * steps * h4, 0.0f);
  for (int64_t t = 0; t < steps; t++) {
    const int64_t rows = running_prefix(batch, steps, filled, t);
    if (rows == 0) continue;
    float* recurrent = gates + t * h4;  // row w at w·steps·4H: [W_h·h + (b_h added below) | unused H]
    if (t > 0) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)h3, (int)hidden, 1.0f, states + (t - 1) * hidden,
                  (int)(steps * hidden), weight_hh, (int)hidden, 0.0f, recurrent, (int)(steps * h4));
    }
    RECODER_PARALLEL_FOR_STATIC(rows * h3)
    for (int64_t w = 0; w < rows; w++) {
      const int64_t slot = w * steps + t;
      float* cache = gates + slot * h4;
      float* h = states + slot * hidden;
      if (filled[w] < steps - t) {  // still padding (unsorted batch): leave zeros
        std::fill(cache, cache + h4, 0.0f);
        continue;
      }
      // The first event starts from h = 0: the GEMM above read a padded (zero) state or did not run.
      const bool has_prev = t > steps - filled[w];
      const float* x = input_projections + slot * h3;
      const float* h_prev = states + (slot - 1) * hidden;
      for (int64_t j = 0; j < hidden; j++) {
        const float hr = (t > 0 ? cache[j] : 0.0f) + bias_hh[j];
        const float hz = (t > 0 ? cache[hidden + j] : 0.0f) + bias_hh[hidden + j];
        const float hn = (t > 0 ? cache[2 * hidden + j] : 0.0f) + bias_hh[2 * hidden + j];
        const float r = sigmoid(x[j] + hr);
        const float z = sigmoid(x[hidden + j] + hz);
        const float n = std::tanh(x[2 * hidden + j] + r * hn);
        const float prev = has_prev ? h_prev[j] : 0.0f;
        h[j] = (1.0f - z) * n + z * prev;
        cache[j] = r;
        cache[hidden + j] = z;
        cache[2 * hidden + j] = n;
        cache[3 * hidden + j] = hn;
      }
    }
  }
}

void gru_backward(int64_t batch, int64_t steps, int64_t hidden, const float* weight_hh, const int32_t* filled,
                  const float* states, const float* gates, const float* grad_states, float* grad_input_projections,
                  float* grad_weight_hh, float* grad_bias_hh) {
  const int64_t h3 = 3 * hidden;
  const int64_t h4 = 4 * hidden;
  std::fill(grad_input_projections, grad_input_projections + batch * steps * h3, 0.0f);
  // carry: ∂L/∂h_t arriving from step t + 1; grad_recurrent: ∂L/∂(W_h·h_{t−1} + b_h) of step t.
  std::vector<float> carry(static_cast<size_t>(batch * hidden), 0.0f);
  std::vector<float> grad_recurrent(static_cast<size_t>(batch * h3), 0.0f);
  for (int64_t t = steps - 1; t >= 0; t--) {
    const int64_t rows = running_prefix(batch, steps, filled, t);
    if (rows == 0) continue;
    RECODER_PARALLEL_FOR_STATIC(rows * h3)
    for (int64_t w = 0; w < rows; w++) {
      const int64_t slot = w * steps + t;
      float* dr = grad_recurrent.data() + w * h3;
      float* c = carry.data() + w * hidden;
      if (filled[w] < steps - t) {
        std::fill(dr, dr + h3, 0.0f);
        std::fill(c, c + hidden, 0.0f);
        continue;
      }
      const bool has_prev = t > steps - filled[w];
      const float* cache = gates + slot * h4;
      const float* h_prev = states + (slot - 1) * hidden;
      const float* g = grad_states + slot * hidden;
      float* dx = grad_input_projections + slot * h3;
      for (int64_t j = 0; j < hidden; j++) {
        const float dh = g[j] + c[j];
        const float r = cache[j];
        const float z = cache[hidden + j];
        const float n = cache[2 * hidden + j];
        const float hn = cache[3 * hidden + j];
        const float prev = has_prev ? h_prev[j] : 0.0f;
        const float dn_pre = dh * (1.0f - z) * (1.0f - n * n);
        const float dr_pre = dn_pre * hn * r * (1.0f - r);
        const float dz_pre = dh * (prev - n) * z * (1.0f - z);
        dx[j] = dr_pre;
        dx[hidden + j] = dz_pre;
        dx[2 * hidden + j] = dn_pre;
        dr[j] = dr_pre;
        dr[hidden + j] = dz_pre;
        dr[2 * hidden + j] = dn_pre * r;
        c[j] = dh * z;
      }
    }
    for (int64_t w = 0; w < rows; w++) {
      const float* dr = grad_recurrent.data() + w * h3;
      for (int64_t g = 0; g < h3; g++) grad_bias_hh[g] += dr[g];
    }
    if (t > 0) {
      // Windows whose first event is at step t read h_{t−1} = 0 (a padded slot's zero state), so
      // they add nothing to ∂L/∂W_hh; their carry into step t − 1 lands on padding and is dropped.
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)h3, (int)hidden, (int)rows, 1.0f, grad_recurrent.data(), (int)h3,
                  states + (t - 1) * hidden, (int)(steps * hidden), 1.0f, grad_weight_hh, (int)hidden);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)hidden, (int)h3, 1.0f, grad_recurrent.data(), (int)h3,
                  weight_hh, (int)hidden, 1.0f, carry.data(), (int)hidden);
    }
  }
}

}  // namespace recoder
