import { BACKENDS } from './backends.js';
import { CONTRACTS, type ContractGroup, type ContractName } from './contracts.js';

/** Runs every contract of `group` on every backend of the table that does not exclude it. */
export function runContractGroup(group: ContractGroup): void {
  for (const backend of BACKENDS) {
    for (const [name, contract] of Object.entries(CONTRACTS) as [
      ContractName,
      (typeof CONTRACTS)[ContractName],
    ][]) {
      if (contract.group !== group || backend.excluded[name] !== undefined) continue;
      contract.run(backend.label, backend.make, backend.scale ?? 1);
      for (const variant of backend.variants ?? []) {
        if (variant.contracts.includes(name))
          contract.run(`${backend.label}, ${variant.label}`, variant.make, backend.scale ?? 1);
      }
    }
  }
}
