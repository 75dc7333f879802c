/**
 * Settings that keep every registered model's fit to a few seconds on the small generated data
 * of the model tests (the conformance suite, the attribution tests). A new model joins here by
 * one line; the conformance suite fails for a registered model that has none.
 */
export const SMALL_MODEL_SETTINGS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  popularity: {},
  itemknn: { neighbours: 10 },
  ease: { lambda: 10 },
  edlae: {},
  'autorec-item': { hidden: 8, epochs: 3 },
  'autorec-user': { hidden: 8, epochs: 3 },
  'mult-dae': { latent: 8, epochs: 3, batchSize: 16 },
  'mult-vae': { hidden: [16], latent: 8, epochs: 3, batchSize: 16 },
  recvae: { hidden: 16, latent: 8, depth: 2, epochs: 2, batchSize: 16 },
  cdae: { hidden: 8, epochs: 3, batchSize: 16 },
  'attribute-knn': {},
  'attribute-map': { lambda: 10 },
  'hybrid-dae': { latent: 8, epochs: 3, batchSize: 16 },
  'session-knn': { neighbours: 10, sampleSize: 20 },
  // Sequence models: GRU
  gru4rec: { hidden: 8, maxLength: 5, epochs: 3, batchSize: 16 },
  svae: { itemEmbedding: 8, rnnSize: 8, hidden: 8, latent: 4, maxLength: 5, epochs: 3, batchSize: 16 },
  // Sequence models: attention
  sasrec: { hidden: 8, blocks: 1, maxLength: 6, epochs: 2, batchSize: 16 },
};
