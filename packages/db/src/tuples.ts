// Many rows read as one JSON array of tuples: a hot read of hundreds or thousands of small rows
// (the crawler's batches) spends most of its CPU in the driver decoding each row and column; one
// `json_agg` is one JSON.parse (a batch's 500 spec values: ~1.5 µs of CPU a product less; a
// seller's 10,000 links: ~11 → ~7 ms).
import { type SQL, sql } from 'drizzle-orm';
import type { Database } from './client.ts';

/**
 * `select <columns> <from>` as tuples in the columns' order (JSON values: numbers, strings, null;
 * a numeric column comes back a number), none when no row matches.
 */
export async function selectTuples<Tuple extends unknown[]>(
  db: Database,
  columns: SQL,
  from: SQL,
): Promise<Tuple[]> {
  const [read] = await db.execute<{ tuples: Tuple[] | null }>(
    sql`select json_agg(json_build_array(${columns})) as tuples ${from}`,
  );
  return read?.tuples ?? [];
}
