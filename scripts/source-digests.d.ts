// Types of scripts/source-digests.js for the tests that import it.
export const TABLE: string;
export const VERSIONS: string;
export interface SourceTable {
  implementations: Record<string, { version: number | undefined; entry: string; files: string[] }>;
  files: Record<string, string>;
}
export function sourceDigest(root: string, file: string): string;
export function implementationFiles(root: string, entry: string): string[];
export function executorEntries(root: string): Record<string, string>;
export function computeTable(root: string, versions: Readonly<Record<string, number>>): SourceTable;
export function compareTable(root: string, versions: Readonly<Record<string, number>>, recorded: Partial<SourceTable>): { problems: string[]; bump: string[]; table: SourceTable };
export function readTable(root: string): Partial<SourceTable>;
