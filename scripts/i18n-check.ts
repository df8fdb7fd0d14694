import { i18nProblems } from './i18n-catalogues.js';

// npm run i18n:check — catalogues complete and valid, no visible web UI string outside them.
const problems = i18nProblems();
for (const problem of problems) console.error(problem);
if (problems.length > 0) {
  console.error(`${problems.length} i18n problem(s)`);
  process.exit(1);
}
console.log('i18n: catalogues complete, every visible string translated');
