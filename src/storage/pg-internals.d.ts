/**
 * Types for the two modules of pg that submittables use (pg-cursor imports the same ones): pg exports
 * `./lib/*` but ships no declarations for them.
 */
declare module 'pg/lib/result.js' {
  export default class Result {
    constructor(rowMode?: string, types?: unknown);
    rows: unknown[];
    rowCount: number | null;
    command: string;
    addFields(fields: unknown[]): void;
    parseRow(fields: unknown[]): unknown;
    addRow(row: unknown): void;
    addCommandComplete(message: unknown): void;
  }
}

declare module 'pg/lib/utils.js' {
  const utils: { prepareValue(value: unknown): unknown };
  export default utils;
}
