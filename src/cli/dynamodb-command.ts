import { type Command, Option } from 'commander';
import { isLazaretError } from '../core/errors.js';
import { wholeNumberAtLeast } from './cli-support.js';
import { loadCliConfig } from './load-cli-config.js';

const positiveInteger = wholeNumberAtLeast(1);

interface InitOptions {
  config?: string;
  capacity: 'on-demand' | 'provisioned';
  readUnits?: number;
  writeUnits?: number;
}

/** `lazaret dynamodb init`: creates (or completes) the table the DynamoDB store needs. */
export function registerDynamodbCommand(program: Command): void {
  const dynamodb = program.command('dynamodb').description('Set up the DynamoDB store.');
  dynamodb
    .command('init')
    .description(
      'Create the DynamoDB table with its indexes and TTL, or add what an existing table lacks. Safe to run again.',
    )
    .option(
      '-c, --config <file>',
      'JSON config file (default: $LAZARET_CONFIG, else /etc/lazaret/lazaret.json if present); LAZARET_* variables override it',
    )
    .addOption(
      new Option('--capacity <mode>', 'capacity mode of a new table')
        .choices(['on-demand', 'provisioned'])
        .default('on-demand'),
    )
    .option(
      '--read-units <n>',
      'provisioned read units, for the table and each index (default 5)',
      positiveInteger,
    )
    .option(
      '--write-units <n>',
      'provisioned write units, for the table and each index (default 5)',
      positiveInteger,
    )
    .action(async (options: InitOptions) => {
      const config = loadCliConfig(options.config);
      if (options.capacity === 'on-demand' && (options.readUnits || options.writeUnits)) {
        process.stderr.write('lazaret: --read-units and --write-units need --capacity provisioned\n');
        process.exit(2);
      }
      // Only this command and the DynamoDB store load the AWS SDK.
      const { connectDynamo } = await import('../store/dynamodb/dynamo-client.js');
      const { ensureTable } = await import('../store/dynamodb/table-setup.js');
      const connection = connectDynamo({
        table: config.dynamodb.table,
        region: config.aws.region,
        endpoint: config.dynamodb.endpoint,
        maxAttempts: config.dynamodb.maxAttempts,
      });
      try {
        const report = await ensureTable(connection.client, config.dynamodb.table, {
          capacity: {
            mode: options.capacity,
            ...(options.readUnits ? { readUnits: options.readUnits } : {}),
            ...(options.writeUnits ? { writeUnits: options.writeUnits } : {}),
          },
          log: (line) => process.stdout.write(`${line}\n`),
        });
        const changed = report.created || report.indexesAdded.length > 0 || report.ttl === 'enabled';
        process.stdout.write(
          `${changed ? 'Done' : 'Nothing to do'}: table ${report.table} is ready${
            report.ttl === 'unsupported' ? ' (without TTL: this service has none)' : ''
          }.\n`,
        );
      } catch (error) {
        process.stderr.write(`lazaret: ${isLazaretError(error) ? error.message : String(error)}\n`);
        process.exitCode = 1;
      } finally {
        connection.close();
      }
    });
}
