import type { Command } from 'commander';
import { redactConfig } from '../config/redact-config.js';
import { runDoctor } from '../doctor/doctor.js';
import { addConfigOption, loadCliConfig } from './cli-support.js';

function line(ok: boolean, name: string, detail: string): string {
  return `${ok ? 'ok  ' : 'FAIL'}  ${name.padEnd(22)} ${detail}\n`;
}

export function registerDoctorCommand(program: Command): void {
  addConfigOption(
    program
      .command('doctor')
      .description(
        'Check the configuration, data dir, store, relay, scanners, public address and link keys; print the effective configuration with secrets redacted. Exit code 0 only when every check passes.',
      ),
  ).action(async (options: { config?: string }) => {
    // An invalid configuration ends here with exit code 2 and the key named, as for serve.
    const config = loadCliConfig(options.config);
    const source = options.config ?? process.env.LAZARET_CONFIG;
    process.stdout.write(
      line(true, 'config', source ? `loaded from ${source}` : 'defaults and LAZARET_* variables (no file)'),
    );
    const results = await runDoctor(config);
    for (const result of results) {
      process.stdout.write(line(result.status === 'ok', result.name, result.detail));
    }
    const failed = results.filter((result) => result.status === 'fail').length;
    process.stdout.write(
      `\nEffective configuration (secrets redacted):\n${JSON.stringify(redactConfig(config), null, 2)}\n\n`,
    );
    process.stdout.write(failed === 0 ? 'All checks passed.\n' : `${failed} check(s) failed.\n`);
    process.exitCode = failed === 0 ? 0 : 1;
  });
}
