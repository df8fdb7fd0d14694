import type { Config } from '../config/load-config.js';
import { escapeHtml } from '../core/escape-html.js';

/** How digest mail and link pages present the quarantine (`brand.*` in the configuration). */
export interface Brand {
  productName: string;
  /** An https URL; absent: no logo. */
  logoUrl?: string | undefined;
  /** `#rrggbb` of links and buttons. */
  colour: string;
}

export const DEFAULT_BRAND: Brand = { productName: 'Lazaret', colour: '#3b3fb6' };

export function brandOf(config: Pick<Config, 'brand'>): Brand {
  return {
    productName: config.brand.productName,
    ...(config.brand.logoUrl ? { logoUrl: config.brand.logoUrl } : {}),
    colour: config.brand.colour,
  };
}

/** The logo as an image element (empty without one); the product name is its alternative text. */
export function logoHtml(brand: Brand): string {
  return brand.logoUrl
    ? `<img src="${escapeHtml(brand.logoUrl)}" alt="${escapeHtml(brand.productName)}" height="48" style="max-height:48px;display:block;margin-bottom:8px;">`
    : '';
}
