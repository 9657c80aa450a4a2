/**
 * The package's public API, pinned: every name `rxchat` and `rxchat/testing` export, with its kind,
 * must match the checked-in report (api/*.api.txt), so that adding, removing or changing the kind of
 * an export is a visible decision in review. Every export must also carry a TSDoc comment.
 *
 * After a deliberate change: `UPDATE_API=1 npx jest spec/api.spec.ts` rewrites the reports.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

const root = join(__dirname, '..');
const UPDATE = process.env['UPDATE_API'] === '1';
const UPDATE_HINT = 'If the change is intended, run `UPDATE_API=1 npx jest spec/api.spec.ts` and commit the report.';

/** Each entry point of the package and its report. */
const entryPoints = [
  { name: 'rxchat', source: 'src/index.ts', report: 'api/rxchat.api.txt' },
  { name: 'rxchat/testing', source: 'src/testing/index.ts', report: 'api/testing.api.txt' },
] as const;

interface ExportedName {
  readonly kind: string;
  readonly name: string;
  readonly documented: boolean;
}

let program: ts.Program;

beforeAll(() => {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'src/tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (config === undefined) throw new Error('cannot read src/tsconfig.json');
  program = ts.createProgram(
    entryPoints.map((entry) => join(root, entry.source)),
    { ...config.options, noEmit: true },
  );
}, 60_000);

/** What a declaration is, as the report words it. */
function kindsOf(symbol: ts.Symbol): string[] {
  const kinds: string[] = [];
  const { flags } = symbol;
  if (flags & ts.SymbolFlags.Class) kinds.push('class');
  if (flags & ts.SymbolFlags.Function) kinds.push('function');
  if (flags & ts.SymbolFlags.Enum) kinds.push('enum');
  if (flags & ts.SymbolFlags.Variable) {
    const declaration = symbol.declarations?.find(ts.isVariableDeclaration);
    const list = declaration?.parent;
    kinds.push(list !== undefined && ts.getCombinedNodeFlags(list) & ts.NodeFlags.Const ? 'const' : 'let');
  }
  if (flags & ts.SymbolFlags.Interface) kinds.push('interface');
  if (flags & ts.SymbolFlags.TypeAlias) kinds.push('type');
  if (flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) kinds.push('namespace');
  return kinds.length > 0 ? kinds : ['unknown'];
}

function exportsOf(source: string): ExportedName[] {
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(join(root, source));
  const moduleSymbol = file && checker.getSymbolAtLocation(file);
  if (moduleSymbol === undefined) throw new Error(`${source} is not a module`);
  return checker.getExportsOfModule(moduleSymbol).flatMap((exported) => {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const documented = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() !== '';
    return kindsOf(symbol).map((kind) => ({ kind, name: exported.name, documented }));
  });
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** One `kind name` per line, sorted by name ignoring case (then kind), after a header that says how to update it. */
function renderReport(entryName: string, names: readonly ExportedName[]): string {
  const lines = names
    .map(({ kind, name }) => ({ kind, name }))
    .sort(
      (a, b) =>
        compare(a.name.toLowerCase(), b.name.toLowerCase()) || compare(a.name, b.name) || compare(a.kind, b.kind),
    )
    .map(({ kind, name }) => `${kind} ${name}`);
  return [
    `# The public API of ${entryName}: every exported name and its kind (checked by spec/api.spec.ts).`,
    '# Regenerate after a deliberate change: UPDATE_API=1 npx jest spec/api.spec.ts',
    ...lines,
    '',
  ].join('\n');
}

const entries = (text: string): string[] => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe.each(entryPoints)('the public API of $name', (entry) => {
  it(`matches ${entry.report}`, () => {
    const actual = renderReport(entry.name, exportsOf(entry.source));
    const path = join(root, entry.report);
    if (UPDATE) writeFileSync(path, actual);
    const expected = readFileSync(path, 'utf8');
    const now = entries(actual);
    const before = entries(expected);
    const added = now.filter((line) => !before.includes(line)).map((line) => `+ ${line}`);
    const removed = before.filter((line) => !now.includes(line)).map((line) => `- ${line}`);
    if (added.length + removed.length > 0) {
      throw new Error(
        [`${entry.name}'s exports differ from ${entry.report}:`, ...removed, ...added, '', UPDATE_HINT].join('\n'),
      );
    }
    // Same names, other order or header: the file is not as this spec writes it.
    if (actual !== expected) throw new Error(`${entry.report} is not in its generated form. ${UPDATE_HINT}`);
  });

  it('documents every export with a TSDoc comment', () => {
    const undocumented = exportsOf(entry.source)
      .filter((exported) => !exported.documented)
      .map((exported) => `${exported.kind} ${exported.name}`);
    if (undocumented.length > 0) {
      throw new Error(
        `These exports of ${entry.name} have no TSDoc comment (/** ... */ on their declaration):\n` +
          undocumented.join('\n'),
      );
    }
  });
});
