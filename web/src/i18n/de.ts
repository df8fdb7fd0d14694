import { en, type WebCatalogue } from './en.js';

export const de: WebCatalogue = en;
