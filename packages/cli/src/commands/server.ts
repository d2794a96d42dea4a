import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  exportAuditPrivateKey,
  FederaError,
  generateAuditKeys,
  importAuditPrivateKey,
  type Weights,
} from '@federa/core';
import { FederaServer, NetworkSecAggChannel, PostgresStore, SqliteStore, TfjsPredictor } from '@federa/server';
import { buildFederation, createExperimentModel } from '@federa/sim';
import { setupBackend, TfjsModelAdapter } from '@federa/tfjs';
import type { Command } from 'commander';
import { asyncPlan, isAsynchronous } from '../async-run.js';
import { loadConfig, type RunConfig } from '../config/index.js';
import { experimentSpec, strategyFor } from '../run.js';

/** Options of `federa server` (after parsing). */
export interface ServerCommandOptions {
  readonly db: string;
  readonly port: number;
  readonly host: string;
  readonly tokens: readonly string[];
  readonly secret?: string;
  readonly minClients: number;
  readonly deadlineMs?: number;
  readonly cert?: string;
  readonly key?: string;
  readonly chunkMb: number;
  /** How long a client holding a task may stay offline before the task fails (default 30 s). */
  readonly offlineGraceMs?: number;
  /** The audit chain's signing key (base64 PKCS#8; created if missing). Default `<db>.audit-key`. */
  readonly auditKey?: string;
  readonly log?: (line: string) => void;
}

/** The audit signing key in `path`, or a new one written there (mode 600). */
async function auditKeys(path: string): Promise<CryptoKeyPair> {
  try {
    return await importAuditPrivateKey((await readFile(path, 'utf8')).trim());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const keys = await generateAuditKeys();
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${await exportAuditPrivateKey(keys.privateKey)}\n`, { mode: 0o600 });
  return keys;
}

/**
 * `federa server`: serves the run a config describes to networked clients. The config's
 * model, strategy (with privacy/compression wrappers), rounds, seed and evaluation apply as
 * in `federa run`; its data section only supplies the server's held-out test set. Progress is
 * checkpointed to the SQLite file `db` after every round: run the same command again after a
 * crash and the run resumes from the last completed round. Every round is also appended to
 * a signed, hash-chained audit log in the same database (`federa audit verify <db>`), and
 * the dashboard is served at the server's http(s) root. A config with strategy fedbuff or
 * fedasync trains asynchronously (`FederaServer.trainAsync`): `rounds` is the model version to
 * stop at, `async.*` sets the concurrency, order and staleness limit, the deadline is per task,
 * and each version is stored, audited and resumable like a round.
 */
export async function serverCommand(config: RunConfig, o: ServerCommandOptions): Promise<void> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  if (config.sim.edges > 0 || config.attack.kind !== 'none') {
    throw new FederaError(
      'E_CONFIG',
      'sim.edges and attack are simulation-only settings',
      'remove them from the config for `federa server`',
    );
  }
  if (config.transfer.from !== null) {
    throw new FederaError(
      'E_CONFIG',
      'transfer learning (transfer.from) is not available over the network yet: clients build the zoo model the server names',
      'simulate it with `federa run`, or remove transfer from the config',
    );
  }
  if (config.models !== null || config.data.serverSamples > 0) {
    throw new FederaError(
      'E_CONFIG',
      'heterogeneous models (models) and server-held data (data.serverSamples: FedDF, FLTrust) are not available over the network yet',
      'simulate them with `federa run`, or remove them from the config',
    );
  }
  const sec = config.secure.aggregation;
  if (sec === 'paillier' || sec === 'ckks') {
    // In simulation the HE wrapper encrypts and decrypts in the server process: over the network
    // that would protect nothing (the key holder's protocol is not networked yet), so refuse it.
    throw new FederaError(
      'E_CONFIG',
      `secure.aggregation '${sec}' is not available over the network yet: its encryption would run on the server, on plain updates`,
      "use secure.aggregation 'secagg' or 'secaggPlus' (run with the clients over the network), or simulate it with `federa run`",
    );
  }
  const secAgg = sec === 'secagg' || sec === 'secaggPlus';
  if (secAgg && config.secure.dropout > 0) {
    throw new FederaError(
      'E_CONFIG',
      'secure.dropout simulates SecAgg dropouts in process; over the network clients drop for real',
      'remove secure.dropout for `federa server`',
    );
  }
  const backend = await setupBackend({ log });
  const spec = experimentSpec(config);
  const model = new TfjsModelAdapter(await createExperimentModel(spec));
  const evalModel = new TfjsModelAdapter(await createExperimentModel(spec));
  const { test } = await buildFederation(spec);
  const store = isDatabaseUrl(o.db) ? await PostgresStore.connect(o.db, { log }) : SqliteStore.open(o.db);
  const tls = o.cert && o.key ? { cert: await readFile(o.cert), key: await readFile(o.key) } : undefined;
  if ((o.cert === undefined) !== (o.key === undefined)) {
    throw new FederaError(
      'E_ARG',
      'TLS needs both --cert and --key',
      'pass both PEM files, or neither for plain ws://',
    );
  }
  const server = await FederaServer.start({
    store,
    host: o.host,
    port: o.port,
    auth: { tokens: o.tokens, ...(o.secret ? { secret: o.secret } : {}) },
    model: { name: config.model, options: { seed: config.seed } },
    chunkBytes: Math.round(o.chunkMb * 2 ** 20),
    ...(o.offlineGraceMs !== undefined ? { offlineGraceMs: o.offlineGraceMs } : {}),
    predictor: new TfjsPredictor(model),
    audit: await auditKeys(o.auditKey ?? (isDatabaseUrl(o.db) ? `runs/${config.name}.audit-key` : `${o.db}.audit-key`)),
    log,
    ...(tls ? { tls } : {}),
  });
  const length = isAsynchronous(config)
    ? `to version ${config.rounds}, ${config.async.concurrency} clients at once`
    : `${config.rounds} rounds`;
  log(
    `federa server: ${config.name}, ${config.model} on ${backend.name}, ${config.strategy.name}${secAgg ? ` with ${sec}` : ''}, ${length}; db ${redactUrl(o.db)}; clients connect to ${server.url}`,
  );
  const stop = () => {
    log('stopping (work since the last stored round or version is not recorded; run the same command to resume)');
    void server.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const evaluate = async (w: Weights) => {
    evalModel.setWeights(w);
    const e = await evalModel.evaluate(test);
    return { loss: e.loss, accuracy: e.accuracy, metrics: { macroF1: e.macroF1 } };
  };
  const deadlineMs = o.deadlineMs ?? config.sim.deadlineMs ?? undefined;
  try {
    if (isAsynchronous(config)) {
      const r = await server.trainAsync(asyncPlan(config, model.getWeights(), o.minClients, deadlineMs, evaluate));
      const last = r.records.at(-1);
      log(`run ${r.runId}: ${r.stopReason} at version ${r.version}, accuracy ${last?.accuracy.toFixed(4) ?? 'n/a'}`);
      return;
    }
    const r = await server.train({
      name: config.name,
      config,
      seed: config.seed,
      rounds: config.rounds,
      // SecAgg runs with the clients: each step is a signed task; a client that misses the deadline drops out.
      strategy: strategyFor(
        config,
        secAgg ? { secAggChannel: new NetworkSecAggChannel(server.hub, deadlineMs ? { deadlineMs } : {}) } : {},
      ),
      initial: model.getWeights(),
      minClients: o.minClients,
      ...(deadlineMs !== undefined ? { deadlineMs } : {}),
      evaluateEvery: config.evaluate.every,
      ...(config.stop.accuracy !== null ? { stopAtAccuracy: config.stop.accuracy } : {}),
      evaluate,
    });
    const last = r.rounds.at(-1);
    log(
      `run ${r.runId}: ${r.stopReason} after round ${last?.round ?? 0}, accuracy ${last?.accuracy.toFixed(4) ?? 'n/a'}`,
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await server.stop();
    await store.close();
    model.dispose();
    evalModel.dispose();
  }
}

/** A PostgreSQL URL (postgres:// or postgresql://) rather than a SQLite file. */
function isDatabaseUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** The URL without its password, for logs. */
function redactUrl(db: string): string {
  return isDatabaseUrl(db) ? db.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@') : db;
}

function int(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= min))
    throw new FederaError('E_ARG', `--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

/**
 * Registers `federa server --config x.yaml --db runs/x.sqlite --port 8080 --tokens a,b,c`.
 * Tokens also come from FEDERA_TOKENS (comma-separated) and the secret from FEDERA_SECRET,
 * so they need not appear in the process list.
 */
export function registerServerCommand(program: Command): Command {
  return program
    .command('server')
    .description('serve a federated training run to networked clients (WebSocket, resumable from SQLite)')
    .requiredOption('--config <file>', 'the run config (model, strategy, rounds, seed; data supplies the test set)')
    .option(
      '--db <file|url>',
      'SQLite file, or a postgres:// URL, for runs, rounds, checkpoints and clients (default runs/<name>.sqlite)',
    )
    .option('--port <n>', 'port to listen on', '8080')
    .option('--host <addr>', 'interface to listen on', '0.0.0.0')
    .option('--tokens <list>', 'comma-separated enrolment tokens, one per client (or FEDERA_TOKENS)')
    .option('--secret <s>', 'shared enrolment secret any client may use (or FEDERA_SECRET)')
    .option(
      '--min-clients <n>',
      'clients that must be online before each round starts (fedbuff/fedasync: before training starts, and again after every client left)',
      '1',
    )
    .option(
      '--deadline <ms>',
      'reply deadline in ms, per round (fedbuff/fedasync: per task); default: the config’s sim.deadlineMs, else none',
    )
    .option('--cert <pem>', 'TLS certificate (serve https/wss)')
    .option('--key <pem>', 'TLS private key')
    .option('--chunk-mb <n>', 'transfer chunk size in MiB', '1')
    .option(
      '--offline-grace <ms>',
      'a client holding a task may be offline this long before it counts as failed',
      '30000',
    )
    .option('--audit-key <file>', 'audit chain signing key (created if missing; default <db>.audit-key)')
    .option('--set <path=value...>', 'override a config field, e.g. --set rounds=50 (repeatable)')
    .action(async (o: Record<string, string | string[] | undefined>) => {
      const config = await loadConfig(o.config as string, (o.set as string[] | undefined) ?? []);
      const tokens = String(o.tokens ?? process.env.FEDERA_TOKENS ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const secret = (o.secret as string | undefined) ?? process.env.FEDERA_SECRET;
      await serverCommand(config, {
        db: (o.db as string | undefined) ?? `runs/${config.name}.sqlite`,
        port: int('port', o.port as string, 0) ?? 8080,
        host: o.host as string,
        tokens,
        ...(secret ? { secret } : {}),
        minClients: int('min-clients', o.minClients as string, 1) ?? 1,
        ...(o.deadline !== undefined ? { deadlineMs: int('deadline', o.deadline as string, 1) as number } : {}),
        ...(o.cert ? { cert: o.cert as string } : {}),
        ...(o.key ? { key: o.key as string } : {}),
        chunkMb: Number(o.chunkMb ?? 1),
        offlineGraceMs: int('offline-grace', o.offlineGrace as string, 0) ?? 30_000,
        ...(o.auditKey ? { auditKey: o.auditKey as string } : {}),
      });
    });
}
