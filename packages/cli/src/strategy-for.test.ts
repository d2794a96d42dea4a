import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DifferentialPrivacy, FedAdam, FedProx, QFedAvg, Rng, RobustFedAvg, Weights } from '@federa/core';
import { parseConfig, STRATEGIES } from './config/index.js';
import { experimentSpec, strategyFor } from './run.js';

const nodes = Array.from({ length: 20 }, (_, i) => ({ id: `c${i}` }));
const w = new Weights([
  { name: 'fc/kernel', shape: [2] },
  { name: 'out/kernel', shape: [2] },
]);

describe('strategyFor', () => {
  it('builds every strategy the config accepts, under its own name', () => {
    for (const name of STRATEGIES.filter((n) => !['feddf', 'fedbuff', 'fedasync'].includes(n))) {
      const s = strategyFor(parseConfig({ strategy: { name } }, 'test'));
      assert.equal(s.name, name);
      assert.equal(s.configureTrain(1, w, nodes, new Rng(1)).length, 2);
    }
  });

  it('passes the algorithm options through to the strategy and its clients', () => {
    const prox = strategyFor(parseConfig({ strategy: { name: 'fedprox', mu: 0.5 } }, 'test'));
    assert.ok(prox instanceof FedProx);
    assert.equal(prox.configureTrain(1, w, nodes, new Rng(1))[0]?.config.proximalMu, 0.5);
    const q = strategyFor(parseConfig({ strategy: { name: 'qfedavg', q: 2 } }, 'test'));
    assert.ok(q instanceof QFedAvg);
    assert.equal(q.configureTrain(1, w, nodes, new Rng(1))[0]?.config.reportInitialLoss, true);
    assert.ok(strategyFor(parseConfig({ strategy: { name: 'fedadam', serverLr: 0.03 } }, 'test')) instanceof FedAdam);
    const sgd = strategyFor(parseConfig({ strategy: { name: 'fedsgd' } }, 'test'));
    assert.equal(sgd.configureTrain(1, w, nodes, new Rng(1))[0]?.config.mode, 'gradient');
  });
});

describe('robust aggregation from the config', () => {
  it('builds FedAvg with the rule and detector, and refuses other strategies', () => {
    const s = strategyFor(parseConfig({ robust: { rule: 'krum', f: 2 } }, 'test'));
    assert.ok(s instanceof RobustFedAvg);
    assert.equal(s.name, 'robust-krum');
    assert.ok(strategyFor(parseConfig({ robust: { detector: 'exclude' } }, 'test')) instanceof RobustFedAvg);
    assert.throws(
      () => parseConfig({ strategy: { name: 'fedprox' }, robust: { rule: 'median' } }, 'test'),
      /robust\.rule: robust aggregation replaces FedAvg's mean; it does not combine with strategy fedprox/,
    );
  });
});

describe('compression from the config', () => {
  it('sends the spec to every client and rejects a bad one with the field named', () => {
    const s = strategyFor(parseConfig({ client: { compress: 'qsgd:4' } }, 'test'));
    assert.equal(s.configureTrain(1, w, nodes, new Rng(1))[0]?.config.compress, 'qsgd:4');
    assert.throws(() => parseConfig({ client: { compress: 'zip:9' } }, 'c.yaml'), /c\.yaml: client\.compress: /);
  });
});

describe('differential privacy from the config', () => {
  it('wraps the strategy in DP-FedAvg with the accountant', () => {
    const s = strategyFor(
      parseConfig({ privacy: { clipNorm: 1, noiseMultiplier: 1.1, budget: 8, seeded: true } }, 'test'),
    );
    assert.ok(s instanceof DifferentialPrivacy);
    assert.equal(s.configureTrain(1, w, nodes, new Rng(1)).length, 2);
  });
});

describe('experimentSpec', () => {
  it('carries the attack to every worker only when one is configured', () => {
    assert.equal(experimentSpec(parseConfig({}, 'test')).attack, undefined);
    const spec = experimentSpec(parseConfig({ attack: { kind: 'backdoor', fraction: 0.2, target: 3 } }, 'test'));
    assert.deepEqual(spec.attack, { kind: 'backdoor', fraction: 0.2, noiseStd: 1, target: 3, poisonFraction: 0.5 });
  });
});
