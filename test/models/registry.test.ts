import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelFactory } from '../../src/models/model.js';
import { defineSettings } from '../../src/models/settings.js';
import { getModelFactory, listModelFactories, parseHyperParameters, registerModelFactory } from '../../src/models/registry.js';

const fake: ModelFactory = {
  name: 'fake-test-model',
  description: 'hyper-parameters of every kind, for parsing tests',
  settings: defineSettings('fake-test-model', [
    { name: 'rate', type: 'number', default: 0.001, min: 0, description: 'a rate' },
    { name: 'epochs', type: 'integer', default: 10, min: 1, description: 'epochs' },
    { name: 'normalise', type: 'boolean', default: true, description: 'a flag' },
    { name: 'activation', type: 'choice', default: 'tanh', choices: ['tanh', 'relu'], description: 'a choice' },
    { name: 'hidden', type: 'integer[]', default: [600, 200], min: 1, description: 'widths' },
  ]),
  inputs: ['interactions'],
  predictsRatings: false,
  create: () => {
    throw new Error('not used');
  },
  restore: () => {
    throw new Error('not used');
  },
};

test('built-in baselines are registered; unknown names list the known ones', () => {
  const names = listModelFactories().map((f) => f.name);
  for (const name of ['ease', 'itemknn', 'popularity']) assert.ok(names.includes(name));
  assert.equal(getModelFactory('ease').name, 'ease');
  assert.throws(() => getModelFactory('eas'), /unknown model 'eas'; known models: .*ease.*itemknn.*popularity/);
});

test('registering adds a model; a second factory under a taken name is refused', () => {
  registerModelFactory(fake);
  registerModelFactory(fake);
  assert.equal(getModelFactory('fake-test-model'), fake);
  assert.throws(() => registerModelFactory({ ...fake }), /a model named 'fake-test-model' is already registered/);
  assert.throws(() => registerModelFactory({ ...fake, name: 'Bad Name' }), /model name 'Bad Name' must be lower-case/);
});

test('command-line strings are coerced to the types of the defaults', () => {
  assert.deepEqual(parseHyperParameters(getModelFactory('ease'), { lambda: '500' }), { lambda: 500 });
  assert.deepEqual(
    parseHyperParameters(fake, {
      rate: '1e-3',
      normalise: 'no',
      activation: 'relu',
      hidden: '300, 100',
    }),
    { rate: 0.001, normalise: false, activation: 'relu', hidden: [300, 100] },
  );
  assert.deepEqual(parseHyperParameters(fake, { hidden: '[64]' }), { hidden: [64] });
});

test('unknown names and unparsable values are rejected with the model and the expected type', () => {
  assert.throws(() => parseHyperParameters(getModelFactory('ease'), { lamda: '5' }), /unknown hyper-parameter 'lamda' for model 'ease'; known: lambda/);
  assert.throws(() => parseHyperParameters(getModelFactory('ease'), { lambda: 'big' }), /'lambda' of model 'ease' expects a number, got 'big'/);
  assert.throws(() => parseHyperParameters(getModelFactory('ease'), { lambda: '' }), /expects a number, got ''/);
  assert.throws(() => parseHyperParameters(fake, { normalise: 'maybe' }), /'normalise' of model 'fake-test-model' expects a boolean/);
  assert.throws(() => parseHyperParameters(fake, { hidden: '300,x' }), /'hidden' .* expects a number\[\], got '300,x'/);
  assert.throws(() => parseHyperParameters(fake, { activation: 'gelu' }), /'activation' of model 'fake-test-model' must be one of 'tanh', 'relu', got "gelu"/);
  assert.throws(() => parseHyperParameters(fake, { epochs: '2.5' }), /'epochs' of model 'fake-test-model' must be an integer ≥ 1, got 2.5/);
  assert.throws(() => parseHyperParameters(fake, { hidden: '0' }), /'hidden' of model 'fake-test-model' must be a list of integers ≥ 1/);
});
