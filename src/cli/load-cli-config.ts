import { type Config, loadConfig, resolveConfigFile } from '../config/load-config.js';
import { isLazaretError } from '../core/errors.js';

/**
 * Loads the config for a CLI command (from --config, LAZARET_CONFIG or /etc/lazaret/lazaret.json), or
 * exits with status 2 and a message naming the bad key. A deprecated key that is set is named on
 * standard error, with the key that replaces it.
 */
export function loadCliConfig(file: string | undefined): Config {
  try {
    return loadConfig({
      file: resolveConfigFile(file),
      warn: (message) => process.stderr.write(`lazaret: warning: ${message}\n`),
    });
  } catch (error) {
    if (isLazaretError(error, 'config_invalid')) {
      process.stderr.write(`lazaret: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
