/**
 * The numeric engine's contract: the float32 kernels that layers, losses and
 * optimisers are written against. There is no tensor class and no autograd;
 * a layer calls a forward kernel, keeps what its backward needs, and calls
 * the matching backward kernel itself.
 *
 * Conventions shared by every kernel:
 * - Dense matrices are row-major Float32Arrays. A kernel that takes `rows` and
 *   `cols` requires the array's length to be exactly rows × cols (pass
 *   `buffer.subarray(0, rows * cols)` to use part of a larger buffer; views are
 *   zero-copy). `gemm` alone takes leading dimensions, as BLAS does.
 * - Outputs are written in place into arrays the caller owns; no kernel
 *   allocates its result. An output may alias an input only where the kernel
 *   says so.
 * - `alpha … beta` follows BLAS: C = alpha·(product) + beta·C, and beta = 0
 *   means C is overwritten without being read (NaN in C does not propagate).
 * - Shapes and lengths are checked before any work; a mismatch throws a
 *   RangeError naming the kernel, the argument and both sizes.
 *
 * Two implementations exist: `reference` (plain TypeScript, the oracle in
 * tests and the fallback) and `native` (an N-API addon over OpenBLAS). They
 * agree to float32 rounding; results need not be bit-identical except where a
 * kernel says so (dropout masks, top-k selections).
 */

/**
 * A sparse matrix in compressed sparse row form, as the CSR kernels read it.
 * `CsrMatrix` (src/data/csr.ts) satisfies it; so does any object literal with
 * these fields, e.g. `{ ...pattern, values: gradientValues }` to reuse a
 * pattern with other values. Row r's entries are positions
 * indptr[r] .. indptr[r+1]) of `indices` (column numbers) and `values`.
 */
export interface CsrOperand {
  readonly nRows: number;
  readonly nCols: number;
  /** nRows + 1 offsets, non-decreasing, starting at 0 and ending at nnz. */
  readonly indptr: Int32Array;
  /** nnz column numbers in 0..nCols-1 (sorted within a row by convention; the kernels do not need it). */
  readonly indices: Int32Array;
  /** nnz values; ignored where only the pattern matters (sampledDot's `pattern`). */
  readonly values: Float32Array;
}

/** Element-wise activation functions. Each has a forward and a backward kernel. */
export type Activation = 'identity' | 'sigmoid' | 'tanh' | 'relu';

export const ACTIVATIONS: readonly Activation[] = ['identity', 'sigmoid', 'tanh', 'relu'];

/** One Adam/AdamW step's settings (Kingma & Ba 2015, Algorithm 1; Loshchilov & Hutter 2019 for AdamW). */
export interface AdamStep {
  readonly learningRate: number;
  /** Decay of the first-moment estimate, typically 0.9. */
  readonly beta1: number;
  /** Decay of the second-moment estimate, typically 0.999. */
  readonly beta2: number;
  /** Added to sqrt(v̂) in the denominator, typically 1e-8. */
  readonly epsilon: number;
  /**
   * adamUpdate: L2 penalty added to the gradient (g + weightDecay·θ), as torch.optim.Adam does.
   * adamwUpdate: decoupled decay θ ← θ − learningRate·weightDecay·θ before the Adam step.
   */
  readonly weightDecay: number;
  /** 1-based number of this step (t in the paper), used for bias correction: 1 − beta^t. */
  readonly step: number;
}

// Sequence models: attention
/**
 * The shape of a batch of packed windows for causalAttentionForward/Backward: `batch` windows
 * (sequences) of at most `length` slots, `heads` heads of `headSize` columns each. Window b has
 * filled[b] events on consecutive rows, oldest first, starting at row Σ_{b′<b} filled[b′]: PAD
 * slots take no rows, so a right-aligned window of src/nn/sequence-windows.ts is packed by
 * keeping its filled slots.
 */
export interface AttentionShape {
  readonly batch: number;
  readonly length: number;
  readonly heads: number;
  readonly headSize: number;
  /** `batch` entries in 0..length. */
  readonly filled: Int32Array;
}

export interface ThreadBudget {
  readonly threads: number;
  /** Whether the count follows the free cores (false when RECODER_THREADS pins it, or off Linux). */
  readonly adaptive: boolean;
  /** Cores other processes kept busy over the last window (of those this process may use). */
  readonly otherBusyCores: number;
}

export interface Backend {
  readonly name: 'native' | 'reference';
  /** Threads the backend's kernels may use at most (OpenBLAS and the addon's own loops); 1 for the reference. */
  readonly threads: number;
  /**
   * The threads the kernels use now, at most `threads`: fewer while other processes keep cores
   * busy, unless RECODER_THREADS pins the count (native/usable_threads.cc). Absent on the reference.
   */
  threadBudget?(): ThreadBudget;
  /** What computes the kernels, for messages: "OpenBLAS 0.3.21" or "TypeScript". */
  readonly library: string;

  // ---- Dense and sparse products -------------------------------------------------------------

  /**
   * C = alpha·op(A)·op(B) + beta·C, row-major (cblas_sgemm with CblasRowMajor).
   * op(A) is m × k: A is m × k with lda ≥ k, or, with transA, k × m with lda ≥ m.
   * op(B) is k × n: B is k × n with ldb ≥ n, or, with transB, n × k with ldb ≥ k.
   * C is m × n with ldc ≥ n. Arrays must reach their last element ((rows − 1)·ld + cols).
   * C must not alias A or B.
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;

  /**
   * C = alpha·X·B + beta·C with X sparse (nRows × nCols), B dense nCols × n, C dense nRows × n.
   * The forward pass of a sparse input layer (X the batch, B its weights stored in × out).
   */
  csrMatmul(alpha: number, x: CsrOperand, b: Float32Array, n: number, beta: number, c: Float32Array): void;

  /**
   * C = alpha·Xᵀ·G + beta·C with X sparse (nRows × nCols), G dense nRows × n, C dense nCols × n,
   * without forming Xᵀ. The weight gradient of a sparse input layer; also the adjoint of csrMatmul.
   */
  csrTransposeMatmul(alpha: number, x: CsrOperand, g: Float32Array, n: number, beta: number, c: Float32Array): void;

  /**
   * Sampled dense–dense product (SDDMM): out[p] = Σ_j A[r, j]·op(B)[j, c] for every stored
   * position p = (r, c) of `pattern`, i.e. A·op(B) evaluated only where the pattern has entries.
   * A is pattern.nRows × k. op(B) is k × pattern.nCols: with transB = false B is stored k × nCols;
   * with transB = true B is stored nCols × k (one row per output column, the usual layout of an
   * output layer's weights [out × in]), which is the faster layout. `out` has pattern's nnz entries.
   * `pattern.values` is not read.
   * Backward, for a gradient Gₚ on `out`: dA = Gₚ·op(B)ᵀ and dB = Gₚᵀ·A (transB) — both are
   * csrMatmul/csrTransposeMatmul with `{ ...pattern, values: Gₚ }`.
   */
  sampledDot(pattern: CsrOperand, a: Float32Array, b: Float32Array, k: number, transB: boolean, out: Float32Array): void;

  // ---- Biases ----------------------------------------------------------------------------------

  /** x[r, c] += bias[c] for an x of rows × cols (bias broadcast over rows). */
  addBias(x: Float32Array, rows: number, cols: number, bias: Float32Array): void;

  /** out[c] = Σ_r grad[r, c] + beta·out[c]: the gradient of addBias's bias (grad is rows × cols). */
  biasGradient(grad: Float32Array, rows: number, cols: number, beta: number, out: Float32Array): void;

  /** values[p] += bias[c] at every stored position p = (r, c) of `pattern` (values has nnz entries). */
  addBiasAtPattern(pattern: CsrOperand, bias: Float32Array, values: Float32Array): void;

  /** out[c] = Σ over stored positions p = (r, c) of grad[p] + beta·out[c]: addBiasAtPattern's bias gradient. */
  biasGradientAtPattern(pattern: CsrOperand, grad: Float32Array, beta: number, out: Float32Array): void;

  // ---- Element-wise ----------------------------------------------------------------------------

  /** out = f(x) element-wise; out may be x. */
  activationForward(activation: Activation, x: Float32Array, out: Float32Array): void;

  /**
   * gradInput = gradOutput ⊙ f′, where f′ is computed from the forward *output* y = f(x):
   * sigmoid y(1 − y), tanh 1 − y², relu [y > 0], identity 1. gradInput may be gradOutput.
   */
  activationBackward(activation: Activation, output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void;

  /** x ← alpha·x. */
  scale(x: Float32Array, alpha: number): void;

  /** y ← alpha·x + y (x and y of equal length, not aliased). */
  axpy(alpha: number, x: Float32Array, y: Float32Array): void;

  /** out = x·σ(x), element-wise: swish (Ramachandran et al. 2017), PyTorch's SiLU. out may be x. */
  swishForward(x: Float32Array, out: Float32Array): void;

  /**
   * Backward of swishForward from its input x (swish's derivative is not a function of its output):
   * gradInput = gradOutput·σ(x)·(1 + x·(1 − σ(x))). gradInput may be gradOutput, not x.
   */
  swishBackward(x: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void;

  // ---- Layer normalisation -------------------------------------------------------------------------

  /**
   * Layer normalisation of each row of x (rows × cols; Ba, Kiros & Hinton 2016, torch.nn.LayerNorm):
   * normalised = (x − mean)/√(var + epsilon) with the biased variance over the row, and
   * out = scale ⊙ normalised + shift (scale, shift of length cols). Also writes normalised
   * (rows × cols) and inverseDeviations[r] = 1/√(var_r + epsilon) (length rows), which the
   * backward reads. out may be x; normalised may not.
   */
  layerNormRows(
    x: Float32Array,
    rows: number,
    cols: number,
    scale: Float32Array,
    shift: Float32Array,
    epsilon: number,
    out: Float32Array,
    normalised: Float32Array,
    inverseDeviations: Float32Array,
  ): void;

  /**
   * Backward of layerNormRows for G = gradOutput, from the forward's normalised x̂ and
   * inverseDeviations: gradScale += Σ_rows G ⊙ x̂ and gradShift += Σ_rows G (accumulated), and with
   * D = G ⊙ scale, gradInput[r, ·] = (D − mean(D) − x̂·mean(D ⊙ x̂))·inverseDeviations[r].
   * gradInput may be gradOutput.
   */
  layerNormRowsBackward(
    gradOutput: Float32Array,
    normalised: Float32Array,
    inverseDeviations: Float32Array,
    rows: number,
    cols: number,
    scale: Float32Array,
    gradScale: Float32Array,
    gradShift: Float32Array,
    gradInput: Float32Array,
  ): void;

  // ---- Softmax and losses ------------------------------------------------------------------------

  /**
   * out[r, ·] = x[r, ·] − log Σ_c exp(x[r, c]), computed as (x − max) − log Σ exp(x − max) so that
   * large logits do not overflow. x and out are rows × cols; out may be x. A row whose entries are
   * all −∞ gives NaN, as the mathematics does.
   */
  logSoftmaxRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void;

  /**
   * Backward of logSoftmaxRows from its output L: gradInput[r, c] = G[r, c] − exp(L[r, c])·Σ_j G[r, j].
   * gradInput may be gradOutput.
   */
  logSoftmaxRowsBackward(logProbs: Float32Array, gradOutput: Float32Array, rows: number, cols: number, gradInput: Float32Array): void;

  /**
   * Multinomial negative log-likelihood −Σ_r Σ_c x[r, c]·logProbs[r, c] summed over the stored
   * entries of `targets` (rows × cols = targets' shape; logProbs dense rows × cols), as in Mult-VAE
   * (Liang et al. 2018, eq. 2). Accumulated in double precision.
   */
  multinomialNll(logProbs: Float32Array, targets: CsrOperand): number;

  /** grad = −scale·X densely (zero where `targets` stores nothing): the gradient of scale·multinomialNll. */
  multinomialNllGradient(targets: CsrOperand, scale: number, grad: Float32Array): void;

  /**
   * Softmax cross-entropy of each row of `logits` against the stored entries of `targets` (the
   * multinomial NLL of Mult-VAE, eq. 2) in one pass, forward and backward: returns
   *   scale · Σ_r Σ_c −x[r, c] · log softmax(logits[r, ·])_c
   * (accumulated in double precision) and writes its gradient with respect to the logits,
   *   gradLogits[r, c] = scale · (softmax(logits[r, ·])_c · Σ_j x[r, j] − x[r, c]).
   * Equal to logSoftmaxRows, multinomialNll and multinomialNllGradient followed by
   * logSoftmaxRowsBackward, without the intermediate rows × cols log-probabilities. logits and
   * gradLogits are dense with the targets' shape; gradLogits may not be logits.
   */
  softmaxCrossEntropyRows(logits: Float32Array, targets: CsrOperand, scale: number, gradLogits: Float32Array): number;

  /**
   * Squared error on observed entries only: returns Σₚ (predicted[p] − targets.values[p])² over the
   * stored positions of `targets`, and writes gradPredicted[p] = 2·gradScale·(predicted[p] − target[p]),
   * the gradient of gradScale·(that sum). Both arrays have the targets' nnz entries (AutoRec's loss,
   * Sedhain et al. 2015, eq. 2, before regularisation).
   */
  squaredErrorAtPattern(targets: CsrOperand, predicted: Float32Array, gradScale: number, gradPredicted: Float32Array): number;

  // ---- Dropout -----------------------------------------------------------------------------------

  /**
   * Inverted dropout: keeps each element with probability keepProb and scales kept ones by
   * 1/keepProb, so the layer is the identity in expectation and at inference. mask[i] = 1 when
   * element i is kept, 0 when dropped. The decision for element i depends only on (seed, i) —
   * a counter-based hash, identical in both backends and independent of threading — so a seed
   * reproduces the mask exactly. out may be x. keepProb in (0, 1]; seed an integer in 0..2^32−1.
   */
  dropout(x: Float32Array, keepProb: number, seed: number, mask: Uint8Array, out: Float32Array): void;

  /** gradInput = gradOutput ⊙ mask / keepProb; gradInput may be gradOutput. */
  dropoutBackward(gradOutput: Float32Array, mask: Uint8Array, keepProb: number, gradInput: Float32Array): void;

  // ---- Optimiser updates (in place) -----------------------------------------------------------

  /** θ ← θ − learningRate·(g + weightDecay·θ). */
  sgdUpdate(param: Float32Array, grad: Float32Array, learningRate: number, weightDecay: number): void;

  /**
   * Adam with bias correction: g′ = g + weightDecay·θ; m ← β1·m + (1 − β1)·g′; v ← β2·v + (1 − β2)·g′²;
   * θ ← θ − lr·m̂/(√v̂ + ε) with m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t). m and v start at zero.
   */
  adamUpdate(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void;

  /** AdamW: θ ← θ·(1 − lr·weightDecay), then the Adam step above with g′ = g (decay decoupled). */
  adamwUpdate(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void;

  // ---- Ranking -----------------------------------------------------------------------------------

  /**
   * For each row of scores (rows × cols), the k largest entries, best first: outIdx[r·k + i] is a
   * column, outVals[r·k + i] its score. Ties go to the lower column. Entries equal to −∞ (the way to
   * exclude an item) and NaN are never selected; a row with fewer than k selectable entries is
   * padded with index −1 and value −∞. outIdx and outVals have rows × k entries.
   */
  topKRows(scores: Float32Array, rows: number, cols: number, k: number, outIdx: Int32Array, outVals: Float32Array): void;

  // ---- Dense float64 linear algebra ------------------------------------------------------------

  /**
   * a ← a⁻¹ for a symmetric positive definite n × n float64 matrix (row-major; both
   * triangles are written). EASE's closed form P = (XᵀX + λI)⁻¹ (Steck 2019). Throws
   * NotPositiveDefiniteError (src/linalg/cholesky.ts) when a is not positive definite.
   * Native: LAPACK dpotrf + dpotri; reference: the blocked Cholesky of src/linalg.
   */
  spdInverse(a: Float64Array, n: number): void;

  // Sequence models: GRU
  // ---- Gated recurrent unit over right-aligned windows (src/nn/gru.ts) -------------------------

  /**
   * One GRU layer's recurrence over `batch` right-aligned windows of `steps` slots, gates as in
   * torch.nn.GRU (Cho et al. 2014; the reset gate applied after the recurrent product):
   *   r = σ(x_r + W_hr·h + b_hr),  z = σ(x_z + W_hz·h + b_hz),
   *   n = tanh(x_n + r ⊙ (W_hn·h + b_hn)),  h′ = (1 − z) ⊙ n + z ⊙ h,  h before the first event = 0.
   * Slot (w, t) is row w·steps + t of every per-slot matrix. `inputProjections` (batch·steps × 3H,
   * blocks [r | z | n]) is x = W_ih·input + b_ih for every slot, computed beforehand as one GEMM;
   * weightHh is [3H × H] (rows r, z, n as torch's weight_hh_l0), biasHh [3H]. Window w's last
   * filled[w] slots hold events; its earlier slots are padding: their state and gates are written
   * as 0 and they never reach the recurrence, so the first event starts from the zero state.
   * Writes states (batch·steps × H: h after each slot) and gates (batch·steps × 4H: r, z, n and
   * W_hn·h + b_hn, what the backward reads). Batches sorted by filled, longest first, are fastest:
   * each step's recurrent GEMM then covers only the windows still running.
   */
  gruForward(
    batch: number,
    steps: number,
    hidden: number,
    inputProjections: Float32Array,
    weightHh: Float32Array,
    biasHh: Float32Array,
    filled: Int32Array,
    states: Float32Array,
    gates: Float32Array,
  ): void;

  /**
   * Backpropagation through time of gruForward, from its states and gates, for gradStates =
   * ∂L/∂states (batch·steps × H; entries at padded slots are ignored): writes
   * gradInputProjections = ∂L/∂x (batch·steps × 3H, 0 at padded slots) and adds ∂L/∂W_hh to
   * gradWeightHh [3H × H] and ∂L/∂b_hh to gradBiasHh [3H]. The input weights' gradients follow
   * from gradInputProjections by GEMMs outside (∂L/∂W_ih = Σ ∂L/∂xᵀ·input, ∂L/∂b_ih = Σ ∂L/∂x).
   */
  gruBackward(
    batch: number,
    steps: number,
    hidden: number,
    weightHh: Float32Array,
    filled: Int32Array,
    states: Float32Array,
    gates: Float32Array,
    gradStates: Float32Array,
    gradInputProjections: Float32Array,
    gradWeightHh: Float32Array,
    gradBiasHh: Float32Array,
  ): void;

  // ---- Sequence models: attention --------------------------------------------------------------

  /**
   * Causal multi-head scaled dot-product self-attention over packed windows (Vaswani et al.
   * 2017, eq. 1; SASRec, Kang & McAuley 2018, §III-B), scale, causal mask, softmax and attention
   * dropout fused. q, k, v and out are (Σ filled) × (heads·headSize), laid out as AttentionShape
   * says, head h in columns h·headSize … (h+1)·headSize − 1. For slot i of window b and head h:
   *   probs[b, h, i, j] = softmax_j( q_i·k_j / √headSize ) over 0 ≤ j ≤ i, 0 for j > i and
   *   for i or j ≥ filled[b] (the window's padding: never attended to),
   *   out_i = Σ_j probs[b, h, i, j]·(mask[b, h, i, j] / keepProb)·v_j.
   * probs is batch × heads × length × length (kept for the backward). With keepProb = 1 the mask
   * is not read and may be null; otherwise it has probs' length (1 keeps a weight, 0 drops it;
   * make it with `dropout` on ones for a reproducible seed). out may not alias q, k or v.
   */
  causalAttentionForward(shape: AttentionShape, q: Float32Array, k: Float32Array, v: Float32Array, keepProb: number, mask: Uint8Array | null, probs: Float32Array, out: Float32Array): void;

  /**
   * Backward of causalAttentionForward for G = gradOut, from its inputs and probs: with
   * p′ = probs ⊙ mask/keepProb and dP = (G·vᵀ) ⊙ mask/keepProb per window and head,
   *   gradV = p′ᵀ·G,   dS = probs ⊙ (dP − rowsum(probs ⊙ dP)),
   *   gradQ = dS·k/√headSize,   gradK = dSᵀ·q/√headSize,
   * written (not accumulated) into gradQ, gradK, gradV. No output may alias an input.
   */
  causalAttentionBackward(
    shape: AttentionShape,
    gradOut: Float32Array,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    probs: Float32Array,
    keepProb: number,
    mask: Uint8Array | null,
    gradQ: Float32Array,
    gradK: Float32Array,
    gradV: Float32Array,
  ): void;
}
