import { runContractGroup } from './run-contracts.js';

runContractGroup('bulk-jobs');
