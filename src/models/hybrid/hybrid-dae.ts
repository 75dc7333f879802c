/**
 * The hybrid autoencoder: Mult-DAE (Liang et al. 2018) whose output item
 * vectors come from collaborative training and from the items' attributes
 * together, trained with dropout of the collaborative part (the DropoutNet
 * idea, Volkovs, Yu & Poutanen, NeurIPS 2017) so that an item nobody has
 * interacted with is scored from its attributes alone.
 *
 *   x̃ = dropout(x / ‖x‖₂)                          Mult-DAE's corrupted input
 *   h = tanh(x̃ · W_enc + b_enc)                     the user's code (latent L)
 *   d_j = m_j · w_j + v_j · A                       item j's output vector: collaborative w_j
 *   c_j = m_j · b_j + v_j · β                       plus content v_j·A (v_j: unit attribute
 *   logits_uj = h_u · d_j + c_j                     vector, attribute-vectors.ts)
 *   loss = −(1/B) Σ_u Σ_j x_uj log softmax(logits_u)_j + λ Σ_W ‖W‖²
 *
 * In training m_j is 0 with probability `itemDropout` for each item and batch
 * (DropoutNet's input dropout on the preference part), so the content part
 * alone must rank items; at prediction m_j is 1 for the items with training
 * interactions ("warm") and 0 for the rest, which have no collaborative part.
 * The softmax runs over the warm items only: an item without training
 * interactions is not taught to be disliked. A cold item's encoder row is
 * zero, so a history that contains one (an event posted after training) is
 * encoded from its other items.
 *
 * With user attributes in the training data (demographics), the code also reads
 * them, h = tanh(x̃ · W_enc + u · U + b_enc) with u the user's unit attribute
 * vector, and in training a user's whole history is dropped with probability
 * `userDropout` (DropoutNet's user side), so that a user with attributes and no
 * history is encoded from the attributes alone.
 *
 * With `neighbours` k > 0 (default 0: it helped on ml-100k, not on ml-1m; BENCHMARKS.md),
 * item j's vector and bias also get the average of the
 * collaborative parts of its k warm attribute neighbours (cosine of attribute
 * vectors, j itself excluded, weights normalised to sum 1): d_j += Σ_n s̃_jn w_n,
 * c_j += Σ_n s̃_jn b_n. A cold item then starts from the learned vectors of the
 * items it resembles — what the attribute-to-EASE map does in closed form —
 * and training (with DropoutNet's dropped items) shapes those vectors so that
 * such averages rank well too.
 *
 * With `textCnn`, item j's vector also gets a convolutional encoding of its
 * text fields' words (titles, tags; ConvMF's CNN, src/nn/text-cnn.ts):
 * d_j += cnn(text_j), trained with the rest.
 */
import { CsrMatrix } from '../../data/csr.js';
import type { Rng } from '../../data/random.js';
import type { ScoreQuery, TrainingData } from '../../data/training-data.js';
import type { Backend, CsrOperand } from '../../engine/backend.js';
import { csrRowRange, rowBatches } from '../../nn/batches.js';
import { truncatedNormal, xavierUniform } from '../../nn/init.js';
import { NormalisedInput } from '../../nn/normalised-input.js';
import { Adam } from '../../nn/optimizers.js';
import { Parameter } from '../../nn/parameter.js';
import { ScratchBuffer } from '../../nn/scratch.js';
import { SparseInputLayer } from '../../nn/sparse-input.js';
import { TextCnn, textWindows, type TextWindows, type TokenLists } from '../../nn/text-cnn.js';
import type { BatchCallback, EpochResult, TrainableModel, TrainingState } from '../../train/trainable.js';
import { parameterTrainingState, restoreParameterTrainingState } from '../../train/parameter-state.js';
import { trainingLoopSettingSpecs } from '../iterative-fit.js';
import type { ModelFactory, ModelInput, ModelState } from '../model.js';
import { requireTensor } from '../model-support.js';
import { NeuralRecommender, neuralModelFactory, type NeuralModelSpec } from '../neural-recommender.js';
import { defineSettings } from '../settings.js';
import { selectFeatureRows, type FeatureTable } from '../../data/features.js';
import { ATTRIBUTE_VECTOR_SETTINGS } from './attribute-knn.js';
import { attributeNeighbours, encodeAttributes, fitAttributeEncoding, type AttributeEncoding } from './attribute-vectors.js';

const NAME = 'hybrid-dae';
const INPUTS: readonly ModelInput[] = ['interactions', 'itemFeatures'];
/** The notebook's bias initialiser: truncated_normal_initializer(stddev=0.001). */
const BIAS_INIT_STD = 0.001;

const SETTINGS = defineSettings(NAME, [
  { name: 'latent', type: 'integer', default: 200, min: 1, description: 'width of the user code h and of the item vectors', search: { min: 32, max: 512, scale: 'log' } },
  { name: 'keepProbability', type: 'number', default: 0.5, min: 0, exclusiveMin: true, max: 1, description: "probability of keeping an input entry in training (Mult-DAE's keep_prob)", search: { min: 0.2, max: 0.9 } },
  { name: 'itemDropout', type: 'number', default: 0.5, min: 0, max: 1, exclusiveMax: true, description: "probability that an item's collaborative part is dropped in a training batch (DropoutNet), so its attributes alone must score it", search: { min: 0.1, max: 0.9 } },
  { name: 'userAttributes', type: 'boolean', default: true, description: 'read the users\' attributes when the training data has them (user cold start); false encodes users from their history alone' },
  { name: 'userDropout', type: 'number', default: 0.25, min: 0, max: 1, exclusiveMax: true, description: "with user attributes: probability that a user's whole history is dropped in a training batch, so the attributes alone must encode the user", search: { min: 0, max: 0.5 } },
  { name: 'neighbours', type: 'integer', default: 0, min: 0, description: "each item's vector also averages the collaborative parts of its k most attribute-similar warm items; 0 for none", search: { choices: [0, 20, 100] } },
  { name: 'learningRate', type: 'number', default: 1e-3, min: 0, exclusiveMin: true, scale: 'log', description: 'Adam learning rate', search: { min: 1e-4, max: 1e-2 } },
  ...trainingLoopSettingSpecs({ batchSize: 500, epochs: 100, patience: 20 }),
  { name: 'weightDecay', type: 'number', default: 0.01, min: 0, description: 'the loss adds (weightDecay / batchSize) Σ_W ‖W‖² over the encoder, collaborative and content weights', search: { min: 0, max: 0.1 } },
  ...ATTRIBUTE_VECTOR_SETTINGS,
  { name: 'textCnn', type: 'boolean', default: false, description: "add a convolutional encoding of the items' text fields (ConvMF's CNN: embeddings, convolution, max over positions) to their vectors" },
  { name: 'cnnFilters', type: 'integer', default: 64, min: 1, description: 'text CNN: convolution filters' },
  { name: 'cnnWidth', type: 'integer', default: 3, min: 1, description: 'text CNN: words per convolution window' },
  { name: 'cnnEmbedding', type: 'integer', default: 32, min: 1, description: 'text CNN: word embedding width' },
]);

interface Settings {
  readonly latent: number;
  readonly keepProbability: number;
  readonly itemDropout: number;
  readonly userAttributes: boolean;
  readonly userDropout: number;
  readonly neighbours: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly patience: number;
  readonly weightDecay: number;
  readonly text: 'all' | 'none';
  readonly numericBins: number;
  readonly textCnn: boolean;
  readonly cnnFilters: number;
  readonly cnnWidth: number;
  readonly cnnEmbedding: number;
}

/** One text field's words, as the CNN's vocabulary stacks them. */
export interface TextFieldVocabulary {
  readonly name: string;
  readonly vocabulary: readonly string[];
}

/** The items' words for the text CNN: every text field's tokens, in field order, vocabularies stacked. */
export interface ItemTexts {
  readonly texts: TokenLists;
  readonly vocabulary: number;
}

/** The text CNN's part of the network: the encoder and the windows of all and of the warm items. */
interface TextPart {
  readonly cnn: TextCnn;
  readonly texts: ItemTexts;
  readonly all: TextWindows;
  readonly warm: TextWindows;
}

export class HybridDaeNetwork {
  readonly items: number;
  readonly latent: number;
  /** Items with training interactions, ascending; the softmax and the collaborative parts cover these. */
  readonly warmItems: Int32Array;
  /** Each item's position in warmItems, or -1. */
  readonly warmIndex: Int32Array;
  /** Unit attribute vectors of every item (items × attributes) and of the warm items. */
  readonly attributes: CsrMatrix;
  private readonly warmAttributes: CsrMatrix;
  /** x̃ · W_enc + b_enc (the tanh comes after the user part is added). */
  readonly encoder: SparseInputLayer;
  /** u · U, when the training data had user attributes. */
  readonly userLayer: SparseInputLayer | undefined;
  /** w: warm items × L. */
  readonly collaborative: Parameter;
  /** A: attributes × L. */
  readonly content: Parameter;
  /** b: warm items. */
  readonly bias: Parameter;
  /** β: attributes. */
  readonly contentBias: Parameter;
  private readonly input: NormalisedInput;
  private readonly buffers = { vectors: new ScratchBuffer(), biases: new ScratchBuffer(), logits: new ScratchBuffer(), gradLogits: new ScratchBuffer(), gradVectors: new ScratchBuffer(), gradBiases: new ScratchBuffer(), gradCode: new ScratchBuffer(), code: new ScratchBuffer(), gradPre: new ScratchBuffer() };
  /** Every item's prediction-time vector and bias, rebuilt when the weights have changed. */
  private scoringVectors = new Float32Array(0);
  private scoringBiases = new Float32Array(0);
  private scoringStale = true;
  private readonly text: TextPart | undefined;
  /** s̃ of every item and of the warm items over the warm items (items × warm), when neighbours > 0. */
  private readonly neighbourWeights: { readonly all: CsrMatrix; readonly warm: CsrMatrix } | undefined;

  constructor(
    private readonly backend: Backend,
    attributes: CsrMatrix,
    warmItems: Int32Array,
    latent: number,
    /** How user attributes become vectors (fitted on the training users); undefined without user attributes. */
    readonly userEncoding: AttributeEncoding | undefined,
    rng?: Rng,
    /** The items' words and the CNN's shape, for a network with a text CNN. */
    text?: { readonly texts: ItemTexts; readonly filters: number; readonly width: number; readonly embedding: number },
    /** Warm attribute neighbours averaged into each item's vector; 0 for none. */
    private readonly neighbourCount = 0,
    /** How item attributes became `attributes` (fitted on the training items), so that a new item is encoded alike; undefined in a model saved before it was kept. */
    readonly itemEncoding?: AttributeEncoding,
    /** The text fields' vocabularies in the order the CNN's words stack them, so that a new item's words map alike. */
    readonly textFields?: readonly TextFieldVocabulary[],
  ) {
    this.items = attributes.nRows;
    this.latent = latent;
    this.attributes = attributes;
    this.warmItems = warmItems;
    this.warmIndex = new Int32Array(this.items).fill(-1);
    warmItems.forEach((item, w) => (this.warmIndex[item] = w));
    this.warmAttributes = attributes.selectRows(warmItems);
    if (neighbourCount > 0) {
      const all = attributeNeighbours(attributes, attributes.selectRows(warmItems), warmItems, neighbourCount);
      this.neighbourWeights = { all, warm: all.selectRows(warmItems) };
    }
    this.input = new NormalisedInput(backend);
    this.encoder = new SparseInputLayer({ name: 'encoder', inputSize: this.items, outputSize: latent, backend, ...(rng ? { rng: rng.fork(0) } : {}) });
    this.userLayer =
      userEncoding && userEncoding.width > 0
        ? new SparseInputLayer({ name: 'encoder.user', inputSize: userEncoding.width, outputSize: latent, bias: false, backend, ...(rng ? { rng: rng.fork(5) } : {}) })
        : undefined;
    this.collaborative = new Parameter('decoder.collaborative', [warmItems.length, latent]);
    this.content = new Parameter('decoder.content', [attributes.nCols, latent]);
    this.bias = new Parameter('decoder.bias', [warmItems.length]);
    this.contentBias = new Parameter('decoder.content_bias', [attributes.nCols]);
    if (text) {
      const { texts, vocabulary } = text.texts;
      const cnn = new TextCnn(backend, 'decoder.text', { vocabulary: Math.max(1, vocabulary), embedding: text.embedding, filters: text.filters, width: text.width, outputs: latent }, rng?.fork(6));
      // The projection starts at zero: the text part begins silent (the network starts as the
      // one without it) and grows only as far as the words help. A random projection of random
      // convolutions put noise on every item vector that validation stopped before unlearning.
      cnn.projection.value.fill(0);
      const warmTexts = selectTokenRows(texts, warmItems);
      this.text = { cnn, texts: text.texts, all: textWindows(texts, cnn.shape.vocabulary, text.width), warm: textWindows(warmTexts, cnn.shape.vocabulary, text.width) };
    }
    if (rng) {
      xavierUniform(this.collaborative, rng.fork(1));
      xavierUniform(this.content, rng.fork(2));
      truncatedNormal(this.encoder.bias!, rng.fork(3), 0, BIAS_INIT_STD);
      truncatedNormal(this.bias, rng.fork(4), 0, BIAS_INIT_STD);
      // Items without training interactions never enter a training input: their encoder rows stay zero.
      const weights = this.encoder.weight.value;
      for (let item = 0; item < this.items; item++) if (this.warmIndex[item] === -1) weights.fill(0, item * latent, (item + 1) * latent);
    }
  }

  get parameters(): Parameter[] {
    return [...this.encoder.parameters, ...(this.userLayer?.parameters ?? []), this.collaborative, this.content, this.bias, this.contentBias, ...(this.text?.cnn.parameters ?? [])];
  }

  /** The weights under λ Σ‖W‖². */
  get weights(): Parameter[] {
    return [this.encoder.weight, ...(this.userLayer ? [this.userLayer.weight] : []), this.collaborative, this.content];
  }

  /** The items' words the text CNN reads; undefined without one. */
  get itemTexts(): ItemTexts | undefined {
    return this.text?.texts;
  }

  /** Marks the prediction-time vectors out of date (after an optimiser step or a load). */
  weightsChanged(): void {
    this.scoringStale = true;
  }

  /**
   * Item vectors d and biases c of `rows` items with attribute rows `attributes`: the content
   * part v·A and v·β, plus the collaborative part of the item at `collaborativeRow(r)` when it
   * is kept (≥ 0).
   */
  private itemVectors(attributes: CsrOperand, collaborativeRow: (r: number) => number, vectors: Float32Array, biases: Float32Array): void {
    const L = this.latent;
    const everyItem = attributes === this.attributes;
    this.backend.csrMatmul(1, attributes, this.content.value, L, 0, vectors);
    this.backend.csrMatmul(1, attributes, this.contentBias.value, 1, 0, biases);
    const w = this.collaborative.value;
    const b = this.bias.value;
    if (this.neighbourWeights) {
      const weights = everyItem ? this.neighbourWeights.all : this.neighbourWeights.warm;
      this.backend.csrMatmul(1, weights, w, L, 1, vectors);
      this.backend.csrMatmul(1, weights, b, 1, 1, biases);
    }
    if (this.text) this.backend.axpy(1, this.text.cnn.forward(everyItem ? this.text.all : this.text.warm), vectors);
    for (let r = 0; r < attributes.nRows; r++) {
      const c = collaborativeRow(r);
      if (c < 0) continue;
      for (let k = 0; k < L; k++) vectors[r * L + k]! += w[c * L + k]!;
      biases[r]! += b[c]!;
    }
  }

  /** Unit attribute vectors of the users in `features` (undefined when the network reads none). */
  userVectors(features: FeatureTable | undefined): CsrMatrix | undefined {
    return this.userLayer && this.userEncoding && features ? encodeAttributes(features, this.userEncoding) : undefined;
  }

  /**
   * h = tanh(x̃ · W_enc + u · U + b_enc) for input `input` (already normalised) and user
   * vectors `users` (rows aligned, or undefined); a view of this network's buffer.
   */
  private encode(input: CsrOperand, users: CsrOperand | undefined): Float32Array {
    const L = this.latent;
    const h = this.buffers.code.view(input.nRows * L);
    h.set(this.encoder.forward(input));
    if (this.userLayer && users) this.backend.axpy(1, this.userLayer.forward(users), h);
    this.backend.activationForward('tanh', h, h);
    return h;
  }

  /**
   * Forward and backward of the loss for the batch `x` (rows: users' interactions over the
   * whole catalogue; every entry on a warm item), with the collaborative part of item w kept
   * where keep[w] = 1, user vectors `users` (rows aligned) and the histories of rows with
   * dropHistory[r] = 1 left out. Adds the gradients to the parameters' `grad`; returns the NLL.
   */
  accumulateGradients(
    x: CsrOperand,
    keep: Uint8Array,
    keepProbability: number,
    dropoutSeed: number,
    l2: number,
    users?: CsrOperand,
    dropHistory?: Uint8Array,
  ): { nll: number; l2: number } {
    const b = this.backend;
    const rows = x.nRows;
    const L = this.latent;
    const nw = this.warmItems.length;
    const input = this.input.apply(x, keepProbability, dropoutSeed);
    if (dropHistory) {
      for (let r = 0; r < rows; r++) if (dropHistory[r] === 1) (input.values as Float32Array).fill(0, input.indptr[r]!, input.indptr[r + 1]!);
    }
    const h = this.encode(input, users);
    const vectors = this.buffers.vectors.view(nw * L);
    const biases = this.buffers.biases.view(nw);
    this.itemVectors(this.warmAttributes, (w) => (keep[w] === 1 ? w : -1), vectors, biases);
    const logits = this.buffers.logits.view(rows * nw);
    b.gemm(false, true, rows, nw, L, 1, h, L, vectors, L, 0, logits, nw);
    b.addBias(logits, rows, nw, biases);
    const targets: CsrOperand = { nRows: rows, nCols: nw, indptr: x.indptr, indices: x.indices.map((item) => this.warmIndex[item]!), values: x.values };
    const gradLogits = this.buffers.gradLogits.view(rows * nw);
    const nll = b.softmaxCrossEntropyRows(logits, targets, 1 / rows, gradLogits);

    // ∂d = Gᵀh, ∂c = Σ_rows G; the collaborative parts get those of kept items, A and β all of them through V.
    const gradVectors = this.buffers.gradVectors.view(nw * L);
    b.gemm(true, false, nw, L, rows, 1, gradLogits, nw, h, L, 0, gradVectors, L);
    const gradBiases = this.buffers.gradBiases.view(nw);
    b.biasGradient(gradLogits, rows, nw, 0, gradBiases);
    b.csrTransposeMatmul(1, this.warmAttributes, gradVectors, L, 1, this.content.grad);
    b.csrTransposeMatmul(1, this.warmAttributes, gradBiases, 1, 1, this.contentBias.grad);
    if (this.neighbourWeights) {
      b.csrTransposeMatmul(1, this.neighbourWeights.warm, gradVectors, L, 1, this.collaborative.grad);
      b.csrTransposeMatmul(1, this.neighbourWeights.warm, gradBiases, 1, 1, this.bias.grad);
    }
    this.text?.cnn.backward(gradVectors);
    const gw = this.collaborative.grad;
    const gb = this.bias.grad;
    for (let w = 0; w < nw; w++) {
      if (keep[w] !== 1) continue;
      for (let k = 0; k < L; k++) gw[w * L + k]! += gradVectors[w * L + k]!;
      gb[w]! += gradBiases[w]!;
    }
    const gradCode = this.buffers.gradCode.view(rows * L);
    b.gemm(false, false, rows, L, nw, 1, gradLogits, nw, vectors, L, 0, gradCode, L);
    const gradPre = this.buffers.gradPre.view(rows * L);
    b.activationBackward('tanh', h, gradCode, gradPre);
    this.encoder.backward(gradPre);
    if (this.userLayer && users) this.userLayer.backward(gradPre);

    let penalty = 0;
    if (l2 > 0) {
      for (const weight of this.weights) {
        let sum = 0;
        for (const v of weight.value) sum += v * v;
        penalty += l2 * sum;
        b.axpy(2 * l2, weight.value, weight.grad);
      }
    }
    return { nll, l2: penalty };
  }

  /** Logits of every item for each row of `histories` (and its user vector) into `out`, `chunkRows` rows at a time. */
  scoreInto(histories: CsrOperand, users: CsrMatrix | undefined, out: Float32Array, chunkRows: number): void {
    const L = this.latent;
    const n = this.items;
    if (this.scoringStale) {
      this.scoringVectors = new Float32Array(n * L);
      this.scoringBiases = new Float32Array(n);
      this.itemVectors(this.attributes, (item) => this.warmIndex[item]!, this.scoringVectors, this.scoringBiases);
      this.scoringStale = false;
    }
    this.logitsInto(histories, users, this.scoringVectors, this.scoringBiases, out, chunkRows);
  }

  /** h_u · d_j + c_j for each row of `histories` and each of the items with `vectors` and `biases`, `chunkRows` rows at a time. */
  private logitsInto(histories: CsrOperand, users: CsrMatrix | undefined, vectors: Float32Array, biases: Float32Array, out: Float32Array, chunkRows: number): void {
    const L = this.latent;
    const n = biases.length;
    for (let start = 0; start < histories.nRows; start += chunkRows) {
      const end = Math.min(start + chunkRows, histories.nRows);
      const chunk = csrRowRange(histories, start, end);
      const chunkUsers = users ? csrRowRange(users, start, end) : undefined;
      const h = this.encode(this.input.apply(chunk, 1, undefined), chunkUsers);
      const logits = out.subarray(start * n, end * n);
      this.backend.gemm(false, true, chunk.nRows, n, L, 1, h, L, vectors, L, 0, logits, n);
      this.backend.addBias(logits, chunk.nRows, n, biases);
    }
  }

  /** True when the network can encode items it was not trained with (it kept its attribute encoding). */
  get encodesNewItems(): boolean {
    return this.itemEncoding !== undefined && (this.text === undefined || this.textFields !== undefined);
  }

  /**
   * Logits of items outside the catalogue (rows of `items`) for each row of `histories`: each
   * is scored as a cold item is, from its content part (and its warm attribute neighbours'
   * collaborative parts with `neighbours`, its words' CNN encoding with a text CNN), against
   * the same user codes as the catalogue, so the two rankings merge.
   */
  scoreNewItemsInto(histories: CsrOperand, users: CsrMatrix | undefined, items: FeatureTable, out: Float32Array, chunkRows: number): void {
    const L = this.latent;
    const m = items.nRows;
    const attributes = encodeAttributes(items, this.itemEncoding!);
    const vectors = new Float32Array(m * L);
    const biases = new Float32Array(m);
    this.backend.csrMatmul(1, attributes, this.content.value, L, 0, vectors);
    this.backend.csrMatmul(1, attributes, this.contentBias.value, 1, 0, biases);
    if (this.neighbourCount > 0) {
      const weights = attributeNeighbours(attributes, this.warmAttributes, this.warmItems, this.neighbourCount, () => -1);
      this.backend.csrMatmul(1, weights, this.collaborative.value, L, 1, vectors);
      this.backend.csrMatmul(1, weights, this.bias.value, 1, 1, biases);
    }
    if (this.text) {
      const texts = newItemTexts(items, this.textFields!);
      this.backend.axpy(1, this.text.cnn.forward(textWindows(texts, this.text.cnn.shape.vocabulary, this.text.cnn.shape.width)), vectors);
    }
    this.logitsInto(histories, users, vectors, biases, out, chunkRows);
  }
}

/** A new item's words as CNN tokens: each saved text field's words by name, codes offset as in training; unknown words dropped. */
function newItemTexts(items: FeatureTable, fields: readonly TextFieldVocabulary[]): TokenLists {
  const lookups = fields.map((field) => new Map(field.vocabulary.map((word, code) => [word, code])));
  const columns = fields.map((field) => items.fields.find((f) => f.name === field.name && f.kind === 'text'));
  const indptr = new Int32Array(items.nRows + 1);
  const tokens: number[] = [];
  for (let r = 0; r < items.nRows; r++) {
    let offset = 0;
    fields.forEach((field, f) => {
      const column = columns[f];
      if (column !== undefined && column.kind === 'text') {
        for (let p = column.indptr[r]!; p < column.indptr[r + 1]!; p++) {
          const code = lookups[f]!.get(column.vocabulary[column.tokens[p]!]!);
          if (code !== undefined) tokens.push(offset + code);
        }
      }
      offset += field.vocabulary.length;
    });
    indptr[r + 1] = tokens.length;
  }
  return { nRows: items.nRows, indptr, tokens: Int32Array.from(tokens) };
}

function selectTokenRows(texts: TokenLists, rows: Int32Array): TokenLists {
  const indptr = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) indptr[i + 1] = indptr[i]! + texts.indptr[rows[i]! + 1]! - texts.indptr[rows[i]!]!;
  const tokens = new Int32Array(indptr[rows.length]!);
  for (let i = 0; i < rows.length; i++) tokens.set(texts.tokens.subarray(texts.indptr[rows[i]!]!, texts.indptr[rows[i]! + 1]!), indptr[i]!);
  return { nRows: rows.length, indptr, tokens };
}

/** The text fields' vocabularies in itemTextsOf's order. */
function textFieldsOf(features: FeatureTable): TextFieldVocabulary[] {
  return features.fields.flatMap((field) => (field.kind === 'text' ? [{ name: field.name, vocabulary: [...field.vocabulary] }] : []));
}

/** Every text field's tokens per item, field after field, each field's codes offset past the previous vocabularies. */
export function itemTextsOf(features: FeatureTable): ItemTexts {
  const fields = features.fields.flatMap((field) => (field.kind === 'text' ? [field] : []));
  const indptr = new Int32Array(features.nRows + 1);
  const tokens: number[] = [];
  for (let r = 0; r < features.nRows; r++) {
    let offset = 0;
    for (const field of fields) {
      for (let p = field.indptr[r]!; p < field.indptr[r + 1]!; p++) tokens.push(offset + field.tokens[p]!);
      offset += field.vocabulary.length;
    }
    indptr[r + 1] = tokens.length;
  }
  return { texts: { nRows: features.nRows, indptr, tokens: Int32Array.from(tokens) }, vocabulary: fields.reduce((sum, field) => sum + field.vocabulary.length, 0) };
}

class HybridDaeTraining implements TrainableModel {
  private readonly optimizer: Adam;
  private readonly keep: Uint8Array;
  /** The training users' attribute vectors, rows aligned with `examples`. */
  private readonly users: CsrMatrix | undefined;

  constructor(
    private readonly network: HybridDaeNetwork,
    private readonly examples: CsrMatrix,
    userFeatures: FeatureTable | undefined,
    private readonly settings: Settings,
    backend: Backend,
  ) {
    this.users = network.userVectors(userFeatures);
    this.optimizer = new Adam(network.parameters, { learningRate: settings.learningRate, backend });
    this.keep = new Uint8Array(network.warmItems.length);
  }

  async trainEpoch(_epoch: number, rng: Rng, signal?: AbortSignal, onBatch?: BatchCallback): Promise<EpochResult> {
    const batches = rowBatches(this.examples, this.settings.batchSize, rng);
    const l2 = this.settings.weightDecay / this.settings.batchSize;
    let nll = 0;
    let loss = 0;
    for (const batch of batches) {
      signal?.throwIfAborted();
      const dropoutSeed = rng.nextUint32();
      for (let w = 0; w < this.keep.length; w++) this.keep[w] = rng.nextFloat() >= this.settings.itemDropout ? 1 : 0;
      const users = this.users?.selectRows(batch.rows);
      const dropHistory = users ? Uint8Array.from(batch.rows, () => (rng.nextFloat() < this.settings.userDropout ? 1 : 0)) : undefined;
      this.optimizer.zeroGrad();
      const parts = this.network.accumulateGradients(batch.input, this.keep, this.settings.keepProbability, dropoutSeed, l2, users, dropHistory);
      this.optimizer.step();
      this.network.weightsChanged();
      nll += parts.nll * batch.input.nRows;
      loss += (parts.nll + parts.l2) * batch.input.nRows;
      await onBatch?.(batch.index + 1, batches.count);
    }
    const users = this.examples.nRows;
    return { loss: loss / users, values: { nll: nll / users } };
  }

  trainingState(): TrainingState {
    return parameterTrainingState(this.network.parameters, this.optimizer);
  }

  restoreTrainingState(state: TrainingState): void {
    restoreParameterTrainingState(this.network.parameters, this.optimizer, state, 'hybrid DAE training state');
    this.network.weightsChanged();
  }
}

/** Saved beside the parameters: the attribute vectors the content part reads, and which items are warm. */
function exportNetworkExtra(network: HybridDaeNetwork): ModelState {
  const a = network.attributes;
  return {
    tensors: {
      'attributes.indptr': { shape: [a.indptr.length], data: a.indptr },
      'attributes.indices': { shape: [a.nnz], data: a.indices.subarray(0, a.nnz) },
      'attributes.values': { shape: [a.nnz], data: a.values.subarray(0, a.nnz) },
      'items.warm': { shape: [network.warmItems.length], data: network.warmItems },
      ...(network.itemTexts
        ? {
            'texts.indptr': { shape: [network.itemTexts.texts.indptr.length], data: network.itemTexts.texts.indptr },
            'texts.tokens': { shape: [network.itemTexts.texts.tokens.length], data: network.itemTexts.texts.tokens },
          }
        : {}),
    },
    extra: {
      attributes: a.nCols,
      ...(network.userEncoding ? { userEncoding: network.userEncoding } : {}),
      ...(network.itemEncoding ? { itemEncoding: network.itemEncoding } : {}),
      ...(network.itemTexts ? { textVocabulary: network.itemTexts.vocabulary } : {}),
      ...(network.textFields ? { textFields: network.textFields } : {}),
    },
  };
}

function networkFromState(backend: Backend, state: ModelState, nItems: number, settings: Settings, source: string): HybridDaeNetwork {
  const width = state.extra?.['attributes'];
  if (!(typeof width === 'number' && Number.isInteger(width) && width >= 0)) throw new Error(`${source}: the manifest lacks the attribute count ('extra.attributes')`);
  const indptr = requireTensor(source, state.tensors, 'attributes.indptr', Int32Array, [nItems + 1]);
  const nnz = indptr[nItems]!;
  const indices = requireTensor(source, state.tensors, 'attributes.indices', Int32Array, [nnz]);
  const values = requireTensor(source, state.tensors, 'attributes.values', Float32Array, [nnz]);
  const warmTensor = state.tensors['items.warm'];
  if (!warmTensor) throw new Error(`${source} lacks tensor 'items.warm'`);
  const warm = requireTensor(source, state.tensors, 'items.warm', Int32Array, [warmTensor.shape[0]!]);
  const userEncoding = state.extra?.['userEncoding'] as AttributeEncoding | undefined;
  let text: ConstructorParameters<typeof HybridDaeNetwork>[6];
  if (settings.textCnn) {
    const vocabulary = state.extra?.['textVocabulary'];
    if (!(typeof vocabulary === 'number' && Number.isInteger(vocabulary) && vocabulary >= 0)) throw new Error(`${source}: the manifest lacks the text vocabulary size ('extra.textVocabulary')`);
    const textIndptr = requireTensor(source, state.tensors, 'texts.indptr', Int32Array, [nItems + 1]);
    const tokens = requireTensor(source, state.tensors, 'texts.tokens', Int32Array, [textIndptr[nItems]!]);
    text = { texts: { texts: { nRows: nItems, indptr: textIndptr, tokens }, vocabulary }, filters: settings.cnnFilters, width: settings.cnnWidth, embedding: settings.cnnEmbedding };
  }
  // Absent in models saved before they were kept: such a model cannot score new items (encodesNewItems).
  const itemEncoding = state.extra?.['itemEncoding'] as AttributeEncoding | undefined;
  const textFields = state.extra?.['textFields'] as TextFieldVocabulary[] | undefined;
  return new HybridDaeNetwork(backend, new CsrMatrix(nItems, width, indptr, indices, values), warm, settings.latent, userEncoding, undefined, text, settings.neighbours, itemEncoding, textFields);
}

/** The training users: rows with interactions, with their attributes when the data has them. */
function trainingExamples(train: TrainingData): TrainingData {
  const rows: number[] = [];
  for (let r = 0; r < train.matrix.nRows; r++) if (train.matrix.rowLength(r) > 0) rows.push(r);
  const all = rows.length === train.matrix.nRows;
  return {
    matrix: all ? train.matrix : train.matrix.selectRows(rows),
    ...(train.userFeatures ? { userFeatures: all ? train.userFeatures : selectFeatureRows(train.userFeatures, rows) } : {}),
  };
}

function userEncodingOf(train: TrainingData, settings: Settings): AttributeEncoding | undefined {
  if (!settings.userAttributes || !train.userFeatures || train.userFeatures.fields.length === 0) return undefined;
  return fitAttributeEncoding(trainingExamples(train).userFeatures!, { withText: settings.text === 'all', numericBins: settings.numericBins });
}

function warmItemsOf(train: TrainingData): Int32Array {
  const counts = train.matrix.columnCounts();
  return Int32Array.from({ length: train.matrix.nCols }, (_, j) => j).filter((j) => counts[j]! > 0);
}

const SPEC: NeuralModelSpec<Settings, HybridDaeNetwork> = {
  name: NAME,
  description:
    "Hybrid DAE: Mult-DAE whose item vectors are a collaborative part plus a content part from the items' attributes (genres, year bins, TF-IDF words), " +
    'trained with DropoutNet-style dropout of the collaborative part, so items without interactions are scored from their attributes.',
  settings: SETTINGS,
  inputs: INPUTS,
  parseSettings: (resolved) => resolved as unknown as Settings,
  createNetwork: (backend, train, settings, rng) => {
    const itemEncoding = fitAttributeEncoding(train.itemFeatures!, { withText: settings.text === 'all', numericBins: settings.numericBins });
    return new HybridDaeNetwork(
      backend,
      encodeAttributes(train.itemFeatures!, itemEncoding),
      warmItemsOf(train),
      settings.latent,
      userEncodingOf(train, settings),
      rng,
      settings.textCnn ? { texts: itemTextsOf(train.itemFeatures!), filters: settings.cnnFilters, width: settings.cnnWidth, embedding: settings.cnnEmbedding } : undefined,
      settings.neighbours,
      itemEncoding,
      settings.textCnn ? textFieldsOf(train.itemFeatures!) : undefined,
    );
  },
  networkForState: networkFromState,
  trainingExamples,
  createTraining: (backend, network, examples, settings) => new HybridDaeTraining(network, examples.matrix, examples.userFeatures, settings, backend),
  scoreInto: (network, query: ScoreQuery, out, settings) => network.scoreInto(query.histories, network.userVectors(query.userFeatures), out, settings.batchSize),
  weightsSet: (network) => network.weightsChanged(),
  readsUserFeatures: (network) => network.userLayer !== undefined,
  exportExtra: exportNetworkExtra,
  scoreNewItems: (network, query, items, settings) => {
    if (!network.encodesNewItems) return undefined;
    const out = new Float32Array(query.histories.nRows * items.nRows);
    network.scoreNewItemsInto(query.histories, network.userVectors(query.userFeatures), items, out, settings.batchSize);
    return out;
  },
};

export const hybridDaeFactory: ModelFactory = neuralModelFactory(SPEC);

/** A hybrid DAE on a given backend (tests run both). */
export function hybridDaeRecommender(hyperParameters: Record<string, unknown> = {}, backend?: Backend): NeuralRecommender<Settings, HybridDaeNetwork> {
  return new NeuralRecommender(SPEC, hyperParameters, backend);
}
