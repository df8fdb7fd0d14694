import { runContractGroup } from './run-contracts.js';

runContractGroup('stores');
