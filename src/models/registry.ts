/**
 * Models by name. The baselines are registered here; other model modules
 * (AutoRec, Mult-VAE, ...) call `registerModelFactory` or are added to
 * BUILT_IN_FACTORIES, and the CLI, the model files and the server find them
 * by the name stored in a manifest or typed on the command line.
 */
import type { ModelFactory } from './model.js';
import { itemAutoRecFactory, userAutoRecFactory } from './autoencoders/autorec.js';
import { cdaeFactory } from './autoencoders/cdae.js';
import { edlaeFactory } from './autoencoders/edlae.js';
import { easeFactory } from './baselines/ease.js';
import { itemKnnFactory } from './baselines/item-knn.js';
import { multDaeFactory } from './autoencoders/mult-dae.js';
import { multVaeFactory } from './autoencoders/mult-vae.js';
import { popularityFactory } from './baselines/popularity.js';
import { recVaeFactory } from './autoencoders/recvae.js';
import { sessionKnnFactory } from './baselines/session-knn.js';
import { attributeKnnFactory } from './hybrid/attribute-knn.js';
import { attributeMapFactory } from './hybrid/attribute-map.js';
import { hybridDaeFactory } from './hybrid/hybrid-dae.js';
import { gru4recFactory } from './sequential/gru4rec.js';
import { sasrecFactory } from './sequential/sasrec.js';
import { svaeFactory } from './sequential/svae.js';

const BUILT_IN_FACTORIES: readonly ModelFactory[] = [
  popularityFactory, itemKnnFactory, easeFactory, sessionKnnFactory,
  itemAutoRecFactory, userAutoRecFactory, multDaeFactory, multVaeFactory, recVaeFactory, cdaeFactory, edlaeFactory,
  attributeKnnFactory, attributeMapFactory, hybridDaeFactory,
  gru4recFactory, sasrecFactory, svaeFactory,
];

const factories = new Map<string, ModelFactory>();

/** Makes a model available by its name. Throws when another factory already holds the name. */
export function registerModelFactory(factory: ModelFactory): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(factory.name)) {
    throw new Error(`model name '${factory.name}' must be lower-case letters, digits, '-' and '_', starting with a letter`);
  }
  const existing = factories.get(factory.name);
  if (existing !== undefined && existing !== factory) throw new Error(`a model named '${factory.name}' is already registered`);
  factories.set(factory.name, factory);
}

for (const factory of BUILT_IN_FACTORIES) registerModelFactory(factory);

/** The factory registered as `name`; the error lists the known names. */
export function getModelFactory(name: string): ModelFactory {
  const factory = factories.get(name);
  if (factory === undefined) {
    throw new Error(`unknown model '${name}'; known models: ${[...factories.keys()].sort().join(', ')}`);
  }
  return factory;
}

/** Every registered factory, by name. */
export function listModelFactories(): ModelFactory[] {
  return [...factories.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Command-line hyper-parameters (`{ lambda: '500' }`) typed after the
 * factory's defaults; unknown names and unparsable values throw. Returns only
 * the given names: `factory.create` merges the defaults under them.
 */
export function parseHyperParameters(factory: ModelFactory, values: Readonly<Record<string, string>>): Record<string, unknown> {
  return factory.settings.parse(values);
}
