import { en, type WebCatalogue } from './en.js';

export const fr: WebCatalogue = en;
