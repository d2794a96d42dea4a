// A federa server in its own process, for the kill-and-resume test: trains logistic regression
// on MNIST with FedAvg (clients hold the data and also evaluate), checkpointing to SQLite. Argument: one JSON object
// { db, port, rounds, seed, out } — prints "listening <url>", "round <n>" per round, and
// writes the final weights (codec bytes) to `out`.
import { writeFile } from 'node:fs/promises';
import { encodeWeights } from '@federa/core';
import { createModel, setupBackend, TfjsModelAdapter } from '@federa/tfjs';
import { FederaServer } from '../server.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { TOKENS } from './fixtures.js';
import { MNIST_MODEL, mnistStrategy } from './mnist-plan.js';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  db: string;
  port: number;
  rounds: number;
  seed: number;
  out: string;
};
await setupBackend({ prefer: 'wasm' });
const model = new TfjsModelAdapter(createModel(MNIST_MODEL.name, MNIST_MODEL.options));
const store = SqliteStore.open(args.db);
const server = await FederaServer.start({ store, auth: { tokens: TOKENS }, model: MNIST_MODEL, port: args.port });
process.stdout.write(`listening ${server.url}\n`);
const r = await server.train({
  name: 'mnist-e2e',
  config: { model: MNIST_MODEL, rounds: args.rounds, seed: args.seed },
  seed: args.seed,
  rounds: args.rounds,
  strategy: mnistStrategy(),
  initial: model.getWeights(),
  minClients: 4,
  onRound: (rec) => {
    process.stdout.write(`round ${rec.round} ${rec.fedAccuracy}\n`);
  },
});
await writeFile(args.out, encodeWeights(r.weights));
process.stdout.write(
  `done ${r.startRound} ${r.rounds.map((x) => `${x.trainLoss}/${x.fedLoss}/${x.fedAccuracy}`).join(',')}\n`,
);
await server.stop();
await store.close();
