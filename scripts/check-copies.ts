/**
 * Deliberate copies stay copies. As diffusers does, a function or class member that repeats
 * another on purpose (each scheduler reads top to bottom like its diffusers original) carries
 *
 *   // Copied from ./euler-discrete.ts:EulerRun.addNoise
 *   // Copied from ./ddim.ts:DdimRun.step with DdimConstants->LcmConstants
 *
 * on the line above it. This script finds every marker under the given folders and fails when
 * a copy no longer matches its source (comments, white space and trailing commas aside, after
 * the `with A->B` renames are applied to the source), or when the source is gone.
 * Run: npx tsx scripts/check-copies.ts [folder ...]   (default: src/core/diffusion/schedulers)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '..');
export const COPY_FOLDERS = ['src/core/diffusion/schedulers'];
const MARKER = /^\/\/ Copied from (\S+?):([\w.]+)(?: with (.+))?$/;

export interface CopyProblem {
  /** The copy, as file:line of its marker. */
  at: string;
  message: string;
}

interface Marked {
  file: string;
  line: number;
  node: ts.Node;
  source: string;
  symbol: string;
  renames: [string, string][];
}

export function checkCopies(folders: readonly string[] = COPY_FOLDERS): CopyProblem[] {
  const problems: CopyProblem[] = [];
  for (const folder of folders)
    for (const file of tsFiles(path.resolve(ROOT, folder)))
      for (const copy of markedCopies(file)) {
        const at = `${path.relative(ROOT, copy.file)}:${copy.line}`;
        const sourceFile = path.resolve(path.dirname(copy.file), copy.source);
        const original = findSymbol(parse(sourceFile), copy.symbol);
        if (!original) {
          problems.push({ at, message: `its source ${copy.source}:${copy.symbol} is not there` });
          continue;
        }
        let expected = original.getText();
        for (const [from, to] of copy.renames) expected = expected.split(from).join(to);
        if (normalise(expected) !== normalise(copy.node.getText()))
          problems.push({
            at,
            message: `differs from ${copy.source}:${copy.symbol}; change both, or drop the marker`,
          });
      }
  return problems;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

function parse(file: string): ts.SourceFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
}

/** Functions and class members with a "Copied from" comment right above them. */
function markedCopies(file: string): Marked[] {
  const source = parse(file)!;
  const text = source.getFullText();
  const found: Marked[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node) || ts.isClassElement(node)) {
      for (const range of ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []) {
        const match = MARKER.exec(text.slice(range.pos, range.end).trim());
        if (!match) continue;
        found.push({
          file,
          line: source.getLineAndCharacterOfPosition(range.pos).line + 1,
          node,
          source: match[1]!,
          symbol: match[2]!,
          renames: (match[3] ?? '')
            .split(',')
            .map((pair) => pair.trim())
            .filter(Boolean)
            .map((pair) => pair.split('->').map((s) => s.trim()) as [string, string]),
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `name` (a top-level function) or `Class.member` in a source file. */
function findSymbol(source: ts.SourceFile | undefined, symbol: string): ts.Node | undefined {
  if (!source) return undefined;
  const [first, member] = symbol.split('.') as [string, string | undefined];
  for (const statement of source.statements) {
    if (!member && ts.isFunctionDeclaration(statement) && statement.name?.text === first)
      return statement;
    if (member && ts.isClassDeclaration(statement) && statement.name?.text === first)
      return statement.members.find(
        (m) =>
          (m.name && ts.isIdentifier(m.name) && m.name.text === member) ||
          (member === 'constructor' && ts.isConstructorDeclaration(m)),
      );
  }
  return undefined;
}

/** The code without comments, white space, or the trailing commas a formatter adds. */
function normalise(code: string): string {
  return code
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/[^\n]*/g, '')
    .replace(/\s+/g, '')
    .replace(/,([)\]}])/g, '$1');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const folders = process.argv.slice(2);
  const problems = checkCopies(folders.length ? folders : COPY_FOLDERS);
  for (const p of problems) process.stderr.write(`${p.at}: ${p.message}\n`);
  if (problems.length) process.exit(1);
  process.stdout.write('every marked copy matches its source\n');
}
