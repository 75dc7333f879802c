// The native backend's kernels, free of N-API so that they read as plain C++.
// Each mirrors a method of the Backend interface (src/engine/backend.ts), which
// documents its formula and shape contract; sizes have been checked by
// src/engine/checked-backend.ts before any of these runs. CSR contents (indptr
// monotone, indices in range) are checked here by check_csr, which throws
// std::invalid_argument with the same message as the TypeScript check.
#pragma once

#include <cstdint>
#include <string>

namespace recoder {

struct Csr {
  int64_t n_rows;
  int64_t n_cols;
  const int32_t* indptr;
  const int32_t* indices;
  const float* values;  // may be null where only the pattern is read
};

enum class Activation : int { identity = 0, sigmoid = 1, tanh = 2, relu = 3 };

// Throws std::invalid_argument when indptr is not a valid offset array or an index is out of range.
void check_csr(const char* kernel, const char* name, const Csr& csr);

// ---- products (products.cc) ----
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void csr_matmul(float alpha, const Csr& x, const float* b, int64_t n, float beta, float* c);
void csr_transpose_matmul(float alpha, const Csr& x, const float* g, int64_t n, float beta, float* c);
void sampled_dot(const Csr& pattern, const float* a, const float* b, int64_t k, bool trans_b, float* out);
void add_bias(float* x, int64_t rows, int64_t cols, const float* bias);
void bias_gradient(const float* grad, int64_t rows, int64_t cols, float beta, float* out);
void add_bias_at_pattern(const Csr& pattern, const float* bias, float* values);
void bias_gradient_at_pattern(const Csr& pattern, const float* grad, float beta, float* out);

// ---- element-wise, softmax, losses, dropout, optimisers (pointwise.cc) ----
void activation_forward(Activation activation, const float* x, float* out, int64_t n);
void activation_backward(Activation activation, const float* output, const float* grad_output, float* grad_input, int64_t n);
void swish_forward(const float* x, float* out, int64_t n);
void swish_backward(const float* x, const float* grad_output, float* grad_input, int64_t n);
void layer_norm_rows(const float* x, int64_t rows, int64_t cols, const float* scale, const float* shift, float epsilon,
                     float* out, float* normalised, float* inverse_deviations);
void layer_norm_rows_backward(const float* grad_output, const float* normalised, const float* inverse_deviations,
                              int64_t rows, int64_t cols, const float* scale, float* grad_scale, float* grad_shift,
                              float* grad_input);
void scale(float* x, int64_t n, float alpha);
void axpy(float alpha, const float* x, float* y, int64_t n);
void log_softmax_rows(const float* x, int64_t rows, int64_t cols, float* out);
void log_softmax_rows_backward(const float* log_probs, const float* grad_output, int64_t rows, int64_t cols, float* grad_input);
double multinomial_nll(const float* log_probs, const Csr& targets);
void multinomial_nll_gradient(const Csr& targets, float scale, float* grad);
double softmax_cross_entropy_rows(const float* logits, const Csr& targets, float scale, float* grad);
double squared_error_at_pattern(const float* targets, const float* predicted, int64_t nnz, float grad_scale, float* grad_predicted);
void dropout(const float* x, int64_t n, double keep_prob, uint32_t seed, uint8_t* mask, float* out);
void dropout_backward(const float* grad_output, const uint8_t* mask, int64_t n, double keep_prob, float* grad_input);
void sgd_update(float* param, const float* grad, int64_t n, float learning_rate, float weight_decay);
struct AdamStep {
  double learning_rate, beta1, beta2, epsilon, weight_decay;
  int64_t step;
  bool decoupled;  // true: AdamW (Loshchilov & Hutter 2019); false: Adam with L2 folded into the gradient
};
void adam_update(float* param, const float* grad, float* m, float* v, int64_t n, const AdamStep& step);

// ---- ranking (top_k.cc) ----
void top_k_rows(const float* scores, int64_t rows, int64_t cols, int64_t k, int32_t* out_idx, float* out_vals);

// ---- dense float64 linear algebra (linalg.cc) ----
bool has_lapack();
// In-place inverse of a symmetric positive definite n × n matrix; returns 0, or the order of the
// first leading minor that is not positive definite (the matrix is then partly overwritten).
int64_t spd_inverse(double* a, int64_t n);

// ---- threading and library information (products.cc) ----
int kernel_threads();     // OpenMP threads available to the addon's loops (1 without OpenMP)
int blas_threads();       // OpenBLAS's thread count (0 when the BLAS cannot tell)
std::string blas_config(); // e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64"
std::string blas_core();   // OpenBLAS's kernel set in use, e.g. "SkylakeX" ("" for another BLAS)

// Sequence models: GRU
// ---- GRU recurrence over right-aligned windows (gru.cc) ----
void gru_forward(int64_t batch, int64_t steps, int64_t hidden, const float* input_projections, const float* weight_hh,
                 const float* bias_hh, const int32_t* filled, float* states, float* gates);
void gru_backward(int64_t batch, int64_t steps, int64_t hidden, const float* weight_hh, const int32_t* filled,
                  const float* states, const float* gates, const float* grad_states, float* grad_input_projections,
                  float* grad_weight_hh, float* grad_bias_hh);

// Sequence models: attention
// ---- causal multi-head self-attention (attention.cc) ----
struct AttentionShape {
  int64_t batch, length, heads, head_size;
  const int32_t* filled;  // batch entries: window b's filled slots are its last filled[b]
};
void causal_attention_forward(const AttentionShape& shape, const float* q, const float* k, const float* v,
                              double keep_prob, const uint8_t* mask, float* probs, float* out);
void causal_attention_backward(const AttentionShape& shape, const float* grad_out, const float* q, const float* k,
                               const float* v, const float* probs, double keep_prob, const uint8_t* mask,
                               float* grad_q, float* grad_k, float* grad_v);

}  // namespace recoder
