// Turns what goes wrong in the streamer's model file into a message and a
// place in that file: esbuild's syntax errors (TypeScript, through tsx), V8's
// syntax errors (JavaScript), missing imports and exceptions with a stack.

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { SourceLocation } from '../../shared/training';

/** Raised for a model file that cannot be loaded or returns unusable models; `location` points into the file when known. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';

  constructor(
    message: string,
    readonly location?: SourceLocation,
  ) {
    super(message);
  }
}

/** Time `node --check` gets to find where a JavaScript syntax error is. */
const SYNTAX_CHECK_TIMEOUT_MS = 10_000;

/** Turns an error thrown while importing the model file into a ModelFileError with its location. */
export async function importFailure(error: unknown, file: string): Promise<ModelFileError> {
  const name = basename(file);
  const message = errorMessage(error);

  const esbuild = esbuildError(message);
  if (esbuild) return new ModelFileError(`syntax error in ${name}: ${esbuild.text}`, { ...esbuild.location, file });

  // A SyntaxError with a frame in the file was thrown by running code, such as JSON.parse.
  if ((error as Error)?.name === 'SyntaxError' && !stackLocation(error, file)) {
    // V8 keeps the position of a JavaScript syntax error out of the error object, so node --check finds it again.
    const location = await syntaxErrorLocation(file);
    if (location) return new ModelFileError(`syntax error in ${name}: ${message}`, location);
  }

  const specifier = /(?:Cannot find (?:package|module)|The requested module) '([^']+)'/.exec(message)?.[1];
  if (specifier) {
    const imported = await importLine(file, specifier);
    const what = /^Cannot find/.test(message) ? `imports ${imported?.specifier ?? specifier}, which cannot be found` : 'failed to load';
    return new ModelFileError(`${name} ${what}: ${firstLine(message)}`, imported?.location);
  }

  return exceptionFailure(error, file, 'while loading');
}

/** Turns an exception from the streamer's code into a ModelFileError located at the innermost frame in the model file. */
export function exceptionFailure(error: unknown, file: string, when: string): ModelFileError {
  const kind = error instanceof Error ? error.name : 'exception';
  const text = `${basename(file)} threw ${kind} ${when}: ${firstLine(errorMessage(error))}`;
  return new ModelFileError(text, stackLocation(error, file));
}

/** Returns the innermost stack frame of `error` that lies in `file`. */
export function stackLocation(error: unknown, file: string): SourceLocation | undefined {
  const stack = typeof (error as Error)?.stack === 'string' ? (error as Error).stack! : '';
  for (const line of stack.split('\n')) {
    const frame = parseFrame(line);
    if (frame && samePath(frame.path, file)) return { file, line: frame.line, column: frame.column };
  }
  return undefined;
}

/** Returns the line of the model file's exported function, for failures that have no stack, such as a wrong return value. */
export async function exportLocation(file: string): Promise<SourceLocation | undefined> {
  const lines = await sourceLines(file);
  const index = lines.findIndex((line) => /^\s*export\s+(default\b|(async\s+)?function\b|const\b)|module\.exports\s*=/.test(line));
  return index < 0 ? undefined : { file, line: index + 1, column: lines[index].search(/\S/) + 1 };
}

/** Parses esbuild's "Transform failed" message, whose first error reads `path:line:column: ERROR: text` with a 0-based column. */
function esbuildError(message: string): { text: string; location: Omit<SourceLocation, 'file'> } | null {
  if (!message.startsWith('Transform failed')) return null;
  const match = /^(.*):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (!match) return null;
  return { text: match[4], location: { line: Number(match[2]), column: Number(match[3]) + 1 } };
}

/**
 * Finds a JavaScript syntax error with `node --check` on the file's source,
 * parsed as an ES module (or CommonJS for .cjs). Node prints the line number
 * and a caret under the column.
 */
async function syntaxErrorLocation(file: string): Promise<SourceLocation | undefined> {
  const source = await readFile(file, 'utf8').catch(() => null);
  if (source === null) return undefined;

  const inputType = file.endsWith('.cjs') ? 'commonjs' : 'module';
  const output = await checkSyntax(source, inputType);
  const lines = output.split('\n');
  const header = lines.findIndex((line) => /^\[stdin\]:\d+$/.test(line));
  if (header < 0) return undefined;

  const line = Number(lines[header].slice('[stdin]:'.length));
  const caret = lines[header + 2]?.indexOf('^') ?? -1;
  return caret < 0 ? { file, line } : { file, line, column: caret + 1 };
}

/** Runs `node --check` on `source` from stdin and returns its error output, empty when the syntax is valid. */
function checkSyntax(source: string, inputType: 'module' | 'commonjs'): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`--input-type=${inputType}`, '--check'], { stdio: ['pipe', 'ignore', 'pipe'], timeout: SYNTAX_CHECK_TIMEOUT_MS });
    let output = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (output += chunk));
    child.on('error', () => resolve(''));
    child.on('close', () => resolve(output));
    child.stdin.on('error', () => {});
    child.stdin.end(source);
  });
}

/** Finds the import of `specifier`, which Node may report resolved to an absolute path, by the file name it ends with. */
async function importLine(file: string, specifier: string): Promise<{ specifier: string; location: SourceLocation } | undefined> {
  const lines = await sourceLines(file);
  const name = basename(specifier).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(['"])([^'"]*${name})\\1`);
  for (let i = 0; i < lines.length; i++) {
    const match = pattern.exec(lines[i]);
    if (match) return { specifier: match[2], location: { file, line: i + 1, column: match.index + 1 } };
  }
  return undefined;
}

async function sourceLines(file: string): Promise<string[]> {
  const source = await readFile(file, 'utf8').catch(() => '');
  return source.split('\n');
}

/** Parses a V8 stack frame such as `at build (/path/model.ts:5:9)` or `at file:///path/model.js?v=2:3:8`. */
function parseFrame(line: string): { path: string; line: number; column: number } | null {
  const match = /^\s*at (?:async )?(?:.*? \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
  if (!match) return null;
  return { path: match[1], line: Number(match[2]), column: Number(match[3]) };
}

/** Compares a stack frame's path, which may be a file URL with the cache-busting query, with a file path. */
function samePath(framePath: string, file: string): boolean {
  const withoutQuery = framePath.replace(/[?#].*$/, '');
  try {
    return (withoutQuery.startsWith('file://') ? fileURLToPath(withoutQuery) : withoutQuery) === file;
  } catch {
    return false;
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
