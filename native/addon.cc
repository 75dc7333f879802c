// The N-API face of the native backend: converts JavaScript arguments to
// pointers and numbers and calls the kernels in kernels.h. Typed arrays are
// passed zero-copy (their backing store is read and written in place).
//
// Only src/engine/native.ts calls these functions, after checked-backend.ts
// has checked every size against every array length; here we check the types
// of the arguments, so that a misuse throws instead of reading the wrong
// memory. Kernel errors (std::exception) become JavaScript errors: invalid
// CSR contents throw RangeError, anything else Error.
#define NAPI_VERSION 8
#include <node_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels.h"
#include "parallel.h"

namespace recoder {
namespace {

// A JavaScript argument of the wrong type; reported as TypeError.
struct ArgumentError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check_status(napi_status status, const char* what) {
  if (status != napi_ok) throw std::runtime_error(std::string("N-API call failed: ") + what);
}

// The arguments of one call, read by position with the expected type.
class Args {
 public:
  Args(napi_env env, napi_callback_info info, const char* kernel, size_t count) : env_(env), kernel_(kernel) {
    size_t given = kMaxArgs;
    check_status(napi_get_cb_info(env, info, &given, values_, nullptr, nullptr), "napi_get_cb_info");
    if (given != count) {
      throw ArgumentError(std::string(kernel) + ": expected " + std::to_string(count) + " arguments, got " + std::to_string(given));
    }
  }

  double number(size_t i) const {
    double value;
    if (napi_get_value_double(env_, values_[i], &value) != napi_ok) fail(i, "a number");
    return value;
  }

  int64_t integer(size_t i) const {
    int64_t value;
    if (napi_get_value_int64(env_, values_[i], &value) != napi_ok) fail(i, "an integer");
    return value;
  }

  Activation activation(size_t i) const {
    const int64_t code = integer(i);
    if (code < 0 || code > static_cast<int64_t>(Activation::relu)) fail(i, "an activation code 0..3");
    return static_cast<Activation>(code);
  }

  bool boolean(size_t i) const {
    bool value;
    if (napi_get_value_bool(env_, values_[i], &value) != napi_ok) fail(i, "a boolean");
    return value;
  }

  float* f32(size_t i) const { return static_cast<float*>(typed_array(i, napi_float32_array, "a Float32Array")); }
  int32_t* i32(size_t i) const { return static_cast<int32_t*>(typed_array(i, napi_int32_array, "an Int32Array")); }
  double* f64(size_t i) const { return static_cast<double*>(typed_array(i, napi_float64_array, "a Float64Array")); }
  uint8_t* u8(size_t i) const { return static_cast<uint8_t*>(typed_array(i, napi_uint8_array, "a Uint8Array")); }

  // Elements in the typed array at position i (its type already checked by f32/i32/u8).
  int64_t length(size_t i) const {
    napi_typedarray_type type;
    size_t length;
    check_status(napi_get_typedarray_info(env_, values_[i], &type, &length, nullptr, nullptr, nullptr), "napi_get_typedarray_info");
    return static_cast<int64_t>(length);
  }

  // A CSR operand passed as five consecutive arguments: nRows, nCols, indptr, indices, values (or null).
  Csr csr(size_t first, bool with_values) const {
    return Csr{integer(first), integer(first + 1), i32(first + 2), i32(first + 3), with_values ? f32(first + 4) : nullptr};
  }

 private:
  static constexpr size_t kMaxArgs = 16;

  void* typed_array(size_t i, napi_typedarray_type expected, const char* description) const {
    bool is_typed_array = false;
    check_status(napi_is_typedarray(env_, values_[i], &is_typed_array), "napi_is_typedarray");
    if (!is_typed_array) fail(i, description);
    napi_typedarray_type type;
    size_t length;
    void* data;
    check_status(napi_get_typedarray_info(env_, values_[i], &type, &length, &data, nullptr, nullptr), "napi_get_typedarray_info");
    if (type != expected) fail(i, description);
    // An empty view may have no backing store; kernels never dereference it, but give them a valid pointer.
    static float empty_storage[1];
    return data != nullptr ? data : static_cast<void*>(empty_storage);
  }

  [[noreturn]] void fail(size_t i, const char* expected) const {
    throw ArgumentError(std::string(kernel_) + ": argument " + std::to_string(i) + " must be " + expected);
  }

  napi_env env_;
  const char* kernel_;
  napi_value values_[kMaxArgs] = {};
};

napi_value undefined(napi_env env) {
  napi_value result;
  napi_get_undefined(env, &result);
  return result;
}

napi_value number(napi_env env, double value) {
  napi_value result;
  check_status(napi_create_double(env, value, &result), "napi_create_double");
  return result;
}

napi_value string(napi_env env, const std::string& value) {
  napi_value result;
  check_status(napi_create_string_utf8(env, value.c_str(), value.size(), &result), "napi_create_string_utf8");
  return result;
}

// Runs a kernel body, turning C++ exceptions into pending JavaScript exceptions.
template <typename Body>
napi_value guarded(napi_env env, Body body) {
  try {
    return body();
  } catch (const ArgumentError& error) {
    napi_throw_type_error(env, nullptr, error.what());
  } catch (const std::invalid_argument& error) {
    napi_throw_range_error(env, nullptr, error.what());
  } catch (const std::exception& error) {
    napi_throw_error(env, nullptr, error.what());
  }
  return nullptr;
}

#define RECODER_KERNEL(js_name, arg_count, ...)                           \
  napi_value js_##js_name(napi_env env, napi_callback_info info) {       \
    return guarded(env, [&]() -> napi_value {                             \
      const Args args(env, info, #js_name, arg_count);                    \
      __VA_ARGS__                                                         \
    });                                                                   \
  }

// gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
RECODER_KERNEL(gemm, 13, {
  recoder::gemm(args.boolean(0), args.boolean(1), args.integer(2), args.integer(3), args.integer(4),
                static_cast<float>(args.number(5)), args.f32(6), args.integer(7), args.f32(8), args.integer(9),
                static_cast<float>(args.number(10)), args.f32(11), args.integer(12));
  return undefined(env);
})

// csrMatmul(alpha, nRows, nCols, indptr, indices, values, b, n, beta, c)
RECODER_KERNEL(csrMatmul, 10, {
  recoder::csr_matmul(static_cast<float>(args.number(0)), args.csr(1, true), args.f32(6), args.integer(7),
                      static_cast<float>(args.number(8)), args.f32(9));
  return undefined(env);
})

// csrTransposeMatmul(alpha, nRows, nCols, indptr, indices, values, g, n, beta, c)
RECODER_KERNEL(csrTransposeMatmul, 10, {
  recoder::csr_transpose_matmul(static_cast<float>(args.number(0)), args.csr(1, true), args.f32(6), args.integer(7),
                                static_cast<float>(args.number(8)), args.f32(9));
  return undefined(env);
})

// sampledDot(nRows, nCols, indptr, indices, unusedValues, a, b, k, transB, out)
RECODER_KERNEL(sampledDot, 10, {
  recoder::sampled_dot(args.csr(0, false), args.f32(5), args.f32(6), args.integer(7), args.boolean(8), args.f32(9));
  return undefined(env);
})

// addBias(x, rows, cols, bias)
RECODER_KERNEL(addBias, 4, {
  recoder::add_bias(args.f32(0), args.integer(1), args.integer(2), args.f32(3));
  return undefined(env);
})

// biasGradient(grad, rows, cols, beta, out)
RECODER_KERNEL(biasGradient, 5, {
  recoder::bias_gradient(args.f32(0), args.integer(1), args.integer(2), static_cast<float>(args.number(3)), args.f32(4));
  return undefined(env);
})

// addBiasAtPattern(nRows, nCols, indptr, indices, unusedValues, bias, values)
RECODER_KERNEL(addBiasAtPattern, 7, {
  recoder::add_bias_at_pattern(args.csr(0, false), args.f32(5), args.f32(6));
  return undefined(env);
})

// biasGradientAtPattern(nRows, nCols, indptr, indices, unusedValues, grad, beta, out)
RECODER_KERNEL(biasGradientAtPattern, 8, {
  recoder::bias_gradient_at_pattern(args.csr(0, false), args.f32(5), static_cast<float>(args.number(6)), args.f32(7));
  return undefined(env);
})

// activationForward(activationCode, x, out)
RECODER_KERNEL(activationForward, 3, {
  recoder::activation_forward(args.activation(0), args.f32(1), args.f32(2), args.length(1));
  return undefined(env);
})

// activationBackward(activationCode, output, gradOutput, gradInput)
RECODER_KERNEL(activationBackward, 4, {
  recoder::activation_backward(args.activation(0), args.f32(1), args.f32(2), args.f32(3), args.length(1));
  return undefined(env);
})

// swishForward(x, out)
RECODER_KERNEL(swishForward, 2, {
  recoder::swish_forward(args.f32(0), args.f32(1), args.length(0));
  return undefined(env);
})

// swishBackward(x, gradOutput, gradInput)
RECODER_KERNEL(swishBackward, 3, {
  recoder::swish_backward(args.f32(0), args.f32(1), args.f32(2), args.length(0));
  return undefined(env);
})

// layerNormRows(x, rows, cols, scale, shift, epsilon, out, normalised, inverseDeviations)
RECODER_KERNEL(layerNormRows, 9, {
  recoder::layer_norm_rows(args.f32(0), args.integer(1), args.integer(2), args.f32(3), args.f32(4),
                           static_cast<float>(args.number(5)), args.f32(6), args.f32(7), args.f32(8));
  return undefined(env);
})

// layerNormRowsBackward(gradOutput, normalised, inverseDeviations, rows, cols, scale, gradScale, gradShift, gradInput)
RECODER_KERNEL(layerNormRowsBackward, 9, {
  recoder::layer_norm_rows_backward(args.f32(0), args.f32(1), args.f32(2), args.integer(3), args.integer(4), args.f32(5),
                                    args.f32(6), args.f32(7), args.f32(8));
  return undefined(env);
})

// scale(x, alpha)
RECODER_KERNEL(scale, 2, {
  recoder::scale(args.f32(0), args.length(0), static_cast<float>(args.number(1)));
  return undefined(env);
})

// axpy(alpha, x, y)
RECODER_KERNEL(axpy, 3, {
  recoder::axpy(static_cast<float>(args.number(0)), args.f32(1), args.f32(2), args.length(1));
  return undefined(env);
})

// logSoftmaxRows(x, rows, cols, out)
RECODER_KERNEL(logSoftmaxRows, 4, {
  recoder::log_softmax_rows(args.f32(0), args.integer(1), args.integer(2), args.f32(3));
  return undefined(env);
})

// logSoftmaxRowsBackward(logProbs, gradOutput, rows, cols, gradInput)
RECODER_KERNEL(logSoftmaxRowsBackward, 5, {
  recoder::log_softmax_rows_backward(args.f32(0), args.f32(1), args.integer(2), args.integer(3), args.f32(4));
  return undefined(env);
})

// multinomialNll(logProbs, nRows, nCols, indptr, indices, values) → number
RECODER_KERNEL(multinomialNll, 6, { return number(env, recoder::multinomial_nll(args.f32(0), args.csr(1, true))); })

// multinomialNllGradient(nRows, nCols, indptr, indices, values, scale, grad)
RECODER_KERNEL(multinomialNllGradient, 7, {
  recoder::multinomial_nll_gradient(args.csr(0, true), static_cast<float>(args.number(5)), args.f32(6));
  return undefined(env);
})

// softmaxCrossEntropyRows(logits, nRows, nCols, indptr, indices, values, scale, grad) → number
RECODER_KERNEL(softmaxCrossEntropyRows, 8, {
  return number(env, recoder::softmax_cross_entropy_rows(args.f32(0), args.csr(1, true), static_cast<float>(args.number(6)),
                                                         args.f32(7)));
})

// squaredErrorAtPattern(targetValues, predicted, gradScale, gradPredicted) → number; arrays of nnz entries
RECODER_KERNEL(squaredErrorAtPattern, 4, {
  return number(env, recoder::squared_error_at_pattern(args.f32(0), args.f32(1), args.length(1),
                                                       static_cast<float>(args.number(2)), args.f32(3)));
})

// dropout(x, keepProb, seed, mask, out)
RECODER_KERNEL(dropout, 5, {
  recoder::dropout(args.f32(0), args.length(0), args.number(1), static_cast<uint32_t>(args.integer(2)), args.u8(3), args.f32(4));
  return undefined(env);
})

// dropoutBackward(gradOutput, mask, keepProb, gradInput)
RECODER_KERNEL(dropoutBackward, 4, {
  recoder::dropout_backward(args.f32(0), args.u8(1), args.length(0), args.number(2), args.f32(3));
  return undefined(env);
})

// sgdUpdate(param, grad, learningRate, weightDecay)
RECODER_KERNEL(sgdUpdate, 4, {
  recoder::sgd_update(args.f32(0), args.f32(1), args.length(0), static_cast<float>(args.number(2)),
                      static_cast<float>(args.number(3)));
  return undefined(env);
})

// adamUpdate(param, grad, m, v, learningRate, beta1, beta2, epsilon, weightDecay, step, decoupled)
RECODER_KERNEL(adamUpdate, 11, {
  const AdamStep step{args.number(4), args.number(5), args.number(6), args.number(7), args.number(8), args.integer(9), args.boolean(10)};
  recoder::adam_update(args.f32(0), args.f32(1), args.f32(2), args.f32(3), args.length(0), step);
  return undefined(env);
})

// topKRows(scores, rows, cols, k, outIdx, outVals)
RECODER_KERNEL(topKRows, 6, {
  recoder::top_k_rows(args.f32(0), args.integer(1), args.integer(2), args.integer(3), args.i32(4), args.f32(5));
  return undefined(env);
})

// spdInverse(a, n) → 0, or the order of the first non-positive-definite leading minor
RECODER_KERNEL(spdInverse, 2, { return number(env, static_cast<double>(recoder::spd_inverse(args.f64(0), args.integer(1)))); })

// Sequence models: GRU
// gruForward(batch, steps, hidden, inputProjections, weightHh, biasHh, filled, states, gates)
RECODER_KERNEL(gruForward, 9, {
  recoder::gru_forward(args.integer(0), args.integer(1), args.integer(2), args.f32(3), args.f32(4), args.f32(5), args.i32(6),
                       args.f32(7), args.f32(8));
  return undefined(env);
})

// gruBackward(batch, steps, hidden, weightHh, filled, states, gates, gradStates, gradInputProjections, gradWeightHh, gradBiasHh)
RECODER_KERNEL(gruBackward, 11, {
  recoder::gru_backward(args.integer(0), args.integer(1), args.integer(2), args.f32(3), args.i32(4), args.f32(5), args.f32(6),
                        args.f32(7), args.f32(8), args.f32(9), args.f32(10));
  return undefined(env);
})

// Sequence models: attention
// causalAttentionForward(batch, length, heads, headSize, filled, q, k, v, keepProb, mask, probs, out)
RECODER_KERNEL(causalAttentionForward, 12, {
  const AttentionShape shape{args.integer(0), args.integer(1), args.integer(2), args.integer(3), args.i32(4)};
  const double keep = args.number(8);
  recoder::causal_attention_forward(shape, args.f32(5), args.f32(6), args.f32(7), keep,
                                    args.length(9) > 0 ? args.u8(9) : nullptr, args.f32(10), args.f32(11));
  return undefined(env);
})

// causalAttentionBackward(batch, length, heads, headSize, filled, gradOut, q, k, v, probs, keepProb, mask, gradQ, gradK, gradV)
RECODER_KERNEL(causalAttentionBackward, 15, {
  const AttentionShape shape{args.integer(0), args.integer(1), args.integer(2), args.integer(3), args.i32(4)};
  const double keep = args.number(10);
  recoder::causal_attention_backward(shape, args.f32(5), args.f32(6), args.f32(7), args.f32(8), args.f32(9), keep,
                                     args.length(11) > 0 ? args.u8(11) : nullptr, args.f32(12), args.f32(13), args.f32(14));
  return undefined(env);
})

// info() → { blasConfig, blasCore, blasThreads, kernelThreads }
napi_value js_info(napi_env env, napi_callback_info) {
  return guarded(env, [&]() -> napi_value {
    napi_value result;
    napi_value flag;
    check_status(napi_create_object(env, &result), "napi_create_object");
    check_status(napi_set_named_property(env, result, "blasConfig", string(env, blas_config())), "set blasConfig");
    check_status(napi_set_named_property(env, result, "blasCore", string(env, blas_core())), "set blasCore");
    check_status(napi_set_named_property(env, result, "blasThreads", number(env, blas_threads())), "set blasThreads");
    check_status(napi_set_named_property(env, result, "kernelThreads", number(env, kernel_threads())), "set kernelThreads");
    check_status(napi_get_boolean(env, has_lapack(), &flag), "napi_get_boolean");
    check_status(napi_set_named_property(env, result, "lapack", flag), "set lapack");
    return result;
  });
}

// threadBudget() → { threads, adaptive, otherBusyCores }: the threads kernels use now (usable_threads.cc).
napi_value js_thread_budget(napi_env env, napi_callback_info) {
  return guarded(env, [&]() -> napi_value {
    const ThreadBudget budget = thread_budget();
    napi_value result;
    napi_value flag;
    check_status(napi_create_object(env, &result), "napi_create_object");
    check_status(napi_set_named_property(env, result, "threads", number(env, budget.threads)), "set threads");
    check_status(napi_get_boolean(env, budget.adaptive, &flag), "napi_get_boolean");
    check_status(napi_set_named_property(env, result, "adaptive", flag), "set adaptive");
    check_status(napi_set_named_property(env, result, "otherBusyCores", number(env, budget.other_busy_cores)), "set otherBusyCores");
    return result;
  });
}

napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor functions[] = {
      {"info", nullptr, js_info, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"threadBudget", nullptr, js_thread_budget, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
#define RECODER_EXPORT(js_name) {#js_name, nullptr, js_##js_name, nullptr, nullptr, nullptr, napi_enumerable, nullptr}
      RECODER_EXPORT(gemm),
      RECODER_EXPORT(csrMatmul),
      RECODER_EXPORT(csrTransposeMatmul),
      RECODER_EXPORT(sampledDot),
      RECODER_EXPORT(addBias),
      RECODER_EXPORT(biasGradient),
      RECODER_EXPORT(addBiasAtPattern),
      RECODER_EXPORT(biasGradientAtPattern),
      RECODER_EXPORT(activationForward),
      RECODER_EXPORT(activationBackward),
      RECODER_EXPORT(scale),
      RECODER_EXPORT(axpy),
      RECODER_EXPORT(logSoftmaxRows),
      RECODER_EXPORT(logSoftmaxRowsBackward),
      RECODER_EXPORT(multinomialNll),
      RECODER_EXPORT(multinomialNllGradient),
      RECODER_EXPORT(softmaxCrossEntropyRows),
      RECODER_EXPORT(swishForward),
      RECODER_EXPORT(swishBackward),
      RECODER_EXPORT(layerNormRows),
      RECODER_EXPORT(layerNormRowsBackward),
      RECODER_EXPORT(squaredErrorAtPattern),
      RECODER_EXPORT(dropout),
      RECODER_EXPORT(dropoutBackward),
      RECODER_EXPORT(sgdUpdate),
      RECODER_EXPORT(adamUpdate),
      RECODER_EXPORT(topKRows),
      RECODER_EXPORT(spdInverse),
      // Sequence models: GRU
      RECODER_EXPORT(gruForward),
      RECODER_EXPORT(gruBackward),
      // Sequence models: attention
      RECODER_EXPORT(causalAttentionForward),
      RECODER_EXPORT(causalAttentionBackward),
#undef RECODER_EXPORT
  };
  if (napi_define_properties(env, exports, sizeof(functions) / sizeof(functions[0]), functions) != napi_ok) {
    napi_throw_error(env, nullptr, "recoder: could not register the native engine's functions");
    return nullptr;
  }
  return exports;
}

}  // namespace
}  // namespace recoder

NAPI_MODULE(NODE_GYP_MODULE_NAME, recoder::init)
