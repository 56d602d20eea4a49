// Prints the README's schema table (markdown) from the built schema: `node scripts/schema-table.mjs`.
import { FLOW_COLUMNS } from '../dist/src/store/schema.js';

const rows = FLOW_COLUMNS.map((c) => {
  const origin = c.field ? `v${c.field.version}${c.field.name.startsWith('tgw') || c.field.name.startsWith('packets-lost') || c.field.name === 'resource-type' ? ' (transit gateway)' : ''}` : 'flowlens';
  const text = c.description.replaceAll('|', '\\|').replace(/\s+/g, ' ');
  return `| \`${c.name}\` | ${c.type} | ${origin} | ${text.length > 160 ? `${text.slice(0, 157)}…` : text} |`;
});
process.stdout.write(['| column | type | from | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n') + '\n');
