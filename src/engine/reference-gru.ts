/**
 * The GRU's recurrent kernels in plain TypeScript: the oracle for native/gru.cc
 * and the fallback backend's implementation. Backend.gruForward/gruBackward
 * (backend.ts) document the formulas, the layouts and the padding rule.
 *
 * Gates follow torch.nn.GRU (Cho et al. 2014 with the reset gate applied after
 * the recurrent product, as cuDNN and PyTorch do):
 *   r = σ(x_r + W_hr·h + b_hr),  z = σ(x_z + W_hz·h + b_hz)
 *   n = tanh(x_n + r ⊙ (W_hn·h + b_hn)),  h′ = (1 − z) ⊙ n + z ⊙ h
 * where x = W_ih·input + b_ih is given for every slot (one GEMM outside).
 */

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** First slot of window w that holds an event (right-aligned windows: earlier slots are padding). */
function firstFilled(steps: number, filled: Int32Array, w: number): number {
  return steps - Math.min(steps, Math.max(0, filled[w]!));
}

export function gruForward(
  batch: number,
  steps: number,
  hidden: number,
  inputProjections: Float32Array,
  weightHh: Float32Array,
  biasHh: Float32Array,
  filled: Int32Array,
  states: Float32Array,
  gates: Float32Array,
): void {
  const h3 = 3 * hidden;
  const h4 = 4 * hidden;
  states.fill(0);
  gates.fill(0);
  const recurrent = new Float64Array(h3);
  for (let w = 0; w < batch; w++) {
    for (let t = firstFilled(steps, filled, w); t < steps; t++) {
      const slot = w * steps + t;
      // h_{t−1}: the previous slot's state, zero before the first event.
      const prev = t > 0 && t > firstFilled(steps, filled, w) ? (slot - 1) * hidden : -1;
      for (let g = 0; g < h3; g++) {
        let sum = biasHh[g]!;
        if (prev >= 0) for (let j = 0; j < hidden; j++) sum += weightHh[g * hidden + j]! * states[prev + j]!;
        recurrent[g] = sum;
      }
      const x = slot * h3;
      const cache = slot * h4;
      for (let j = 0; j < hidden; j++) {
        const r = sigmoid(inputProjections[x + j]! + recurrent[j]!);
        const z = sigmoid(inputProjections[x + hidden + j]! + recurrent[hidden + j]!);
        const hn = recurrent[2 * hidden + j]!;
        const n = Math.tanh(inputProjections[x + 2 * hidden + j]! + r * hn);
        const hPrev = prev >= 0 ? states[prev + j]! : 0;
        states[slot * hidden + j] = (1 - z) * n + z * hPrev;
        gates[cache + j] = r;
        gates[cache + hidden + j] = z;
        gates[cache + 2 * hidden + j] = n;
        gates[cache + 3 * hidden + j] = hn;
      }
    }
  }
}

export function gruBackward(
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
): void {
  const h3 = 3 * hidden;
  const h4 = 4 * hidden;
  gradInputProjections.fill(0);
  const carry = new Float64Array(hidden);
  const gradRecurrent = new Float64Array(h3);
  for (let w = 0; w < batch; w++) {
    carry.fill(0);
    const first = firstFilled(steps, filled, w);
    for (let t = steps - 1; t >= first; t--) {
      const slot = w * steps + t;
      const prev = t > first ? (slot - 1) * hidden : -1;
      const cache = slot * h4;
      const x = slot * h3;
      for (let j = 0; j < hidden; j++) {
        const dh = gradStates[slot * hidden + j]! + carry[j]!;
        const r = gates[cache + j]!;
        const z = gates[cache + hidden + j]!;
        const n = gates[cache + 2 * hidden + j]!;
        const hn = gates[cache + 3 * hidden + j]!;
        const hPrev = prev >= 0 ? states[prev + j]! : 0;
        const dnPre = dh * (1 - z) * (1 - n * n);
        const drPre = dnPre * hn * r * (1 - r);
        const dzPre = dh * (hPrev - n) * z * (1 - z);
        gradInputProjections[x + j] = drPre;
        gradInputProjections[x + hidden + j] = dzPre;
        gradInputProjections[x + 2 * hidden + j] = dnPre;
        gradRecurrent[j] = drPre;
        gradRecurrent[hidden + j] = dzPre;
        gradRecurrent[2 * hidden + j] = dnPre * r;
        carry[j] = dh * z;
      }
      for (let g = 0; g < h3; g++) {
        const d = gradRecurrent[g]!;
        gradBiasHh[g] = gradBiasHh[g]! + d;
        if (prev < 0) continue;
        for (let j = 0; j < hidden; j++) {
          gradWeightHh[g * hidden + j] = gradWeightHh[g * hidden + j]! + d * states[prev + j]!;
          carry[j] = carry[j]! + d * weightHh[g * hidden + j]!;
        }
      }
    }
  }
}
