// Causal multi-head scaled dot-product self-attention over packed windows
// (each window's events on consecutive rows, so PAD slots take no rows and no
// work) (Vaswani et al. 2017, eq. 1; SASRec, Kang &
// McAuley 2018, §III-B: a query attends only to itself and earlier slots).
// Scale, causal/padding mask, softmax and the dropout on the attention
// weights are fused into one pass per (window, head); src/engine/backend.ts
// documents the shapes, src/engine/reference-attention.ts is the twin.
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "parallel.h"

namespace recoder {

namespace {

struct Layout {
  Layout(const AttentionShape& shape)
      : batch(shape.batch), length(shape.length), heads(shape.heads), head_size(shape.head_size),
        width(shape.heads * shape.head_size), first_row(static_cast<size_t>(shape.batch) + 1, 0) {
    for (int64_t b = 0; b < batch; ++b) first_row[b + 1] = first_row[b] + shape.filled[b];
  }
  int64_t batch, length, heads, head_size, width;
  // Window b's rows start at the sum of the earlier windows' filled counts.
  std::vector<int64_t> first_row;
  // Slot t of window b, head h's first column in q/k/v/out.
  int64_t offset(int64_t b, int64_t t, int64_t h) const { return (first_row[b] + t) * width + h * head_size; }
  // Start of the (b, h) block of probs (length × length).
  int64_t block(int64_t b, int64_t h) const { return (b * heads + h) * length * length; }
};

inline float dot(const float* a, const float* b, int64_t n) {
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int64_t c = 0; c < n; ++c) sum += a[c] * b[c];
  return sum;
}

}  // namespace

void causal_attention_forward(const AttentionShape& shape, const float* q, const float* k, const float* v,
                              double keep_prob, const uint8_t* mask, float* probs, float* out) {
  const Layout at(shape);
  const int64_t L = at.length, dh = at.head_size;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  const bool dropped = mask != nullptr && keep_prob < 1.0;
  const float inverse_keep = static_cast<float>(1.0 / keep_prob);
  const int64_t pairs = at.batch * at.heads;
  RECODER_PARALLEL_FOR_STATIC(pairs * L * L * dh)
  for (int64_t pair = 0; pair < pairs; ++pair) {
    const int64_t b = pair / at.heads, h = pair % at.heads;
    const int64_t n = shape.filled[b];
    float* p_block = probs + at.block(b, h);
    std::memset(p_block, 0, sizeof(float) * L * L);
    for (int64_t i = 0; i < n; ++i) {
      float* p = p_block + i * L;
      const float* qi = q + at.offset(b, i, h);
      float max = -INFINITY;
      for (int64_t j = 0; j <= i; ++j) {
        p[j] = scale * dot(qi, k + at.offset(b, j, h), dh);
        max = std::max(max, p[j]);
      }
      float sum = 0.0f;
      for (int64_t j = 0; j <= i; ++j) {
        p[j] = std::exp(p[j] - max);
        sum += p[j];
      }
      const float inverse = 1.0f / sum;
      float* oi = out + at.offset(b, i, h);
      std::memset(oi, 0, sizeof(float) * dh);
      const uint8_t* m = dropped ? mask + at.block(b, h) + i * L : nullptr;
      for (int64_t j = 0; j <= i; ++j) {
        p[j] *= inverse;
        const float weight = m ? (m[j] ? p[j] * inverse_keep : 0.0f) : p[j];
        if (weight == 0.0f) continue;
        const float* vj = v + at.offset(b, j, h);
#pragma omp simd
        for (int64_t c = 0; c < dh; ++c) oi[c] += weight * vj[c];
      }
    }
  }
}

void causal_attention_backward(const AttentionShape& shape, const float* grad_out, const float* q, const float* k,
                               const float* v, const float* probs, double keep_prob, const uint8_t* mask,
                               float* grad_q, float* grad_k, float* grad_v) {
  const Layout at(shape);
  const int64_t L = at.length, dh = at.head_size;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  const bool dropped = mask != nullptr && keep_prob < 1.0;
  const float inverse_keep = static_cast<float>(1.0 / keep_prob);
  const int64_t pairs = at.batch * at.heads;
  RECODER_PARALLEL_FOR_STATIC(pairs * L * L * dh)
  for (int64_t pair = 0; pair < pairs; ++pair) {
    const int64_t b = pair / at.heads, h = pair % at.heads;
    const int64_t n = shape.filled[b];
    for (int64_t t = 0; t < n; ++t) {
      std::memset(grad_q + at.offset(b, t, h), 0, sizeof(float) * dh);
      std::memset(grad_k + at.offset(b, t, h), 0, sizeof(float) * dh);
      std::memset(grad_v + at.offset(b, t, h), 0, sizeof(float) * dh);
    }
    std::vector<float> grad_scores(static_cast<size_t>(L));
    for (int64_t i = 0; i < n; ++i) {
      const float* p = probs + at.block(b, h) + i * L;
      const uint8_t* m = dropped ? mask + at.block(b, h) + i * L : nullptr;
      const float* gi = grad_out + at.offset(b, i, h);
      // dP_ij = (dO_i · v_j)·mask_ij/keep; dV_j += p′_ij dO_i with p′ the dropped weights.
      float weighted = 0.0f;
      for (int64_t j = 0; j <= i; ++j) {
        const float keep_scale = m ? (m[j] ? inverse_keep : 0.0f) : 1.0f;
        float* gvj = grad_v + at.offset(b, j, h);
        const float weight = p[j] * keep_scale;
        if (weight != 0.0f) {
#pragma omp simd
          for (int64_t c = 0; c < dh; ++c) gvj[c] += weight * gi[c];
        }
        const float gp = keep_scale == 0.0f ? 0.0f : dot(gi, v + at.offset(b, j, h), dh) * keep_scale;
        grad_scores[j] = gp;
        weighted += p[j] * gp;
      }
      // Softmax backward: dS_ij = p_ij (dP_ij − Σ_j′ p_ij′ dP_ij′), then the scaled products.
      const float* qi = q + at.offset(b, i, h);
      float* gqi = grad_q + at.offset(b, i, h);
      for (int64_t j = 0; j <= i; ++j) {
        const float ds = scale * p[j] * (grad_scores[j] - weighted);
        if (ds == 0.0f) continue;
        const float* kj = k + at.offset(b, j, h);
        float* gkj = grad_k + at.offset(b, j, h);
#pragma omp simd
        for (int64_t c = 0; c < dh; ++c) {
          gqi[c] += ds * kj[c];
          gkj[c] += ds * qi[c];
        }
      }
    }
  }
}

}  // namespace recoder
