// Element-wise kernels, row softmax, losses, dropout and optimiser updates of
// the native backend. Formulas are documented on the Backend interface
// (src/engine/backend.ts); the TypeScript twins are in
// src/engine/reference-pointwise.ts.
#include <algorithm>
#include <cmath>

#include "kernels.h"
#include "parallel.h"
#include "vector_math.h"

namespace recoder {

void activation_forward(Activation activation, const float* x, float* out, int64_t n) {
  switch (activation) {
    case Activation::identity:
      if (out != x) std::copy(x, x + n, out);
      return;
    case Activation::sigmoid:
      RECODER_PARALLEL_FOR_SIMD(n)
      for (int64_t i = 0; i < n; i++) out[i] = sigmoid_approx(x[i]);
      return;
    case Activation::tanh:
      RECODER_PARALLEL_FOR_SIMD(n)
      for (int64_t i = 0; i < n; i++) out[i] = tanh_approx(x[i]);
      return;
    case Activation::relu:
      RECODER_PARALLEL_FOR_SIMD(n)
      for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0.0f ? x[i] : 0.0f;
      return;
  }
}

void activation_backward(Activation activation, const float* output, const float* grad_output, float* grad_input, int64_t n) {
  switch (activation) {
    case Activation::identity:
      if (grad_input != grad_output) std::copy(grad_output, grad_output + n, grad_input);
      return;
    case Activation::sigmoid:
      RECODER_PARALLEL_FOR_SIMD(n)
      for (int64_t i = 0; i < n; i++) grad_input[i] = grad_output[i] * output[i] * (1.0f - output[i]);
      return;
    case Activation::tanh:
      RECODER_PARALLEL_FOR_SIMD(n)
      for (int64_t i = 0; i < n; i++) grad_input[i] = grad_output[i] * (1.0f - output[i] * output[i]);
      return;
    case Activation::relu:
      RECODER_PARALLEL_FOR_SIMD(n)
      for (int64_t i = 0; i < n; i++) grad_input[i] = output[i] > 0.0f ? grad_output[i] : 0.0f;
      return;
  }
}

void swish_forward(const float* x, float* out, int64_t n) {
  RECODER_PARALLEL_FOR_SIMD(n)
  for (int64_t i = 0; i < n; i++) out[i] = x[i] * sigmoid_approx(x[i]);
}

void swish_backward(const float* x, const float* grad_output, float* grad_input, int64_t n) {
  RECODER_PARALLEL_FOR_SIMD(n)
  for (int64_t i = 0; i < n; i++) {
    const float s = sigmoid_approx(x[i]);
    grad_input[i] = grad_output[i] * s * (1.0f + x[i] * (1.0f - s));
  }
}

void layer_norm_rows(const float* x, int64_t rows, int64_t cols, const float* scale, const float* shift, float epsilon,
                     float* out, float* normalised, float* inverse_deviations) {
  RECODER_PARALLEL_FOR_STATIC(rows * cols)
  for (int64_t r = 0; r < rows; r++) {
    const float* x_row = x + r * cols;
    float* out_row = out + r * cols;
    float* n_row = normalised + r * cols;
    // Two passes (mean, then squared deviations) in double: the one-pass E[x²] − E[x]² cancels.
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (int64_t c = 0; c < cols; c++) sum += x_row[c];
    const double mean = sum / static_cast<double>(cols);
    double squares = 0.0;
#pragma omp simd reduction(+ : squares)
    for (int64_t c = 0; c < cols; c++) squares += (x_row[c] - mean) * (x_row[c] - mean);
    const float inverse = static_cast<float>(1.0 / std::sqrt(squares / static_cast<double>(cols) + epsilon));
    inverse_deviations[r] = inverse;
    const float mean_f = static_cast<float>(mean);
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) {
      const float x_hat = (x_row[c] - mean_f) * inverse;
      n_row[c] = x_hat;
      out_row[c] = scale[c] * x_hat + shift[c];
    }
  }
}

void layer_norm_rows_backward(const float* grad_output, const float* normalised, const float* inverse_deviations,
                              int64_t rows, int64_t cols, const float* scale, float* grad_scale, float* grad_shift,
                              float* grad_input) {
  // The parameter gradients sum over rows, so they are taken first, by blocks of columns (as
  // bias_gradient does), before grad_input may overwrite grad_output.
  constexpr int64_t kBlock = 256;
  const int64_t blocks = (cols + kBlock - 1) / kBlock;
  RECODER_PARALLEL_FOR_STATIC(rows * cols)
  for (int64_t block = 0; block < blocks; block++) {
    const int64_t c_begin = block * kBlock, c_end = std::min(cols, c_begin + kBlock);
    double scale_sums[kBlock] = {0}, shift_sums[kBlock] = {0};
    for (int64_t r = 0; r < rows; r++) {
      const float* g_row = grad_output + r * cols;
      const float* n_row = normalised + r * cols;
#pragma omp simd
      for (int64_t c = c_begin; c < c_end; c++) {
        scale_sums[c - c_begin] += g_row[c] * n_row[c];
        shift_sums[c - c_begin] += g_row[c];
      }
    }
    for (int64_t c = c_begin; c < c_end; c++) {
      grad_scale[c] += static_cast<float>(scale_sums[c - c_begin]);
      grad_shift[c] += static_cast<float>(shift_sums[c - c_begin]);
    }
  }
  RECODER_PARALLEL_FOR_STATIC(rows * cols)
  for (int64_t r = 0; r < rows; r++) {
    const float* g_row = grad_output + r * cols;
    const float* n_row = normalised + r * cols;
    float* gi_row = grad_input + r * cols;
    double sum_d = 0.0, sum_dx = 0.0;
#pragma omp simd reduction(+ : sum_d, sum_dx)
    for (int64_t c = 0; c < cols; c++) {
      const double d = g_row[c] * scale[c];
      sum_d += d;
      sum_dx += d * n_row[c];
    }
    const float mean_d = static_cast<float>(sum_d / static_cast<double>(cols));
    const float mean_dx = static_cast<float>(sum_dx / static_cast<double>(cols));
    const float inverse = inverse_deviations[r];
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) gi_row[c] = inverse * (g_row[c] * scale[c] - mean_d - n_row[c] * mean_dx);
  }
}

void scale(float* x, int64_t n, float alpha) {
  RECODER_PARALLEL_FOR_SIMD(n)
  for (int64_t i = 0; i < n; i++) x[i] *= alpha;
}

void axpy(float alpha, const float* x, float* y, int64_t n) {
  RECODER_PARALLEL_FOR_SIMD(n)
  for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i];
}

// The maximum of a row, the shift that keeps exp from overflowing (the log-sum-exp trick).
static inline float row_max(const float* row, int64_t cols) {
  float max = -INFINITY;
#pragma omp simd reduction(max : max)
  for (int64_t c = 0; c < cols; c++) max = row[c] > max ? row[c] : max;
  return max;
}

void log_softmax_rows(const float* x, int64_t rows, int64_t cols, float* out) {
  RECODER_PARALLEL_FOR_STATIC(rows * cols)
  for (int64_t r = 0; r < rows; r++) {
    const float* x_row = x + r * cols;
    float* out_row = out + r * cols;
    const float max = row_max(x_row, cols);
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t c = 0; c < cols; c++) sum += exp_approx(x_row[c] - max);
    // (x − max) − log Σ: subtracting max + log Σ in one go would lose the small log Σ beside a large max.
    const float log_sum = std::log(sum);
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) out_row[c] = (x_row[c] - max) - log_sum;
  }
}

void log_softmax_rows_backward(const float* log_probs, const float* grad_output, int64_t rows, int64_t cols, float* grad_input) {
  RECODER_PARALLEL_FOR_STATIC(rows * cols)
  for (int64_t r = 0; r < rows; r++) {
    const float* lp_row = log_probs + r * cols;
    const float* g_row = grad_output + r * cols;
    float* gi_row = grad_input + r * cols;
    double grad_sum = 0.0;
#pragma omp simd reduction(+ : grad_sum)
    for (int64_t c = 0; c < cols; c++) grad_sum += g_row[c];
    const float total = static_cast<float>(grad_sum);
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) gi_row[c] = g_row[c] - exp_approx(lp_row[c]) * total;
  }
}

double softmax_cross_entropy_rows(const float* logits, const Csr& targets, float scale, float* grad) {
  check_csr("softmaxCrossEntropyRows", "targets", targets);
  const int64_t rows = targets.n_rows, cols = targets.n_cols;
  double loss = 0.0;
  // One pass over a row for the maximum, one that leaves e^(x − max) in the gradient row and sums it,
  // one that scales it into softmax·Σx; the targets' terms are then subtracted at their entries.
  RECODER_PARALLEL_FOR_REDUCE_LOSS(rows * cols)
  for (int64_t r = 0; r < rows; r++) {
    const float* x_row = logits + r * cols;
    float* g_row = grad + r * cols;
    const float max = row_max(x_row, cols);
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t c = 0; c < cols; c++) {
      const float e = exp_approx(x_row[c] - max);
      g_row[c] = e;
      sum += e;
    }
    double target_total = 0.0, target_shifted = 0.0;
    for (int32_t p = targets.indptr[r]; p < targets.indptr[r + 1]; p++) {
      target_total += targets.values[p];
      target_shifted += static_cast<double>(targets.values[p]) * (x_row[targets.indices[p]] - max);
    }
    // −Σ_p x_p·log π_p with log π = (x − max) − log Σ.
    loss += target_total * std::log(static_cast<double>(sum)) - target_shifted;
    const float factor = static_cast<float>(scale * target_total / sum);
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) g_row[c] *= factor;
    for (int32_t p = targets.indptr[r]; p < targets.indptr[r + 1]; p++) g_row[targets.indices[p]] -= scale * targets.values[p];
  }
  return scale * loss;
}

double multinomial_nll(const float* log_probs, const Csr& targets) {
  check_csr("multinomialNll", "targets", targets);
  double loss = 0.0;
  for (int64_t r = 0; r < targets.n_rows; r++) {
    const float* lp_row = log_probs + r * targets.n_cols;
    for (int32_t p = targets.indptr[r]; p < targets.indptr[r + 1]; p++) {
      loss -= static_cast<double>(targets.values[p]) * lp_row[targets.indices[p]];
    }
  }
  return loss;
}

void multinomial_nll_gradient(const Csr& targets, float scale, float* grad) {
  check_csr("multinomialNllGradient", "targets", targets);
  const int64_t cols = targets.n_cols;
  RECODER_PARALLEL_FOR_STATIC(targets.n_rows * cols)
  for (int64_t r = 0; r < targets.n_rows; r++) {
    float* g_row = grad + r * cols;
    std::fill(g_row, g_row + cols, 0.0f);
    for (int32_t p = targets.indptr[r]; p < targets.indptr[r + 1]; p++) g_row[targets.indices[p]] = -scale * targets.values[p];
  }
}

double squared_error_at_pattern(const float* targets, const float* predicted, int64_t nnz, float grad_scale, float* grad_predicted) {
  double loss = 0.0;
  const float twice_scale = 2.0f * grad_scale;
  for (int64_t p = 0; p < nnz; p++) {
    const float residual = predicted[p] - targets[p];
    loss += static_cast<double>(residual) * residual;
    grad_predicted[p] = twice_scale * residual;
  }
  return loss;
}

// Murmur3's 32-bit finaliser; src/engine/reference-pointwise.ts has the same function and dropout hash.
static inline uint32_t mix32(uint32_t x) {
  x = (x ^ (x >> 16)) * 0x85ebca6bu;
  x = (x ^ (x >> 13)) * 0xc2b2ae35u;
  return x ^ (x >> 16);
}

void dropout(const float* x, int64_t n, double keep_prob, uint32_t seed, uint8_t* mask, float* out) {
  const uint32_t key1 = mix32(seed ^ 0x243f6a88u);
  const uint32_t key2 = mix32(seed ^ 0x85a308d3u);
  const uint32_t threshold = static_cast<uint32_t>(std::floor(keep_prob * 16777216.0));
  const float inverse_keep = static_cast<float>(1.0 / keep_prob);
  RECODER_PARALLEL_FOR_SIMD(n)
  for (int64_t i = 0; i < n; i++) {
    const uint32_t hash = mix32(mix32(static_cast<uint32_t>(i) ^ key1) + key2);
    const bool kept = (hash >> 8) < threshold;
    mask[i] = kept ? 1 : 0;
    out[i] = kept ? x[i] * inverse_keep : 0.0f;
  }
}

void dropout_backward(const float* grad_output, const uint8_t* mask, int64_t n, double keep_prob, float* grad_input) {
  const float inverse_keep = static_cast<float>(1.0 / keep_prob);
  RECODER_PARALLEL_FOR_SIMD(n)
  for (int64_t i = 0; i < n; i++) grad_input[i] = mask[i] != 0 ? grad_output[i] * inverse_keep : 0.0f;
}

void sgd_update(float* param, const float* grad, int64_t n, float learning_rate, float weight_decay) {
  RECODER_PARALLEL_FOR_SIMD(n)
  for (int64_t i = 0; i < n; i++) param[i] -= learning_rate * (grad[i] + weight_decay * param[i]);
}

void adam_update(float* param, const float* grad, float* m, float* v, int64_t n, const AdamStep& step) {
  // PyTorch's arrangement of Kingma & Ba's update: θ −= (lr / c1)·m / (√v / √c2 + ε), c = 1 − β^t.
  const double first_correction = 1.0 - std::pow(step.beta1, static_cast<double>(step.step));
  const double second_correction = 1.0 - std::pow(step.beta2, static_cast<double>(step.step));
  const float step_size = static_cast<float>(step.learning_rate / first_correction);
  const float inverse_sqrt_second = static_cast<float>(1.0 / std::sqrt(second_correction));
  const float beta1 = static_cast<float>(step.beta1), one_minus_beta1 = static_cast<float>(1.0 - step.beta1);
  const float beta2 = static_cast<float>(step.beta2), one_minus_beta2 = static_cast<float>(1.0 - step.beta2);
  const float epsilon = static_cast<float>(step.epsilon);
  const float l2 = step.decoupled ? 0.0f : static_cast<float>(step.weight_decay);
  const float decay = step.decoupled ? static_cast<float>(1.0 - step.learning_rate * step.weight_decay) : 1.0f;
  RECODER_PARALLEL_FOR_SIMD(n)
  for (int64_t i = 0; i < n; i++) {
    const float theta = param[i] * decay;
    const float g = grad[i] + l2 * theta;
    const float mi = beta1 * m[i] + one_minus_beta1 * g;
    const float vi = beta2 * v[i] + one_minus_beta2 * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = theta - step_size * mi / (std::sqrt(vi) * inverse_sqrt_second + epsilon);
  }
}

}  // namespace recoder
