import path from 'node:path';
import { checkDependencies } from './dependency-rules';

const root = path.resolve(__dirname, '..');
const violations = checkDependencies(root);
if (violations.length > 0) {
  for (const v of violations) console.error(`${v.file}: imports "${v.specifier}": ${v.rule}`);
  console.error(`dependency rule: ${violations.length} violation(s)`);
  process.exit(1);
}
console.log('dependency rule: ok');
