import { readFile } from 'node:fs/promises';
import { type ClientEvent, createNodeClient, loadOrCreateIdentity, loadShard, parseShard } from '@federa/client';
import { FederaError } from '@federa/core';
import type { Command } from 'commander';

/** Options of `federa client`. */
export interface ClientCommandOptions {
  readonly server: string;
  readonly token?: string;
  readonly data: 'mnist' | 'fashion-mnist';
  readonly shard: string;
  readonly name?: string;
  /** JSON file holding this client's key (created on first use). */
  readonly identity?: string;
  /**
   * File keeping this client's state across restarts (SCAFFOLD's c_i, personal models);
   * false keeps it in memory. Default: `defaultStateFile(identity file)`, next to the key.
   */
  readonly state?: string | false;
  readonly seed: number;
  readonly maxSamples: number;
  /** PEM to trust for a self-signed wss:// server. */
  readonly ca?: string;
  readonly log?: (line: string) => void;
}

/**
 * `federa client`: joins a federa server with this machine's shard of a data set, trains
 * on it whenever the server asks, and keeps going (reconnecting with backoff) until the
 * server ends the run. The data never leaves the process; only signed updates do.
 */
export async function clientCommand(o: ClientCommandOptions): Promise<void> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { shard, of } = parseShard(o.shard);
  const name = o.name ?? `shard-${shard}-of-${of}`;
  const data = await loadShard({ dataset: o.data, shard, of, seed: o.seed, maxSamples: o.maxSamples });
  const identityFile = o.identity ?? `.federa-${name}.key.json`;
  const stateFile = o.state === false ? undefined : (o.state ?? defaultStateFile(identityFile));
  const client = await createNodeClient({
    url: o.server,
    name,
    data,
    identity: await loadOrCreateIdentity(identityFile),
    ...(stateFile ? { stateFile } : {}),
    onStateDropped: (runId, keys) =>
      log(`${name}: ${stateFile} held another run's state (${keys.join(', ')}); starting it afresh for run ${runId}`),
    ...(o.token ? { token: o.token } : {}),
    ...(o.ca ? { ca: await readFile(o.ca) } : {}),
    onEvent: (e) => log(describe(name, e)),
  });
  log(
    `federa client ${name}: ${data.y.length} ${o.data} samples (shard ${shard}/${of}), key ${identityFile}, state ${stateFile ?? 'in memory'}, server ${o.server}`,
  );
  const stop = () => client.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  client.start();
  try {
    log(`${name}: ${await client.finished}`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * Where `federa client` keeps its state by default: beside the key file, named after it
 * with `.key.json` (or `.json`) replaced by `.state` (`.federa-site-1.key.json` →
 * `.federa-site-1.state`), else with `.state` appended.
 */
export function defaultStateFile(identityFile: string): string {
  return `${identityFile.replace(/(\.key)?\.json$/, '')}.state`;
}

/** commander's value of `--state <file>` / `--no-state` (false), or nothing for the default. */
function stateOption(v: string | boolean | undefined): { state?: string | false } {
  if (v === false) return { state: false };
  return typeof v === 'string' ? { state: v } : {};
}

function describe(name: string, e: ClientEvent): string {
  switch (e.type) {
    case 'connected':
      return `${name}: connected to run ${e.welcome.runId || '(waiting)'}`;
    case 'task':
      return `${name}: round ${e.round}: ${e.kind}`;
    case 'replied':
      return `${name}: round ${e.round}: sent ${e.kind} result ${Object.entries(e.metrics)
        .map(([k, v]) => `${k}=${Number(v).toPrecision(4)}`)
        .join(' ')}`;
    case 'accepted':
      return `${name}: accepted`;
    case 'refused':
      return `${name}: refused ${e.code}: ${e.message}`;
    case 'disconnected':
      return `${name}: disconnected (${e.code}${e.reason ? ` ${e.reason}` : ''}); retrying in ${e.retryInMs} ms`;
    case 'finished':
      return `${name}: the server ended the run (${e.reason})`;
  }
}

/** Registers `federa client --server ws://host:8080/ws --token T --data mnist --shard 0/4`. */
export function registerClientCommand(program: Command): Command {
  return program
    .command('client')
    .description('join a federa server and train on this machine’s shard of the data')
    .requiredOption('--server <url>', 'the server’s socket, e.g. ws://host:8080/ws or wss://…')
    .option('--token <t>', 'enrolment token (first connection only; or FEDERA_TOKEN)')
    .option('--data <name>', 'mnist or fashion-mnist', 'mnist')
    .requiredOption('--shard <i/n>', 'this client’s IID shard of the training set, e.g. 0/4')
    .option('--name <id>', 'the name to enrol under (default shard-<i>-of-<n>)')
    .option('--identity <file>', 'key file (created if missing; default .federa-<name>.key.json)')
    .option(
      '--state <file>',
      'file keeping this client’s state across restarts (SCAFFOLD’s c_i, personal models); default: beside the key file, .key.json → .state',
    )
    .option('--no-state', 'keep the client’s state in memory only (a restart starts it afresh)')
    .option('--seed <n>', 'seed of the shard split (all clients must agree)', '0')
    .option('--max-samples <n>', 'use at most this many samples of the shard (0 = all)', '0')
    .option('--ca <pem>', 'certificate to trust for a self-signed wss:// server')
    .action(async (o: Record<string, string | undefined>) => {
      const data = o.data ?? 'mnist';
      if (data !== 'mnist' && data !== 'fashion-mnist') {
        throw new FederaError(
          'E_ARG',
          `--data '${data}' is not supported by federa client`,
          'use mnist or fashion-mnist',
        );
      }
      const token = o.token ?? process.env.FEDERA_TOKEN;
      await clientCommand({
        server: o.server as string,
        data,
        shard: o.shard as string,
        seed: Number(o.seed ?? 0),
        maxSamples: Number(o.maxSamples ?? 0),
        ...(token ? { token } : {}),
        ...(o.name ? { name: o.name } : {}),
        ...(o.identity ? { identity: o.identity } : {}),
        ...stateOption((o as { state?: string | boolean }).state),
        ...(o.ca ? { ca: o.ca } : {}),
      });
    });
}
