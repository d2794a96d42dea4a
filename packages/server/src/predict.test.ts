import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createModel, setupBackend, TfjsModelAdapter } from '@federa/tfjs';
import { MAX_PREDICT_SAMPLES, TfjsPredictor } from './predict.js';
import { startServer } from './testing/fixtures.js';

test('POST /api/predict answers with the global model’s class probabilities and refuses bad input with 400 and a reason', async () => {
  await setupBackend({ prefer: 'wasm' });
  const adapter = new TfjsModelAdapter(createModel('logreg', { inputDim: 4, classes: 3, seed: 2 }));
  const server = await startServer({ predictor: new TfjsPredictor(adapter) });
  const post = async (body: string) => {
    const res = await fetch(`${server.httpUrl}/api/predict`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  try {
    const inputs = [
      [1, 0, 0, 0],
      [0, 2, -1, 0.5],
    ];
    const ok = await post(JSON.stringify({ inputs }));
    assert.equal(ok.status, 200);
    const preds = ok.json.predictions as { label: number; probabilities: number[] }[];
    assert.equal(preds.length, 2);
    // The same model by hand: logits = x·W + b, softmax, argmax.
    const w = adapter.getWeights();
    const kernel = w.tensor(0); // 'out/kernel', [4, 3]; the bias starts at zero
    for (const [i, p] of preds.entries()) {
      assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
      const x = inputs[i] as number[];
      const logits = [0, 1, 2].map((k) => x.reduce((s, v, j) => s + v * (kernel[j * 3 + k] as number), 0));
      assert.equal(p.label, logits.indexOf(Math.max(...logits)));
    }
    const single = await post(JSON.stringify({ input: [0, 0, 1, 0] }));
    assert.equal((single.json.predictions as unknown[]).length, 1);

    const bad = [
      ['not json', /not JSON/],
      [JSON.stringify({ x: 1 }), /"inputs"/],
      [JSON.stringify({ inputs: [[1, 2, 3]] }), /inputs\[0\] must be an array of 4 numbers, got 3 values/],
      [JSON.stringify({ inputs: [[1, 2, null, 4]] }), /inputs\[0\]\[2\] is not a finite number/],
      [JSON.stringify({ inputs: Array(MAX_PREDICT_SAMPLES + 1).fill([0, 0, 0, 0]) }), /1 to 1024 samples/],
    ] as const;
    for (const [body, why] of bad) {
      const r = await post(body);
      assert.equal(r.status, 400, body.slice(0, 40));
      const err = r.json.error as { code: string; message: string };
      assert.equal(err.code, 'E_INPUT');
      assert.match(err.message, why);
    }
    assert.equal((await fetch(`${server.httpUrl}/api/predict`)).status, 405);
  } finally {
    await server.stop();
    adapter.dispose();
  }
});
