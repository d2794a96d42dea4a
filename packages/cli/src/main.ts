import { FederaError } from '@federa/core';
import { Command, CommanderError } from 'commander';
import { registerAuditCommand } from './commands/audit.js';
import { registerClientCommand } from './commands/client.js';
import { registerServerCommand } from './commands/server.js';
import { loadConfig } from './config/index.js';
import { runCommand } from './run.js';

/** Flags of `federa run` that are shorthands for `--set <path>=<value>`. */
const SHORTHANDS: Record<string, string> = {
  rounds: 'rounds',
  seed: 'seed',
  workers: 'sim.workers',
  out: 'output.dir',
  name: 'name',
};

function program(): Command {
  const cmd = new Command('federa')
    .description('Federated deep learning in TypeScript')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  cmd
    .command('run')
    .description('run a simulated federated training from a YAML or JSON config')
    .argument('<config>', 'path to the run config (see examples/*/config.yaml)')
    .option('--set <path=value...>', 'override a config field, e.g. --set client.lr=0.05 (repeatable)')
    .option('--rounds <n>', 'shorthand for --set rounds=<n>')
    .option('--seed <n>', 'shorthand for --set seed=<n>')
    .option('--workers <n>', 'shorthand for --set sim.workers=<n>')
    .option('--out <dir>', 'shorthand for --set output.dir=<dir> (default runs/<name>)')
    .option('--name <name>', 'shorthand for --set name=<name>')
    .option('--overwrite', 'replace an earlier run in the output folder')
    .action(async (path: string, o: Record<string, unknown>) => {
      const sets = [...((o.set as string[] | undefined) ?? [])];
      for (const [flag, field] of Object.entries(SHORTHANDS)) {
        if (o[flag] !== undefined) sets.push(`${field}=${String(o[flag])}`);
      }
      const config = await loadConfig(path, sets);
      await runCommand(config, { overwrite: Boolean(o.overwrite) });
    });
  registerServerCommand(cmd);
  registerClientCommand(cmd);
  registerAuditCommand(cmd);
  return cmd;
}

/** Runs the CLI; returns the process exit code. Errors print as one clear message, never a stack. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof FederaError) {
      process.stderr.write(`federa: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
