import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Guards of the layout CONTRIBUTING.md describes: the CLI and the server stay thin, commands stay independent,
// and the engines stay below the CLI and the server. Each reads the source as TypeScript syntax, not as text.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// sql-lines.ts only wraps a domain query so DuckDB renders each output line and COPYs it to stdout: it writes no
// query of its own (the rows come from the domain function's SQL), so it may hold SQL text.
const MAY_HOLD_SQL = new Set(['src/cli/sql-lines.ts']);

describe('the layout', () => {
  it('has no file under src/cli/ or src/server/ that builds SQL', () => {
    const found = [...sourceFiles('src/cli'), ...sourceFiles('src/server')]
      .filter((file) => !MAY_HOLD_SQL.has(file))
      .flatMap((file) => stringLiterals(file).filter((literal) => looksLikeSql(literal.text)).map((literal) => `${file}:${literal.line}: ${literal.text.slice(0, 80)}`));
    expect(found).toEqual([]);
  });

  it('has no command module under src/cli/commands/ that imports another command module', () => {
    const registry = 'src/cli/commands/index.ts';
    // The command modules are the ones the registry imports: each registers one top-level command.
    const commands = new Set(imports(registry).filter((target) => target.startsWith('src/cli/commands/')));
    expect(commands.size).toBeGreaterThan(10);
    const found = sourceFiles('src/cli/commands')
      .filter((file) => file !== registry)
      .flatMap((file) => imports(file).filter((target) => target !== file && commands.has(target)).map((target) => `${file} imports ${target}`));
    expect(found).toEqual([]);
  });

  it('has engine folders that import nothing from src/cli/, src/server/ or the features that run on them', () => {
    const above = ['src/cli/', 'src/server/', 'src/reports/', 'src/graph/', 'src/alerts/', 'src/costs/', 'src/suggest/', 'src/scale/', 'src/index.ts'];
    const found = sourceFiles('src/engines').flatMap((file) =>
      imports(file)
        .filter((target) => above.some((folder) => target.startsWith(folder)))
        .map((target) => `${file} imports ${target}`),
    );
    expect(found).toEqual([]);
  });

  it('recognizes SQL and the imports it guards (so the guards can fail)', () => {
    expect(looksLikeSql('SELECT srcaddr, count(*) FROM flows GROUP BY 1')).toBe(true);
    expect(looksLikeSql(`  (SELECT ${PLACEHOLDER} FROM ${PLACEHOLDER})`)).toBe(true);
    expect(looksLikeSql(`${PLACEHOLDER} AS n FROM (${PLACEHOLDER}) AS q`)).toBe(true);
    expect(looksLikeSql("INSERT INTO alarm_state VALUES (1, 'OK')")).toBe(true);
    expect(looksLikeSql(`CREATE OR REPLACE TEMP VIEW flows AS ${PLACEHOLDER}`)).toBe(true);
    expect(looksLikeSql(`x WHERE ${PLACEHOLDER} AND ${PLACEHOLDER}`)).toBe(true);
    expect(looksLikeSql('Amazon Athena: CREATE TABLE statements with partition projection, and queries')).toBe(false);
    expect(looksLikeSql('flowlens query "SELECT * FROM flows LIMIT 5" --db flows.duckdb')).toBe(false);
    expect(looksLikeSql('the SQL to run, e.g. SELECT * FROM flows LIMIT 10')).toBe(false);
    expect(looksLikeSql('select the records from a file')).toBe(false);
    expect(imports('src/cli/commands/report.ts')).toContain('src/reports/run-report.ts');
    expect(imports('src/engines/index.ts')).toContain('src/engines/duckdb/index.ts');
  });
});

/** What a template literal's substitutions read as in looksLikeSql. */
const PLACEHOLDER = '\u0000';

// Statements and clauses that begin SQL text (upper case, as flowlens writes SQL), after spaces, parentheses and
// substitutions: `SELECT …`, `(SELECT …`, `${x} AS n FROM …` does not begin so but has a clause on a substitution.
const LEADING_KEYWORD = /^(SELECT|WITH|INSERT|CREATE|COPY|DELETE|UPDATE|DROP|ALTER|ATTACH|DETACH|PRAGMA|SUMMARIZE|DESCRIBE|EXPLAIN|INSTALL|LOAD|FROM|WHERE|JOIN|UNION|GROUP BY|ORDER BY)\s+\S/;
const CLAUSE_ON_SUBSTITUTION = new RegExp(`\\b(FROM|JOIN|WHERE|AND|OR|IN|AS|ON|BY|SELECT|INTO|TABLE|VIEW)\\s*\\(?\\s*${PLACEHOLDER}`);
const STATEMENT_INSIDE = /\bSELECT\s+\S[\s\S]*?\bFROM\s+\S|\bINSERT\s+INTO\s+\S|\bCREATE\s+(OR\s+REPLACE\s+)?(TEMP\s+|TEMPORARY\s+)?(TABLE|VIEW|MACRO|SEQUENCE|SCHEMA|DATABASE)\s+(IF\s+NOT\s+EXISTS\s+)?["`\w.]+\s*(\(|AS\b)/;

/**
 * True when a string literal's text is SQL: it begins with a statement or clause keyword, puts a substitution into a
 * clause, or holds a whole statement. Text shown to people is not: command lines (`flowlens query "SELECT …"`) and
 * descriptions that give an example (`e.g. SELECT …`).
 */
function looksLikeSql(text: string): boolean {
  if (/^flowlens\s/.test(text.trim()) || /\be\.g\.\s/.test(text)) return false;
  const start = text.replaceAll(PLACEHOLDER, ' ').replace(/^[\s(]+/, '');
  return LEADING_KEYWORD.test(start) || CLAUSE_ON_SUBSTITUTION.test(text) || STATEMENT_INSIDE.test(text);
}

/** The .ts files under a folder of the repository, as repository paths with forward slashes. */
function sourceFiles(folder: string): string[] {
  const entries = readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => toRepoPath(join(entry.parentPath, entry.name)))
    .sort();
}

/** Every string and template literal of a file with its line; a template's substitutions read as PLACEHOLDER. */
function stringLiterals(file: string): { text: string; line: number }[] {
  const source = parse(file);
  const found: { text: string; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node)) text = node.head.text + node.templateSpans.map((span) => PLACEHOLDER + span.literal.text).join('');
    // Import specifiers are module names, not text.
    if (text !== undefined && !ts.isImportDeclaration(node.parent) && !ts.isExportDeclaration(node.parent)) {
      found.push({ text, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The repository files a file imports (static, type-only and dynamic `import()`), relative specifiers only. */
function imports(file: string): string[] {
  const source = parse(file);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) specifiers.push(node.arguments[0].text);
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) specifiers.push(node.argument.literal.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => toRepoPath(resolve(ROOT, dirname(file), s.replace(/\.js$/, '.ts'))));
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

function toRepoPath(path: string): string {
  return relative(ROOT, path).split(sep).join('/');
}
