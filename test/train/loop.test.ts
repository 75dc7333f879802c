import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '../../src/io/safetensors.js';
import type { FitProgress } from '../../src/models/model.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { trainIteratively, type TrainLoopOptions, type TrainReport } from '../../src/train/loop.js';
import type { TrainingState } from '../../src/train/trainable.js';
import { LinearRegression, regressionData } from './linear-regression.js';

const train = regressionData(1, 40, 6); // 5 batches of 8 per epoch
const validation = regressionData(2, 20, 6);

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'recoder-loop-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function assertSameState(actual: TrainingState, expected: TrainingState, what: string): void {
  assert.deepEqual(Object.keys(actual.tensors).sort(), Object.keys(expected.tensors).sort(), `${what}: tensor names`);
  for (const name of Object.keys(expected.tensors)) {
    assert.deepEqual(actual.tensors[name]!.shape, expected.tensors[name]!.shape, `${what}: shape of ${name}`);
    assert.deepEqual(actual.tensors[name]!.data, expected.tensors[name]!.data, `${what}: values of ${name}`);
  }
  assert.deepEqual(actual.scalars, expected.scalars, `${what}: scalars`);
}

/** A validate callback that returns the scripted score of each epoch and keeps the model's state after it. */
function scripted(model: LinearRegression, scores: number[], states: Map<number, TrainingState>): (epoch: number) => { score: number } {
  return (epoch) => {
    states.set(epoch, model.trainingState());
    return { score: scores[epoch - 1]! };
  };
}

/** Validation by RMSE on held-out rows, keeping the model's state after each epoch. */
function rmseValidation(model: LinearRegression, states?: Map<number, TrainingState>): Pick<TrainLoopOptions, 'validate' | 'higherIsBetter'> {
  return {
    higherIsBetter: false,
    validate: (epoch) => {
      states?.set(epoch, model.trainingState());
      return model.rmse(validation);
    },
  };
}

const withoutTimes = (report: TrainReport) => report.epochs.map(({ seconds: _seconds, ...rest }) => rest);

test('one progress report per batch and one per epoch; the loss falls; the report lists every epoch', async () => {
  const model = new LinearRegression(train, 1);
  const progress: FitProgress[] = [];
  const report = await trainIteratively(model, { maxEpochs: 3, seed: 7, ...rmseValidation(model), onProgress: (p) => progress.push(p) });

  const expected: Array<[string, number, number]> = [];
  for (let epoch = 1; epoch <= 3; epoch++) {
    for (let batch = 1; batch <= 5; batch++) expected.push([`train epoch ${epoch}`, batch, 5]);
    expected.push(['epoch', epoch, 3]);
  }
  assert.deepEqual(progress.map((p) => [p.phase, p.done, p.total]), expected);
  const summary = progress[progress.length - 1]!.values!;
  assert.deepEqual(Object.keys(summary).sort(), ['bestEpoch', 'loss', 'seconds', 'steps', 'validation']);
  assert.equal(summary['loss'], report.epochs[2]!.loss);
  assert.equal(summary['validation'], report.epochs[2]!.validation!.score);
  assert.equal(summary['steps'], 15);

  assert.deepEqual(report.epochs.map((e) => e.epoch), [1, 2, 3]);
  assert.ok(report.epochs[2]!.loss < report.epochs[0]!.loss, `loss ${report.epochs.map((e) => e.loss).join(' → ')}`);
  assert.ok(report.epochs.every((e) => e.seconds >= 0 && e.values?.['steps'] === 5 * e.epoch));
  assert.equal(report.resumedFromEpoch, null);
  assert.equal(report.stoppedEarly, false);
  assert.deepEqual(model.epochsTrained, [1, 2, 3]);
});

test('early stopping: patience 2 stops after two epochs without improvement and restores the best epoch', async () => {
  const scores = [1, 3, 2, 2.5, 2, 9];
  const states = new Map<number, TrainingState>();
  const model = new LinearRegression(train, 1);
  const report = await trainIteratively(model, { maxEpochs: 6, patience: 2, seed: 7, validate: scripted(model, scores, states) });
  assert.deepEqual(model.epochsTrained, [1, 2, 3, 4]);
  assert.equal(report.stoppedEarly, true);
  assert.equal(report.bestEpoch, 2);
  assert.equal(report.bestScore, 3);
  assertSameState(model.trainingState(), states.get(2)!, 'weights after the run');

  const kept = new LinearRegression(train, 1);
  const keptStates = new Map<number, TrainingState>();
  await trainIteratively(kept, { maxEpochs: 6, patience: 2, seed: 7, validate: scripted(kept, scores, keptStates), restoreBest: false });
  assertSameState(kept.trainingState(), keptStates.get(4)!, 'restoreBest false keeps the last epoch');
});

test('lower-is-better scores pick the smallest; a NaN score never counts as an improvement', async () => {
  const states = new Map<number, TrainingState>();
  const model = new LinearRegression(train, 1);
  const report = await trainIteratively(model, { maxEpochs: 4, seed: 7, higherIsBetter: false, validate: scripted(model, [5, Number.NaN, 4, 6], states) });
  assert.equal(report.bestEpoch, 3);
  assert.equal(report.bestScore, 4);
  assert.equal(report.stoppedEarly, false);
  assertSameState(model.trainingState(), states.get(3)!, 'weights of epoch 3');
});

test('without validation the last epoch is the result', async () => {
  const model = new LinearRegression(train, 1);
  const report = await trainIteratively(model, { maxEpochs: 2, seed: 7, patience: 1 });
  assert.equal(report.bestEpoch, 2);
  assert.equal(report.bestScore, null);
  assert.equal(report.stoppedEarly, false);
  assert.ok(report.epochs.every((e) => e.validation === undefined));
});

test('the same seed trains the same weights; another seed shuffles differently', async () => {
  const [a, b, c] = [new LinearRegression(train, 1), new LinearRegression(train, 1), new LinearRegression(train, 1)];
  await trainIteratively(a, { maxEpochs: 2, seed: 7 });
  await trainIteratively(b, { maxEpochs: 2, seed: 7 });
  await trainIteratively(c, { maxEpochs: 2, seed: 8 });
  assertSameState(a.trainingState(), b.trainingState(), 'same seed');
  assert.notDeepEqual(a.trainingState().tensors['regression.weight']!.data, c.trainingState().tensors['regression.weight']!.data);
});

test('an abort mid-epoch keeps the last complete epoch and its checkpoint; resuming gives the uninterrupted weights bit for bit', async () => {
  await withTempDir(async (dir) => {
    const uninterrupted = new LinearRegression(train, 1);
    const straight = await trainIteratively(uninterrupted, { maxEpochs: 6, seed: 42, ...rmseValidation(uninterrupted), checkpointPath: join(dir, 'straight.ckpt') });

    const checkpointPath = join(dir, 'interrupted.ckpt');
    const interrupted = new LinearRegression(train, 1);
    const states = new Map<number, TrainingState>();
    const controller = new AbortController();
    const run = trainIteratively(interrupted, {
      maxEpochs: 6,
      seed: 42,
      ...rmseValidation(interrupted, states),
      checkpointPath,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'train epoch 4' && p.done === 2) controller.abort();
      },
    });
    await assert.rejects(run, { name: 'AbortError' });
    assert.deepEqual(interrupted.epochsTrained, [1, 2, 3, 4]);
    assertSameState(interrupted.trainingState(), states.get(3)!, 'weights after the abort');
    const onDisk = await readCheckpoint(checkpointPath);
    assert.equal(onDisk!.epoch, 3);
    assertSameState(onDisk!.state, states.get(3)!, 'checkpoint after the abort');

    // A fresh process: other initial weights, restored from the checkpoint.
    const resumed = new LinearRegression(train, 99);
    const report = await trainIteratively(resumed, { maxEpochs: 6, seed: 42, ...rmseValidation(resumed), checkpointPath, resume: true });
    assert.equal(report.resumedFromEpoch, 3);
    assert.deepEqual(resumed.epochsTrained, [4, 5, 6]);
    assertSameState(resumed.trainingState(), uninterrupted.trainingState(), 'resumed versus uninterrupted');
    assert.deepEqual(withoutTimes(report), withoutTimes(straight));
    assert.equal(report.bestEpoch, straight.bestEpoch);
    assert.equal(report.bestScore, straight.bestScore);
    // The final checkpoints differ only in the recorded epoch times.
    const [resumedFile, straightFile] = [await readCheckpoint(checkpointPath), await readCheckpoint(join(dir, 'straight.ckpt'))];
    assertSameState(resumedFile!.state, straightFile!.state, 'final checkpoints');
  });
});

test('an abort fired between epochs (a timer, a Ctrl-C handler) is honoured at the next epoch boundary', async () => {
  await withTempDir(async (dir) => {
    const checkpointPath = join(dir, 'run.ckpt');
    const model = new LinearRegression(train, 1);
    const states = new Map<number, TrainingState>();
    const controller = new AbortController();
    const run = trainIteratively(model, {
      maxEpochs: 5,
      seed: 3,
      ...rmseValidation(model, states),
      checkpointPath,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'epoch' && p.done === 2) setImmediate(() => controller.abort(new Error('interrupted by the user')));
      },
    });
    await assert.rejects(run, /interrupted by the user/);
    assert.deepEqual(model.epochsTrained, [1, 2]);
    assertSameState(model.trainingState(), states.get(2)!, 'weights after the abort');
    assert.equal((await readCheckpoint(checkpointPath))!.epoch, 2);

    const idle = new LinearRegression(train, 1);
    await assert.rejects(trainIteratively(idle, { maxEpochs: 5, seed: 3, signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.deepEqual(idle.epochsTrained, []);
  });
});

test('a timer abort is seen mid-epoch by a model that awaits onBatch, and the last complete epoch is restored', async () => {
  // 2,000 batches of 1 ms of busy work per epoch: about 2 s, against an abort 30 ms into epoch 2.
  const batchesPerEpoch = 2000;
  const batchesDone: number[] = [];
  let weight = 0;
  const model = {
    async trainEpoch(epoch: number, _rng: unknown, signal?: AbortSignal, onBatch?: (done: number, total: number) => void | Promise<void>) {
      batchesDone[epoch] = 0;
      for (let b = 1; b <= batchesPerEpoch; b++) {
        signal?.throwIfAborted();
        const until = performance.now() + 1;
        while (performance.now() < until);
        weight += 1;
        batchesDone[epoch] = b;
        await onBatch?.(b, batchesPerEpoch);
        if (epoch === 1 && b === 5) break; // a short first epoch, so the abort lands in the second
      }
      return { loss: weight };
    },
    trainingState: () => ({ tensors: {}, scalars: { weight } }),
    restoreTrainingState: (state: TrainingState) => {
      weight = state.scalars['weight']!;
    },
  };
  const controller = new AbortController();
  const run = trainIteratively(model, {
    maxEpochs: 3,
    seed: 1,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.phase === 'train epoch 2' && p.done === 1) setTimeout(() => controller.abort(new Error('interrupted by the user')), 30);
    },
  });
  await assert.rejects(run, /interrupted by the user/);
  assert.ok(batchesDone[2]! < batchesPerEpoch, `epoch 2 stopped after ${batchesDone[2]} of ${batchesPerEpoch} batches`);
  assert.equal(weight, 5, 'the state after epoch 1 is restored');
});

test('restoreOnFailure false copies the state only for the best epochs, and ends at the same weights', async () => {
  const scores = [1, 2, 1.5, 1, 3, 2];
  const run = async (restoreOnFailure: boolean) => {
    const model = new LinearRegression(train, 1);
    let copies = 0;
    const trainingState = model.trainingState.bind(model);
    model.trainingState = () => {
      copies++;
      return trainingState();
    };
    const report = await trainIteratively(model, { maxEpochs: 6, seed: 3, validate: (epoch) => ({ score: scores[epoch - 1]! }), restoreOnFailure });
    return { copies, report, final: trainingState() };
  };
  const keeping = await run(true);
  const lean = await run(false);
  assert.equal(keeping.copies, 1 + 6, 'the initial state and one copy per epoch');
  assert.equal(lean.copies, 1 + 3, 'the initial state and the best epochs (1, 2 and 5) only');
  assert.equal(lean.report.bestEpoch, 5);
  assertSameState(lean.final, keeping.final, 'weights after restoring the best epoch');

  // Without the per-epoch copy an abort leaves the model where the epoch stopped.
  const model = new LinearRegression(train, 1);
  const controller = new AbortController();
  const aborted = trainIteratively(model, {
    maxEpochs: 3,
    seed: 3,
    signal: controller.signal,
    restoreOnFailure: false,
    onProgress: (p) => {
      if (p.phase === 'train epoch 2' && p.done === 2) controller.abort();
    },
  });
  await assert.rejects(aborted, { name: 'AbortError' });
  assert.equal(model.trainingState().scalars['adam.step'], 5 + 2, 'five steps of epoch 1 and two of epoch 2');
});

test('a resumed run whose checkpoint ran out of patience stops at once, with the best epoch restored from the file', async () => {
  await withTempDir(async (dir) => {
    const checkpointPath = join(dir, 'patience.ckpt');
    const first = new LinearRegression(train, 1);
    const states = new Map<number, TrainingState>();
    const done = await trainIteratively(first, { maxEpochs: 10, patience: 2, seed: 5, validate: scripted(first, [2, 1, 1.5, 0.5], states), checkpointPath });
    assert.equal(done.stoppedEarly, true);
    assert.deepEqual(first.epochsTrained, [1, 2, 3]);

    const again = new LinearRegression(train, 2);
    const report = await trainIteratively(again, { maxEpochs: 10, patience: 2, seed: 5, validate: scripted(again, [], new Map()), checkpointPath, resume: true });
    assert.deepEqual(again.epochsTrained, []);
    assert.equal(report.stoppedEarly, true);
    assert.equal(report.resumedFromEpoch, 3);
    assert.equal(report.bestEpoch, 1);
    assert.equal(report.bestScore, 2);
    assertSameState(again.trainingState(), states.get(1)!, 'best epoch restored from the checkpoint');
  });
});

test('resume without a checkpoint file starts afresh and writes one', async () => {
  await withTempDir(async (dir) => {
    const checkpointPath = join(dir, 'nested', 'fresh.ckpt');
    const model = new LinearRegression(train, 1);
    const report = await trainIteratively(model, { maxEpochs: 1, seed: 1, checkpointPath, resume: true });
    assert.equal(report.resumedFromEpoch, null);
    assert.equal((await readCheckpoint(checkpointPath))!.epoch, 1);
  });
});

test('a checkpoint of another model, signature or seed is refused with a clear error, leaving the model untouched', async () => {
  await withTempDir(async (dir) => {
    const checkpointPath = join(dir, 'six.ckpt');
    await trainIteratively(new LinearRegression(train, 1), { maxEpochs: 1, seed: 1, checkpointPath, modelSignature: 'regression {"features":6}' });

    const wider = new LinearRegression(regressionData(1, 40, 7), 1);
    const before = wider.trainingState();
    await assert.rejects(
      trainIteratively(wider, { maxEpochs: 2, seed: 1, checkpointPath, resume: true, modelSignature: 'regression {"features":7}' }),
      (error: Error) => {
        assert.match(error.message, /^checkpoint .*six\.ckpt belongs to another model or shape and cannot be resumed/);
        assert.match(error.message, /tensor 'regression\.weight' is \[6, 1\] in the checkpoint but \[7, 1\] in this model/);
        return true;
      },
    );
    assertSameState(wider.trainingState(), before, 'the refused model');

    const same = () => new LinearRegression(train, 1);
    await assert.rejects(
      trainIteratively(same(), { maxEpochs: 2, seed: 1, checkpointPath, resume: true, modelSignature: 'regression {"features":6,"l2":1}' }),
      /its model signature is 'regression \{"features":6\}', this model's is 'regression \{"features":6,"l2":1\}'/,
    );
    await assert.rejects(
      trainIteratively(same(), { maxEpochs: 2, seed: 2, checkpointPath, resume: true, modelSignature: 'regression {"features":6}' }),
      /was written by a run with seed 1; resume it with that seed \(got 2\)/,
    );
    const notACheckpoint = join(dir, 'weights.safetensors');
    await writeSafetensors(notACheckpoint, same().trainingState().tensors);
    await assert.rejects(trainIteratively(same(), { maxEpochs: 1, seed: 1, checkpointPath: notACheckpoint, resume: true }), /weights\.safetensors is not a recoder training checkpoint/);
  });
});

test('loop options are checked before any training', async () => {
  const model = new LinearRegression(train, 1);
  await assert.rejects(trainIteratively(model, { maxEpochs: -1, seed: 1 }), /maxEpochs must be a non-negative integer, got -1/);
  await assert.rejects(trainIteratively(model, { maxEpochs: 3, seed: 1, patience: 0 }), /patience must be a positive integer/);
  await assert.rejects(trainIteratively(model, { maxEpochs: 3, seed: 1.5 }), /seed must be a safe integer, got 1\.5/);
  await assert.rejects(trainIteratively(model, { maxEpochs: 3, seed: 1, resume: true }), /resume needs a checkpointPath/);
  assert.deepEqual(model.epochsTrained, []);
});
